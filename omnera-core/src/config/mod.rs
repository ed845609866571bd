//! The raw app config: the editable document of `CONFIG.md` as serde types.
//!
//! A [`Config`] is what the user wrote. It is parsed leniently by [`Config::from_json_str`] and
//! friends, and becomes a checked [`Schema`](crate::Schema) through [`Config::validate`], which
//! reports every problem at once. Nothing downstream takes a `Config`.

mod auth;
mod automation;
mod connection;
mod field;
mod page;
mod parse;
mod root;
mod table;
mod text;

pub use auth::{AuthConfig, PermissionAction, PermissionConfig, RoleConfig, SignUpMode};
pub use automation::{
    ActionConfig, AutomationConfig, Backoff, BranchAction, ConditionConfig, ConditionOperator,
    CreateRecordAction, CustomAction, DelayAction, DeleteRecordAction, HttpMethod, HttpRequestAction,
    Recipients, RetryConfig, SendEmailAction, TriggerConfig, UpdateRecordAction,
};
pub use connection::{
    AzureConnection, ConnectionConfig, GcsConnection, HttpAuthConfig, HttpConnection, MailApiConnection,
    OAuthConnection, OAuthProvider, RateLimitConfig, S3Connection, SmtpConnection, SmtpSecurity,
    StripeConnection,
};
pub use field::{AttachmentStorageConfig, FieldConfig, FieldType, ReferentialAction, RelationType};
pub use page::{
    BodyElement, CustomHtmlPage, DetailLayout, DetailViewPage, FormAction, FormEmailConfig, FormInputConfig,
    FormPage, HeadElement, PageConfig, SectionConfig, SelectOptionConfig, TableViewActions, TableViewPage,
};
pub use parse::{ConfigFormat, load_schema};
pub use root::{AppColor, AppIcon, Config};
pub use table::{IndexConfig, TableConfig, UniqueConstraintConfig};
pub use text::{ConfigText, SecretError, SecretRef};
