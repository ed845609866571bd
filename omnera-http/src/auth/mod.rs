//! `/api/auth`: sign-up, sign-in, sign-out and the current session. Passwords are hashed with
//! Argon2id; session tokens are random and reach the store only as hashes. Bad credentials are
//! always a 401.
//!
//! Not done yet: password change/forgot/reset, email verification, OAuth, sign-in rate limits and
//! the users API.

mod credentials;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Duration, Utc};
use omnera_core::backend::{AccountError, AccountStore, ApiKey, NewUser, User};
use omnera_core::config::SignUpMode;
use serde_json::{Value, json};

use crate::error::{ApiError, ErrorKind, FieldError};
use crate::records::JsonBody;
use crate::state::ApiState;
use credentials::{
    SESSION_COOKIE, hash_password, new_token, request_api_key, request_token, token_hash, verify_password,
};

/// How long a session lasts.
const SESSION_DAYS: i64 = 30;
/// The shortest password.
const MIN_PASSWORD_LENGTH: usize = 8;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/auth/sign-up", post(sign_up))
        .route("/api/auth/sign-in", post(sign_in))
        .route("/api/auth/sign-out", post(sign_out))
        .route("/api/auth/session", get(session))
        .route("/api/auth/api-keys", post(create_api_key).get(list_api_keys))
        .route("/api/auth/api-keys/{id}", axum::routing::delete(revoke_api_key))
}

/// Creates an admin account with `email` and `password` unless one with that email exists;
/// returns whether it made one. Its address counts as verified. For the first admin of a new app (`OMNERA_ADMIN_EMAIL`,
/// `OMNERA_ADMIN_PASSWORD` in the serve example).
pub async fn ensure_admin(
    accounts: &dyn AccountStore,
    email: &str,
    password: &str,
) -> Result<bool, ApiError> {
    if accounts.user_by_email(email).await.map_err(store_error)?.is_some() {
        return Ok(false);
    }
    let admin = NewUser::new(email, None, hash_password(password)?, vec!["admin".to_owned()]).verified();
    accounts.create_user(admin).await.map_err(store_error)?;
    Ok(true)
}

fn accounts(state: &ApiState) -> Result<&std::sync::Arc<dyn AccountStore>, ApiError> {
    state.app.accounts().ok_or_else(|| ApiError::new(ErrorKind::Unavailable, "the app has no account store"))
}

fn store_error(error: AccountError) -> ApiError {
    match error {
        AccountError::EmailTaken => ApiError::invalid_fields(vec![FieldError {
            field: "email".to_owned(),
            code: "unique_violation".to_owned(),
            message: "an account with this email exists".to_owned(),
        }]),
        other => {
            tracing::error!(error = %other, "account store");
            ApiError::new(ErrorKind::Unavailable, "the account store is unavailable")
        }
    }
}

fn unauthorized() -> ApiError {
    ApiError::new(ErrorKind::Unauthorized, "the credentials are not valid")
}

pub(crate) fn user_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "roles": user.roles,
        "disabled": user.disabled,
        "emailVerified": user.email_verified,
        "createdAt": user.created_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    })
}

/// What a sign-up or sign-in body says, and its problems so far.
struct CredentialsBody {
    email: String,
    password: String,
    name: Option<String>,
    problems: Vec<FieldError>,
}

