//! [`LiveChecks`]: the health checks of `http` and `stripe` connections, each a cheap
//! authenticated request.

use async_trait::async_trait;
use omnera_core::App;
use omnera_core::app::{ConnectionChecks, ConnectionHealth, HealthStatus};
use omnera_core::config::{ConnectionConfig, HttpMethod};

use super::{ApiRequest, HttpApi, HttpApiOptions, STRIPE_API_BASE, stripe_api};

/// Checks `http` connections with a GET of their base URL (healthy unless it fails, the
/// credentials are refused with 401 or 403, or the server answers 5xx) and `stripe` connections
/// with a GET of the balance (healthy on 200). OAuth providers are checked by signing in. Give
/// it to [`AppBuilder::with_connection_checks`](omnera_core::AppBuilder::with_connection_checks).
///
/// ```
/// use omnera_automation::connections::LiveChecks;
/// use omnera_core::{App, Config};
///
/// let builder = App::from_config(Config::from_json_str(r#"{"name": "Hub"}"#).unwrap())
///     .with_connection_checks(LiveChecks::new());
/// # drop(builder);
/// ```
#[derive(Debug, Clone)]
pub struct LiveChecks {
    stripe_api: String,
}

impl Default for LiveChecks {
    fn default() -> Self {
        Self { stripe_api: STRIPE_API_BASE.to_owned() }
    }
}

impl LiveChecks {
    /// Checks against the services' own addresses.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks Stripe connections at `base` instead of Stripe's API: for tests and proxies.
    #[must_use]
    pub fn with_stripe_api(mut self, base: impl Into<String>) -> Self {
        self.stripe_api = base.into();
        self
    }

    /// The API of connection `name` and the path a check reads, or what to answer instead.
    fn api_of(&self, app: &App, name: &str) -> Result<(HttpApi, &'static str), ConnectionHealth> {
        let unhealthy =
            |error: super::ConnectionError| ConnectionHealth::new(HealthStatus::Unhealthy, error.to_string());
        // Tokens the check obtains are shared through the vault, as the app's requests share them.
        let options = || match app.vault() {
            Some(vault) => HttpApiOptions::default().with_token_vault(vault.clone()),
            None => HttpApiOptions::default(),
        };
        match (app.schema().connection(name), app.schema().http_connection(name)) {
            (_, Some(http)) => {
                HttpApi::open(http, app.secrets(), options()).map(|api| (api, "")).map_err(unhealthy)
            }
            (Some(ConnectionConfig::Stripe(stripe)), _) => {
                stripe_api(stripe, app.secrets(), &self.stripe_api, options())
                    .map(|api| (api, "balance"))
                    .map_err(unhealthy)
            }
            (Some(ConnectionConfig::Oauth(_)), _) => Err(ConnectionHealth::new(
                HealthStatus::NotChecked,
                "OAuth providers are checked by signing in",
            )),
            _ => Err(ConnectionHealth::new(
                HealthStatus::NotChecked,
                "no live check for this kind of connection",
            )),
        }
    }
}

#[async_trait]
impl ConnectionChecks for LiveChecks {
    async fn check(&self, app: &App, name: &str) -> ConnectionHealth {
        let (api, path) = match self.api_of(app, name) {
            Ok(opened) => opened,
            Err(health) => return health,
        };
        match api.send(&ApiRequest::new(HttpMethod::Get, path)).await {
            Ok(response) if matches!(response.status, 401 | 403) => ConnectionHealth::new(
                HealthStatus::Unhealthy,
                format!("the credentials were refused ({})", response.status),
            ),
            Ok(response) if response.status >= 500 => ConnectionHealth::new(
                HealthStatus::Unhealthy,
                format!("the server answered {}", response.status),
            ),
            Ok(response) => ConnectionHealth::new(
                HealthStatus::Healthy,
                format!("GET /{path} answered {}", response.status),
            ),
            Err(error) => ConnectionHealth::new(HealthStatus::Unhealthy, error.to_string()),
        }
    }
}
