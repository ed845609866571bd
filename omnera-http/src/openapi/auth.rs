//! The `/api/auth` routes and `/api/schema` in the OpenAPI document.

use serde_json::{Map, Value, json};

use super::{assembled, empty_operation, operation, security};
use crate::error::ErrorKind::{
    self, BadRequest, Forbidden, InvalidJson, NotFound, PayloadTooLarge, RateLimited, Unauthorized,
    Unavailable, UnsupportedMediaType, ValidationFailed,
};

/// What every JSON body can go wrong with.
const BODY_ERRORS: [ErrorKind; 4] = [InvalidJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed];

fn body(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties})
}

fn text() -> Value {
    json!({"type": "string", "minLength": 1})
}

fn with(extra: &[ErrorKind]) -> Vec<ErrorKind> {
    BODY_ERRORS.iter().chain(extra).copied().collect()
}

/// `operation`, which reads no credentials (signing up and in, codes sent by mail, OAuth).
fn public(mut operation: Value) -> Value {
    operation["security"] = security::none();
    operation
}

/// `operation`, which needs a session: an API key gets a 403.
fn in_person(mut operation: Value) -> Value {
    operation["security"] = security::session();
    operation
}

/// The auth paths; the OAuth routes when the app signs in through `oauth_connections`; the users
/// API and `/api/schema` when `admin_routes`.
pub(super) fn paths(
    oauth_connections: &[&str],
    connectable: &[&str],
    admin_routes: bool,
) -> Map<String, Value> {
    let user = json!({"$ref": "#/components/schemas/User"});
    let user_body = json!({"type": "object", "required": ["user"], "properties": {"user": user}});
    let credentials = body(&["email", "password"], json!({"email": text(), "password": text()}));
    let session = json!({"type": "object", "required": ["token", "expiresAt", "user"], "properties": {
        "token": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"}, "user": user}});
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64", "minimum": 1}});
    let scope = json!({"type": "object", "additionalProperties": false, "required": ["table", "actions"], "properties": {
        "table": {"type": "string"},
        "actions": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": ["read", "create", "update", "delete"]}}}});
    let scopes = json!({"type": ["array", "null"], "items": scope});
    let api_key = json!({"type": "object", "required": ["id", "name", "createdAt"], "properties": {
        "scopes": scopes,
        "id": {"type": "integer"}, "name": {"type": "string"}, "key": {"type": "string"},
        "createdAt": {"type": "string", "format": "date-time"}, "expiresAt": {"type": ["string", "null"], "format": "date-time"}}});
    let page = |name: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1}});
    let mut paths = Map::new();
    let mut add = |path: &str, item: Value| {
        paths.insert(path.to_owned(), item);
    };
    add(
        "/api/auth/sign-up",
        json!({"post": public(operation("signUp", "create an account (when sign-up is open)", json!([]),
        Some(body(&["email", "password"], json!({"email": text(), "password": text(), "name": {"type": ["string", "null"]}}))),
        "201", json!({"type": "object", "required": ["email", "message"], "properties": {
            "email": {"type": "string"}, "message": {"type": "string"}}}), &with(&[])))}),
    );
    add(
        "/api/auth/sign-in",
        json!({"post": public(operation("signIn", "sign in with email and password", json!([]), Some(credentials),
        "200", session.clone(), &with(&[RateLimited])))}),
    );
    add(
        "/api/auth/sign-out",
        json!({"post": in_person(empty_operation("signOut", "end this session", json!([]), None, &[Forbidden]))}),
    );
    add(
        "/api/auth/session",
        json!({"get": operation("getSession", "the signed-in user", json!([]), None, "200", user_body.clone(), &[])}),
    );
    add(
        "/api/auth/password/change",
        json!({"post": in_person(empty_operation("changePassword", "change the password (signed in)", json!([]),
        Some(body(&["currentPassword", "newPassword"], json!({"currentPassword": text(), "newPassword": text()}))), &with(&[Forbidden])))}),
    );
    add(
        "/api/auth/password/forgot",
        json!({"post": public(empty_operation("requestPasswordReset", "mail a password-reset code", json!([]),
        Some(body(&["email"], json!({"email": text()}))), &with(&[])))}),
    );
    add(
        "/api/auth/password/reset",
        json!({"post": public(empty_operation("resetPassword", "set a new password with a mailed code", json!([]),
        Some(body(&["token", "password"], json!({"token": text(), "password": text()}))), &with(&[])))}),
    );
    let mut verify = operation(
        "verifyEmail",
        "verify an address with a mailed code, or ask for a new code",
        json!([]),
        Some(
            json!({"oneOf": [body(&["token"], json!({"token": text()})), body(&["email"], json!({"email": text()}))]}),
        ),
        "200",
        user_body,
        &with(&[]),
    );
    verify["responses"]["204"] = json!({"description": "a new code was mailed if the account needs one"});
    add("/api/auth/email/verify", json!({"post": public(verify)}));
    add(
        "/api/auth/api-keys",
        json!({
            "post": in_person(operation("createApiKey", "make an API key (shown this once)", json!([]),
                Some(body(&["name"], json!({"name": text(), "expiresAt": {"type": ["string", "null"], "format": "date-time"}, "scopes": scopes}))),
                "201", api_key.clone(), &with(&[Forbidden]))),
            "get": in_person(operation("listApiKeys", "the caller's API keys", json!([]), None, "200",
                json!({"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": api_key}}}), &[Forbidden])),
        }),
    );
    add(
        "/api/auth/api-keys/{id}",
        json!({"delete": in_person(empty_operation("revokeApiKey", "revoke an API key", json!([id]), None, &[Forbidden, NotFound]))}),
    );
    // The OAuth flows' `?redirect=` (a path on this site) and their first answer.
    let redirect = json!({"name": "redirect", "in": "query", "required": false,
        "schema": {"type": "string", "pattern": "^/([^/\\\\].*)?$"}});
    let to_provider = json!({"description": "to the provider, with a state cookie",
        "headers": {"Location": {"schema": {"type": "string"}}}});
    let query_text = |parameter: &str| json!({"name": parameter, "in": "query", "required": false, "schema": {"type": "string"}});
    if !oauth_connections.is_empty() {
        let connection = json!({"name": "connection", "in": "path", "required": true,
            "schema": {"type": "string", "enum": oauth_connections}});
        let start = assembled(
            "startOAuthSignIn",
            "sign in through an OAuth connection (PKCE)",
            json!([connection, redirect]),
            None,
            ("303", to_provider.clone()),
            &[BadRequest, NotFound, Unavailable],
        );
        add("/api/auth/oauth/{connection}", json!({"get": public(start)}));

        let mut callback = operation(
            "finishOAuthSignIn",
            "where the provider sends the browser back",
            json!([connection, query_text("code"), query_text("state"), query_text("error")]),
            None,
            "200",
            session,
            &[BadRequest, Unauthorized, Forbidden, NotFound, Unavailable],
        );
        callback["responses"]["303"] =
            json!({"description": "signed in: to the start's `redirect`, with the session cookie"});
        add("/api/auth/oauth/{connection}/callback", json!({"get": public(callback)}));
    }
    if admin_routes {
        add(
            "/api/auth/users",
            json!({"get": operation("listUsers", "accounts (admins only)", json!([page("page"), {"name": "limit", "in": "query", "required": false,
                "schema": {"type": "integer", "minimum": 1, "maximum": omnera_core::records::MAX_LIMIT}},
                {"name": "count", "in": "query", "required": false, "schema": {"type": "string", "enum": ["exact", "none"]},
                 "description": "whether to count every account"}]), None, "200",
            json!({"type": "object", "required": ["data", "pagination"], "properties": {
                "data": {"type": "array", "items": user}, "pagination": {"$ref": "#/components/schemas/Pagination"}}}),
            &[BadRequest])}),
        );
        add(
            "/api/auth/users/{id}",
            json!({"patch": operation("updateUser", "set an account's roles or disable it (admins only)", json!([id]),
            Some(json!({"type": "object", "additionalProperties": false, "properties": {
                "roles": {"type": "array", "items": {"type": "string"}}, "disabled": {"type": "boolean"}}})),
            "200", user, &with(&[NotFound]))}),
        );
        let health = json!({"type": ["object", "null"], "required": ["status", "detail", "checkedAt"], "properties": {
            "status": {"type": "string", "enum": ["healthy", "unhealthy", "not-checked"]},
            "detail": {"type": "string"}, "checkedAt": {"type": "string", "format": "date-time"}}});
        let connection = json!({"type": "object", "required": ["name", "type", "health"], "properties": {
            "name": {"type": "string"}, "type": {"type": "string"}, "health": health}});
        add(
            "/api/connections",
            json!({"get": operation("listConnections", "the connections and the last health of each (admins only)", json!([]), None, "200",
            json!({"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": connection}}}), &[])}),
        );
        if !connectable.is_empty() {
            let name = json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string", "enum": connectable}});
            add(
                "/api/connections/{name}/authorize",
                json!({"get": assembled("connectOAuthConnection", "grant an oauth connection tokens for requests (admins only)",
                    json!([name, redirect]), None, ("303", to_provider), &[BadRequest, NotFound, Unavailable])}),
            );
            let mut connected = operation(
                "finishOAuthConnection",
                "where the provider sends the admin back; the tokens are sealed in the vault",
                json!([name, query_text("code"), query_text("state"), query_text("error")]),
                None,
                "200",
                json!({"type": "object", "required": ["connection", "connected", "expiresAt", "refreshable"], "properties": {
                    "connection": {"type": "string"}, "connected": {"type": "boolean"},
                    "expiresAt": {"type": "string", "format": "date-time"}, "refreshable": {"type": "boolean"}}}),
                &[BadRequest, NotFound, Unavailable],
            );
            connected["responses"]["303"] = json!({"description": "connected: to the start's `redirect`"});
            add("/api/connections/{name}/callback", json!({"get": connected}));
        }
        add(
            "/api/connections/{name}/check",
            json!({"post": operation("checkConnection", "check a connection now (admins only)",
            json!([{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}]), None, "200", connection, &[NotFound])}),
        );
        add(
            "/api/schema",
            json!({"get": operation("getSchema", "the validated config (admins only)", json!([]), None, "200", json!({"type": "object"}), &[])}),
        );
    }
    paths
}

/// The `User` schema.
pub(super) fn user_schema() -> Value {
    json!({"type": "object", "required": ["id", "email", "roles", "disabled", "emailVerified", "createdAt"], "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": ["string", "null"]},
        "roles": {"type": "array", "items": {"type": "string"}}, "disabled": {"type": "boolean"},
        "emailVerified": {"type": "boolean"}, "createdAt": {"type": "string", "format": "date-time"}}})
}
