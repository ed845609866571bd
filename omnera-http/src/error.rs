//! Errors as `application/problem+json` (RFC 9457): one table maps each kind of error to its
//! stable code, HTTP status and title. No internals reach a client; the log has them, tied to the
//! response by its request id.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omnera_core::backend::StorageError;
use omnera_core::record::FieldProblem;
use serde::Serialize;
use serde_json::json;

use crate::request_id::current_request_id;

/// Declares [`ErrorKind`] with its code, status and title in one table.
macro_rules! error_kinds {
    ($($(#[doc = $doc:literal])* $kind:ident => ($status:expr, $code:literal, $title:literal),)*) => {
        /// What went wrong, as the API reports it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[doc = $doc])* $kind,)*
        }

        impl ErrorKind {
            /// Every kind, in the order of the table.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind,)*];

            /// The stable snake_case code.
            pub fn code(self) -> &'static str {
                match self { $(Self::$kind => $code,)* }
            }

            /// The HTTP status.
            pub fn status(self) -> StatusCode {
                match self { $(Self::$kind => $status,)* }
            }

            /// The problem's title.
            pub fn title(self) -> &'static str {
                match self { $(Self::$kind => $title,)* }
            }
        }
    };
}

error_kinds! {
    /// A query parameter is unknown, malformed or out of range.
    BadRequest => (StatusCode::BAD_REQUEST, "bad_request", "Bad Request"),
    /// The body is not valid JSON, or not of the expected shape.
    InvalidJson => (StatusCode::BAD_REQUEST, "invalid_json", "Bad Request"),
    /// No credentials, or bad ones.
    Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized"),
    /// Valid credentials that are not allowed to do this.
    Forbidden => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
    /// No such table, record or route.
    NotFound => (StatusCode::NOT_FOUND, "not_found", "Not Found"),
    /// The route exists but not with this method.
    MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Method Not Allowed"),
    /// A unique value is taken.
    UniqueViolation => (StatusCode::CONFLICT, "unique_violation", "Conflict"),
    /// A delete was refused because other records still refer to this one.
    StillReferenced => (StatusCode::CONFLICT, "still_referenced", "Conflict"),
    /// The record changed since the `If-Match` ETag was read.
    PreconditionFailed => (StatusCode::PRECONDITION_FAILED, "precondition_failed", "Precondition Failed"),
    /// The body is larger than allowed.
    PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "Content Too Large"),
    /// The request's target (path and query) is longer than allowed.
    UriTooLong => (StatusCode::URI_TOO_LONG, "uri_too_long", "URI Too Long"),
    /// The body's media type is not accepted.
    UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Unsupported Media Type"),
    /// A `Range` that lies outside the file; `Content-Range: bytes */size` says its size.
    RangeNotSatisfiable => (StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable", "Range Not Satisfiable"),
    /// One or more fields of a record are invalid.
    ValidationFailed => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "Unprocessable Content"),
    /// Too many requests; retry after the given seconds.
    RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too Many Requests"),
    /// The request's header fields are larger than allowed, in all.
    HeaderFieldsTooLarge => (
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "request_header_fields_too_large",
        "Request Header Fields Too Large"
    ),
    /// Something failed inside; the log has the details.
    Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal Server Error"),
    /// A dependency (the database, the blob store) is down.
    Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service Unavailable"),
}

/// A problem with one field, in an error body's `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field, or the parameter.
    pub field: String,
    /// A stable code.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

impl From<FieldProblem> for FieldError {
    fn from(problem: FieldProblem) -> Self {
        Self { field: problem.field, code: problem.code.to_owned(), message: problem.message }
    }
}

/// An error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    kind: ErrorKind,
    detail: String,
    errors: Vec<FieldError>,
    retry_after_seconds: Option<u64>,
}

impl ApiError {
    /// An error of `kind` with a detail for people.
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into(), errors: Vec::new(), retry_after_seconds: None }
    }

    /// A 429 that tells the client, in `Retry-After`, when to try again.
    pub(crate) fn rate_limited(detail: impl Into<String>, retry_after_seconds: u64) -> Self {
        Self {
            retry_after_seconds: Some(retry_after_seconds.max(1)),
            ..Self::new(ErrorKind::RateLimited, detail)
        }
    }

    /// A 422 about one field.
    pub(crate) fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::invalid_fields(vec![FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }])
    }

    /// A 400 naming the parameter.
    pub(crate) fn bad_parameter(parameter: &str, reason: impl std::fmt::Display) -> Self {
        let mut error =
            Self::new(ErrorKind::BadRequest, format!("invalid parameter `{parameter}`: {reason}"));
        error.errors.push(FieldError {
            field: parameter.to_owned(),
            code: "invalid_parameter".to_owned(),
            message: reason.to_string(),
        });
        error
    }

    /// A 422 listing every field problem.
    pub(crate) fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "1 field is invalid".to_owned(),
            count => format!("{count} fields are invalid"),
        };
        Self { errors, ..Self::new(ErrorKind::ValidationFailed, detail) }
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The field problems of a validation error.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::UnknownTable { table } => {
                Self::new(ErrorKind::NotFound, format!("table {table} not found"))
            }
            StorageError::NotFound { table, id } => {
                Self::new(ErrorKind::NotFound, format!("record {id} not found in table {table}"))
            }
            StorageError::UniqueViolation { table, field } => {
                let mut error = Self::new(
                    ErrorKind::UniqueViolation,
                    format!("{field} of table {table} must be unique; the value is taken"),
                );
                error.errors.push(FieldError {
                    field,
                    code: "unique_violation".to_owned(),
                    message: "the value is taken".to_owned(),
                });
                error
            }
            StorageError::MissingReference { field, .. } => {
                Self::invalid_field(&field, "missing_reference", "refers to a record that does not exist")
            }
            StorageError::MissingValue { field, .. } => {
                Self::invalid_field(&field, "required", "is required")
            }
            StorageError::StillReferenced { table, id, referencing_table } => Self::new(
                ErrorKind::StillReferenced,
                format!("record {id} of table {table} is still referenced by table {referencing_table}"),
            ),
            StorageError::FileNotFound { table, record_id, field, id } => Self::new(
                ErrorKind::NotFound,
                format!("file {id} not found on {field} of record {record_id} in table {table}"),
            ),
            StorageError::OutsideAllowedRows { table, id: _ } => Self::new(
                ErrorKind::Forbidden,
                format!("your permissions on table {table} do not allow a record with these values"),
            ),
            StorageError::Conflict { table, id } => Self::new(
                ErrorKind::PreconditionFailed,
                format!("record {id} of table {table} changed since the ETag was read"),
            ),
            StorageError::InvalidQuery { reason, .. } => {
                Self::new(ErrorKind::BadRequest, format!("invalid query: {reason}"))
            }
            StorageError::Unavailable { source } => {
                tracing::error!(error = %source, "database unavailable");
                Self::new(ErrorKind::Unavailable, "the database is unavailable")
            }
            other => {
                tracing::error!(error = %other, "storage error");
                Self::new(ErrorKind::Internal, "the request could not be completed")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = current_request_id();
        let mut body = json!({
            "type": format!("https://omnera.dev/errors/{}", self.kind.code()),
            "title": self.kind.title(),
            "status": self.kind.status().as_u16(),
            "code": self.kind.code(),
            "detail": self.detail,
            "requestId": request_id,
        });
        if !self.errors.is_empty() {
            body["errors"] = json!(self.errors);
        }
        let mut response = (self.kind.status(), body.to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(seconds) = self.retry_after_seconds {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
