//! An OAuth connection's provider: where to send the browser, where to trade the code for a
//! token (with its PKCE verifier), and what the provider says of the account. Google,
//! Microsoft and any `oidc` issuer are OpenID Connect providers whose endpoints come from their
//! discovery document; GitHub has fixed endpoints and its own profile API.

use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use omnera_core::config::{OAuthConnection, OAuthProvider};
use serde::Deserialize;

use omnera_core::accounts::ExternalProfile;
use omnera_core::secrets::ConnectionTokens;

use super::profile::{github_profile, open_id_profile};

const GITHUB_AUTHORIZE: &str = "https://github.com/login/oauth/authorize";
const GITHUB_TOKEN: &str = "https://github.com/login/oauth/access_token";
const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const MICROSOFT_ISSUER: &str = "https://login.microsoftonline.com/common/v2.0";

/// How long a call to a provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a sign-in through a provider cannot go on.
#[derive(Debug, thiserror::Error)]
pub(super) enum ProviderError {
    /// The connection's settings cannot be used (an unset variable, a bad URL).
    #[error("the connection is not usable: {0}")]
    Unusable(String),
    /// The provider could not be reached, or answered with something unreadable.
    #[error("the provider did not answer usefully: {0}")]
    Unreachable(String),
    /// The provider refused: the code is unknown, used or expired.
    #[error("the provider refused the sign-in: {0}")]
    Refused(String),
}

/// Where the provider keeps the account's profile.
#[derive(Debug, Clone)]
enum ProfileSource {
    /// An OpenID Connect `userinfo` endpoint.
    UserInfo(String),
    /// GitHub's user and emails API.
    GitHub,
}

/// A client's view of an OAuth connection's provider, with its credentials read.
#[derive(Debug, Clone)]
pub(crate) struct Provider {
    client_id: String,
    client_secret: String,
    authorize_url: String,
    token_url: String,
    profile: ProfileSource,
    scopes: Vec<String>,
}

/// The parts of an OpenID Connect discovery document a sign-in needs.
#[derive(Deserialize)]
struct Discovery {
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
}

