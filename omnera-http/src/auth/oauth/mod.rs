//! Sign-in through an OAuth connection (`auth.providers`), with PKCE and a checked `state`.
//!
//! `GET /api/auth/oauth/{connection}` keeps the sign-in in the account store under the hash of
//! a random `state`, sets that state as an `HttpOnly` cookie, and sends the browser to the
//! provider. The provider sends it back to `…/callback` with a code and the state: the state
//! must match the cookie (so nobody can finish a sign-in they did not start in this browser)
//! and a sign-in under way, which is used up. The code and the PKCE verifier are traded for a
//! token, the token for the account's profile, and the profile for a user: the one linked to
//! that account, else the one with the same address when both sides verified it (now linked),
//! else a new one when sign-up is open. The user gets a session as with a password sign-in.

mod connect;
mod profile;
mod provider;

use std::sync::Arc;

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use omnera_core::backend::PendingSignIn;
use omnera_core::config::ConnectionConfig;

use super::credentials::request_cookie;
use super::sessions::{SessionAnswer, cookie, with_cookie};
use super::{accounts, store_error};
use crate::connection_cache::ConnectionCache;
use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;
use omnera_core::accounts::token_hash;
use provider::{Provider, ProviderError};

pub(crate) use connect::{authorize as connect_start, callback as connect_callback};
pub(crate) use provider::http_client;

/// The providers of the app's OAuth connections, discovered on first use.
pub(crate) type SignInProviders = ConnectionCache<String, Arc<Provider>>;

/// The cookie that ties a sign-in under way to the browser that started it.
const STATE_COOKIE: &str = "omnera_oauth_state";
/// How long a sign-in may stay at the provider.
const PENDING_MINUTES: i64 = 10;

/// Sends the browser to the provider. `?redirect=/path` (a path on this site) is where it goes
/// when signed in; without it the callback answers with the session as JSON.
pub(super) async fn start(
    State(state): State<ApiState>,
    Path(connection): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let redirect = redirect_target(&pairs)?;
    let provider = provider(&state, &connection, Purpose::SignIn).await?;
    let callback_url = format!("{}{}/callback", origin(&state, &headers)?, uri.path());
    begin(&state, &connection, &provider, callback_url, redirect).await
}

/// Keeps the flow under way in the account store under the hash of a random `state`, sets that
/// state as an `HttpOnly` cookie, and sends the browser to the provider.
async fn begin(
    state: &ApiState,
    connection: &str,
    provider: &Provider,
    callback_url: String,
    redirect: Option<String>,
) -> Result<Response, ApiError> {
    let (authorize_url, oauth_state, code_verifier) =
        provider.authorization(&callback_url).map_err(|error| provider_problem(connection, &error))?;
    let expires_at = Utc::now() + Duration::minutes(PENDING_MINUTES);
    let mut pending = PendingSignIn::new(connection, code_verifier, callback_url, expires_at);
    if let Some(path) = redirect {
        pending = pending.redirecting_to(path);
    }
    accounts(state)?.start_external_sign_in(&token_hash(&oauth_state), pending).await.map_err(store_error)?;
    let state_cookie = cookie(STATE_COOKIE, &oauth_state, PENDING_MINUTES * 60);
    Ok(with_cookie(Redirect::to(&authorize_url).into_response(), &state_cookie))
}

/// Where the provider sends the browser back: `?code=…&state=…`, or `?error=…` when the user
/// or the provider said no.
pub(super) async fn callback(
    State(state): State<ApiState>,
    Path(connection): Path<String>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let provider = provider(&state, &connection, Purpose::SignIn).await?;
    let callback_path = format!("/api/auth/oauth/{connection}/callback");
    let (pending, code) = finish(&state, &connection, &callback_path, &headers, &pairs).await?;
    let code = code.as_str();
    let profile = provider
        .profile(state.provider_client(), &pending.callback_url, code, &pending.code_verifier)
        .await
        .map_err(|error| provider_problem(&connection, &error))?;
    let session = SessionAnswer(state.app.accounts().sign_in_externally(&connection, profile).await?);
    let cleared = cookie(STATE_COOKIE, "", 0);
    let response = match pending.redirect {
        Some(path) => with_cookie(Redirect::to(&path).into_response(), &session.cookie()),
        None => session.into_response(),
    };
    Ok(with_cookie(response, &cleared))
}

