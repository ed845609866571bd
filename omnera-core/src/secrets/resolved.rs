//! The values of the vault secrets that an app's config refers to, read once when it is built.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The values of the `{"secret": "name"}` references of an app's config, read from the vault
/// when the app is built. Cheap to clone; its `Debug` shows the names only, never a value.
///
/// ```
/// use omnera_core::config::SecretRef;
/// use omnera_core::secrets::Secrets;
///
/// let secrets = Secrets::from_values([("smtp-password", "hunter2")]);
/// let reference = SecretRef::Secret { secret: "smtp-password".into() };
/// assert_eq!(reference.resolve(&secrets).unwrap(), "hunter2");
/// assert_eq!(format!("{secrets:?}"), r#"Secrets { names: ["smtp-password"] }"#);
/// ```
#[derive(Clone, Default)]
pub struct Secrets {
    values: Arc<HashMap<String, String>>,
}

impl Secrets {
    /// No secrets: every `{"secret"}` reference fails to resolve.
    pub fn none() -> Self {
        Self::default()
    }

    /// These values under these names.
    pub fn from_values<N: Into<String>, V: Into<String>>(values: impl IntoIterator<Item = (N, V)>) -> Self {
        let values = values.into_iter().map(|(name, value)| (name.into(), value.into())).collect();
        Self { values: Arc::new(values) }
    }

    /// The value of the secret `name`, if it was read.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Every value, for scrubbing them from text that may be shown (errors, logs).
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.values.values().map(String::as_str)
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.values.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Secrets").field("names", &names).finish()
    }
}
