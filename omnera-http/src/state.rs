//! What every handler shares: the app, and what the router builds from its connections.

use std::sync::{Arc, OnceLock};

use omnera_core::App;
use omnera_core::backend::Storage;

use crate::auth::{SignInProviders, provider_http_client};
use crate::error::{ApiError, ErrorKind};
use crate::options::{ApiOptions, OpenApiAccess};

/// The router's state. A host that merges the router into its own keeps its own state; this one
/// travels inside the router.
#[derive(Clone, Debug)]
pub(crate) struct ApiState {
    pub(crate) app: App,
    /// The providers of OAuth connections, discovered on first use.
    pub(crate) sign_in_providers: SignInProviders,
    /// The client that talks to OAuth providers, made on first use (it reads the system's
    /// root certificates, which an app without OAuth sign-in never needs).
    provider_client: Arc<OnceLock<reqwest::Client>>,
    /// The origin browsers reach the app at, when the host set it.
    pub(crate) public_origin: Option<String>,
    /// Who may read the OpenAPI document.
    pub(crate) openapi_access: OpenApiAccess,
}

impl ApiState {
    pub(crate) fn new(app: App, options: &ApiOptions) -> Self {
        Self {
            app,
            sign_in_providers: SignInProviders::default(),
            provider_client: Arc::default(),
            public_origin: options.public_origin().map(str::to_owned),
            openapi_access: options.openapi_access(),
        }
    }

    /// The client that talks to OAuth providers.
    pub(crate) fn provider_client(&self) -> &reqwest::Client {
        self.provider_client.get_or_init(provider_http_client)
    }

    pub(crate) fn storage(&self) -> Result<&Arc<dyn Storage>, ApiError> {
        self.app.storage().ok_or_else(|| ApiError::new(ErrorKind::Unavailable, "the app has no storage"))
    }
}
