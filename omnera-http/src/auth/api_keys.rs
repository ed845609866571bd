//! A signed-in user's API keys: made (the key is shown this once), listed and revoked. Only
//! their hashes are kept.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use omnera_core::backend::ApiKey;
use serde_json::{Value, json};

use super::body::AuthBody;
use super::key_scopes::read_scopes;
use super::{accounts, signed_in_in_person, store_error, timestamp};
use crate::error::{ApiError, ErrorKind};
use crate::records::JsonBody;
use crate::state::ApiState;

fn api_key_json(key: &ApiKey) -> Value {
    json!({"id": key.id, "name": key.name, "createdAt": timestamp(&key.created_at),
        "expiresAt": key.expires_at.as_ref().map(timestamp), "scopes": key.scopes})
}

/// `{name, expiresAt?, scopes?}`: 201 with the key, shown this once. With `scopes`, the key may
/// take only those actions on those tables, within what its user may do.
pub(super) async fn create(
    State(state): State<ApiState>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let user = signed_in_in_person(&state, &headers).await?;
    let mut body = AuthBody::read(&body, &["name", "expiresAt", "scopes"], "{name, expiresAt?, scopes?}")?;
    let name = body.required_text("name");
    let expires_at =
        body.optional_text("expiresAt").and_then(|text| match chrono::DateTime::parse_from_rfc3339(&text) {
            Ok(moment) => Some(moment.with_timezone(&Utc)),
            Err(_) => {
                body.problem("expiresAt", "invalid_datetime", "a date and time in the future, RFC 3339");
                None
            }
        });
    let accounts = state.app.accounts();
    // In the body's order: the name and expiry first, then each scope (its table checked there).
    body.problems(accounts.api_key_problems(&name, expires_at, None));
    let scopes = read_scopes(&mut body, &accounts);
    body.finish()?;
    let made = accounts.create_api_key(&user, &name, expires_at, scopes).await?;
    let mut shown = api_key_json(&made.key);
    shown["key"] = Value::String(made.secret);
    Ok((StatusCode::CREATED, Json(shown)))
}

/// The caller's keys that are not revoked, without secrets.
pub(super) async fn list(State(state): State<ApiState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let user = signed_in_in_person(&state, &headers).await?;
    let keys = accounts(&state)?.api_keys(user.id).await.map_err(store_error)?;
    Ok(Json(json!({"data": keys.iter().map(api_key_json).collect::<Vec<_>>()})))
}

/// Revokes one of the caller's keys: 204, or 404 when they have no such key.
pub(super) async fn revoke(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = signed_in_in_person(&state, &headers).await?;
    let not_found = || ApiError::new(ErrorKind::NotFound, format!("API key {id} not found"));
    let key_id = id.parse::<i64>().map_err(|_| not_found())?;
    if accounts(&state)?.revoke_api_key(user.id, key_id).await.map_err(store_error)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}
