//! Reading a document from JSON, YAML or TOML text.

use std::path::Path;

use serde_json::Value;

use crate::Config;
use crate::validate::{ConfigErrors, IssueCode};

/// The text formats a config can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigFormat {
    /// JSON, the canonical form.
    Json,
    /// YAML (feature `yaml`).
    Yaml,
    /// TOML (feature `toml`).
    Toml,
}

impl ConfigFormat {
    /// The format a file's extension names: `.json`, `.yaml`/`.yml`, `.toml`.
    ///
    /// ```
    /// use omnera_core::ConfigFormat;
    /// assert_eq!(ConfigFormat::from_path("apps/crm.yml".as_ref()), Some(ConfigFormat::Yaml));
    /// assert_eq!(ConfigFormat::from_path("notes.txt".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Self::Json),
            "yaml" | "yml" => Some(Self::Yaml),
            "toml" => Some(Self::Toml),
            _ => None,
        }
    }

    /// Parses text of this format into a JSON value; a syntax error is reported with its place.
    pub fn parse_value(self, text: &str) -> Result<Value, ConfigErrors> {
        let syntax = |message: String| ConfigErrors::single(IssueCode::InvalidSyntax, message);
        match self {
            Self::Json => {
                serde_json::from_str(text).map_err(|error| syntax(format!("not valid JSON: {error}")))
            }
            #[cfg(feature = "yaml")]
            Self::Yaml => {
                serde_yaml_ng::from_str(text).map_err(|error| syntax(format!("not valid YAML: {error}")))
            }
            #[cfg(feature = "toml")]
            Self::Toml => toml::from_str(text)
                .map_err(|error| syntax(format!("not valid TOML: {}", error.to_string().trim_end()))),
            #[allow(unreachable_patterns)]
            other => Err(ConfigErrors::single(
                IssueCode::UnreadableFile,
                format!("{other:?} configs need the `{}` feature", format!("{other:?}").to_lowercase()),
            )),
        }
    }
}

impl Config {
    /// Reads a JSON document; reports every key and type problem at once.
    ///
    /// ```
    /// use omnera_core::Config;
    ///
    /// let errors = Config::from_json_str(r#"{"name": "CRM", "colour": "red", "tables": 3}"#).unwrap_err();
    /// assert_eq!(errors.to_string(), "\
    /// colour: unknown key `colour`; did you mean `color`? [unknown_key]
    /// tables: expected a list, found a number [wrong_type]");
    /// ```
    pub fn from_json_str(text: &str) -> Result<Self, ConfigErrors> {
        Self::from_text(text, ConfigFormat::Json)
    }

    /// Reads a document in `format`; reports every syntax, key and type problem at once.
    pub fn from_text(text: &str, format: ConfigFormat) -> Result<Self, ConfigErrors> {
        Self::from_value(format.parse_value(text)?)
    }

    /// Reads a file, choosing the format by its extension.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ConfigErrors> {
        let (text, format) = read_file(path.as_ref())?;
        Self::from_text(&text, format)
    }

    /// Reads a parsed document; reports every key and type problem at once.
    pub fn from_value(mut document: Value) -> Result<Self, ConfigErrors> {
        let issues = crate::validate::shape_issues(&mut document);
        if !issues.is_empty() {
            return Err(issues);
        }
        serde_json::from_value(document)
            .map_err(|error| ConfigErrors::single(IssueCode::InvalidValue, error.to_string()))
    }
}

/// Reads and validates a config file: every syntax, shape and meaning problem at once.
///
/// ```no_run
/// let schema = omnera_core::load_schema("examples/apps/crm.json")?;
/// println!("{} tables", schema.tables().len());
/// # Ok::<(), omnera_core::ConfigErrors>(())
/// ```
pub fn load_schema(path: impl AsRef<Path>) -> Result<crate::Schema, ConfigErrors> {
    let (text, format) = read_file(path.as_ref())?;
    crate::validate::validate_text(&text, format)
}

fn read_file(path: &Path) -> Result<(String, ConfigFormat), ConfigErrors> {
    let unreadable = |message: String| ConfigErrors::single(IssueCode::UnreadableFile, message);
    let format = ConfigFormat::from_path(path).ok_or_else(|| {
        unreadable(format!("{}: unknown config format; use .json, .yaml, .yml or .toml", path.display()))
    })?;
    let text = std::fs::read_to_string(path)
        .map_err(|error| unreadable(format!("cannot read {}: {error}", path.display())))?;
    Ok((text, format))
}
