//! Requests through an `http` or `stripe` connection, or without a connection: the connection's
//! base URL, credentials, timeout and shared request budget; retries of connect errors, 429 and
//! 5xx after `Retry-After` or a jittered backoff; no redirects followed (a redirect could leave
//! the base URL or reach a private address).

mod auth;
mod request;

use std::sync::Arc;
use std::time::Duration;

use omnera_core::backend::{LocalRateLimits, RateLimits, RequestBudget};
use omnera_core::config::{HttpMethod, OAuthConnection};
use omnera_core::schema::{HttpConnectionSchema, RetryPolicy};
use omnera_core::secrets::{Secrets, Vault};
use url::Url;

use self::auth::{HttpAuth, OAuthTokens};
pub use self::request::{ApiBody, ApiRequest, ApiResponse};
use super::ConnectionError;
use super::egress::{EgressPolicy, GuardedResolver, base_url, under_base};
use super::retry::{self, Outcome, Retries};

/// How long one attempt may take when the connection does not say.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends requests for one connection (or for requests without one), ready to use: cheap to
/// clone, `Send + Sync`.
#[derive(Clone)]
pub struct HttpApi {
    inner: Arc<Settings>,
}

struct Settings {
    /// The connection's name, or `None` for requests without a connection.
    name: Option<String>,
    base: Option<Url>,
    auth: Option<HttpAuth>,
    budget: Option<RequestBudget>,
    retry: RetryPolicy,
    limits: Arc<dyn RateLimits>,
    client: reqwest::Client,
    egress: Option<EgressPolicy>,
    /// Whether every POST carries an `Idempotency-Key` (Stripe's advice), made when the request
    /// brings none.
    keyed_posts: bool,
}

