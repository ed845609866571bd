//! ETags of records and conditional writes with `If-Match`.

use axum::http::{HeaderMap, header};
use omnera_core::backend::Record;

use crate::error::{ApiError, ErrorKind};

/// `"<id>.<version>"`: changes with every write of the record.
pub(crate) fn etag_of(record: &Record) -> String {
    format!("\"{}.{}\"", record.id, record.version)
}

/// The version `If-Match` requires, if the header is there; `*` requires only that the record
/// exists. An ETag of another record, or one that does not parse, can never match: 412.
pub(crate) fn expected_version(headers: &HeaderMap, id: i64) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    let unquoted = text.trim_start_matches("W/").trim_matches('"');
    match unquoted.split_once('.').map(|(record, version)| (record.parse::<i64>(), version.parse::<i64>())) {
        Some((Ok(record), Ok(version))) if record == id => Ok(Some(version)),
        _ => Err(ApiError::new(
            ErrorKind::PreconditionFailed,
            format!("If-Match {text} does not match record {id}"),
        )),
    }
}
