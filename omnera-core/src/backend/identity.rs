//! Who is calling and what they may do.

use async_trait::async_trait;

use crate::config::PermissionAction;
use crate::query::FilterExpr;

/// The identity behind a request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Caller {
    /// The user's id; `None` for anonymous callers.
    pub user_id: Option<i64>,
    /// The user's roles (`anonymous` is implied for everyone).
    pub roles: Vec<String>,
    /// What the caller's API key is limited to, when it came with a key that has scopes; then
    /// nothing outside them is allowed, whatever the roles say.
    pub scopes: Option<Vec<ApiKeyScope>>,
    /// The engine itself acting under a name (an automation's, say) and the roles it holds.
    pub system: Option<String>,
    /// The request this call serves, for the outbox and the logs.
    pub request_id: Option<String>,
}

/// One table an API key may be used on, and the actions it may take there.
///
/// ```
/// use omnera_core::backend::ApiKeyScope;
/// use omnera_core::config::PermissionAction;
///
/// let scope = ApiKeyScope::new("contacts", [PermissionAction::Read]);
/// assert!(scope.allows("contacts", PermissionAction::Read));
/// assert!(!scope.allows("contacts", PermissionAction::Delete));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ApiKeyScope {
    /// The table's name.
    pub table: String,
    /// The actions allowed on it.
    pub actions: Vec<PermissionAction>,
}

impl ApiKeyScope {
    /// `actions` on `table`.
    pub fn new(table: impl Into<String>, actions: impl IntoIterator<Item = PermissionAction>) -> Self {
        Self { table: table.into(), actions: actions.into_iter().collect() }
    }

    /// Whether this scope allows `action` on `table`.
    pub fn allows(&self, table: &str, action: PermissionAction) -> bool {
        self.table == table && self.actions.contains(&action)
    }
}

impl Caller {
    /// A caller without credentials.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// A signed-in user with roles.
    ///
    /// ```
    /// let caller = omnera_core::backend::Caller::user(7, ["sales"]);
    /// assert!(caller.has_role("sales") && caller.has_role("anonymous") && !caller.is_admin());
    /// ```
    pub fn user(id: i64, roles: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self { user_id: Some(id), roles: roles.into_iter().map(Into::into).collect(), ..Self::default() }
    }

    /// The engine itself, acting as `name` (an automation, a job) under `roles`: permissions,
    /// hooks and validation apply as they do to a user with those roles.
    ///
    /// ```
    /// let caller = omnera_core::backend::Caller::system("invoice-reminders", ["billing"]);
    /// assert!(caller.has_role("billing") && caller.user_id.is_none());
    /// assert_eq!(caller.system.as_deref(), Some("invoice-reminders"));
    /// ```
    pub fn system(name: impl Into<String>, roles: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            system: Some(name.into()),
            roles: roles.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// The same caller, serving the request `id`.
    #[must_use]
    pub fn for_request(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Whether the caller is neither a user nor the system: a denial asks them to sign in.
    pub fn is_anonymous(&self) -> bool {
        self.user_id.is_none() && self.system.is_none()
    }

    /// The same caller, limited to what an API key's scopes allow.
    ///
    /// ```
    /// use omnera_core::backend::{ApiKeyScope, Caller};
    /// use omnera_core::config::PermissionAction;
    ///
    /// let caller = Caller::user(7, ["admin"]).limited_to(vec![ApiKeyScope::new("contacts", [PermissionAction::Read])]);
    /// assert!(caller.may("contacts", PermissionAction::Read));
    /// assert!(!caller.may("deals", PermissionAction::Read), "even an admin's key stays in its scopes");
    /// ```
    #[must_use]
    pub fn limited_to(mut self, scopes: Vec<ApiKeyScope>) -> Self {
        self.scopes = Some(scopes);
        self
    }

    /// Whether the caller's key scopes, if any, allow `action` on `table` (what the roles allow
    /// is decided by the policy).
    pub fn may(&self, table: &str, action: PermissionAction) -> bool {
        self.scopes.as_ref().is_none_or(|scopes| scopes.iter().any(|scope| scope.allows(table, action)))
    }

    /// Whether the caller has the role; everyone has `anonymous`.
    pub fn has_role(&self, role: &str) -> bool {
        role == "anonymous" || self.roles.iter().any(|own| own == role)
    }

    /// Whether the caller has the built-in `admin` role.
    pub fn is_admin(&self) -> bool {
        self.has_role("admin")
    }
}

/// Why credentials could not be checked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The credentials are wrong, expired or revoked.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The identity service failed.
    #[error("identity service failed: {source}")]
    Unavailable {
        /// The service's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Turns a request's token (session token or API key) into a [`Caller`]. The engine's own
/// implementation keeps users in system tables; a host may use its own identity service.
///
/// ```
/// use omnera_core::backend::{Caller, IdentityError, IdentityProvider};
///
/// struct FixedToken;
///
/// #[async_trait::async_trait]
/// impl IdentityProvider for FixedToken {
///     async fn authenticate(&self, token: &str) -> Result<Caller, IdentityError> {
///         match token {
///             "s3cret" => Ok(Caller::user(1, ["admin"])),
///             _ => Err(IdentityError::InvalidCredentials),
///         }
///     }
/// }
/// ```
#[async_trait]
pub trait IdentityProvider: Send + Sync + 'static {
    /// The caller a token stands for.
    async fn authenticate(&self, token: &str) -> Result<Caller, IdentityError>;
}

/// What a policy allows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyDecision {
    /// Not allowed.
    Deny,
    /// Allowed on every row.
    AllowAll,
    /// Allowed on the rows that match any of these filters.
    AllowWhere(Vec<FilterExpr>),
}

impl PolicyDecision {
    /// Whether the action is allowed on some rows at least.
    ///
    /// ```
    /// use omnera_core::backend::PolicyDecision;
    ///
    /// assert!(PolicyDecision::AllowWhere(Vec::new()).allows_any());
    /// assert!(!PolicyDecision::Deny.allows_any());
    /// ```
    pub fn allows_any(&self) -> bool {
        matches!(self, Self::AllowAll | Self::AllowWhere(_))
    }
}

/// Decides what a caller may do with a table. The default policy reads the config's `auth`.
///
/// ```
/// use omnera_core::backend::{Caller, Policy, PolicyDecision};
/// use omnera_core::config::PermissionAction;
///
/// struct AdminsOnly;
///
/// impl Policy for AdminsOnly {
///     fn decide(&self, caller: &Caller, _table: &str, _action: PermissionAction) -> PolicyDecision {
///         if caller.is_admin() { PolicyDecision::AllowAll } else { PolicyDecision::Deny }
///     }
/// }
/// assert_eq!(AdminsOnly.decide(&Caller::anonymous(), "deals", PermissionAction::Read), PolicyDecision::Deny);
/// ```
pub trait Policy: Send + Sync + 'static {
    /// Whether `caller` may take `action` on `table`, and on which rows.
    fn decide(&self, caller: &Caller, table: &str, action: PermissionAction) -> PolicyDecision;
}
