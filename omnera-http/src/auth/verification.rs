//! Verifying an account's email address with the token mailed at sign-up, or asking for a new
//! one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::body::AuthBody;
use super::sessions::account_email;
use super::user_json;
use crate::error::{ApiError, ErrorKind};
use crate::records::JsonBody;
use crate::state::ApiState;

/// `{token}` verifies the address the token was sent to: 200 `{user}`, 401 for a bad token.
/// `{email}` mails a new token to an unverified, active account: always 204.
pub(super) async fn verify(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let mut body = AuthBody::read(&body, &["token", "email"], "{token} or {email}")?;
    match (body.value("token").is_some(), body.value("email").is_some()) {
        (true, false) => {
            let token = body.required_text("token");
            body.finish()?;
            let verified = state.app.accounts().verify_email(&token).await?;
            Ok(Json(json!({"user": user_json(&verified)})).into_response())
        }
        (false, true) => {
            let email = body.required_text("email");
            let email = account_email(&mut body, "email", &email);
            body.finish()?;
            state.app.accounts().resend_verification(&email).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => {
            body.finish()?;
            Err(ApiError::new(ErrorKind::InvalidJson, "send either {token} or {email}"))
        }
    }
}