/// `email` and `password` (and `name` for sign-up) from a body, every problem at once.
fn credentials_of(body: &Value, with_name: bool) -> Result<CredentialsBody, ApiError> {
    let object =
        body.as_object().ok_or_else(|| ApiError::new(ErrorKind::InvalidJson, "send {email, password}"))?;
    let mut problems = Vec::new();
    let allowed: &[&str] = if with_name { &["email", "password", "name"] } else { &["email", "password"] };
    for key in object.keys().filter(|key| !allowed.contains(&key.as_str())) {
        problems.push(FieldError {
            field: key.clone(),
            code: "unknown_field".to_owned(),
            message: "is not expected here".to_owned(),
        });
    }
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    let email = text("email").unwrap_or_default();
    let password = text("password").unwrap_or_default();
    if email.trim().is_empty() {
        problems.push(FieldError {
            field: "email".to_owned(),
            code: "required".to_owned(),
            message: "is required".to_owned(),
        });
    }
    if password.is_empty() {
        problems.push(FieldError {
            field: "password".to_owned(),
            code: "required".to_owned(),
            message: "is required".to_owned(),
        });
    }
    Ok(CredentialsBody { email, password, name: text("name"), problems })
}

async fn sign_up(
    State(state): State<ApiState>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let auth = state.app.schema().auth();
    if auth.sign_up() != SignUpMode::Open {
        return Err(ApiError::new(ErrorKind::Forbidden, "sign-up is not open"));
    }
    let CredentialsBody { email, password, name, mut problems } = credentials_of(&body, true)?;
    let email = match omnera_core::FieldKind::Email.normalize(&Value::String(email)) {
        _ if problems.iter().any(|problem| problem.field == "email") => String::new(),
        Ok(omnera_core::FieldValue::Text(email)) => email.to_lowercase(),
        _ => {
            problems.push(FieldError {
                field: "email".to_owned(),
                code: "invalid_email".to_owned(),
                message: "not a valid email address".to_owned(),
            });
            String::new()
        }
    };
    if !password.is_empty() && password.chars().count() < MIN_PASSWORD_LENGTH {
        let message = format!("has at least {MIN_PASSWORD_LENGTH} characters");
        problems.push(FieldError { field: "password".to_owned(), code: "too_short".to_owned(), message });
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid_fields(problems));
    }
    let user = accounts(&state)?
        .create_user(NewUser::new(email, name, hash_password(&password)?, auth.default_roles().to_vec()))
        .await
        .map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(json!({"user": user_json(&user)}))))
}

