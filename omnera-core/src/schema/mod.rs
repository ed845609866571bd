//! The checked [`Schema`]: what the engine builds from, with every invariant of the config format
//! holding. It is made only by validation and cannot be changed afterwards.

mod automation;
mod connection;
mod table;

use std::sync::Arc;

pub use automation::{AutomationSchema, RetryPolicy};
pub use connection::HttpConnectionSchema;
pub use table::{FieldSchema, TableSchema};

use crate::Config;
use crate::config::{
    AppColor, AppIcon, ConnectionConfig, PageConfig, PermissionAction, RoleConfig, SignUpMode,
};
use crate::query::FilterExpr;

/// A validated app config. Cheap to clone; every name it holds refers to something that exists.
///
/// ```
/// let schema = omnera_core::Config::from_json_str(r#"{"name": "CRM", "tables": [
///     {"id": 1, "name": "companies", "fields": [{"id": 1, "name": "name", "type": "single-line-text"}]}]}"#)
///     .unwrap()
///     .validate()
///     .unwrap();
/// assert_eq!(schema.name(), "CRM");
/// assert_eq!(schema.table("companies").unwrap().fields().len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    data: Arc<SchemaData>,
}

#[derive(Debug, PartialEq)]
pub(crate) struct SchemaData {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) version: Option<semver::Version>,
    pub(crate) icon: AppIcon,
    pub(crate) color: AppColor,
    pub(crate) tables: Vec<TableSchema>,
    pub(crate) pages: Vec<PageConfig>,
    pub(crate) automations: Vec<AutomationSchema>,
    pub(crate) connections: Vec<ConnectionConfig>,
    pub(crate) http_connections: Vec<HttpConnectionSchema>,
    pub(crate) auth: AuthSchema,
    pub(crate) config: Config,
}

impl Schema {
    pub(crate) fn new(data: SchemaData) -> Self {
        Self { data: Arc::new(data) }
    }

    /// The config this schema was validated from, with every key it gave; `{env}` and `{secret}`
    /// references stay references.
    pub fn config(&self) -> &Config {
        &self.data.config
    }

    /// The app's name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// What the app is for.
    pub fn description(&self) -> Option<&str> {
        self.data.description.as_deref()
    }

    /// The app's own version.
    pub fn version(&self) -> Option<&semver::Version> {
        self.data.version.as_ref()
    }

    /// The app's icon.
    pub fn icon(&self) -> AppIcon {
        self.data.icon
    }

    /// The app's accent colour.
    pub fn color(&self) -> AppColor {
        self.data.color
    }

    /// The tables, in config order.
    pub fn tables(&self) -> &[TableSchema] {
        &self.data.tables
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.data.tables.iter().find(|table| table.name() == name)
    }

    /// The pages, in config order.
    pub fn pages(&self) -> &[PageConfig] {
        &self.data.pages
    }

    /// The page named `name`.
    pub fn page(&self, name: &str) -> Option<&PageConfig> {
        self.data.pages.iter().find(|page| page.name() == name)
    }

    /// The automations, in config order.
    pub fn automations(&self) -> &[AutomationSchema] {
        &self.data.automations
    }

    /// The automation named `name`.
    pub fn automation(&self, name: &str) -> Option<&AutomationSchema> {
        self.data.automations.iter().find(|automation| automation.name() == name)
    }

    /// The connections, in config order.
    pub fn connections(&self) -> &[ConnectionConfig] {
        &self.data.connections
    }

    /// The connection named `name`.
    pub fn connection(&self, name: &str) -> Option<&ConnectionConfig> {
        self.data.connections.iter().find(|connection| connection.name() == name)
    }

    /// The `http` connection named `name`, checked.
    pub fn http_connection(&self, name: &str) -> Option<&HttpConnectionSchema> {
        self.data.http_connections.iter().find(|connection| connection.config.name == name)
    }

    /// Roles, permissions and sign-up rules.
    pub fn auth(&self) -> &AuthSchema {
        &self.data.auth
    }

    /// Whether the config has an `auth` section, which turns access control on.
    pub fn has_auth(&self) -> bool {
        self.data.auth.declared
    }
}

/// The checked `auth` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuthSchema {
    pub(crate) declared: bool,
    pub(crate) roles: Vec<RoleConfig>,
    pub(crate) default_roles: Vec<String>,
    pub(crate) permissions: Vec<PermissionSchema>,
    pub(crate) sign_up: SignUpMode,
    pub(crate) require_verified_email: bool,
    pub(crate) providers: Vec<String>,
    pub(crate) email_connection: Option<String>,
}

impl AuthSchema {
    /// The declared roles (`anonymous` and `admin` are built in and not among them).
    pub fn roles(&self) -> &[RoleConfig] {
        &self.roles
    }

    /// Roles given to users who sign up.
    pub fn default_roles(&self) -> &[String] {
        &self.default_roles
    }

    /// Every permission, in config order.
    pub fn permissions(&self) -> &[PermissionSchema] {
        &self.permissions
    }

    /// Who may create an account.
    pub fn sign_up(&self) -> SignUpMode {
        self.sign_up
    }

    /// Whether users must verify their email before signing in.
    pub fn requires_verified_email(&self) -> bool {
        self.require_verified_email
    }

    /// Sign-in methods: `password` and names of oauth connections.
    pub fn providers(&self) -> &[String] {
        &self.providers
    }

    /// The mail connection auth emails go through (`auth.emailConnection`); `None`: the app's
    /// own mailer.
    pub fn email_connection(&self) -> Option<&str> {
        self.email_connection.as_deref()
    }
}

/// What one role may do with one table, with its row filter parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionSchema {
    pub(crate) role: String,
    pub(crate) table: String,
    pub(crate) actions: Vec<PermissionAction>,
    pub(crate) row_filter: Option<FilterExpr>,
}

impl PermissionSchema {
    /// The role.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The table.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The allowed actions.
    pub fn actions(&self) -> &[PermissionAction] {
        &self.actions
    }

    /// The rows the permission covers; `None`: every row.
    pub fn row_filter(&self) -> Option<&FilterExpr> {
        self.row_filter.as_ref()
    }
}
