//! Downloads with the stored type, a safe `Content-Disposition`, an ETag and single ranges,
//! streamed from the blob store: only the bytes asked for are read, a chunk at a time.
//!
//! Every download is an attachment under a policy that lets nothing run: a file of an active
//! type (HTML, SVG, XML) that a browser opened would otherwise run its scripts with the app's
//! origin, its cookies and its API.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omnera_core::backend::BlobGetOptions;
use omnera_core::config::PermissionAction;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::names::sanitized_file_name;
use super::{authorized_attachment, parse_id};
use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;

pub(super) async fn download(
    State(state): State<ApiState>,
    Path((table, id, field, file)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (attachment, record_id, _) =
        authorized_attachment(&state, &headers, &table, &id, &field, PermissionAction::Read).await?;
    let file_id = parse_id(&file, "file")?;
    let stored = state
        .storage()?
        .record_files(attachment.table.name(), record_id)
        .await?
        .into_iter()
        .find(|file| file.field == attachment.field.name() && file.id == file_id)
        .ok_or_else(|| {
            ApiError::new(ErrorKind::NotFound, format!("file {file_id} not found on record {record_id}"))
        })?;
    let etag = format!("\"file-{}\"", stored.id);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag))
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let total = stored.size;
    let range = headers
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok())
        .filter(|_| if_range_holds(&headers, &etag))
        .map(|value| parse_range(value, total));
    let (status, bytes, content_range) = match range {
        Some(Some((start, end))) => {
            (StatusCode::PARTIAL_CONTENT, Some(start..end + 1), Some(format!("bytes {start}-{end}/{total}")))
        }
        Some(None) => {
            let mut response = ApiError::new(
                ErrorKind::RangeNotSatisfiable,
                format!("the range asked for lies outside the file's {total} bytes"),
            )
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{total}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(response);
        }
        None => (StatusCode::OK, None, None),
    };
    let blobs = super::blob_store_for(&state, attachment.options)?;
    let options =
        bytes.map_or_else(BlobGetOptions::default, |bytes| BlobGetOptions::default().with_range(bytes));
    let read = blobs.get(&stored.location, options).await.map_err(|error| {
        tracing::error!(%error, "blob store read failed");
        ApiError::new(ErrorKind::Unavailable, "the blob store is unavailable")
    })?;
    let length = read.range.end - read.range.start;
    let mut response = (status, Body::from_stream(read.body)).into_response();
    let response_headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response_headers.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, stored.mime_type.clone());
    set(header::CONTENT_DISPOSITION, content_disposition(&stored.name));
    set(header::CONTENT_SECURITY_POLICY, DOWNLOAD_CONTENT_SECURITY_POLICY.to_owned());
    set(header::ETAG, etag);
    set(header::ACCEPT_RANGES, "bytes".to_owned());
    set(header::CONTENT_LENGTH, length.to_string());
    if let Some(content_range) = content_range {
        set(header::CONTENT_RANGE, content_range);
    }
    Ok(response)
}

/// Whether a `Range` may be served: always without `If-Range`; with one, only when it is the
/// file's ETag by strong comparison (RFC 9110, 13.1.5). A date, a weak or another ETag means the
/// client's partial copy may be stale, so the whole file is sent.
fn if_range_holds(headers: &HeaderMap, etag: &str) -> bool {
    match headers.get(header::IF_RANGE) {
        None => true,
        Some(value) => value.to_str().is_ok_and(|value| value.trim() == etag),
    }
}

/// The policy of every download: no script, style, frame, form or fetch of its own, and a
/// sandbox (a unique origin, no scripts), should a browser render it despite `attachment`.
const DOWNLOAD_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; sandbox";

/// `attachment; filename="safe ascii"; filename*=UTF-8''percent-encoded`, from the name made safe
/// again (names stored before uploads were cleaned may still hold a path or control characters).
fn content_disposition(name: &str) -> String {
    let name = sanitized_file_name(name);
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(&name, NON_ALPHANUMERIC)
    )
}

/// One range of `bytes=a-b`, `bytes=a-` or `bytes=-n`, clamped to the file; `None` when it
/// cannot be satisfied. Several ranges are answered with the first.
fn parse_range(header: &str, total: u64) -> Option<(u64, u64)> {
    let spec = header.strip_prefix("bytes=")?.split(',').next()?.trim();
    let (start, end) = spec.split_once('-')?;
    let last = total.checked_sub(1)?;
    let (start, end) = match (start.parse::<u64>().ok(), end.parse::<u64>().ok()) {
        (Some(start), Some(end)) => (start, end.min(last)),
        (Some(start), None) if end.is_empty() => (start, last),
        (None, Some(suffix)) if start.is_empty() && suffix > 0 => (total.saturating_sub(suffix), last),
        _ => return None,
    };
    (start <= end && start < total).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_clamped_and_impossible_ones_refused() {
        assert_eq!(parse_range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=95-200", 100), Some((95, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=5-1", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }

    #[test]
    fn if_range_needs_the_same_strong_etag() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_RANGE, HeaderValue::from_str(value).unwrap());
            if_range_holds(&headers, "\"file-7\"")
        };
        assert!(if_range_holds(&HeaderMap::new(), "\"file-7\""));
        assert!(with("\"file-7\""));
        assert!(!with("W/\"file-7\""), "a weak ETag never matches strongly");
        assert!(!with("\"file-8\""));
        assert!(!with("Wed, 21 Oct 2015 07:28:00 GMT"), "a date is taken as not matching");
    }

    #[test]
    fn a_file_name_never_breaks_the_header() {
        assert_eq!(
            content_disposition(r#"a"b.pdf"#),
            r#"attachment; filename="a_b.pdf"; filename*=UTF-8''a%22b%2Epdf"#
        );
        assert_eq!(
            content_disposition("../../etc/passwd\r\n"),
            r#"attachment; filename="passwd"; filename*=UTF-8''passwd"#
        );
        assert_eq!(
            content_disposition("résumé\u{202E}fdp.exe"),
            r#"attachment; filename="r_sum_fdp.exe"; filename*=UTF-8''r%C3%A9sum%C3%A9fdp%2Eexe"#
        );
    }
}
