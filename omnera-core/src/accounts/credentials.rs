//! Passwords (Argon2id) and tokens (random, kept only as SHA-256 hashes).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

use super::AccountsError;

/// An Argon2id PHC hash of `password`, with a random salt.
pub(crate) fn hash_password(password: &str) -> Result<String, AccountsError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| AccountsError::internal(format!("password hashing failed: {error}")))
}

/// A hash of no account's password, made with the parameters of real ones: a sign-in for an
/// email without an account verifies against it, so it costs the same Argon2 work as a wrong
/// password for a real account, and the time of the answer does not tell which emails have
/// accounts.
pub(crate) fn unknown_account_hash() -> &'static str {
    static HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut password = [0u8; 16];
        let _ = getrandom::fill(&mut password);
        Argon2::default().hash_password(&password).map(|hash| hash.to_string()).unwrap_or_default()
    });
    &HASH
}

/// Whether `password` matches a PHC hash.
pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A new token (session, API key, one-time): 32 random bytes, hex.
pub fn new_token() -> Result<String, AccountsError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| AccountsError::internal("no randomness available"))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// What the account store keeps of a token: its SHA-256, hex.
///
/// ```
/// let hash = omnera_core::accounts::token_hash("secret");
/// assert_eq!(hash.len(), 64);
/// assert_ne!(hash, "secret");
/// ```
pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn the_unknown_account_hash_costs_what_a_real_one_does() {
        let real = hash_password("correct horse").unwrap();
        let real = PasswordHash::new(&real).unwrap();
        let unknown = PasswordHash::new(unknown_account_hash()).unwrap();
        assert_eq!(
            (unknown.algorithm, unknown.version, unknown.params.to_string()),
            (real.algorithm, real.version, real.params.to_string()),
            "the same algorithm and cost parameters as the hash of a real password"
        );
        assert!(!verify_password("", unknown_account_hash()));
    }

    #[test]
    fn tokens_are_long_and_random() {
        let token = new_token().unwrap();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token().unwrap());
    }
}
