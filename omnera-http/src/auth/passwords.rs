//! Changing a password when signed in, and the forgotten-password flow: a reset token by email,
//! then a new password with that token.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use super::body::AuthBody;
use super::credentials::request_token;
use super::sessions::{account_email, check_new_password};
use super::signed_in_in_person;
use crate::error::ApiError;
use crate::records::JsonBody;
use crate::state::ApiState;

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
    let kept = request_token(&headers);
    state.app.accounts().change_password(&user, &current, &new_password, kept.as_deref()).await?;
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
    let email = account_email(&mut body, "email", &email);
    body.finish()?;
    state.app.accounts().forgot_password(&email).await?;
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
    state.app.accounts().reset_password(&token, &password).await?;
    Ok(StatusCode::NO_CONTENT)
}
