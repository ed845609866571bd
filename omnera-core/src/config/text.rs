//! Strings that may come from the environment or the secret vault instead of the document.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A reference to a credential kept outside the document.
///
/// Credentials (passwords, API keys, client secrets) are never written in clear text: they are
/// read from the environment when the app is built, or from the encrypted vault.
///
/// ```
/// use omnera_core::config::SecretRef;
///
/// let from_env: SecretRef = serde_json::from_str(r#"{"env": "SMTP_PASSWORD"}"#).unwrap();
/// assert_eq!(from_env, SecretRef::Env { env: "SMTP_PASSWORD".into() });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(extend("x-omnera-secret" = true))]
pub enum SecretRef {
    /// Read from the environment variable of this name when the app is built.
    Env {
        /// The environment variable's name.
        env: String,
    },
    /// Read from the encrypted vault under this name.
    Secret {
        /// The secret's name in the vault.
        secret: String,
    },
}

/// A setting that is written in the document, or read from the environment or the vault.
///
/// ```
/// use omnera_core::config::ConfigText;
///
/// let literal: ConfigText = serde_json::from_str(r#""smtp.example.com""#).unwrap();
/// assert_eq!(literal, ConfigText::Literal("smtp.example.com".into()));
/// let from_env: ConfigText = serde_json::from_str(r#"{"env": "SMTP_HOST"}"#).unwrap();
/// assert!(matches!(from_env, ConfigText::Ref(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ConfigText {
    /// The value as written.
    Literal(String),
    /// A reference to the environment or the vault.
    Ref(SecretRef),
}
