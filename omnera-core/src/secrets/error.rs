//! Why the vault could not do what was asked. No variant carries a secret's value.

use crate::backend::StorageError;

/// Why the vault could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The key given is not a key.
    #[error("bad secret key: {reason}")]
    BadKey {
        /// What is wrong with it.
        reason: String,
    },
    /// Secrets the app needs are not in the vault.
    #[error("the vault has no secret named {}; add each with `serve secrets set NAME`", .names.join(", "))]
    Missing {
        /// Their names.
        names: Vec<String>,
    },
    /// A secret was sealed with another key than the one given.
    #[error(
        "the secret `{name}` was sealed with the key {sealed_with}, not with this key ({key}); use that key, or set the secret again"
    )]
    WrongKey {
        /// The secret's name.
        name: String,
        /// The fingerprint of the key that sealed it.
        sealed_with: String,
        /// The fingerprint of the key given.
        key: String,
    },
    /// The sealed value does not open with the key that sealed it: it was changed or damaged.
    #[error("the secret `{name}` is damaged (it does not open with the key that sealed it); set it again")]
    Damaged {
        /// The secret's name.
        name: String,
    },
    /// Secret names are letters, digits, `.`, `_` and `-`, starting with a letter or digit.
    #[error(
        "`{name}` is not a secret name: use letters, digits, `.`, `_` and `-`, starting with a letter or digit (at most 128)"
    )]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// Sealing could not be done (no randomness).
    #[error("the vault cannot seal: {reason}")]
    Crypto {
        /// What failed.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}
