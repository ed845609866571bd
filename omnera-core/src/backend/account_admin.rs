//! What the users API, one-time tokens and sign-in throttling ask of an [`AccountStore`]
//! (`super::AccountStore`): changes to an account, a page of accounts, token purposes and the
//! record of failed sign-ins.

use chrono::{DateTime, Utc};

use super::User;

/// Changes to an account; `None` leaves a part as it is.
///
/// ```
/// use omnera_core::backend::UserChanges;
///
/// let changes = UserChanges::default().with_roles(vec!["sales".into()]).with_disabled(true);
/// assert_eq!(changes.disabled, Some(true));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserChanges {
    /// The user's new roles.
    pub roles: Option<Vec<String>>,
    /// Whether the account is disabled.
    pub disabled: Option<bool>,
    /// Whether the address is verified.
    pub email_verified: Option<bool>,
    /// A new password, already hashed (PHC string).
    pub password_hash: Option<String>,
}

impl UserChanges {
    /// The same changes, setting the roles.
    #[must_use]
    pub fn with_roles(mut self, roles: Vec<String>) -> Self {
        self.roles = Some(roles);
        self
    }

    /// The same changes, disabling or enabling the account.
    #[must_use]
    pub fn with_disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }

    /// The same changes, marking the address verified.
    #[must_use]
    pub fn with_email_verified(mut self) -> Self {
        self.email_verified = Some(true);
        self
    }

    /// The same changes, setting a new password hash.
    #[must_use]
    pub fn with_password_hash(mut self, hash: impl Into<String>) -> Self {
        self.password_hash = Some(hash.into());
        self
    }
}

/// A page of accounts, oldest first, and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserPage {
    /// The accounts on this page.
    pub users: Vec<User>,
    /// How many accounts there are.
    pub total: u64,
}

impl UserPage {
    /// A page as a store read it.
    pub fn new(users: Vec<User>, total: u64) -> Self {
        Self { users, total }
    }
}

/// What a one-time token proves when it is redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenPurpose {
    /// The holder may set a new password.
    PasswordReset,
    /// The holder owns the address.
    EmailVerification,
}

impl TokenPurpose {
    /// The purpose's stable name, as stores keep it.
    ///
    /// ```
    /// assert_eq!(omnera_core::backend::TokenPurpose::PasswordReset.as_str(), "password_reset");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::EmailVerification => "email_verification",
        }
    }
}

/// Failed sign-ins under one key (an account or a client address) since some moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailedSignIns {
    /// How many there were.
    pub count: u32,
    /// When the latest of them happened.
    pub latest: Option<DateTime<Utc>>,
}

impl FailedSignIns {
    /// The failures as a store counted them.
    pub fn new(count: u32, latest: Option<DateTime<Utc>>) -> Self {
        Self { count, latest }
    }
}
