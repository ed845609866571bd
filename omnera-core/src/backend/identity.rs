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
        Self { user_id: Some(id), roles: roles.into_iter().map(Into::into).collect() }
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