impl std::fmt::Debug for HttpApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpApi")
            .field("connection", &self.inner.name)
            .field("base", &self.inner.base.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

/// How an [`HttpApi`] is opened: the connection's settings read, and where budgets are kept.
pub struct HttpApiOptions {
    limits: Arc<dyn RateLimits>,
    vault: Option<Vault>,
}

impl Default for HttpApiOptions {
    fn default() -> Self {
        Self { limits: Arc::new(LocalRateLimits::default()), vault: None }
    }
}

impl HttpApiOptions {
    /// Budgets kept in `limits` (the app's storage, so that instances share them) instead of
    /// this process's memory.
    #[must_use]
    pub fn with_rate_limits(mut self, limits: Arc<dyn RateLimits>) -> Self {
        self.limits = limits;
        self
    }

    /// Tokens the connection obtains (OAuth client credentials) sealed in `vault`, so that every
    /// instance shares them, instead of in this process's memory only.
    #[must_use]
    pub fn with_token_vault(mut self, vault: Vault) -> Self {
        self.vault = Some(vault);
        self
    }
}

impl HttpApi {
    /// The `http` connection `connection`, its references read from the environment and
    /// `secrets`.
    pub fn open(
        connection: &HttpConnectionSchema,
        secrets: &Secrets,
        options: HttpApiOptions,
    ) -> Result<Self, ConnectionError> {
        let config = connection.config();
        let unusable = |reason: String| ConnectionError::Unusable { connection: config.name.clone(), reason };
        let base = config.base_url.resolve(secrets).map_err(|error| unusable(error.to_string()))?;
        let auth = config
            .auth
            .as_ref()
            .map(|auth| HttpAuth::read(&config.name, auth, secrets, options.vault.as_ref()))
            .transpose()
            .map_err(unusable)?;
        Self::build(Settings {
            name: Some(config.name.clone()),
            base: Some(base_url(&base).map_err(unusable)?),
            auth,
            budget: connection.budget(),
            retry: *connection.retry(),
            limits: options.limits,
            client: client(connection.timeout(), None).map_err(unusable)?,
            egress: None,
            keyed_posts: false,
        })
    }

    /// Requests without a connection: absolute URLs to addresses `egress` allows, no
    /// credentials, the default retries.
    pub fn direct(egress: EgressPolicy) -> Result<Self, ConnectionError> {
        Self::off_base(None, None, egress)
    }

    /// Requests through the `oauth` connection `connection` with the tokens an admin connected it
    /// with (`/api/connections/{name}/authorize`), kept in `vault` and refreshed before they
    /// expire: absolute URLs, to addresses `egress` allows, as for requests without a connection.
    pub fn oauth(
        connection: &OAuthConnection,
        secrets: &Secrets,
        vault: Vault,
        egress: EgressPolicy,
    ) -> Result<Self, ConnectionError> {
        let unusable =
            |reason: String| ConnectionError::Unusable { connection: connection.name.clone(), reason };
        let tokens = OAuthTokens::connected(connection, secrets, vault).map_err(unusable)?;
        Self::off_base(Some(&connection.name), Some(HttpAuth::OAuth(tokens)), egress)
    }

    /// Requests with no base URL (of connection `name`, if any): absolute URLs to addresses
    /// `egress` allows, checked as names resolve; the default retries.
    fn off_base(
        name: Option<&str>,
        auth: Option<HttpAuth>,
        egress: EgressPolicy,
    ) -> Result<Self, ConnectionError> {
        let unusable = |reason: String| ConnectionError::Unusable {
            connection: name.unwrap_or("(none)").to_owned(),
            reason,
        };
        Self::build(Settings {
            name: name.map(str::to_owned),
            base: None,
            auth,
            budget: None,
            retry: RetryPolicy::default(),
            limits: Arc::new(LocalRateLimits::default()),
            client: client(None, Some(GuardedResolver::new(egress.clone()))).map_err(unusable)?,
            egress: Some(egress),
            keyed_posts: false,
        })
    }

    fn build(settings: Settings) -> Result<Self, ConnectionError> {
        Ok(Self { inner: Arc::new(settings) })
    }

    /// An API at `base` whose requests carry `token` as a bearer token and whose POSTs always
    /// carry an idempotency key (Stripe).
    pub(crate) fn keyed_with_bearer(
        name: &str,
        base: &str,
        token: String,
        retry: RetryPolicy,
        options: HttpApiOptions,
    ) -> Result<Self, ConnectionError> {
        let unusable = |reason: String| ConnectionError::Unusable { connection: name.to_owned(), reason };
        Self::build(Settings {
            name: Some(name.to_owned()),
            base: Some(base_url(base).map_err(unusable)?),
            auth: Some(HttpAuth::Bearer(token)),
            budget: None,
            retry,
            limits: options.limits,
            client: client(None, None).map_err(unusable)?,
            egress: None,
            keyed_posts: true,
        })
    }

    /// Sends `request`, retrying connect errors, 429 and 5xx as the connection's `retry` says.
    pub async fn send(&self, request: &ApiRequest) -> Result<ApiResponse, ConnectionError> {
        let settings = &self.inner;
        let url = match (&settings.base, &settings.egress) {
            (Some(base), _) => under_base(base, &request.url)?,
            (None, egress) => {
                let url = Url::parse(&request.url).map_err(|_| ConnectionError::Unreachable {
                    url: request.url.clone(),
                    attempts: 0,
                    reason: "not an absolute URL".to_owned(),
                })?;
                if let Some(egress) = egress {
                    egress.check_literal(&url)?;
                }
                url
            }
        };
        let made_key;
        let request = match (&request.idempotency_key, request.method) {
            (None, HttpMethod::Post) if settings.keyed_posts => {
                made_key = request.clone().with_idempotency_key(new_key());
                &made_key
            }
            _ => request,
        };
        let mut retries = Retries::new(&settings.retry);
        loop {
            let attempt = retries.attempt();
            let outcome = self.try_once(&url, request, attempt).await;
            if let Some(answer) = retries.settle(outcome).await {
                return answer.map(|response| ApiResponse { attempts: attempt, ..response });
            }
        }
    }

    /// One attempt: the budget waited for, the request sent, the answer read.
    async fn try_once(
        &self,
        url: &Url,
        request: &ApiRequest,
        attempt: u32,
    ) -> Outcome<ApiResponse, ConnectionError> {
        let failed = |error: reqwest::Error| self.unreachable(url, attempt, &error);
        if let Err(error) = self.wait_for_budget().await {
            return Outcome::Final(Err(error));
        }
        let prepared = match self.prepare(url, request).await {
            Ok(prepared) => prepared,
            Err(error) => return Outcome::Final(Err(error)),
        };
        match prepared.send().await {
            Ok(response) if retry::retryable(response.status().as_u16()) => {
                let after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| retry::retry_after(value, chrono::Utc::now()));
                Outcome::Retry { last: read(response).await.map_err(failed), after }
            }
            Ok(response) => Outcome::Final(read(response).await.map_err(failed)),
            Err(error) if let Some(refused) = egress_refusal(&error) => Outcome::Final(Err(refused)),
            Err(error) if error.is_connect() || error.is_timeout() => {
                Outcome::Retry { last: Err(failed(error)), after: None }
            }
            Err(error) => Outcome::Final(Err(failed(error))),
        }
    }

    /// The request with its headers, body and credentials.
    async fn prepare(
        &self,
        url: &Url,
        request: &ApiRequest,
    ) -> Result<reqwest::RequestBuilder, ConnectionError> {
        let settings = &self.inner;
        let method = match request.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut url = url.clone();
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        let mut builder = settings.client.request(method, url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(key) = &request.idempotency_key {
            builder = builder.header("Idempotency-Key", key.as_str());
        }
        builder = match &request.body {
            Some(ApiBody::Json(value)) => builder.json(value),
            Some(ApiBody::Form(fields)) => builder
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()),
            Some(ApiBody::Text(text)) => builder.body(text.clone()),
            None => builder,
        };
        match &settings.auth {
            Some(auth) => auth.apply(builder, &settings.client).await,
            None => Ok(builder),
        }
    }

    async fn wait_for_budget(&self) -> Result<(), ConnectionError> {
        let settings = &self.inner;
        let (Some(budget), Some(name)) = (settings.budget, &settings.name) else { return Ok(()) };
        let wait =
            settings.limits.reserve(&format!("http:{name}"), budget, chrono::Utc::now()).await.map_err(
                |error| ConnectionError::RateLimit { connection: name.clone(), reason: error.to_string() },
            )?;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    fn unreachable(&self, url: &Url, attempts: u32, error: &reqwest::Error) -> ConnectionError {
        let mut reason = error.to_string();
        for secret in self.inner.auth.iter().flat_map(HttpAuth::secret_values) {
            reason = reason.replace(secret, "[secret]");
        }
        ConnectionError::Unreachable { url: url.to_string(), attempts, reason }
    }
}

async fn read(response: reqwest::Response) -> Result<ApiResponse, reqwest::Error> {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
        })
        .collect();
    let body = response.bytes().await?.to_vec();
    Ok(ApiResponse { status, headers, body, attempts: 1 })
}

/// The refusal of the guarded resolver, when that is why a request could not be sent.
fn egress_refusal(error: &reqwest::Error) -> Option<ConnectionError> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(ConnectionError::EgressRefused { host, reason }) = cause.downcast_ref::<ConnectionError>()
        {
            return Some(ConnectionError::EgressRefused { host: host.clone(), reason });
        }
        source = cause.source();
    }
    None
}

/// A random idempotency key: 128 bits as hex.
fn new_key() -> String {
    let mut bytes = [0_u8; 16];
    // Without randomness the time still tells one send from another.
    if getrandom::fill(&mut bytes).is_err() {
        return format!("t{:x}", chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default());
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn client(timeout: Option<Duration>, resolver: Option<GuardedResolver>) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout.unwrap_or(DEFAULT_TIMEOUT))
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("omnera/", env!("CARGO_PKG_VERSION")));
    if let Some(resolver) = resolver {
        builder = builder.dns_resolver(Arc::new(resolver));
    }
    builder.build().map_err(|error| error.to_string())
}
