//! Why a call to the accounts service failed, and which [`ErrorKind`] each failure is.

use crate::ErrorKind;
use crate::backend::AccountError;
use crate::record::FieldProblem;

/// Why a call to the accounts service failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountsError {
    /// Values given are not valid; every problem is listed.
    #[error("{} field(s) are invalid", .0.len())]
    InvalidFields(Vec<FieldProblem>),
    /// Wrong credentials, or a disabled account: the answer does not say which.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// A one-time token that is unknown, used or expired.
    #[error("the token is not valid or has expired")]
    InvalidToken,
    /// Too many failed sign-ins: the next try may come after `retry_after_seconds`.
    #[error("too many failed sign-ins; wait before trying again")]
    TooManyAttempts {
        /// How long to wait.
        retry_after_seconds: u64,
    },
    /// What was asked is not allowed in this app (sign-up closed, no passwords, an unverified
    /// address).
    #[error("{reason}")]
    NotAllowed {
        /// Why, for the person asking.
        reason: String,
    },
    /// The app has no account store, or no mailer to send what the flow needs.
    #[error("{what} is unavailable")]
    Unavailable {
        /// What is missing or down.
        what: String,
    },
    /// The account store failed.
    #[error(transparent)]
    Store(#[from] AccountError),
    /// Something that cannot happen did; logged, never shown.
    #[error("internal error: {reason}")]
    Internal {
        /// What went wrong, for the log.
        reason: String,
    },
}

impl AccountsError {
    /// The kind of failure: its stable code and status.
    ///
    /// ```
    /// use omnera_core::ErrorKind;
    /// use omnera_core::accounts::AccountsError;
    ///
    /// assert_eq!(AccountsError::InvalidCredentials.kind(), ErrorKind::Unauthorized);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidFields(_) | Self::Store(AccountError::EmailTaken) => ErrorKind::ValidationFailed,
            Self::InvalidCredentials | Self::InvalidToken => ErrorKind::Unauthorized,
            Self::TooManyAttempts { .. } => ErrorKind::RateLimited,
            Self::NotAllowed { .. } => ErrorKind::Forbidden,
            Self::Unavailable { .. } | Self::Store(AccountError::Unavailable { .. }) => {
                ErrorKind::Unavailable
            }
            Self::Store(AccountError::Corrupt { .. }) | Self::Internal { .. } => ErrorKind::Internal,
        }
    }

    pub(crate) fn internal(reason: impl Into<String>) -> Self {
        Self::Internal { reason: reason.into() }
    }

    pub(crate) fn not_allowed(reason: impl Into<String>) -> Self {
        Self::NotAllowed { reason: reason.into() }
    }
}
