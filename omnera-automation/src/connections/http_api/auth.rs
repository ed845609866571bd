//! How a connection's requests authenticate: a bearer token, basic credentials, a header, or
//! OAuth tokens. OAuth tokens come from the client-credentials grant (`http` connections), or are
//! those an admin connected an `oauth` connection with, refreshed with their refresh token. They
//! are fetched again a minute before they expire, kept in memory and, when the app has a vault,
//! sealed in it as `oauth-token.<connection>` ([`ConnectionTokens`]), so that every instance
//! uses the same tokens and a restart does not fetch others.

use std::time::Duration;

use chrono::Utc;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, RefreshToken, Scope, TokenResponse,
    TokenUrl,
};
use omnera_core::config::{ConfigText, HttpAuthConfig, OAuthConnection};
use omnera_core::secrets::{ConnectionTokens, Secrets, Vault};
use tokio::sync::Mutex;

use crate::connections::ConnectionError;

/// An OAuth client with only its token endpoint set.
type TokenClient = BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A cached token is fetched again this long before it expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// How long a token without `expires_in` is kept.
const UNSTATED_LIFETIME: Duration = Duration::from_secs(300);

/// The credentials of a connection, read from the environment and the vault.
pub(super) enum HttpAuth {
    Bearer(String),
    Basic { username: String, password: String },
    Header { name: String, value: String },
    OAuth(OAuthTokens),
}

/// Where a connection's OAuth access tokens come from.
enum Grant {
    /// The client-credentials grant at `token_url`.
    ClientCredentials { token_url: String, scopes: Vec<String> },
    /// The tokens an admin connected the connection with, refreshed with their refresh token.
    Connected,
}

pub(super) struct OAuthTokens {
    connection: String,
    client_id: String,
    client_secret: String,
    grant: Grant,
    /// Where the tokens are shared with the other instances.
    vault: Option<Vault>,
    cached: Mutex<Option<ConnectionTokens>>,
}

impl OAuthTokens {
    /// The tokens an admin connected the `oauth` connection `connection` with, kept in `vault`.
    pub(super) fn connected(
        connection: &OAuthConnection,
        secrets: &Secrets,
        vault: Vault,
    ) -> Result<Self, String> {
        Ok(Self {
            connection: connection.name.clone(),
            client_id: connection.client_id.resolve(secrets).map_err(|error| error.to_string())?,
            client_secret: connection.client_secret.resolve(secrets).map_err(|error| error.to_string())?,
            grant: Grant::Connected,
            vault: Some(vault),
            cached: Mutex::new(None),
        })
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
                Self::OAuth(OAuthTokens {
                    connection: connection.to_owned(),
                    client_id: text(client_id)?,
                    client_secret: client_secret.resolve(secrets).map_err(|error| error.to_string())?,
                    grant: Grant::ClientCredentials { token_url: text(token_url)?, scopes: scopes.clone() },
                    vault: vault.cloned(),
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
            Self::OAuth(tokens) => request.bearer_auth(tokens.access_token(client).await?),
        })
    }

    /// Every value that must never be shown.
    pub(super) fn secret_values(&self) -> Vec<&str> {
        match self {
            Self::Bearer(token) => vec![token],
            Self::Basic { password, .. } => vec![password],
            Self::Header { value, .. } => vec![value],
            Self::OAuth(tokens) => vec![&tokens.client_secret],
        }
    }
}

impl OAuthTokens {
    /// The cached or shared access token, or a new one when it is missing or about to expire.
    async fn access_token(&self, client: &reqwest::Client) -> Result<String, ConnectionError> {
        let mut cached = self.cached.lock().await;
        if let Some(tokens) = cached.as_ref().filter(|tokens| tokens.fresh(REFRESH_MARGIN)) {
            return Ok(tokens.access_token.clone());
        }
        let shared = self.shared().await;
        if let Some(tokens) = shared.as_ref().filter(|tokens| tokens.fresh(REFRESH_MARGIN)) {
            *cached = Some(tokens.clone());
            return Ok(tokens.access_token.clone());
        }
        let tokens = match &self.grant {
            Grant::ClientCredentials { token_url, scopes } => {
                self.client_credentials(client, token_url, scopes).await?
            }
            Grant::Connected => self.refresh(client, shared.or_else(|| cached.clone())).await?,
        };
        if let Some(vault) = &self.vault
            && let Err(error) = tokens.store(vault, &self.connection).await
        {
            tracing::warn!(%error, connection = %self.connection, "the OAuth tokens could not be shared through the vault");
        }
        *cached = Some(tokens.clone());
        Ok(tokens.access_token)
    }

