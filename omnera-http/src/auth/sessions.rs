//! Sign-up, sign-in, sign-out and the current session.

use axum::Json;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use omnera_core::backend::{AccountError, NewUser, TokenPurpose, User};
use omnera_core::config::SignUpMode;
use serde_json::{Value, json};

use super::body::AuthBody;
use super::credentials::{
    SESSION_COOKIE, hash_password, new_token, request_token, token_hash, unknown_account_hash,
    verify_password,
};
use super::passwords::check_new_password;
use super::throttle::SignInAttempt;
use super::{
    accounts, notices, one_time, signed_in, signed_in_in_person, store_error, timestamp, unauthorized,
    user_json,
};
use crate::error::{ApiError, ErrorKind};
use crate::records::JsonBody;
use crate::state::ApiState;

/// How long a session lasts.
const SESSION_DAYS: i64 = 30;

/// An address in the form accounts keep it, or a problem noted on `body`.
pub(super) fn account_email(body: &mut AuthBody<'_>, email: &str) -> String {
    if body.has_problem("email") {
        return String::new();
    }
    match omnera_core::FieldKind::Email.normalize(&Value::String(email.trim().to_owned())) {
        Ok(omnera_core::FieldValue::Text(email)) => email.to_lowercase(),
        _ => {
            body.problem("email", "invalid_email", "not a valid email address");
            String::new()
        }
    }
}

/// `{email, password, name?}` when sign-up is open: 201 `{email, message}`, the same whether or
/// not the address already has an account, so the answer does not tell (OWASP); the details go
/// by mail. A new account gets the app's default roles and, when a mailer is set, an email to
/// verify the address; the owner of an existing one gets an email saying someone tried.
pub(super) async fn sign_up(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let auth = state.app.schema().auth();
    if auth.sign_up() != SignUpMode::Open {
        return Err(ApiError::new(ErrorKind::Forbidden, "sign-up is not open"));
    }
    passwords_allowed(&state)?;
    let mut body = AuthBody::read(&body, &["email", "password", "name"], "{email, password, name?}")?;
    let email = body.required_text("email");
    let email = account_email(&mut body, &email);
    let password = body.required_text("password");
    check_new_password(&mut body, "password", &password);
    let name = body.optional_text("name").filter(|name| !name.trim().is_empty());
    body.finish()?;
    let new_user =
        NewUser::new(email.clone(), name, hash_password(&password)?, auth.default_roles().to_vec());
    match accounts(&state)?.create_user(new_user).await {
        Ok(user) if state.app.mailer().is_some() => {
            // The account exists either way; a failed email can be asked for again.
            if let Err(error) = one_time::send(&state, &user, TokenPurpose::EmailVerification).await {
                tracing::warn!(?error, "the verification email of a new account was not sent");
            }
        }
        Ok(_) => {}
        Err(AccountError::EmailTaken) => notices::tell_of_sign_up_with_taken_address(&state, &email).await,
        Err(other) => return Err(store_error(other)),
    }
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
    passwords_allowed(&state)?;
    let accounts = accounts(&state)?;
    let attempt = SignInAttempt::new(&email, &extensions);
    attempt.check(accounts.as_ref()).await?;
    let found = accounts.user_by_email(&email).await.map_err(store_error)?;
    // The same Argon2 work whether or not the email has an account, or the account is disabled.
    let matches = match &found {
        Some((_, hash)) => verify_password(&password, hash),
        None => verify_password(&password, unknown_account_hash()),
    };
    let Some((user, _)) = found.filter(|(user, _)| matches && !user.disabled) else {
        attempt.failed(accounts.as_ref()).await?;
        return Err(unauthorized());
    };
    attempt.succeeded(accounts.as_ref()).await?;
    if state.app.schema().auth().requires_verified_email() && !user.email_verified {
        return Err(ApiError::new(ErrorKind::Forbidden, "verify your email address before signing in"));
    }
    let session = open_session(&state, &user).await?;
    Ok(session.into_response())
}

/// A 403 when the app's `auth.providers` leave out `password`.
fn passwords_allowed(state: &ApiState) -> Result<(), ApiError> {
    if state.app.schema().auth().providers().iter().any(|provider| provider == "password") {
        Ok(())
    } else {
        Err(ApiError::new(ErrorKind::Forbidden, "this app does not sign in with passwords"))
    }
}

/// A session just opened for a user.
pub(super) struct NewSession {
    token: String,
    expires_at: DateTime<Utc>,
    user: Value,
}

/// Opens a session for `user`.
pub(super) async fn open_session(state: &ApiState, user: &User) -> Result<NewSession, ApiError> {
    let token = new_token()?;
    let expires_at = Utc::now() + Duration::days(SESSION_DAYS);
    accounts(state)?.create_session(user.id, &token_hash(&token), expires_at).await.map_err(store_error)?;
    Ok(NewSession { token, expires_at, user: user_json(user) })
}

impl NewSession {
    /// The session cookie that carries it.
    pub(super) fn cookie(&self) -> String {
        cookie(SESSION_COOKIE, &self.token, SESSION_DAYS * 24 * 3600)
    }
}

impl IntoResponse for NewSession {
    /// 200 `{token, expiresAt, user}`, with the session cookie.
    fn into_response(self) -> Response {
        let cookie = self.cookie();
        let body = json!({"token": self.token, "expiresAt": timestamp(&self.expires_at), "user": self.user});
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
        accounts(&state)?.delete_session(&token_hash(&token)).await.map_err(store_error)?;
    }
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), &cookie(SESSION_COOKIE, "", 0)))
}
