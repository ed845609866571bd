//! The vault: secrets sealed with the host's key (XChaCha20-Poly1305, a random 192-bit nonce per
//! seal, the secret's name as associated data so a sealed value cannot be moved to another name)
//! and kept by a [`SecretStore`].

use std::collections::BTreeMap;
use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};

use super::{SecretKey, Secrets, VaultError};
use crate::backend::{SealedSecret, SecretStore};

/// The longest secret name.
const MAX_NAME_LENGTH: usize = 128;

/// Secrets sealed with a [`SecretKey`], kept in a [`SecretStore`] (the app's database). Values
/// go in through [`Vault::set`] and come out only as the [`Secrets`] an app is built with.
///
/// ```
/// # use std::collections::BTreeMap;
/// # use std::sync::Mutex;
/// # use omnera_core::backend::{SealedSecret, SecretStore, StorageError};
/// # #[derive(Default)]
/// # struct InMemory(Mutex<BTreeMap<String, SealedSecret>>);
/// # #[async_trait::async_trait]
/// # impl SecretStore for InMemory {
/// #     async fn sealed_secrets(&self) -> Result<Vec<(String, SealedSecret)>, StorageError> {
/// #         Ok(self.0.lock().unwrap().iter().map(|(n, s)| (n.clone(), s.clone())).collect())
/// #     }
/// #     async fn put_sealed_secrets(&self, secrets: Vec<(String, SealedSecret)>) -> Result<(), StorageError> {
/// #         self.0.lock().unwrap().extend(secrets);
/// #         Ok(())
/// #     }
/// #     async fn delete_secret(&self, name: &str) -> Result<bool, StorageError> {
/// #         Ok(self.0.lock().unwrap().remove(name).is_some())
/// #     }
/// # }
/// use omnera_core::secrets::{SecretKey, Vault};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let vault = Vault::new(SecretKey::generate().unwrap(), InMemory::default());
/// vault.set("smtp-password", "hunter2").await.unwrap();
/// let secrets = vault.read(&["smtp-password"]).await.unwrap();
/// assert_eq!(secrets.get("smtp-password"), Some("hunter2"));
/// assert_eq!(vault.list().await.unwrap()[0].name, "smtp-password");
/// # });
/// ```
#[derive(Clone)]
pub struct Vault {
    key: SecretKey,
    store: Arc<dyn SecretStore>,
}

/// A secret as `list` shows it: never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecretEntry {
    /// The secret's name.
    pub name: String,
    /// When it was last set.
    pub updated_at: DateTime<Utc>,
    /// Whether the vault's key sealed it (false: it was sealed with another key).
    pub sealed_with_this_key: bool,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("key", &self.key).finish_non_exhaustive()
    }
}

impl Vault {
    /// A vault sealing with `key`, kept in `store`.
    pub fn new(key: SecretKey, store: impl SecretStore) -> Self {
        Self::with_store(key, Arc::new(store))
    }

    /// A vault sealing with `key`, kept in a shared `store`.
    pub fn with_store(key: SecretKey, store: Arc<dyn SecretStore>) -> Self {
        Self { key, store }
    }

    /// The fingerprint of the vault's key.
    pub fn key_fingerprint(&self) -> String {
        self.key.fingerprint()
    }

    /// Seals `value` and keeps it under `name`, replacing the value it had.
    pub async fn set(&self, name: &str, value: &str) -> Result<(), VaultError> {
        check_name(name)?;
        let sealed = seal(&self.key, name, value)?;
        Ok(self.store.put_sealed_secrets(vec![(name.to_owned(), sealed)]).await?)
    }

    /// Every secret's name and when it was set, by name; never a value.
    pub async fn list(&self) -> Result<Vec<SecretEntry>, VaultError> {
        let fingerprint = self.key.fingerprint();
        let sealed = self.store.sealed_secrets().await?;
        Ok(sealed
            .into_iter()
            .map(|(name, sealed)| SecretEntry {
                name,
                updated_at: sealed.updated_at,
                sealed_with_this_key: sealed.key_fingerprint == fingerprint,
            })
            .collect())
    }

    /// Deletes the secret `name`; returns whether it existed.
    pub async fn delete(&self, name: &str) -> Result<bool, VaultError> {
        Ok(self.store.delete_secret(name).await?)
    }

