//! Changing a password when signed in, and the forgotten-password flow: a reset token by email,
//! then a new password with that token.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use omnera_core::backend::{TokenPurpose, UserChanges};

use super::body::AuthBody;
use super::credentials::{hash_password, request_token, token_hash, verify_password};
use super::sessions::account_email;
use super::throttle::account_key;
use super::{accounts, one_time, signed_in_in_person, store_error, unauthorized};
use crate::error::ApiError;
use crate::records::JsonBody;
use crate::state::ApiState;

/// The shortest password.
const MIN_PASSWORD_LENGTH: usize = 8;
/// The longest password (Argon2 hashes any length; this bounds the work per request).
const MAX_PASSWORD_LENGTH: usize = 1024;

/// Notes a problem on `body` when `password` is too short or too long.
pub(super) fn check_new_password(body: &mut AuthBody<'_>, key: &str, password: &str) {
    let length = password.chars().count();
    if body.has_problem(key) {
        return;
    }
    if length < MIN_PASSWORD_LENGTH {
        body.problem(key, "too_short", format!("has at least {MIN_PASSWORD_LENGTH} characters"));
    } else if length > MAX_PASSWORD_LENGTH {
        body.problem(key, "too_long", format!("has at most {MAX_PASSWORD_LENGTH} characters"));
    }
}

/// `{currentPassword, newPassword}` from a signed-in user: 204. A wrong current password is a
/// 401. The user's other sessions end; this one stays.
pub(super) async fn change(
    State(state): State<ApiState>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let user = signed_in_in_person(&state, &headers).await?;
    let mut body =
        AuthBody::read(&body, &["currentPassword", "newPassword"], "{currentPassword, newPassword}")?;
    let current = body.required_text("currentPassword");
    let new_password = body.required_text("newPassword");
    check_new_password(&mut body, "newPassword", &new_password);
    body.finish()?;
    let accounts = accounts(&state)?;
    let stored = accounts.user_by_email(&user.email).await.map_err(store_error)?;
    if !stored.is_some_and(|(_, hash)| verify_password(&current, &hash)) {
        return Err(unauthorized());
    }
    let changes = UserChanges::default().with_password_hash(hash_password(&new_password)?);
    accounts.update_user(user.id, changes).await.map_err(store_error)?;
    let kept = request_token(&headers).map(|token| token_hash(&token));
    accounts.end_sessions(user.id, kept.as_deref()).await.map_err(store_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{email}`: mails a reset token when such an active account exists. Always 204, so the answer
/// does not tell who has an account.
pub(super) async fn forgot(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let mut body = AuthBody::read(&body, &["email"], "{email}")?;
    let email = body.required_text("email");
    let email = account_email(&mut body, &email);
    body.finish()?;
    let found = accounts(&state)?.user_by_email(&email).await.map_err(store_error)?;
    if let Some((user, _)) = found.filter(|(user, _)| !user.disabled) {
        one_time::send(&state, &user, TokenPurpose::PasswordReset).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `{token, password}`: sets the new password, counts the address as verified (the token came
/// by email) and ends every session of the user: 204. A bad token is a 401.
pub(super) async fn reset(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let mut body = AuthBody::read(&body, &["token", "password"], "{token, password}")?;
    let token = body.required_text("token");
    let password = body.required_text("password");
    check_new_password(&mut body, "password", &password);
    body.finish()?;
    let user = one_time::redeem(&state, TokenPurpose::PasswordReset, &token).await?;
    let changes = UserChanges::default().with_password_hash(hash_password(&password)?).with_email_verified();
    let accounts = accounts(&state)?;
    accounts.update_user(user.id, changes).await.map_err(store_error)?;
    accounts.end_sessions(user.id, None).await.map_err(store_error)?;
    accounts.clear_failed_sign_ins(&account_key(&user.email)).await.map_err(store_error)?;
    Ok(StatusCode::NO_CONTENT)
}
