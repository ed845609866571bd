//! Users and sessions: the account store behind sign-up, sign-in and sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{
    ApiKeyScope, ExternalAccount, FailedSignIns, PendingSignIn, TokenPurpose, UserChanges, UserPage,
};

/// A user of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct User {
    /// The user's id (a 64-bit integer, like record ids).
    pub id: i64,
    /// The sign-in address, lower-cased domain.
    pub email: String,
    /// The display name.
    pub name: Option<String>,
    /// The user's roles (`anonymous` is implied).
    pub roles: Vec<String>,
    /// A disabled user's sessions stop working at once.
    pub disabled: bool,
    /// Whether the address was verified.
    pub email_verified: bool,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
}

impl User {
    /// A user as a store read it back.
    pub fn new(
        id: i64,
        email: String,
        name: Option<String>,
        roles: Vec<String>,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self { id, email, name, roles, disabled: false, email_verified: false, created_at }
    }
}

/// An account to create; the password is already hashed (Argon2id, PHC string).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewUser {
    /// The sign-in address.
    pub email: String,
    /// The display name.
    pub name: Option<String>,
    /// The password's PHC hash.
    pub password_hash: String,
    /// The roles to start with.
    pub roles: Vec<String>,
    /// Whether the address counts as verified from the start (accounts an operator creates).
    pub email_verified: bool,
}

impl NewUser {
    /// An account with these details, its address not yet verified.
    pub fn new(
        email: impl Into<String>,
        name: Option<String>,
        password_hash: impl Into<String>,
        roles: Vec<String>,
    ) -> Self {
        Self { email: email.into(), name, password_hash: password_hash.into(), roles, email_verified: false }
    }

    /// An account that signs in through an outside provider only: its hash is empty, so no
    /// password matches it until one is set through a password reset.
    ///
    /// ```
    /// use omnera_core::backend::NewUser;
    ///
    /// let user = NewUser::without_password("ann@example.com", Some("Ann".into()), vec![]);
    /// assert!(user.password_hash.is_empty());
    /// ```
    pub fn without_password(email: impl Into<String>, name: Option<String>, roles: Vec<String>) -> Self {
        Self::new(email, name, String::new(), roles)
    }

    /// The same account with its address counted as verified.
    #[must_use]
    pub fn verified(mut self) -> Self {
        self.email_verified = true;
        self
    }
}

/// An API key of a user (its secret is never kept, only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiKey {
    /// The key's id.
    pub id: i64,
    /// The name its owner gave it.
    pub name: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// The tables and actions it is limited to (`None`: whatever its user may do).
    pub scopes: Option<Vec<ApiKeyScope>>,
}

impl ApiKey {
    /// A key as a store read it back, without scopes.
    pub fn new(id: i64, name: String, created_at: DateTime<Utc>, expires_at: Option<DateTime<Utc>>) -> Self {
        Self { id, name, created_at, expires_at, scopes: None }
    }

    /// The same key, limited to `scopes`.
    #[must_use]
    pub fn with_scopes(mut self, scopes: Option<Vec<ApiKeyScope>>) -> Self {
        self.scopes = scopes;
        self
    }
}

/// An API key to make: its name, the hash of its secret, and optionally an expiry and scopes.
///
/// ```
/// use omnera_core::backend::{ApiKeyScope, NewApiKey};
/// use omnera_core::config::PermissionAction;
///
/// let key = NewApiKey::new("ci", "5e8f…hash").with_scopes(vec![ApiKeyScope::new("deals", [PermissionAction::Read])]);
/// assert_eq!(key.scopes.as_ref().map(Vec::len), Some(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewApiKey {
    /// The name its owner gives it.
    pub name: String,
    /// The hash of its secret (the secret itself is never kept).
    pub key_hash: String,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// The tables and actions it is limited to (`None`: whatever its user may do).
    pub scopes: Option<Vec<ApiKeyScope>>,
}

impl NewApiKey {
    /// A key named `name` whose secret hashes to `key_hash`, without expiry or scopes.
    pub fn new(name: impl Into<String>, key_hash: impl Into<String>) -> Self {
        Self { name: name.into(), key_hash: key_hash.into(), expires_at: None, scopes: None }
    }

    /// The same key, expiring at `at`.
    #[must_use]
    pub fn expiring_at(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.expires_at = at;
        self
    }

    /// The same key, limited to `scopes`.
    #[must_use]
    pub fn with_scopes(mut self, scopes: Vec<ApiKeyScope>) -> Self {
        self.scopes = Some(scopes);
        self
    }
}

/// The user an API key acts for, and the key's scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyHolder {
    /// The key's user.
    pub user: User,
    /// The tables and actions the key is limited to (`None`: whatever its user may do).
    pub scopes: Option<Vec<ApiKeyScope>>,
}

