//! Strings that may come from the environment or the secret vault instead of the document.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::secrets::Secrets;

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

/// Why a reference could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The environment variable is not set (or not Unicode).
    #[error("the environment variable `{name}` is not set")]
    MissingEnv {
        /// The variable's name.
        name: String,
    },
    /// The vault has no secret of this name (or the app was built without a vault).
    #[error("the secret `{name}` is not in the vault (add it with `serve secrets set {name}`)")]
    NotInVault {
        /// The secret's name.
        name: String,
    },
}

impl SecretRef {
    /// The value: the environment variable's, now, or the vault secret's from `secrets` (the
    /// app's, [`App::secrets`](crate::App::secrets)).
    ///
    /// ```
    /// use omnera_core::config::SecretRef;
    /// use omnera_core::secrets::Secrets;
    ///
    /// let missing = SecretRef::Env { env: "OMNERA_SURELY_UNSET_VARIABLE".into() };
    /// assert_eq!(missing.resolve(&Secrets::none()).unwrap_err().to_string(), "the environment variable `OMNERA_SURELY_UNSET_VARIABLE` is not set");
    /// ```
    pub fn resolve(&self, secrets: &Secrets) -> Result<String, SecretError> {
        match self {
            Self::Env { env } => {
                std::env::var(env).map_err(|_| SecretError::MissingEnv { name: env.clone() })
            }
            Self::Secret { secret } => secrets
                .get(secret)
                .map(str::to_owned)
                .ok_or_else(|| SecretError::NotInVault { name: secret.clone() }),
        }
    }

    /// The vault secret's name, when the value is kept in the vault.
    pub fn vault_name(&self) -> Option<&str> {
        match self {
            Self::Env { .. } => None,
            Self::Secret { secret } => Some(secret),
        }
    }
}

impl ConfigText {
    /// The value: as written, or read through its reference.
    ///
    /// ```
    /// use omnera_core::config::ConfigText;
    ///
    /// use omnera_core::secrets::Secrets;
    ///
    /// assert_eq!(ConfigText::Literal("eu-west-1".into()).resolve(&Secrets::none()).unwrap(), "eu-west-1");
    /// ```
    pub fn resolve(&self, secrets: &Secrets) -> Result<String, SecretError> {
        match self {
            Self::Literal(text) => Ok(text.clone()),
            Self::Ref(reference) => reference.resolve(secrets),
        }
    }

    /// The vault secret's name, when the value is kept in the vault.
    pub fn vault_name(&self) -> Option<&str> {
        match self {
            Self::Literal(_) => None,
            Self::Ref(reference) => reference.vault_name(),
        }
    }
}
