//! Where the vault keeps its sealed secrets: a small trait that the SQL storage implements on
//! `_omnera_secrets`. It sees ciphertext only; sealing and opening are the vault's.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StorageError;

/// A secret as the store keeps it: encrypted, with the fingerprint of the key that sealed it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SealedSecret {
    /// The fingerprint of the key it was sealed with (see `SecretKey::fingerprint`).
    pub key_fingerprint: String,
    /// The nonce it was sealed with.
    pub nonce: Vec<u8>,
    /// The value, encrypted and authenticated, with the secret's name as associated data.
    pub ciphertext: Vec<u8>,
    /// When it was last set.
    pub updated_at: DateTime<Utc>,
}

impl SealedSecret {
    /// A sealed secret made now.
    pub fn new(key_fingerprint: String, nonce: Vec<u8>, ciphertext: Vec<u8>) -> Self {
        Self { key_fingerprint, nonce, ciphertext, updated_at: Utc::now() }
    }

    /// The same secret with the time it was set.
    pub fn updated_at(mut self, at: DateTime<Utc>) -> Self {
        self.updated_at = at;
        self
    }
}

impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedSecret")
            .field("key_fingerprint", &self.key_fingerprint)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

/// Keeps sealed secrets by name. Implemented by omnera-sql's `SqlStorage`.
///
/// ```
/// use std::collections::BTreeMap;
/// use std::sync::Mutex;
/// use omnera_core::backend::{SealedSecret, SecretStore, StorageError};
///
/// #[derive(Default)]
/// struct InMemory(Mutex<BTreeMap<String, SealedSecret>>);
///
/// #[async_trait::async_trait]
/// impl SecretStore for InMemory {
///     async fn sealed_secrets(&self) -> Result<Vec<(String, SealedSecret)>, StorageError> {
///         Ok(self.0.lock().unwrap().iter().map(|(name, sealed)| (name.clone(), sealed.clone())).collect())
///     }
///     async fn put_sealed_secrets(&self, secrets: Vec<(String, SealedSecret)>) -> Result<(), StorageError> {
///         self.0.lock().unwrap().extend(secrets);
///         Ok(())
///     }
///     async fn delete_secret(&self, name: &str) -> Result<bool, StorageError> {
///         Ok(self.0.lock().unwrap().remove(name).is_some())
///     }
/// }
/// ```
#[async_trait]
pub trait SecretStore: Send + Sync + 'static {
    /// Every secret, by name in ascending order.
    async fn sealed_secrets(&self) -> Result<Vec<(String, SealedSecret)>, StorageError>;

    /// Sets these secrets, replacing any of the same name, all or none (one transaction).
    async fn put_sealed_secrets(&self, secrets: Vec<(String, SealedSecret)>) -> Result<(), StorageError>;

    /// Deletes the secret `name`; returns whether it existed.
    async fn delete_secret(&self, name: &str) -> Result<bool, StorageError>;
}