    /// The values of the secrets `names`; fails naming every one that is missing, or the first
    /// that this key cannot open.
    pub async fn read(&self, names: &[&str]) -> Result<Secrets, VaultError> {
        let mut sealed: BTreeMap<String, SealedSecret> =
            self.store.sealed_secrets().await?.into_iter().collect();
        let mut missing: Vec<String> =
            names.iter().filter(|name| !sealed.contains_key(**name)).map(|name| (*name).to_owned()).collect();
        if !missing.is_empty() {
            missing.sort_unstable();
            missing.dedup();
            return Err(VaultError::Missing { names: missing });
        }
        let mut values = Vec::with_capacity(names.len());
        for name in names {
            if let Some(secret) = sealed.remove(*name) {
                values.push((*name, open(&self.key, name, &secret)?));
            }
        }
        Ok(Secrets::from_values(values))
    }

    /// Seals every secret again with `new_key`, all or none; returns the vault that uses the new
    /// key and how many secrets it re-sealed. A secret this vault's key cannot open stops the
    /// rotation before anything changes.
    pub async fn rotate(&self, new_key: SecretKey) -> Result<(Vault, usize), VaultError> {
        let mut resealed = Vec::new();
        for (name, sealed) in self.store.sealed_secrets().await? {
            let value = open(&self.key, &name, &sealed)?;
            resealed.push((name.clone(), seal(&new_key, &name, &value)?.updated_at(sealed.updated_at)));
        }
        let count = resealed.len();
        self.store.put_sealed_secrets(resealed).await?;
        Ok((Vault { key: new_key, store: Arc::clone(&self.store) }, count))
    }
}

/// Whether `name` can name a secret: letters, digits, `.`, `_` and `-`, starting with a letter or
/// digit, at most 128 characters.
pub(crate) fn is_secret_name(name: &str) -> bool {
    name.len() <= MAX_NAME_LENGTH
        && name.chars().next().is_some_and(|first| first.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn check_name(name: &str) -> Result<(), VaultError> {
    if is_secret_name(name) { Ok(()) } else { Err(VaultError::InvalidName { name: name.to_owned() }) }
}

fn cipher(key: &SecretKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&Key::from(*key.bytes()))
}

fn seal(key: &SecretKey, name: &str, value: &str) -> Result<SealedSecret, VaultError> {
    let mut nonce = [0; 24];
    getrandom::fill(&mut nonce)
        .map_err(|error| VaultError::Crypto { reason: format!("no randomness: {error}") })?;
    let ciphertext = cipher(key)
        .encrypt(&XNonce::from(nonce), Payload { msg: value.as_bytes(), aad: name.as_bytes() })
        .map_err(|_| VaultError::Crypto { reason: "sealing failed".to_owned() })?;
    Ok(SealedSecret::new(key.fingerprint(), nonce.to_vec(), ciphertext))
}

fn open(key: &SecretKey, name: &str, sealed: &SealedSecret) -> Result<String, VaultError> {
    let fingerprint = key.fingerprint();
    if sealed.key_fingerprint != fingerprint {
        return Err(VaultError::WrongKey {
            name: name.to_owned(),
            sealed_with: sealed.key_fingerprint.clone(),
            key: fingerprint,
        });
    }
    let damaged = || VaultError::Damaged { name: name.to_owned() };
    let nonce = <[u8; 24]>::try_from(sealed.nonce.as_slice()).map_err(|_| damaged())?;
    let value = cipher(key)
        .decrypt(&XNonce::from(nonce), Payload { msg: &sealed.ciphertext, aad: name.as_bytes() })
        .map_err(|_| damaged())?;
    String::from_utf8(value).map_err(|_| damaged())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_under_its_name() {
        let key = SecretKey::generate().unwrap();
        let sealed = seal(&key, "api-key", "s3cr3t-value").unwrap();
        assert!(!sealed.ciphertext.windows(12).any(|window| window == b"s3cr3t-value"));
        assert_eq!(open(&key, "api-key", &sealed).unwrap(), "s3cr3t-value");
        assert!(matches!(open(&key, "other-name", &sealed), Err(VaultError::Damaged { .. })));
        let other = SecretKey::generate().unwrap();
        assert!(matches!(open(&other, "api-key", &sealed), Err(VaultError::WrongKey { .. })));
        let mut tampered = sealed;
        tampered.ciphertext[0] ^= 1;
        assert!(matches!(open(&key, "api-key", &tampered), Err(VaultError::Damaged { .. })));
    }

    #[test]
    fn two_seals_of_one_value_differ() {
        let key = SecretKey::generate().unwrap();
        assert_ne!(seal(&key, "a", "v").unwrap().ciphertext, seal(&key, "a", "v").unwrap().ciphertext);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("smtp-password").is_ok());
        assert!(check_name("STRIPE_KEY.live").is_ok());
        for bad in ["", "-x", "a b", "ä", &"x".repeat(129)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
