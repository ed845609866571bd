//! `/api/auth`: sign-up, sign-in, sign-out and the current session; password change, forgotten
//! passwords and email verification through the app's mailer; API keys; and the users API for
//! admins. Passwords are hashed with Argon2id; session tokens, API keys and one-time tokens are
//! random and reach the store only as hashes. Bad credentials are always a 401, and failed
//! sign-ins are rate limited per account and per client address.
//! Users can also sign in through the app's OAuth connections (`oauth`).

mod api_keys;
mod body;
mod credentials;
mod key_scopes;
mod oauth;
mod passwords;
mod sessions;
mod users;
mod verification;

use std::sync::Arc;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::{delete, get, patch, post};
use chrono::{DateTime, Utc};
use omnera_core::App;
use omnera_core::backend::{AccountError, AccountStore, ApiKeyScope, User};
use serde_json::{Value, json};

use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;
use credentials::{Authorization, request_api_key, request_authorization};
use omnera_core::accounts::token_hash;

pub(crate) use credentials::{SESSION_COOKIE, request_token};
pub(crate) use oauth::{
    SignInProviders, connect_callback, connect_start, http_client as provider_http_client,
};
pub(crate) use users::admin;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/auth/sign-up", post(sessions::sign_up))
        .route("/api/auth/sign-in", post(sessions::sign_in))
        .route("/api/auth/sign-out", post(sessions::sign_out))
        .route("/api/auth/session", get(sessions::session))
        .route("/api/auth/password/change", post(passwords::change))
        .route("/api/auth/password/forgot", post(passwords::forgot))
        .route("/api/auth/password/reset", post(passwords::reset))
        .route("/api/auth/email/verify", post(verification::verify))
        .route("/api/auth/api-keys", post(api_keys::create).get(api_keys::list))
        .route("/api/auth/api-keys/{id}", delete(api_keys::revoke))
        .route("/api/auth/users", get(users::list))
        .route("/api/auth/users/{id}", patch(users::update))
        .route("/api/auth/oauth/{connection}", get(oauth::start))
        .route("/api/auth/oauth/{connection}/callback", get(oauth::callback))
}

fn accounts(state: &ApiState) -> Result<&Arc<dyn AccountStore>, ApiError> {
    state
        .app
        .account_store()
        .ok_or_else(|| ApiError::new(ErrorKind::Unavailable, "the app has no account store"))
}

fn store_error(error: AccountError) -> ApiError {
    match error {
        AccountError::EmailTaken => {
            ApiError::invalid_field("email", "unique_violation", "an account with this email exists")
        }
        corrupt @ AccountError::Corrupt { .. } => {
            tracing::error!(error = %corrupt, "account store");
            ApiError::new(ErrorKind::Internal, "the request could not be completed")
        }
        other => {
            tracing::error!(error = %other, "account store");
            ApiError::new(ErrorKind::Unavailable, "the account store is unavailable")
        }
    }
}

fn unauthorized() -> ApiError {
    ApiError::new(ErrorKind::Unauthorized, "the credentials are not valid")
}

fn timestamp(moment: &DateTime<Utc>) -> String {
    moment.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub(crate) fn user_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "roles": user.roles,
        "disabled": user.disabled,
        "emailVerified": user.email_verified,
        "createdAt": timestamp(&user.created_at),
    })
}

/// The signed-in user of a request: `None` without credentials, 401 with bad ones (an
/// `Authorization` header that is not `Bearer <token>` among them). An `X-API-Key` is an API
/// key; a bearer token or the cookie is a session token or an API key.
pub(crate) async fn current_user(state: &ApiState, headers: &HeaderMap) -> Result<Option<User>, ApiError> {
    Ok(authenticate(&state.app, headers).await?.map(|(user, _)| user))
}

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// A session token from a sign-in (bearer or cookie).
    Session,
    /// An API key, limited to its scopes if it has any.
    ApiKey {
        /// The tables and actions the key is limited to.
        scopes: Option<Vec<ApiKeyScope>>,
    },
}

/// The user a request's credentials name and the kind of credential; `None` without any, 401
/// for bad ones or a disabled user.
pub(crate) async fn authenticate(
    app: &App,
    headers: &HeaderMap,
) -> Result<Option<(User, Credential)>, ApiError> {
    if request_authorization(headers) == Authorization::Unusable {
        return Err(ApiError::new(
            ErrorKind::Unauthorized,
            "the Authorization header must be `Bearer <session token or API key>`",
        ));
    }
    let accounts = app
        .account_store()
        .ok_or_else(|| ApiError::new(ErrorKind::Unavailable, "the app has no account store"))?;
    let found = if let Some(key) = request_api_key(headers) {
        accounts
            .api_key_user(&token_hash(&key), Utc::now())
            .await
            .map_err(store_error)?
            .map(|holder| (holder.user, Credential::ApiKey { scopes: holder.scopes }))
    } else if let Some(token) = request_token(headers) {
        let hash = token_hash(&token);
        match accounts.session_user(&hash, Utc::now()).await.map_err(store_error)? {
            Some(user) => Some((user, Credential::Session)),
            None => accounts
                .api_key_user(&hash, Utc::now())
                .await
                .map_err(store_error)?
                .map(|holder| (holder.user, Credential::ApiKey { scopes: holder.scopes })),
        }
    } else {
        return Ok(None);
    };
    match found {
        Some((user, credential)) if !user.disabled => Ok(Some((user, credential))),
        _ => Err(unauthorized()),
    }
}

/// The user of a request that signed in with a session: what manages the account's own
/// credentials (API keys, the password, sign-out) needs a person's session, so that a leaked
/// key cannot mint more keys or take the account over. 401 without credentials, 403 for a key.
async fn signed_in_in_person(state: &ApiState, headers: &HeaderMap) -> Result<User, ApiError> {
    match authenticate(&state.app, headers).await? {
        Some((user, Credential::Session)) => Ok(user),
        Some((_, Credential::ApiKey { .. })) => Err(ApiError::new(
            ErrorKind::Forbidden,
            "an API key may not manage API keys, passwords or sessions: sign in",
        )),
        None => Err(ApiError::new(ErrorKind::Unauthorized, "not signed in")),
    }
}

async fn signed_in(state: &ApiState, headers: &HeaderMap) -> Result<User, ApiError> {
    current_user(state, headers).await?.ok_or_else(|| ApiError::new(ErrorKind::Unauthorized, "not signed in"))
}
