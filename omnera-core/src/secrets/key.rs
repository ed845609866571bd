//! The vault's key: 256 random bits that the host keeps (an environment variable or a file),
//! never the database.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use super::VaultError;

/// The key that seals the vault's secrets: 32 bytes, written as base64 (44 characters) or hex
/// (64 characters). Its `Debug` shows the fingerprint only.
///
/// ```
/// use omnera_core::secrets::SecretKey;
///
/// let key = SecretKey::generate().unwrap();
/// let again = SecretKey::parse(&key.to_base64()).unwrap();
/// assert_eq!(key.fingerprint(), again.fingerprint());
/// assert!(SecretKey::parse("too short").is_err());
/// ```
#[derive(Clone)]
pub struct SecretKey {
    bytes: [u8; 32],
}

impl SecretKey {
    /// A new random key.
    pub fn generate() -> Result<Self, VaultError> {
        let mut bytes = [0; 32];
        getrandom::fill(&mut bytes)
            .map_err(|error| VaultError::Crypto { reason: format!("no randomness: {error}") })?;
        Ok(Self { bytes })
    }

    /// The key written as base64 or hex (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, VaultError> {
        let text = text.trim();
        let decoded = if text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            (0..32).map(|index| u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).ok()).collect()
        } else {
            STANDARD.decode(text).ok()
        };
        let bytes = decoded.and_then(|bytes: Vec<u8>| <[u8; 32]>::try_from(bytes).ok()).ok_or_else(|| {
            VaultError::BadKey {
                reason: "a key is 32 bytes written as base64 (44 characters) or hex (64 characters); \
                         make one with `serve secrets generate-key`"
                    .to_owned(),
            }
        })?;
        Ok(Self { bytes })
    }

    /// The key in the file at `path` (written as for [`SecretKey::parse`]).
    pub fn from_file(path: &Path) -> Result<Self, VaultError> {
        let text = std::fs::read_to_string(path).map_err(|error| VaultError::BadKey {
            reason: format!("cannot read the key file {}: {error}", path.display()),
        })?;
        Self::parse(&text)
    }

    /// The key as base64, to store where the host keeps it.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.bytes)
    }

    /// A short name of the key (12 hex digits of a hash of it), kept with each secret so that a
    /// wrong key is told apart from damaged data. It does not reveal the key.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::new().chain_update(b"omnera vault key\0").chain_update(self.bytes).finalize();
        digest[..6].iter().map(|byte| format!("{byte:02x}")).collect()
    }

    pub(super) fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey").field("fingerprint", &self.fingerprint()).finish_non_exhaustive()
    }
}
