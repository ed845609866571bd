//! Who is calling: the caller of a request, from its credentials, and the records service as
//! that caller. What the caller may do is the records service's to decide (omnera-core).

use axum::http::HeaderMap;
use omnera_core::backend::{Caller, IdentityError};
use omnera_core::records::Records;

use crate::auth::{Credential, authenticate, request_token};
use crate::error::{ApiError, ErrorKind};
use crate::request_id::current_request_id;
use crate::state::ApiState;

/// The caller of a request: anonymous without credentials, a 401 with bad ones; limited to its
/// key's scopes when it came with an API key that has some. A host's identity provider, when
/// it gave one, decides instead of the engine's own users.
pub(crate) async fn caller(state: &ApiState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let caller = if let Some(identity) = state.app.identity() {
        match request_token(headers) {
            None => Caller::anonymous(),
            Some(token) => identity.authenticate(&token).await.map_err(|error| match error {
                IdentityError::InvalidCredentials => {
                    ApiError::new(ErrorKind::Unauthorized, "the credentials are not valid")
                }
                error => {
                    tracing::error!(%error, "the identity provider failed");
                    ApiError::new(ErrorKind::Unavailable, "the identity provider is unavailable")
                }
            })?,
        }
    } else if state.app.accounts().is_none() {
        Caller::anonymous()
    } else {
        match authenticate(state, headers).await? {
            Some((user, Credential::ApiKey { scopes: Some(scopes) })) => {
                Caller::user(user.id, user.roles).limited_to(scopes)
            }
            Some((user, _)) => Caller::user(user.id, user.roles),
            None => Caller::anonymous(),
        }
    };
    Ok(caller.for_request(current_request_id()))
}

/// The records service as the request's caller.
pub(crate) async fn records_for(state: &ApiState, headers: &HeaderMap) -> Result<Records, ApiError> {
    Ok(state.app.records(caller(state, headers).await?))
}
