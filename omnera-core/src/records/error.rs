//! Why a call to the records service failed, and which [`ErrorKind`] each failure is.

use crate::ErrorKind;
use crate::app::HookRejection;
use crate::backend::StorageError;
use crate::record::FieldProblem;

/// Why a call to the records service failed. Every transport renders it through
/// [`RecordsError::kind`], so the same failure has the same code everywhere.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordsError {
    /// No table of that name.
    #[error("table {table} not found")]
    UnknownTable {
        /// The table asked for.
        table: String,
    },
    /// No such record, or one the caller may not see (the answer is the same).
    #[error("record {id} not found in table {table}")]
    NotFound {
        /// The table.
        table: String,
        /// The record.
        id: i64,
    },
    /// An anonymous caller asked for something that needs a signed-in user.
    #[error("sign in to {action}")]
    SignInRequired {
        /// What they tried, such as `read these records`.
        action: String,
    },
    /// The caller may not do this.
    #[error("{reason}")]
    Forbidden {
        /// What they may not do, for them.
        reason: String,
    },
    /// A part of the query (`filter`, `expand`) reaches something the caller may not use.
    #[error("invalid parameter `{parameter}`: {reason}")]
    InvalidQuery {
        /// The part of the query, as the API names it.
        parameter: String,
        /// What is wrong.
        reason: String,
    },
    /// The draft's values are not valid; every problem is listed.
    #[error("{} field(s) are invalid", .0.len())]
    InvalidFields(Vec<FieldProblem>),
    /// A before-hook refused the write.
    #[error("{0}")]
    Rejected(#[from] HookRejection),
    /// The app has no storage (its config has no tables).
    #[error("the app has no storage")]
    NoStorage,
    /// The storage failed or refused the write.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Something that cannot happen did: a bug, logged with its cause, never shown.
    #[error("internal error: {reason}")]
    Internal {
        /// What went wrong, for the log.
        reason: String,
    },
}

impl RecordsError {
    /// The kind of failure: its stable code and status.
    ///
    /// ```
    /// use omnera_core::ErrorKind;
    /// use omnera_core::records::RecordsError;
    ///
    /// let error = RecordsError::NotFound { table: "deals".into(), id: 7 };
    /// assert_eq!(error.kind(), ErrorKind::NotFound);
    /// assert_eq!(error.to_string(), "record 7 not found in table deals");
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownTable { .. } | Self::NotFound { .. } => ErrorKind::NotFound,
            Self::SignInRequired { .. } => ErrorKind::Unauthorized,
            Self::Forbidden { .. } => ErrorKind::Forbidden,
            Self::InvalidQuery { .. } => ErrorKind::BadRequest,
            Self::InvalidFields(_) => ErrorKind::ValidationFailed,
            Self::Rejected(_) => ErrorKind::Rejected,
            Self::NoStorage => ErrorKind::Unavailable,
            Self::Storage(error) => error.kind(),
            Self::Internal { .. } => ErrorKind::Internal,
        }
    }

    /// A bug: something the storage promised did not happen.
    pub(crate) fn internal(reason: impl Into<String>) -> Self {
        Self::Internal { reason: reason.into() }
    }

    /// A denial: anonymous callers are asked to sign in, others are refused.
    pub(crate) fn denied(caller: &crate::backend::Caller, action: &str) -> Self {
        if caller.is_anonymous() {
            Self::SignInRequired { action: action.to_owned() }
        } else {
            Self::Forbidden { reason: format!("you may not {action}") }
        }
    }
}

impl StorageError {
    /// The kind of failure: its stable code and status. A database that cannot be reached is
    /// [`ErrorKind::Unavailable`]; a row the engine cannot read back is [`ErrorKind::Internal`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownTable { .. } | Self::NotFound { .. } | Self::FileNotFound { .. } => {
                ErrorKind::NotFound
            }
            Self::UniqueViolation { .. } => ErrorKind::UniqueViolation,
            Self::MissingReference { .. } | Self::MissingValue { .. } | Self::TooManyFiles { .. } => {
                ErrorKind::ValidationFailed
            }
            Self::StillReferenced { .. } => ErrorKind::StillReferenced,
            Self::OutsideAllowedRows { .. } => ErrorKind::Forbidden,
            Self::Conflict { .. } => ErrorKind::PreconditionFailed,
            Self::InvalidQuery { .. } => ErrorKind::BadRequest,
            Self::Unavailable { .. } => ErrorKind::Unavailable,
            Self::DataLossRefused { .. } | Self::Corrupt { .. } => ErrorKind::Internal,
        }
    }
}