async fn sign_in(State(state): State<ApiState>, JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    let CredentialsBody { email, password, problems, .. } = credentials_of(&body, false)?;
    if !problems.is_empty() {
        return Err(ApiError::invalid_fields(problems));
    }
    let accounts = accounts(&state)?;
    let found = accounts.user_by_email(&email).await.map_err(store_error)?;
    let Some((user, _)) = found.filter(|(user, hash)| !user.disabled && verify_password(&password, hash))
    else {
        return Err(unauthorized());
    };
    if state.app.schema().auth().requires_verified_email() && !user.email_verified {
        return Err(ApiError::new(ErrorKind::Forbidden, "verify your email address before signing in"));
    }
    let token = new_token()?;
    let expires_at = Utc::now() + Duration::days(SESSION_DAYS);
    accounts.create_session(user.id, &token_hash(&token), expires_at).await.map_err(store_error)?;
    let body = json!({"token": token, "expiresAt": expires_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(), "user": user_json(&user)});
    let mut response = Json(body).into_response();
    let cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={}",
        SESSION_DAYS * 24 * 3600
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The signed-in user of a request: `None` without credentials, 401 with bad ones. An
/// `X-API-Key` is an API key; a bearer token or the cookie is a session token or an API key.
pub(crate) async fn current_user(state: &ApiState, headers: &HeaderMap) -> Result<Option<User>, ApiError> {
    let accounts = accounts(state)?;
    let user = if let Some(key) = request_api_key(headers) {
        accounts.api_key_user(&token_hash(&key), Utc::now()).await.map_err(store_error)?
    } else if let Some(token) = request_token(headers) {
        let hash = token_hash(&token);
        match accounts.session_user(&hash, Utc::now()).await.map_err(store_error)? {
            Some(user) => Some(user),
            None => accounts.api_key_user(&hash, Utc::now()).await.map_err(store_error)?,
        }
    } else {
        return Ok(None);
    };
    match user {
        Some(user) if !user.disabled => Ok(Some(user)),
        _ => Err(unauthorized()),
    }
}

async fn session(State(state): State<ApiState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    match current_user(&state, &headers).await? {
        Some(user) => Ok(Json(json!({"user": user_json(&user)}))),
        None => Err(ApiError::new(ErrorKind::Unauthorized, "not signed in")),
    }
}

async fn sign_out(State(state): State<ApiState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if current_user(&state, &headers).await?.is_none() {
        return Err(ApiError::new(ErrorKind::Unauthorized, "not signed in"));
    }
    if let Some(token) = request_token(&headers) {
        accounts(&state)?.delete_session(&token_hash(&token)).await.map_err(store_error)?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let cleared = format!("{SESSION_COOKIE}=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&cleared) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

fn timestamp(moment: &chrono::DateTime<Utc>) -> String {
    moment.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn api_key_json(key: &ApiKey) -> Value {
    json!({"id": key.id, "name": key.name, "createdAt": timestamp(&key.created_at), "expiresAt": key.expires_at.as_ref().map(timestamp)})
}

async fn signed_in(state: &ApiState, headers: &HeaderMap) -> Result<User, ApiError> {
    current_user(state, headers).await?.ok_or_else(|| ApiError::new(ErrorKind::Unauthorized, "not signed in"))
}

/// `{name, expiresAt?}`: the key is shown this once; only its hash is kept.
async fn create_api_key(
    State(state): State<ApiState>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let user = signed_in(&state, &headers).await?;
    let object =
        body.as_object().ok_or_else(|| ApiError::new(ErrorKind::InvalidJson, "send {name, expiresAt?}"))?;
    let mut problems = Vec::new();
    for key in object.keys().filter(|key| !matches!(key.as_str(), "name" | "expiresAt")) {
        problems.push(FieldError {
            field: key.clone(),
            code: "unknown_field".to_owned(),
            message: "is not expected here".to_owned(),
        });
    }
    let name = object.get("name").and_then(Value::as_str).map(str::trim).unwrap_or_default().to_owned();
    if name.is_empty() {
        problems.push(FieldError {
            field: "name".to_owned(),
            code: "required".to_owned(),
            message: "is required".to_owned(),
        });
    }
    let expires_at = match object.get("expiresAt") {
        None | Some(Value::Null) => None,
        Some(value) => {
            match value.as_str().and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok()) {
                Some(moment) if moment > Utc::now() => Some(moment.with_timezone(&Utc)),
                _ => {
                    let message = "a date and time in the future, RFC 3339".to_owned();
                    problems.push(FieldError {
                        field: "expiresAt".to_owned(),
                        code: "invalid_datetime".to_owned(),
                        message,
                    });
                    None
                }
            }
        }
    };
    if !problems.is_empty() {
        return Err(ApiError::invalid_fields(problems));
    }
    let secret = format!("omk_{}", new_token()?);
    let key = accounts(&state)?
        .create_api_key(user.id, &name, &token_hash(&secret), expires_at)
        .await
        .map_err(store_error)?;
    let mut shown = api_key_json(&key);
    shown["key"] = Value::String(secret);
    Ok((StatusCode::CREATED, Json(shown)))
}

async fn list_api_keys(State(state): State<ApiState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let user = signed_in(&state, &headers).await?;
    let keys = accounts(&state)?.api_keys(user.id).await.map_err(store_error)?;
    Ok(Json(json!({"data": keys.iter().map(api_key_json).collect::<Vec<_>>()})))
}

async fn revoke_api_key(
    State(state): State<ApiState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = signed_in(&state, &headers).await?;
    let not_found = || ApiError::new(ErrorKind::NotFound, format!("API key {id} not found"));
    let key_id = id.parse::<i64>().map_err(|_| not_found())?;
    if accounts(&state)?.revoke_api_key(user.id, key_id).await.map_err(store_error)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}
