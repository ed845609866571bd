//! Roles and permissions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `auth` section: who may sign up and who may do what.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthConfig {
    /// The app's roles; `anonymous` and `admin` are built in and not declared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleConfig>,
    /// Roles given to users who sign up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_roles: Vec<String>,
    /// What each role may do with each table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<PermissionConfig>,
    /// Who may create an account (default `closed`).
    #[serde(default)]
    pub sign_up: SignUpMode,
    /// Whether a user must verify their email before signing in (default false).
    #[serde(default)]
    pub require_verified_email: bool,
    /// Sign-in methods: `password` and names of oauth connections (default `[password]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers: Option<Vec<String>>,
    /// The mail connection (smtp, resend, sendgrid or postmark) that sends auth emails:
    /// address verification, password resets, the notice of a sign-up with a taken address.
    /// Default: the host's mailer (the serve example writes them to the log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_connection: Option<String>,
}

/// A role: a name, or a name with a description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum RoleConfig {
    /// Just the name.
    Name(String),
    /// The name and a description.
    Described {
        /// The role's name.
        name: String,
        /// What the role is for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
}

impl RoleConfig {
    /// The role's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Name(name) | Self::Described { name, .. } => name,
        }
    }
}

/// Who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SignUpMode {
    /// Anyone.
    Open,
    /// Only people an admin invited.
    Invite,
    /// Nobody; admins create users.
    #[default]
    Closed,
}

/// What one role may do with one table, optionally limited to some rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PermissionConfig {
    /// The role.
    pub role: String,
    /// The table.
    pub table: String,
    /// The allowed actions.
    pub actions: Vec<PermissionAction>,
    /// A filter expression limiting the rows, such as `owner = @user.id`.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub row_filter: Option<String>,
}

/// An action on a table's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum PermissionAction {
    Read,
    Create,
    Update,
    Delete,
}
