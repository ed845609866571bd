//! Connecting an `oauth` connection for requests (admins only): `GET
//! /api/connections/{name}/authorize` sends the admin's browser to the provider, as a sign-in
//! does (PKCE, a checked `state`); `…/callback` trades the code for the provider's access and
//! refresh tokens and seals them in the app's vault as `oauth-token.<name>`, where the
//! connection's requests read them and refresh them before they expire. No answer shows a
//! token.

use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::{Purpose, STATE_COOKIE, begin, cookie, origin, provider, provider_problem, redirect_target};
use crate::auth::admin;
use crate::auth::sessions::with_cookie;
use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;

/// Sends the admin's browser to the provider to grant the connection its tokens. `?redirect=/path`
/// (a path on this site) is where it goes once connected; without it the callback answers JSON.
pub(crate) async fn authorize(
    State(state): State<ApiState>,
    Path(connection): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    admin(&state, &headers).await?;
    let redirect = redirect_target(&pairs)?;
    let provider = provider(&state, &connection, Purpose::Requests).await?;
    vault(&state)?;
    let path = uri.path().strip_suffix("/authorize").unwrap_or(uri.path());
    let callback_url = format!("{}{path}/callback", origin(&state, &headers)?);
    begin(&state, &connection, &provider, callback_url, redirect).await
}

/// Where the provider sends the admin's browser back; seals the tokens it grants.
pub(crate) async fn callback(
    State(state): State<ApiState>,
    Path(connection): Path<String>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    admin(&state, &headers).await?;
    let provider = provider(&state, &connection, Purpose::Requests).await?;
    let vault = vault(&state)?;
    let callback_path = format!("/api/connections/{connection}/callback");
    let (pending, code) = super::finish(&state, &connection, &callback_path, &headers, &pairs).await?;
    let tokens = provider
        .tokens(state.provider_client(), &pending.callback_url, &code, &pending.code_verifier)
        .await
        .map_err(|error| provider_problem(&connection, &error))?;
    tokens.store(vault, &connection).await.map_err(|error| {
        tracing::error!(%error, %connection, "the connection's tokens could not be sealed");
        ApiError::new(ErrorKind::Unavailable, "the tokens could not be kept in the vault")
    })?;
    let cleared = cookie(STATE_COOKIE, "", 0);
    let response = match pending.redirect {
        Some(path) => Redirect::to(&path).into_response(),
        None => Json(
            json!({"connection": connection, "connected": true, "expiresAt": tokens.expires_at.to_rfc3339(),
            "refreshable": tokens.refresh_token.is_some()}),
        )
        .into_response(),
    };
    Ok(with_cookie(response, &cleared))
}

/// The app's vault: tokens are kept nowhere else.
fn vault(state: &ApiState) -> Result<&omnera_core::secrets::Vault, ApiError> {
    state.app.vault().ok_or_else(|| {
        ApiError::new(
            ErrorKind::Unavailable,
            "the app has no secret vault to keep the connection's tokens in",
        )
    })
}
