//! How an `http` connection's requests authenticate: a bearer token, basic credentials, a header,
//! or an OAuth 2 client-credentials token fetched from the token endpoint and fetched again a
//! minute before it expires. The token is kept in memory and, when the app has a vault, sealed
//! in it as `oauth-token.<connection>`, so that every instance uses one token and a restart does
//! not fetch another.

use std::time::Duration;

use chrono::{DateTime, Utc};
use omnera_core::secrets::{Vault, VaultError};

use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
use omnera_core::config::{ConfigText, HttpAuthConfig};
use omnera_core::secrets::Secrets;
use tokio::sync::Mutex;

use crate::connections::ConnectionError;

/// A cached token is fetched again this long before it expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// How long a token without `expires_in` is kept.
const UNSTATED_LIFETIME: Duration = Duration::from_secs(300);

/// The credentials of a connection, read from the environment and the vault.
pub(super) enum HttpAuth {
    Bearer(String),
    Basic { username: String, password: String },
    Header { name: String, value: String },
    ClientCredentials(ClientCredentials),
}

pub(super) struct ClientCredentials {
    token_url: String,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
    /// Where the token is shared: the vault and the name it is sealed under.
    shared: Option<(Vault, String)>,
    cached: Mutex<Option<Token>>,
}

/// An access token and when it expires.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Token {
    access_token: String,
    expires_at: DateTime<Utc>,
}

impl Token {
    fn fresh(&self) -> bool {
        Utc::now() + REFRESH_MARGIN < self.expires_at
    }
}

impl HttpAuth {
    /// The credentials of connection `connection`; a client-credentials token is shared through
    /// `vault` when there is one.
    pub(super) fn read(
        connection: &str,
        config: &HttpAuthConfig,
        secrets: &Secrets,
        vault: Option<&Vault>,
    ) -> Result<Self, String> {
        let text = |value: &ConfigText| value.resolve(secrets).map_err(|error| error.to_string());
        Ok(match config {
            HttpAuthConfig::Bearer { token } => {
                Self::Bearer(token.resolve(secrets).map_err(|e| e.to_string())?)
            }
            HttpAuthConfig::Basic { username, password } => Self::Basic {
                username: text(username)?,
                password: password.resolve(secrets).map_err(|error| error.to_string())?,
            },
            HttpAuthConfig::Header { name, value } => {
                Self::Header { name: name.clone(), value: value.resolve(secrets).map_err(|e| e.to_string())? }
            }
            HttpAuthConfig::OAuth2ClientCredentials { token_url, client_id, client_secret, scopes } => {
                Self::ClientCredentials(ClientCredentials {
                    token_url: text(token_url)?,
                    client_id: text(client_id)?,
                    client_secret: client_secret.resolve(secrets).map_err(|error| error.to_string())?,
                    scopes: scopes.clone(),
                    shared: vault.map(|vault| (vault.clone(), format!("oauth-token.{connection}"))),
                    cached: Mutex::new(None),
                })
            }
        })
    }

    /// `request` with the credentials on it.
    pub(super) async fn apply(
        &self,
        request: reqwest::RequestBuilder,
        client: &reqwest::Client,
    ) -> Result<reqwest::RequestBuilder, ConnectionError> {
        Ok(match self {
            Self::Bearer(token) => request.bearer_auth(token),
            Self::Basic { username, password } => request.basic_auth(username, Some(password)),
            Self::Header { name, value } => request.header(name.as_str(), value.as_str()),
            Self::ClientCredentials(credentials) => request.bearer_auth(credentials.token(client).await?),
        })
    }

    /// Every value that must never be shown.
    pub(super) fn secret_values(&self) -> Vec<&str> {
        match self {
            Self::Bearer(token) => vec![token],
            Self::Basic { password, .. } => vec![password],
            Self::Header { value, .. } => vec![value],
            Self::ClientCredentials(credentials) => vec![&credentials.client_secret],
        }
    }
}

impl ClientCredentials {
    /// The cached or shared token, or a new one when it is missing or about to expire.
    async fn token(&self, client: &reqwest::Client) -> Result<String, ConnectionError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref().filter(|token| token.fresh()) {
            return Ok(token.access_token.clone());
        }
        if let Some(token) = self.shared_token().await.filter(Token::fresh) {
            *cached = Some(token.clone());
            return Ok(token.access_token);
        }
        let token = self.fetch(client).await?;
        self.share(&token).await;
        *cached = Some(token.clone());
        Ok(token.access_token)
    }

    /// The token another instance (or an earlier run) sealed in the vault.
    async fn shared_token(&self) -> Option<Token> {
        let (vault, name) = self.shared.as_ref()?;
        match vault.read(&[name.as_str()]).await {
            Ok(secrets) => secrets.get(name).and_then(|text| serde_json::from_str(text).ok()),
            Err(VaultError::Missing { .. }) => None,
            Err(error) => {
                tracing::warn!(%error, "the shared OAuth token could not be read; fetching one");
                None
            }
        }
    }

    /// Seals `token` in the vault for the other instances.
    async fn share(&self, token: &Token) {
        let Some((vault, name)) = &self.shared else { return };
        let Ok(text) = serde_json::to_string(token) else { return };
        if let Err(error) = vault.set(name, &text).await {
            tracing::warn!(%error, "the OAuth token could not be shared through the vault");
        }
    }

    /// A new token from the token endpoint.
    async fn fetch(&self, client: &reqwest::Client) -> Result<Token, ConnectionError> {
        let failed = |reason: String| ConnectionError::Token { token_url: self.token_url.clone(), reason };
        let token_url = TokenUrl::new(self.token_url.clone()).map_err(|error| failed(error.to_string()))?;
        let oauth = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.client_secret.clone()))
            .set_token_uri(token_url);
        let send = |request: oauth2::HttpRequest| {
            let client = client.clone();
            async move { forward(&client, request).await }
        };
        let response = oauth
            .exchange_client_credentials()
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .request_async(&send)
            .await
            .map_err(|error| failed(error.to_string()))?;
        let lifetime = response.expires_in().unwrap_or(UNSTATED_LIFETIME);
        let lifetime = chrono::TimeDelta::from_std(lifetime).unwrap_or(chrono::TimeDelta::zero());
        Ok(Token {
            access_token: response.access_token().secret().clone(),
            expires_at: Utc::now() + lifetime,
        })
    }
}

/// Sends one of the `oauth2` crate's requests with reqwest.
async fn forward(
    client: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let response = client.execute(reqwest::Request::try_from(request)?).await?;
    let mut forwarded = oauth2::HttpResponse::new(Vec::new());
    *forwarded.status_mut() = response.status();
    *forwarded.headers_mut() = response.headers().clone();
    *forwarded.body_mut() = response.bytes().await?.to_vec();
    Ok(forwarded)
}
