//! How the document says which credentials an operation takes: the three ways a request carries
//! them (`auth::credentials`), the signed-in default, and the routes open without any.

use serde_json::{Value, json};

use crate::auth::SESSION_COOKIE;

/// A session token or API key as `Authorization: Bearer`, an API key as `X-API-Key`, and the
/// session cookie sign-in sets.
pub(super) fn schemes() -> Value {
    json!({
        "bearerToken": {"type": "http", "scheme": "bearer",
            "description": "a session token from sign-in, or an API key"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "an API key"},
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
            "description": "the session cookie sign-in sets"},
    })
}

/// Any one of the three: the document's default.
pub(super) fn signed_in() -> Value {
    json!([{"bearerToken": []}, {"apiKey": []}, {"sessionCookie": []}])
}

/// A session, as a bearer token or the cookie: what manages the account's own credentials (API
/// keys, the password, sign-out) answers 403 to an API key.
pub(super) fn session() -> Value {
    json!([{"bearerToken": []}, {"sessionCookie": []}])
}

/// Credentials or none: anonymous callers may use the operation, and credentials sent are
/// checked (bad ones are a 401).
pub(super) fn optional() -> Value {
    json!([{}, {"bearerToken": []}, {"apiKey": []}, {"sessionCookie": []}])
}

/// No credentials: the operation does not read them.
pub(super) fn none() -> Value {
    json!([])
}
