//! `X-Request-Id`: taken from the request when it carries a sane one, made otherwise; echoed on
//! every response and written into every error body.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use omnera_core::backend::{Actor, Caller, WriteOptions};
use tracing::Instrument;

/// The header.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The longest request id taken from a client.
const MAX_REQUEST_ID_LENGTH: usize = 128;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled (empty outside a request).
pub(crate) fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// The options of a write that `caller` makes for the request being handled: its events carry
/// the caller's user and the request id.
pub(crate) fn write_options(caller: &Caller) -> WriteOptions {
    let options = WriteOptions::default().by(Actor::from(caller));
    match current_request_id() {
        id if id.is_empty() => options,
        id => options.for_request(id),
    }
}

/// Middleware: sets the request id for the handler and on the response.
pub(crate) async fn with_request_id(request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| is_sane_request_id(id))
        .map(str::to_owned);
    let id = given.unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let span = tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path());
    let mut response = REQUEST_ID.scope(id.clone(), next.run(request).instrument(span)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Whether a client's request id is kept: 1 to 128 visible ASCII characters (no spaces). Any
/// other is replaced, so logs and error bodies never carry a client's arbitrary text.
fn is_sane_request_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_REQUEST_ID_LENGTH && id.bytes().all(|byte| byte.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_visible_ascii_ids_are_kept() {
        for kept in ["trace-me-123", "01J0ABC", &"x".repeat(128), "a/b:c=d"] {
            assert!(is_sane_request_id(kept), "{kept}");
        }
        for replaced in ["", "has space", "tab\there", "é", &"x".repeat(129)] {
            assert!(!is_sane_request_id(replaced), "{replaced}");
        }
    }
}
