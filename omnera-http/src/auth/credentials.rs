//! Passwords (Argon2id) and session tokens (random, stored as SHA-256 hashes), and reading a
//! request's credentials: `Authorization: Bearer`, or the session cookie.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorKind};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "omnera_session";

/// An Argon2id PHC hash of `password`, with a random salt.
pub(crate) fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default().hash_password(password.as_bytes()).map(|hash| hash.to_string()).map_err(|error| {
        tracing::error!(%error, "password hashing failed");
        ApiError::new(ErrorKind::Internal, "the password could not be stored")
    })
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

/// A new session token: 32 random bytes, hex.
pub(crate) fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::new(ErrorKind::Internal, "no randomness available"))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// What the store keeps of a token.
pub(crate) fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// The API key of an `X-API-Key` header.
pub(crate) fn request_api_key(headers: &HeaderMap) -> Option<String> {
    headers.get("x-api-key").and_then(|value| value.to_str().ok()).map(|key| key.trim().to_owned())
}

/// What a request's `Authorization` header holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Authorization {
    /// No `Authorization` header.
    Absent,
    /// `Bearer <token>` (the scheme in any case).
    Bearer(String),
    /// Anything else: another scheme (`Basic ..`), no token, or bytes that are not text. Such
    /// credentials are bad credentials, never a reason to serve the request anonymously.
    Unusable,
}

/// Reads the `Authorization` header.
pub(crate) fn request_authorization(headers: &HeaderMap) -> Authorization {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Authorization::Absent };
    let bearer = value
        .to_str()
        .ok()
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty() && !token.contains(char::is_whitespace));
    match bearer {
        Some(token) => Authorization::Bearer(token.to_owned()),
        None => Authorization::Unusable,
    }
}

/// The token a request carries, if any: the bearer token first, then the session cookie.
pub(crate) fn request_token(headers: &HeaderMap) -> Option<String> {
    match request_authorization(headers) {
        Authorization::Bearer(token) => Some(token),
        Authorization::Absent | Authorization::Unusable => request_cookie(headers, SESSION_COOKIE),
    }
}

/// The value of the cookie `name` a request carries, if any.
pub(crate) fn request_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.to_owned())
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
    fn tokens_are_long_random_and_read_from_bearer_or_cookie() {
        let token = new_token().unwrap();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token().unwrap());
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "theme=dark; omnera_session=abc".parse().unwrap());
        assert_eq!(request_token(&headers).as_deref(), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Bearer xyz".parse().unwrap());
        assert_eq!(request_token(&headers).as_deref(), Some("xyz"));
    }

    #[test]
    fn an_authorization_header_is_a_bearer_token_or_unusable() {
        let read = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            request_authorization(&headers)
        };
        assert_eq!(request_authorization(&HeaderMap::new()), Authorization::Absent);
        assert_eq!(read("Bearer abc"), Authorization::Bearer("abc".to_owned()));
        assert_eq!(read("bearer  abc "), Authorization::Bearer("abc".to_owned()));
        for unusable in ["Basic Zm9vOmJhcg==", "Bearer", "Bearer ", "abc", "Bearer a b", "Token abc"] {
            assert_eq!(read(unusable), Authorization::Unusable, "{unusable}");
        }
    }
}
