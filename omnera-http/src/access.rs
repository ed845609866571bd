//! Who is calling: the caller of a request, from its credentials, and the records service as
//! that caller. What the caller may do is the records service's to decide (omnera-core).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use omnera_core::App;
use omnera_core::backend::{Caller, IdentityError};
use omnera_core::records::Records;

use crate::auth::{Credential, authenticate, request_token};
use crate::error::{ApiError, ErrorKind};
use crate::request_id::current_request_id;
use crate::state::ApiState;

/// The caller of a request: anonymous without credentials, a 401 with bad ones; limited to its
/// key's scopes when it came with an API key that has some. A host's identity provider, when
/// it gave one, decides instead of the engine's own users.
pub(crate) async fn caller(app: &App, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let caller = if let Some(identity) = app.identity() {
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
    } else if app.account_store().is_none() {
        Caller::anonymous()
    } else {
        match authenticate(app, headers).await? {
            Some((user, Credential::ApiKey { scopes: Some(scopes) })) => {
                Caller::user(user.id, user.roles).limited_to(scopes)
            }
            Some((user, _)) => Caller::user(user.id, user.roles),
            None => Caller::anonymous(),
        }
    };
    let request_id = current_request_id();
    Ok(if request_id.is_empty() { caller } else { caller.for_request(request_id) })
}

/// The records service as the request's caller.
pub(crate) async fn records_for(state: &ApiState, headers: &HeaderMap) -> Result<Records, ApiError> {
    Ok(state.app.records(caller(&state.app, headers).await?))
}

/// Who calls a host's own route, by the same credentials and rules as Omnera's routes: a
/// session token, an API key (with its scopes), or a host's identity provider; anonymous
/// without credentials, a 401 problem with bad ones. The host's state gives the [`App`]
/// through [`FromRef`], as axum's library extractors do.
///
/// ```
/// use axum::{Router, extract::FromRef, routing::get};
/// use omnera_core::App;
/// use omnera_http::RequestCaller;
///
/// #[derive(Clone)]
/// struct HostState {
///     app: App,
/// }
///
/// impl FromRef<HostState> for App {
///     fn from_ref(state: &HostState) -> App {
///         state.app.clone()
///     }
/// }
///
/// async fn whoami(RequestCaller(caller): RequestCaller) -> String {
///     match caller.user_id {
///         Some(id) => format!("user {id}"),
///         None => "anonymous".to_owned(),
///     }
/// }
///
/// fn host_routes(app: App) -> Router {
///     Router::new().route("/whoami", get(whoami)).with_state(HostState { app })
/// }
/// ```
#[derive(Debug, Clone)]
pub struct RequestCaller(pub Caller);

impl<S> FromRequestParts<S> for RequestCaller
where
    App: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = App::from_ref(state);
        Ok(Self(caller(&app, &parts.headers).await?))
    }
}
