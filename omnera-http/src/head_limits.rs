//! Limits on a request's head, answered as problems like every other error: a target (path and
//! query) longer than [`MAX_URI_LENGTH`] is a 414 `uri_too_long`, header fields of more than
//! [`MAX_HEADER_BYTES`] in all a 431 `request_header_fields_too_large`.
//!
//! hyper has limits of its own and answers them itself, with an empty body, before any layer
//! runs: a target of 65,535 bytes or more (414), and more than 100 header fields or a head past
//! its read buffer of about 400 KiB (431). These limits sit well below hyper's, so the requests a
//! client can plausibly send get a problem body with a request id; only heads past hyper's limits
//! get its bare answer.

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorKind};

/// The longest request target (path and query) served, in bytes: 8 KiB, as common proxies allow.
pub const MAX_URI_LENGTH: usize = 8 * 1024;

/// The most bytes of header fields a request may carry, counted as on the wire (`name: value`
/// and a line break per field): 32 KiB, four times what a proxy allows a single field.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Middleware: refuses a request whose target or header fields are too long.
pub(crate) async fn refuse_oversized_heads(request: Request, next: Next) -> Response {
    let target = request.uri().path_and_query().map_or(0, |target| target.as_str().len());
    if target > MAX_URI_LENGTH {
        return ApiError::new(
            ErrorKind::UriTooLong,
            format!("the request target has {target} bytes; at most {MAX_URI_LENGTH} are served"),
        )
        .into_response();
    }
    let header_bytes = header_bytes(request.headers());
    if header_bytes > MAX_HEADER_BYTES {
        return ApiError::new(
            ErrorKind::HeaderFieldsTooLarge,
            format!("the header fields have {header_bytes} bytes; at most {MAX_HEADER_BYTES} are served"),
        )
        .into_response();
    }
    next.run(request).await
}

/// The size of the header fields as HTTP/1.1 writes them: `name: value\r\n` each.
fn header_bytes(headers: &HeaderMap) -> usize {
    headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn header_fields_are_counted_as_on_the_wire() {
        let mut headers = HeaderMap::new();
        headers.insert("x-a", HeaderValue::from_static("12345"));
        headers.append("x-a", HeaderValue::from_static("6"));
        assert_eq!(header_bytes(&headers), (3 + 5 + 4) + (3 + 1 + 4));
    }
}