impl KeyHolder {
    /// The user of a key, and the key's scopes.
    pub fn new(user: User, scopes: Option<Vec<ApiKeyScope>>) -> Self {
        Self { user, scopes }
    }
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// An account with that address exists.
    #[error("an account with that email exists")]
    EmailTaken,
    /// A row the store keeps does not read back as it was written (a missing or malformed
    /// value): damage or a bug. Log it; show callers no detail.
    #[error("corrupt data in {table}: {reason}")]
    Corrupt {
        /// The table holding the row.
        table: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The store failed or could not be reached.
    #[error("the account store is unavailable: {source}")]
    Unavailable {
        /// The store's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Where users and everything that proves who they are live: one handle over the stores of each
/// job ([`UserStore`], [`SessionStore`], [`ApiKeyStore`], [`OneTimeTokenStore`],
/// [`SignInFailureStore`], [`ExternalSignInStore`]). `omnera-sql` keeps them in system tables,
/// shared by every instance; tokens and keys reach them only as hashes. Anything that implements
/// the six is an `AccountStore`.
pub trait AccountStore:
    UserStore + SessionStore + ApiKeyStore + OneTimeTokenStore + SignInFailureStore + ExternalSignInStore
{
}

impl<T> AccountStore for T where
    T: UserStore + SessionStore + ApiKeyStore + OneTimeTokenStore + SignInFailureStore + ExternalSignInStore
{
}

/// The accounts themselves: made, found, listed and changed.
#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// Creates an account.
    async fn create_user(&self, user: NewUser) -> Result<User, AccountError>;

    /// The account with this address (compared case-insensitively) and its password hash.
    async fn user_by_email(&self, email: &str) -> Result<Option<(User, String)>, AccountError>;

    /// The account with this id.
    async fn user(&self, id: i64) -> Result<Option<User>, AccountError>;

    /// A page of accounts, oldest first: `limit` of them after skipping `offset`.
    async fn users(&self, offset: u64, limit: u64) -> Result<UserPage, AccountError>;

    /// Whether an account that is not disabled has the `admin` role: a host tells at start-up
    /// whether someone can administer the app yet.
    async fn has_admin(&self) -> Result<bool, AccountError>;

    /// Changes an account; `None` when there is no account with this id.
    async fn update_user(&self, id: i64, changes: UserChanges) -> Result<Option<User>, AccountError>;
}

/// Sessions, kept by the hash of their token.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Starts a session for a user until `expires_at`.
    async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), AccountError>;

    /// The user of a session that has not expired at `now`.
    async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>, AccountError>;

    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> Result<(), AccountError>;

    /// Ends every session of a user except the one whose token hashes to `keep`.
    async fn end_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<(), AccountError>;
}

/// API keys, kept by the hash of the key.
#[async_trait]
pub trait ApiKeyStore: Send + Sync + 'static {
    /// Makes an API key for a user.
    async fn create_api_key(&self, user_id: i64, key: NewApiKey) -> Result<ApiKey, AccountError>;

    /// A user's API keys that are not revoked, oldest first.
    async fn api_keys(&self, user_id: i64) -> Result<Vec<ApiKey>, AccountError>;

    /// Revokes one of a user's API keys; returns whether it existed.
    async fn revoke_api_key(&self, user_id: i64, key_id: i64) -> Result<bool, AccountError>;

    /// The user of an API key that is neither revoked nor expired at `now`, with the key's scopes.
    async fn api_key_user(
        &self,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<KeyHolder>, AccountError>;
}

/// One-time tokens sent by email (password resets, address verification), kept by their hash.
#[async_trait]
pub trait OneTimeTokenStore: Send + Sync + 'static {
    /// Keeps a one-time token (its hash) for a user and a purpose until `expires_at`.
    async fn create_one_time_token(
        &self,
        user_id: i64,
        purpose: TokenPurpose,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), AccountError>;

    /// Redeems a one-time token that has not expired at `now`: returns its user and makes the
    /// token (and every other token of that user for the same purpose) unusable.
    async fn redeem_one_time_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, AccountError>;
}

/// Failed sign-ins, counted per key, so that every instance slows the same tries down.
#[async_trait]
pub trait SignInFailureStore: Send + Sync + 'static {
    /// Notes a failed sign-in under each key (such as `account:ann@example.com`, `address:…`).
    async fn record_failed_sign_in(&self, keys: &[String], at: DateTime<Utc>) -> Result<(), AccountError>;

    /// The failed sign-ins under `key` since `since`.
    async fn failed_sign_ins(&self, key: &str, since: DateTime<Utc>) -> Result<FailedSignIns, AccountError>;

    /// Forgets the failed sign-ins under `key` (after a successful one).
    async fn clear_failed_sign_ins(&self, key: &str) -> Result<(), AccountError>;
}

/// Sign-ins through outside providers: the ones under way, and the outside accounts linked to users.
#[async_trait]
pub trait ExternalSignInStore: Send + Sync + 'static {
    /// Keeps a sign-in sent to an OAuth provider under the hash of its `state`.
    async fn start_external_sign_in(
        &self,
        state_hash: &str,
        pending: PendingSignIn,
    ) -> Result<(), AccountError>;

    /// Takes back a sign-in that has not expired at `now`; it cannot be taken twice.
    async fn finish_external_sign_in(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingSignIn>, AccountError>;

    /// The user an outside account is linked to.
    async fn linked_user(&self, account: &ExternalAccount) -> Result<Option<User>, AccountError>;

    /// Links an outside account to a user, so that it signs in as them from now on.
    async fn link_account(&self, user_id: i64, account: &ExternalAccount) -> Result<(), AccountError>;
}