    /// The tokens another instance (or an earlier run, or the connect flow) sealed in the vault.
    async fn shared(&self) -> Option<ConnectionTokens> {
        let vault = self.vault.as_ref()?;
        ConnectionTokens::load(vault, &self.connection).await.unwrap_or_else(|error| {
            tracing::warn!(%error, connection = %self.connection, "the shared OAuth tokens could not be read");
            None
        })
    }

    /// An OAuth client of the token endpoint `token_url`, with this connection's credentials.
    fn client(&self, token_url: &str) -> Result<TokenClient, ConnectionError> {
        let token_url = TokenUrl::new(token_url.to_owned())
            .map_err(|error| self.failed(token_url, &error.to_string()))?;
        Ok(BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.client_secret.clone()))
            .set_token_uri(token_url))
    }

    fn failed(&self, token_url: &str, reason: &str) -> ConnectionError {
        ConnectionError::Token {
            token_url: token_url.to_owned(),
            reason: reason.replace(&self.client_secret, "[secret]"),
        }
    }

    /// A new token from the client-credentials grant.
    async fn client_credentials(
        &self,
        client: &reqwest::Client,
        token_url: &str,
        scopes: &[String],
    ) -> Result<ConnectionTokens, ConnectionError> {
        let send = |request: oauth2::HttpRequest| {
            let client = client.clone();
            async move { forward(&client, request).await }
        };
        let response = self
            .client(token_url)?
            .exchange_client_credentials()
            .add_scopes(scopes.iter().cloned().map(Scope::new))
            .request_async(&send)
            .await
            .map_err(|error| self.failed(token_url, &error.to_string()))?;
        Ok(ConnectionTokens::new(response.access_token().secret().clone(), expiry(response.expires_in())))
    }

    /// New tokens for connected ones, traded with their refresh token at their token endpoint;
    /// the refresh token is kept when the provider sends no new one.
    async fn refresh(
        &self,
        client: &reqwest::Client,
        known: Option<ConnectionTokens>,
    ) -> Result<ConnectionTokens, ConnectionError> {
        let not_connected = || ConnectionError::Token {
            token_url: String::new(),
            reason: format!(
                "the connection {0} has no tokens that can be refreshed: an admin connects it at /api/connections/{0}/authorize",
                self.connection
            ),
        };
        let known = known.ok_or_else(not_connected)?;
        let (Some(refresh_token), Some(token_url)) = (&known.refresh_token, &known.token_url) else {
            return Err(not_connected());
        };
        let send = |request: oauth2::HttpRequest| {
            let client = client.clone();
            async move { forward(&client, request).await }
        };
        // The client's credentials go in the body, as the connect flow sent them.
        let response = self
            .client(token_url)?
            .set_auth_type(AuthType::RequestBody)
            .exchange_refresh_token(&RefreshToken::new(refresh_token.clone()))
            .request_async(&send)
            .await
            .map_err(|error| self.failed(token_url, &error.to_string()))?;
        let refresh_token =
            response.refresh_token().map_or_else(|| refresh_token.clone(), |token| token.secret().clone());
        Ok(ConnectionTokens::new(response.access_token().secret().clone(), expiry(response.expires_in()))
            .refreshable(refresh_token, token_url.clone()))
    }
}

/// When a token that lives `lifetime` (or the default when the provider does not say) expires.
fn expiry(lifetime: Option<Duration>) -> chrono::DateTime<Utc> {
    let lifetime = chrono::TimeDelta::from_std(lifetime.unwrap_or(UNSTATED_LIFETIME))
        .unwrap_or(chrono::TimeDelta::zero());
    Utc::now() + lifetime
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
