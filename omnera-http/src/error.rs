//! Errors as `application/problem+json` (RFC 9457): one table maps each kind of error to its
//! stable code, HTTP status and title. No internals reach a client; the log has them, tied to the
//! response by its request id.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omnera_core::accounts::AccountsError;
use omnera_core::backend::AccountError;
use omnera_core::backend::StorageError;
use omnera_core::record::FieldProblem;
use omnera_core::records::RecordsError;
use serde::Serialize;
use serde_json::json;

use crate::request_id::current_request_id;

pub use omnera_core::ErrorKind;

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
        let kind = error.kind();
        match error {
            StorageError::UniqueViolation { table, field } => {
                let mut error =
                    Self::new(kind, format!("{field} of table {table} must be unique; the value is taken"));
                error.errors.push(FieldError::new(field, "unique_violation", "the value is taken"));
                error
            }
            StorageError::MissingReference { field, .. } => {
                Self::invalid_field(&field, "missing_reference", "refers to a record that does not exist")
            }
            StorageError::MissingValue { field, .. } => {
                Self::invalid_field(&field, "required", "is required")
            }
            StorageError::OutsideAllowedRows { table, id: _ } => Self::new(
                kind,
                format!("your permissions on table {table} do not allow a record with these values"),
            ),
            StorageError::Conflict { table, id } => {
                Self::new(kind, format!("record {id} of table {table} changed since the ETag was read"))
            }
            StorageError::InvalidQuery { reason, .. } => Self::new(kind, format!("invalid query: {reason}")),
            StorageError::TooManyFiles { field, max, .. } => {
                Self::invalid_field(&field, "too_many_files", format!("holds at most {max} files"))
            }
            StorageError::UnknownTable { .. }
            | StorageError::NotFound { .. }
            | StorageError::FileNotFound { .. }
            | StorageError::StillReferenced { .. } => Self::new(kind, error.to_string()),
            StorageError::Unavailable { source } => {
                tracing::error!(error = %source, "database unavailable");
                Self::new(kind, "the database is unavailable")
            }
            other => {
                tracing::error!(error = %other, "storage error");
                Self::new(ErrorKind::Internal, "the request could not be completed")
            }
        }
    }
}

impl From<RecordsError> for ApiError {
    fn from(error: RecordsError) -> Self {
        let kind = error.kind();
        match error {
            RecordsError::Storage(error) => error.into(),
            RecordsError::InvalidFields(problems) => {
                Self::invalid_fields(problems.into_iter().map(FieldError::from).collect())
            }
            RecordsError::InvalidQuery { parameter, reason } => Self::bad_parameter(&parameter, reason),
            RecordsError::Internal { reason } => {
                tracing::error!(%reason, "internal error");
                Self::new(kind, "the request could not be completed")
            }
            RecordsError::NoStorage => Self::new(kind, "the app has no storage"),
            other => Self::new(kind, other.to_string()),
        }
    }
}

impl From<AccountsError> for ApiError {
    fn from(error: AccountsError) -> Self {
        let kind = error.kind();
        match error {
            AccountsError::InvalidFields(problems) => {
                Self::invalid_fields(problems.into_iter().map(FieldError::from).collect())
            }
            AccountsError::InvalidCredentials => Self::new(kind, "the credentials are not valid"),
            AccountsError::TooManyAttempts { retry_after_seconds } => {
                Self::rate_limited(error.to_string(), retry_after_seconds)
            }
            AccountsError::Store(AccountError::EmailTaken) => {
                Self::invalid_field("email", "unique_violation", "an account with this email exists")
            }
            AccountsError::Store(other) => {
                tracing::error!(error = %other, "account store");
                match kind {
                    ErrorKind::Unavailable => Self::new(kind, "the account store is unavailable"),
                    _ => Self::new(kind, "the request could not be completed"),
                }
            }
            AccountsError::Internal { reason } => {
                tracing::error!(%reason, "internal error");
                Self::new(kind, "the request could not be completed")
            }
            other => Self::new(kind, other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = current_request_id();
        let mut body = json!({
            "type": format!("https://omnera.dev/errors/{}", self.kind.code()),
            "title": self.kind.title(),
            "status": self.kind.http_status(),
            "code": self.kind.code(),
            "detail": self.detail,
            "requestId": request_id,
        });
        if !self.errors.is_empty() {
            body["errors"] = json!(self.errors);
        }
        let status =
            StatusCode::from_u16(self.kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, body.to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(seconds) = self.retry_after_seconds {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