/// The OAuth client with both endpoints set.
type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// An HTTP client for talking to providers: a timeout, and no redirects followed (a token
/// request must not be sent on elsewhere).
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(PROVIDER_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("omnera/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

impl Provider {
    /// The provider of `connection`, its `{env}` and `{secret}` references read now and, for OpenID Connect,
    /// its discovery document fetched.
    pub(super) async fn discover(
        connection: &OAuthConnection,
        secrets: &omnera_core::secrets::Secrets,
        http: &reqwest::Client,
    ) -> Result<Self, ProviderError> {
        let read = |text: Result<String, omnera_core::config::SecretError>| {
            text.map_err(|error| ProviderError::Unusable(error.to_string()))
        };
        let client_id = read(connection.client_id.resolve(secrets))?;
        let client_secret = read(connection.client_secret.resolve(secrets))?;
        let issuer = match connection.provider {
            OAuthProvider::Github => None,
            OAuthProvider::Google => Some(GOOGLE_ISSUER.to_owned()),
            OAuthProvider::Microsoft => Some(MICROSOFT_ISSUER.to_owned()),
            OAuthProvider::Oidc => match &connection.issuer {
                Some(issuer) => Some(read(issuer.resolve(secrets))?),
                None => return Err(ProviderError::Unusable("an oidc connection needs an issuer".to_owned())),
            },
        };
        let (authorize_url, token_url, profile, default_scopes) = match issuer {
            None => (
                GITHUB_AUTHORIZE.to_owned(),
                GITHUB_TOKEN.to_owned(),
                ProfileSource::GitHub,
                "read:user user:email",
            ),
            Some(issuer) => {
                let found = discovery(&issuer, http).await?;
                let profile = ProfileSource::UserInfo(found.userinfo_endpoint);
                (found.authorization_endpoint, found.token_endpoint, profile, "openid email profile")
            }
        };
        let scopes = if connection.scopes.is_empty() {
            default_scopes.split(' ').map(str::to_owned).collect()
        } else {
            connection.scopes.clone()
        };
        Ok(Self { client_id, client_secret, authorize_url, token_url, profile, scopes })
    }

    fn client(&self, callback_url: &str) -> Result<Client, ProviderError> {
        let url_problem = |what: &str| {
            let what = what.to_owned();
            move |error: oauth2::url::ParseError| {
                ProviderError::Unusable(format!("the {what} URL is not valid: {error}"))
            }
        };
        Ok(BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.client_secret.clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_auth_uri(AuthUrl::new(self.authorize_url.clone()).map_err(url_problem("authorization"))?)
            .set_token_uri(TokenUrl::new(self.token_url.clone()).map_err(url_problem("token"))?)
            .set_redirect_uri(RedirectUrl::new(callback_url.to_owned()).map_err(url_problem("callback"))?))
    }

    /// Where to send the browser, the `state` it brings back, and the PKCE verifier that the
    /// token request must show.
    pub(super) fn authorization(
        &self,
        callback_url: &str,
    ) -> Result<(String, String, String), ProviderError> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = self
            .client(callback_url)?
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .url();
        Ok((url.to_string(), state.secret().clone(), verifier.secret().clone()))
    }

    /// Trades the code of a callback (and its PKCE verifier) for the provider's tokens.
    pub(super) async fn tokens(
        &self,
        http: &reqwest::Client,
        callback_url: &str,
        code: &str,
        code_verifier: &str,
    ) -> Result<ConnectionTokens, ProviderError> {
        let send = |request: oauth2::HttpRequest| {
            let http = http.clone();
            async move { forward(&http, request).await }
        };
        let token = self
            .client(callback_url)?
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(code_verifier.to_owned()))
            .request_async(&send)
            .await
            .map_err(|error| match error {
                RequestTokenError::ServerResponse(refusal) => ProviderError::Refused(refusal.to_string()),
                other => ProviderError::Unreachable(format!("the token request failed: {other}")),
            })?;
        let lifetime = token.expires_in().and_then(|lifetime| chrono::TimeDelta::from_std(lifetime).ok());
        let expires_at = chrono::Utc::now() + lifetime.unwrap_or(chrono::TimeDelta::minutes(5));
        let tokens = ConnectionTokens::new(token.access_token().secret().clone(), expires_at);
        Ok(match token.refresh_token() {
            Some(refresh) => tokens.refreshable(refresh.secret().clone(), self.token_url.clone()),
            None => tokens,
        })
    }

    /// Trades the code of a callback for an access token and reads the account's profile.
    pub(super) async fn profile(
        &self,
        http: &reqwest::Client,
        callback_url: &str,
        code: &str,
        code_verifier: &str,
    ) -> Result<ExternalProfile, ProviderError> {
        let tokens = self.tokens(http, callback_url, code, code_verifier).await?;
        let access_token = &tokens.access_token;
        match &self.profile {
            ProfileSource::UserInfo(url) => open_id_profile(&get_json(http, url, access_token).await?),
            ProfileSource::GitHub => {
                let user = get_json(http, "https://api.github.com/user", access_token).await?;
                let emails = get_json(http, "https://api.github.com/user/emails", access_token).await?;
                github_profile(&user, &emails)
            }
        }
        .ok_or_else(|| ProviderError::Unreachable("the profile names no account".to_owned()))
    }
}

async fn discovery(issuer: &str, http: &reqwest::Client) -> Result<Discovery, ProviderError> {
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let unreachable =
        |error: reqwest::Error| ProviderError::Unreachable(format!("discovery at {url}: {error}"));
    http.get(&url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(unreachable)?
        .json::<Discovery>()
        .await
        .map_err(unreachable)
}

async fn get_json(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> Result<serde_json::Value, ProviderError> {
    let unreachable = |error: reqwest::Error| ProviderError::Unreachable(format!("{url}: {error}"));
    http.get(url)
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(unreachable)?
        .json()
        .await
        .map_err(unreachable)
}

/// Sends one of the `oauth2` crate's requests with reqwest.
async fn forward(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let response = http.execute(reqwest::Request::try_from(request)?).await?;
    let mut forwarded = oauth2::HttpResponse::new(Vec::new());
    *forwarded.status_mut() = response.status();
    *forwarded.headers_mut() = response.headers().clone();
    *forwarded.body_mut() = response.bytes().await?.to_vec();
    Ok(forwarded)
}
