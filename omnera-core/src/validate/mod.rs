//! Validation: from a raw document or [`Config`] to a checked [`Schema`], reporting every problem.
//!
//! Validation runs in two passes over the whole document and never stops at the first problem:
//! the *shape* pass checks keys and JSON types against the format (and sets aside what cannot be
//! read), the *meaning* pass checks names, references, options, defaults, templates, cron
//! expressions and filters. Each problem is a [`ConfigIssue`] with a named path, a stable
//! [`IssueCode`] and a message.
//!
//! ```
//! use omnera_core::{validate::IssueCode, ConfigFormat};
//!
//! let text = r#"{"name": "CRM", "tables": [{"id": 1, "name": "contacts", "fields": [
//!     {"id": 1, "name": "email", "type": "emial"},
//!     {"id": 2, "name": "company", "type": "relationship", "relatedTable": "companies"}]}]}"#;
//! let errors = omnera_core::validate_text(text, ConfigFormat::Json).unwrap_err();
//! let found: Vec<(&str, IssueCode)> =
//!     errors.issues().iter().map(|issue| (issue.path.as_str(), issue.code)).collect();
//! assert_eq!(found, [
//!     ("tables[contacts].fields[email].type", IssueCode::UnknownFieldType),
//!     ("tables[contacts].fields[company].relatedTable", IssueCode::UnknownTable),
//! ]);
//! ```

mod auth;
mod automations;
mod connections;
pub(crate) mod context;
mod issue;
mod names;
mod pages;
mod root;
mod shape;
pub(crate) mod suggest;
mod tables;
mod templates;

use serde_json::Value;

pub use issue::{ConfigErrors, ConfigIssue, ConfigPath, IssueCode};
pub use root::FORMAT_VERSION;

use crate::schema::{Schema, SchemaData};
use crate::{Config, ConfigFormat};
use context::{CheckContext, DeclaredNames};

/// The JSON Schema of the config format, as shipped in `schema/omnera.schema.json`.
///
/// ```
/// let schema = omnera_core::validate::format_json_schema();
/// assert_eq!(schema["title"], "Omnera app config");
/// ```
pub fn format_json_schema() -> Value {
    shape::FORMAT_SCHEMA.clone()
}

/// Parses and validates a document in one go: every syntax, shape and meaning problem.
pub fn validate_text(text: &str, format: ConfigFormat) -> Result<Schema, ConfigErrors> {
    validate_document(format.parse_value(text)?)
}

/// Validates a parsed document: every shape and meaning problem.
pub fn validate_document(mut document: Value) -> Result<Schema, ConfigErrors> {
    let declared = DeclaredNames::from_document(&document);
    let shape_issues = shape::check_shape(&mut document);
    if document.is_null() {
        return Err(ConfigErrors::new(shape_issues));
    }
    let config: Config = match serde_json::from_value(document) {
        Ok(config) => config,
        Err(error) => {
            let mut issues = shape_issues;
            issues.push(ConfigIssue {
                path: ConfigPath::root(),
                code: IssueCode::InvalidValue,
                message: error.to_string(),
            });
            return Err(ConfigErrors::new(issues));
        }
    };
    let (schema, meaning_issues) = check_meaning(&config, declared);
    let mut issues = shape_issues.clone();
    issues.extend(
        meaning_issues
            .into_iter()
            .filter(|issue| !shape_issues.iter().any(|shape| is_consequence(issue, shape))),
    );
    if issues.is_empty() { Ok(schema) } else { Err(ConfigErrors::new(issues)) }
}

/// Whether a meaning issue only repeats a shape issue: it lies inside an unreadable part, or it
/// is a list found too short because an unreadable item was set aside.
fn is_consequence(issue: &ConfigIssue, shape: &ConfigIssue) -> bool {
    shape.path.contains(&issue.path)
        || (issue.code == IssueCode::TooFewItems && issue.path.contains(&shape.path))
}

impl Config {
    /// Checks the meaning of a config: names, references, options, defaults, templates,
    /// schedules and filters. Returns the checked [`Schema`], or every problem found.
    ///
    /// ```
    /// use omnera_core::Config;
    ///
    /// let config = Config::from_json_str(r#"{"name": "CRM", "tables": [{"id": 1, "name": "deals",
    ///     "fields": [{"id": 1, "name": "stage", "type": "single-select", "options": ["new", "won"],
    ///                 "default": "lost"}]}]}"#).unwrap();
    /// let errors = config.validate().unwrap_err();
    /// assert_eq!(errors.to_string(),
    ///     "tables[deals].fields[stage].default: the default does not fit: `lost` is not one of the options [invalid_default]");
    /// ```
    pub fn validate(&self) -> Result<Schema, ConfigErrors> {
        let document = serde_json::to_value(self).unwrap_or(Value::Null);
        let (schema, issues) = check_meaning(self, DeclaredNames::from_document(&document));
        if issues.is_empty() { Ok(schema) } else { Err(ConfigErrors::new(issues)) }
    }
}

fn check_meaning(config: &Config, declared: DeclaredNames) -> (Schema, Vec<ConfigIssue>) {
    let mut cx = CheckContext::new(config, declared);
    let version = root::check_root(&mut cx);
    let tables = tables::check_tables(&mut cx);
    pages::check_pages(&mut cx);
    let automations = automations::check_automations(&mut cx);
    let http_connections = connections::check_connections(&mut cx);
    let auth = auth::check_auth(&mut cx);
    let schema = Schema::new(SchemaData {
        name: config.name.clone(),
        description: config.description.clone(),
        version,
        icon: config.icon,
        color: config.color,
        tables,
        pages: config.pages.clone(),
        automations,
        connections: config.connections.clone(),
        http_connections,
        auth,
        config: config.clone(),
    });
    (schema, cx.into_issues())
}

/// The shape problems of a document, which is pruned of what cannot be read.
pub(crate) fn shape_issues(document: &mut Value) -> ConfigErrors {
    ConfigErrors::new(shape::check_shape(document))
}
