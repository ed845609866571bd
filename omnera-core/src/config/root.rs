//! The root of the document.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{AuthConfig, AutomationConfig, ConnectionConfig, PageConfig, TableConfig};

/// A whole app config, as written (format 1 of `CONFIG.md`).
///
/// ```
/// use omnera_core::Config;
///
/// let config = Config::from_json_str(r#"{"name": "CRM"}"#).unwrap();
/// assert_eq!(config.name, "CRM");
/// assert!(config.tables.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(
    title = "Omnera app config",
    extend("x-omnera-aliases" = {"appVersion": "version"}),
    transform = aliases_as_properties
)]
#[non_exhaustive]
pub struct Config {
    /// The app's name, 1 to 100 characters.
    pub name: String,
    /// What the app is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The app's own version, SemVer 2.0.0 (`appVersion` is accepted as an alias).
    #[serde(default, alias = "appVersion", skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The icon shown for the app.
    #[serde(default)]
    pub icon: AppIcon,
    /// The app's accent colour.
    #[serde(default)]
    pub color: AppColor,
    /// The config format version; absent means the newest the engine knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// The tables of the app.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<TableConfig>,
    /// The pages of the app.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<PageConfig>,
    /// The automations of the app.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub automations: Vec<AutomationConfig>,
    /// The connections to outside services.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<ConnectionConfig>,
    /// Roles and permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthConfig>,
}

/// Gives each alias in `x-omnera-aliases` the schema of the key it stands for, so that an editor
/// checking a document against the shipped JSON Schema accepts `appVersion` as the validator does;
/// a document with both an alias and its key is refused, as the validator refuses it.
fn aliases_as_properties(schema: &mut schemars::Schema) {
    let Some(aliases) = schema.get("x-omnera-aliases").and_then(Value::as_object).cloned() else {
        return;
    };
    let mut both = Vec::new();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (alias, target) in &aliases {
            let Some(target) = target.as_str() else { continue };
            let Some(Value::Object(mut property)) = properties.get(target).cloned() else { continue };
            let description = format!("Another name for `{target}`; write only one of them.");
            property.insert("description".to_owned(), Value::String(description));
            properties.insert(alias.clone(), Value::Object(property));
            both.push(json!({"required": [alias, target]}));
        }
    }
    if !both.is_empty() {
        schema.insert("not".to_owned(), json!({"anyOf": both}));
    }
}

/// The icon of an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum AppIcon {
    ShoppingCart,
    ChartBar,
    Users,
    FileText,
    Calendar,
    Mail,
    Database,
    Cloud,
    Shield,
    #[default]
    Globe,
    PlayCircle,
    Settings,
    Briefcase,
    Heart,
    Book,
    DollarSign,
    Truck,
    Home,
    Zap,
    Package,
}

/// The accent colour of an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum AppColor {
    #[default]
    Blue,
    Emerald,
    Violet,
    Amber,
    Red,
    Cyan,
    Pink,
    Indigo,
    Lime,
    Orange,
    Teal,
    Purple,
}
