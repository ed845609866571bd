//! Sign-up, sign-in, sign-out and the current session.

use axum::Json;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use omnera_core::accounts::{self, NewSession, SESSION_DAYS};
use serde_json::{Value, json};

use super::body::AuthBody;
use super::credentials::{SESSION_COOKIE, request_token};
use super::{signed_in, signed_in_in_person, timestamp, user_json};
use crate::client_address::ClientAddress;
use crate::error::ApiError;
use crate::records::JsonBody;
use crate::state::ApiState;

/// An address in the form accounts keep it, or a problem noted on `body`.
pub(super) fn account_email(body: &mut AuthBody<'_>, key: &str, email: &str) -> String {
    if body.has_problem(key) {
        return String::new();
    }
    match accounts::account_email(key, email) {
        Ok(email) => email,
        Err(problem) => {
            body.problem(key, problem.code, problem.message);
            String::new()
        }
    }
}

/// Notes a problem on `body` when `password` may not be a new password.
pub(super) fn check_new_password(body: &mut AuthBody<'_>, key: &str, password: &str) {
    if body.has_problem(key) {
        return;
    }
    if let Some(problem) = accounts::new_password_problem(key, password) {
        body.problem(key, problem.code, problem.message);
    }
}

/// `{email, password, name?}` when sign-up is open: 201 `{email, message}`, the same whether or
/// not the address already has an account, so the answer does not tell (OWASP); the details go
/// by mail.
pub(super) async fn sign_up(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let service = state.app.accounts();
    service.sign_up_allowed()?;
    let mut body = AuthBody::read(&body, &["email", "password", "name"], "{email, password, name?}")?;
    let email = body.required_text("email");
    let checked_email = account_email(&mut body, "email", &email);
    let password = body.required_text("password");
    check_new_password(&mut body, "password", &password);
    let name = body.optional_text("name").filter(|name| !name.trim().is_empty());
    body.finish()?;
    let email = service.sign_up(&checked_email, &password, name).await?;
    let message = "signed up: check the inbox of this address for what comes next";
    Ok((StatusCode::CREATED, Json(json!({"email": email, "message": message}))))
}

/// `{email, password}`: 200 with a session token (also set as a cookie). Failures are rate
/// limited per account and per client address.
pub(super) async fn sign_in(
    State(state): State<ApiState>,
    extensions: Extensions,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let mut body = AuthBody::read(&body, &["email", "password"], "{email, password}")?;
    let email = body.required_text("email");
    let password = body.required_text("password");
    body.finish()?;
    let client = extensions.get::<ClientAddress>().map(|ClientAddress(address)| *address);
    let session = state.app.accounts().sign_in(&email, &password, client).await?;
    Ok(SessionAnswer(session).into_response())
}

/// A session just opened, as the API answers it.
pub(super) struct SessionAnswer(pub(super) NewSession);

impl SessionAnswer {
    /// The session cookie that carries it.
    pub(super) fn cookie(&self) -> String {
        cookie(SESSION_COOKIE, &self.0.token, SESSION_DAYS * 24 * 3600)
    }
}

impl IntoResponse for SessionAnswer {
    /// 200 `{token, expiresAt, user}`, with the session cookie.
    fn into_response(self) -> Response {
        let cookie = self.cookie();
        let session = self.0;
        let body = json!({"token": session.token, "expiresAt": timestamp(&session.expires_at), "user": user_json(&session.user)});
        with_cookie(Json(body).into_response(), &cookie)
    }
}

/// An `HttpOnly; Secure; SameSite=Lax` cookie for the whole site; `Max-Age=0` removes it.
pub(super) fn cookie(name: &str, value: &str, max_age_seconds: i64) -> String {
    format!("{name}={value}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={max_age_seconds}")
}

/// `response` with a `Set-Cookie` header added.
pub(super) fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// 200 `{user}` for a signed-in caller, else 401.
pub(super) async fn session(
    State(state): State<ApiState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let user = signed_in(&state, &headers).await?;
    Ok(Json(json!({"user": user_json(&user)})))
}

/// Ends the session of the request's token and clears the cookie: 204.
pub(super) async fn sign_out(
    State(state): State<ApiState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    signed_in_in_person(&state, &headers).await?;
    if let Some(token) = request_token(&headers) {
        state.app.accounts().sign_out(&token).await?;
    }
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), &cookie(SESSION_COOKIE, "", 0)))
}
