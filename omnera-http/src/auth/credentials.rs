//! Reading a request's credentials: `Authorization: Bearer`, `X-API-Key`, or the session cookie.

use axum::http::{HeaderMap, header};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "omnera_session";

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
    fn tokens_are_read_from_bearer_or_cookie() {
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