/// Checks a callback (`?code=…&state=…`, or `?error=…` when the user or the provider said no)
/// against the browser's state cookie and the flow under way, which is used up; returns the
/// flow and the code. `callback_path` tells a sign-in from a connect flow: a state of one is
/// refused by the other's callback.
async fn finish(
    state: &ApiState,
    connection: &str,
    callback_path: &str,
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<(PendingSignIn, String), ApiError> {
    let parameter = |name: &str| pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    if let Some(error) = parameter("error") {
        return Err(ApiError::new(
            ErrorKind::Unauthorized,
            format!("the provider did not sign you in: {error}"),
        ));
    }
    let (Some(code), Some(oauth_state)) = (parameter("code"), parameter("state")) else {
        return Err(ApiError::bad_parameter("code", "the callback needs `code` and `state`"));
    };
    if request_cookie(headers, STATE_COOKIE).as_deref() != Some(oauth_state) {
        return Err(ApiError::new(ErrorKind::Unauthorized, "this sign-in was not started in this browser"));
    }
    let pending = accounts(state)?
        .finish_external_sign_in(&token_hash(oauth_state), Utc::now())
        .await
        .map_err(store_error)?
        .filter(|pending| pending.connection == connection && pending.callback_url.ends_with(callback_path))
        .ok_or_else(|| ApiError::new(ErrorKind::Unauthorized, "the sign-in is unknown, used or expired"))?;
    Ok((pending, code.to_owned()))
}

/// What an OAuth connection is used for here.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// Signing users in: the connection must be one of `auth.providers`.
    SignIn,
    /// Tokens for requests: any `oauth` connection.
    Requests,
}

/// The provider of an OAuth connection, for `purpose`; a 404 for any other name.
async fn provider(state: &ApiState, connection: &str, purpose: Purpose) -> Result<Arc<Provider>, ApiError> {
    let auth = state.app.schema().auth();
    let config = (purpose == Purpose::Requests
        || auth.providers().iter().any(|provider| provider == connection))
    .then(|| state.app.schema().connection(connection))
    .flatten()
    .and_then(|found| match found {
        ConnectionConfig::Oauth(oauth) => Some(oauth),
        _ => None,
    })
    .ok_or_else(|| {
        ApiError::new(ErrorKind::NotFound, format!("no OAuth connection `{connection}` for this"))
    })?;
    let key = connection.to_owned();
    if let Some(provider) = state.sign_in_providers.get(&key) {
        return Ok(provider);
    }
    let provider = Arc::new(
        Provider::discover(config, state.app.secrets(), state.provider_client())
            .await
            .map_err(|error| provider_problem(connection, &error))?,
    );
    state.sign_in_providers.insert(key, Arc::clone(&provider));
    Ok(provider)
}

fn provider_problem(connection: &str, error: &ProviderError) -> ApiError {
    match error {
        ProviderError::Refused(reason) => {
            ApiError::new(ErrorKind::Unauthorized, format!("the provider refused the sign-in: {reason}"))
        }
        other => {
            tracing::error!(%connection, error = %other, "oauth sign-in");
            ApiError::new(
                ErrorKind::Unavailable,
                format!("the sign-in provider `{connection}` is not usable"),
            )
        }
    }
}

/// `?redirect=` as a path on this site; anything else (another site, `//host`) is a 400, so
/// the route never sends a browser elsewhere.
fn redirect_target(pairs: &[(String, String)]) -> Result<Option<String>, ApiError> {
    let mut target = None;
    for (key, value) in pairs {
        if key != "redirect" {
            return Err(ApiError::bad_parameter(
                key,
                format!("unknown parameter `{key}`; the only one is `redirect`"),
            ));
        }
        let on_this_site = value.starts_with('/') && !value.starts_with("//") && !value.contains('\\');
        if !on_this_site || value.chars().any(char::is_control) {
            return Err(ApiError::bad_parameter(
                key,
                "`redirect` must be a path on this site, such as /dashboard",
            ));
        }
        target = Some(value.clone());
    }
    Ok(target)
}

/// The origin the provider sends the browser back to: the host's public origin when it set one,
/// else the request's `Host` (https when a proxy says `X-Forwarded-Proto: https`).
fn origin(state: &ApiState, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(origin) = &state.public_origin {
        return Ok(origin.clone());
    }
    let header_text = |name| headers.get(name).and_then(|value: &header::HeaderValue| value.to_str().ok());
    let host = header_text(header::HOST)
        .filter(|host| !host.is_empty() && !host.contains(['/', '\\', '@']))
        .ok_or_else(|| ApiError::new(ErrorKind::BadRequest, "the request names no host"))?;
    let scheme = if header_text(header::HeaderName::from_static("x-forwarded-proto")) == Some("https") {
        "https"
    } else {
        "http"
    };
    Ok(format!("{scheme}://{host}"))
}
