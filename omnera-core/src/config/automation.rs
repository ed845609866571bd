//! Automations: a trigger, optional conditions and an ordered list of actions.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SecretRef;

/// An automation, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AutomationConfig {
    /// The automation's id, unique among automations.
    pub id: i64,
    /// The automation's name, unique and URL-safe.
    pub name: String,
    /// What the automation does, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the automation runs (default true).
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// What starts a run.
    pub trigger: TriggerConfig,
    /// A run stops as `skipped` when these are false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<ConditionConfig>,
    /// The actions, in order; at least one.
    pub actions: Vec<ActionConfig>,
    /// How failed actions are retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryConfig>,
}

fn enabled_by_default() -> bool {
    true
}

/// What starts an automation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
#[schemars(extend("x-omnera-code" = "unknown_trigger_type"))]
pub enum TriggerConfig {
    /// A record was created in `table`.
    RecordCreated {
        /// The table watched.
        table: String,
    },
    /// A record of `table` was updated; with `fields`, only when one of them changed.
    RecordUpdated {
        /// The table watched.
        table: String,
        /// Fires only when one of these fields changed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fields: Option<Vec<String>>,
    },
    /// A record was deleted from `table`.
    RecordDeleted {
        /// The table watched.
        table: String,
    },
    /// A cron schedule: 5 fields, or 6 with seconds first.
    Schedule {
        /// The cron expression, such as `0 9 * * 1-5`.
        cron: String,
        /// The IANA zone the expression is read in (default UTC).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timezone: Option<String>,
    },
    /// An HTTP call to `/webhooks/{name}`, authenticated by a token or an HMAC signature.
    Webhook {
        /// The HTTP method (default POST).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        method: Option<HttpMethod>,
        /// The token or HMAC key that callers must present.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secret: Option<SecretRef>,
        /// A stripe connection whose webhook secret checks the signature instead.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        connection: Option<String>,
    },
    /// A run started through the API.
    Manual,
    /// A form page was submitted.
    FormSubmitted {
        /// The form page's name.
        page: String,
    },
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[allow(missing_docs)]
pub enum HttpMethod {
    Get,
    #[default]
    Post,
    Put,
    Patch,
    Delete,
}

/// A condition tree: `all`, `any`, `not`, or a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum ConditionConfig {
    /// True when every condition is.
    All {
        /// The conditions.
        all: Vec<ConditionConfig>,
    },
    /// True when one condition is.
    Any {
        /// The conditions.
        any: Vec<ConditionConfig>,
    },
    /// True when the condition is false.
    Not {
        /// The condition.
        not: Box<ConditionConfig>,
    },
    /// A comparison of two values, each a template string or a literal.
    Compare {
        /// The left side.
        left: serde_json::Value,
        /// How the sides are compared.
        operator: ConditionOperator,
        /// The right side; unary operators take none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        right: Option<serde_json::Value>,
    },
}

/// How a condition compares its sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum ConditionOperator {
    Equals,
    NotEquals,
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    In,
    IsEmpty,
    IsNotEmpty,
    IsTrue,
    IsFalse,
    Changed,
}

impl ConditionOperator {
    /// Whether the operator looks at the left side only (`right` must be absent).
    pub fn is_unary(self) -> bool {
        matches!(self, Self::IsEmpty | Self::IsNotEmpty | Self::IsTrue | Self::IsFalse | Self::Changed)
    }
}

/// How failed actions are retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts in all, the first included, 1 to 100 (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// How the delay grows (default `exponential`).
    #[serde(default)]
    pub backoff: Backoff,
    /// The delay before the first retry, such as `1s` (default `1s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<String>,
    /// The longest delay between attempts, such as `10m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay: Option<String>,
}

/// How the delay between attempts grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Backoff {
    /// Doubles after each attempt, up to `maxDelay`.
    #[default]
    Exponential,
    /// Stays at `initialDelay`.
    Fixed,
}

/// One step of an automation, chosen by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[schemars(extend("x-omnera-code" = "unknown_action_type"))]
pub enum ActionConfig {
    /// Sends an email.
    SendEmail(SendEmailAction),
    /// Creates a record.
    CreateRecord(CreateRecordAction),
    /// Changes a record.
    UpdateRecord(UpdateRecordAction),
    /// Deletes a record.
    DeleteRecord(DeleteRecordAction),
    /// Calls an HTTP endpoint.
    HttpRequest(HttpRequestAction),
    /// Runs one list of actions or another.
    Branch(BranchAction),
    /// Waits, durably: the run resumes after a restart.
    Delay(DelayAction),
    /// Runs an action the host registered in Rust.
    Custom(CustomAction),
}

impl ActionConfig {
    /// The action's name, unique in its automation.
    pub fn name(&self) -> &str {
        match self {
            Self::SendEmail(action) => &action.name,
            Self::CreateRecord(action) => &action.name,
            Self::UpdateRecord(action) => &action.name,
            Self::DeleteRecord(action) => &action.name,
            Self::HttpRequest(action) => &action.name,
            Self::Branch(action) => &action.name,
            Self::Delay(action) => &action.name,
            Self::Custom(action) => &action.name,
        }
    }
}

/// Recipients: one address (or template), or a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Recipients {
    /// One address or template.
    One(String),
    /// Several addresses or templates.
    Many(Vec<String>),
}

impl Recipients {
    /// Every recipient as written.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        match self {
            Self::One(one) => std::slice::from_ref(one).iter().map(String::as_str),
            Self::Many(many) => many.iter().map(String::as_str),
        }
    }
}

/// `send-email`: subject and bodies are templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct SendEmailAction {
    pub name: String,
    /// A mail connection (smtp, resend, sendgrid, postmark); default: the app's mailer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    pub to: Recipients,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc: Option<Recipients>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bcc: Option<Recipients>,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

/// `create-record`: field values are literals or templates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct CreateRecordAction {
    pub name: String,
    pub table: String,
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// `update-record`: `id` is a number or a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct UpdateRecordAction {
    pub name: String,
    pub table: String,
    pub id: serde_json::Value,
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// `delete-record`: `id` is a number or a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct DeleteRecordAction {
    pub name: String,
    pub table: String,
    pub id: serde_json::Value,
}

/// `http-request`: strings are templates; a relative `url` joins the connection's `baseUrl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct HttpRequestAction {
    pub name: String,
    /// An http, oauth or stripe connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    pub method: HttpMethod,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// `branch`: runs `then` when `if` holds, `else` otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct BranchAction {
    pub name: String,
    #[serde(rename = "if")]
    pub condition: ConditionConfig,
    #[serde(default, rename = "then")]
    pub then_actions: Vec<ActionConfig>,
    #[serde(default, rename = "else")]
    pub else_actions: Vec<ActionConfig>,
}

/// `delay`: a duration such as `10m`, `2h` or `1d`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct DelayAction {
    pub name: String,
    pub duration: String,
}

/// `custom`: runs the action the host registered under `action`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct CustomAction {
    pub name: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<serde_json::Value>,
}
