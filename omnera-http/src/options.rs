//! What a host may set on the router: the origins CORS allows, a limit on requests per client
//! address (both off unless the host sets them; the limit on failed sign-ins is always on, see
//! `auth`), the public origin, the reverse proxies believed on client addresses, and who may read
//! the OpenAPI document.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{Method, header};

use crate::CorsOrigins;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::client_address::{ClientAddress, TrustedProxies};
use crate::error::ApiError;

/// Options of [`crate::router_with`].
///
/// ```
/// use omnera_http::{ApiOptions, RateLimit};
///
/// let options = ApiOptions::default()
///     .allowing_origins(omnera_http::CorsOrigins::new(["https://app.example.com"]).unwrap())
///     .limiting_requests(RateLimit::default());
/// assert_eq!(options.rate_limit().unwrap().per_second(), 100);
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ApiOptions {
    allowed_origins: CorsOrigins,
    rate_limit: Option<RateLimit>,
    public_origin: Option<String>,
    trusted_proxies: TrustedProxies,
    openapi_access: OpenApiAccess,
}

/// Who may read the OpenAPI document at `/api/openapi.json`, and how much of it.
///
/// ```
/// use omnera_http::{ApiOptions, OpenApiAccess};
///
/// assert_eq!(ApiOptions::default().openapi_access(), OpenApiAccess::Permitted);
/// let options = ApiOptions::default().showing_openapi_to(OpenApiAccess::Admins);
/// assert_eq!(options.openapi_access(), OpenApiAccess::Admins);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenApiAccess {
    /// The whole document, to every caller; credentials are not read.
    Everyone,
    /// To each caller the tables it may use under the app's permissions, with only the
    /// operations it may take on them, and the admin-only routes to admins alone. A table the
    /// caller may neither read nor create records in is left out. In an app without an `auth`
    /// section everyone may do everything, so everyone gets the whole document.
    #[default]
    Permitted,
    /// The whole document, to admins only: 401 without credentials, 403 for other callers.
    Admins,
}

impl std::str::FromStr for OpenApiAccess {
    type Err = UnknownOpenApiAccess;

    /// `everyone`, `permitted` or `admins` (the host's command line or environment).
    ///
    /// ```
    /// use omnera_http::OpenApiAccess;
    ///
    /// assert_eq!("admins".parse::<OpenApiAccess>().unwrap(), OpenApiAccess::Admins);
    /// assert!("nobody".parse::<OpenApiAccess>().is_err());
    /// ```
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "everyone" => Ok(Self::Everyone),
            "permitted" => Ok(Self::Permitted),
            "admins" => Ok(Self::Admins),
            _ => Err(UnknownOpenApiAccess { name: name.to_owned() }),
        }
    }
}

/// A name that is not `everyone`, `permitted` or `admins`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not an OpenAPI access: use everyone, permitted or admins")]
pub struct UnknownOpenApiAccess {
    name: String,
}

impl ApiOptions {
    /// The same options, letting browsers on these origins call the API (CORS).
    #[must_use]
    pub fn allowing_origins(mut self, origins: CorsOrigins) -> Self {
        self.allowed_origins = origins;
        self
    }

    /// The same options, limiting requests per client address.
    #[must_use]
    pub fn limiting_requests(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// The same options, naming the origin browsers reach the app at (`https://app.example.com`),
    /// from which OAuth callback URLs are made. Without it they are made from the request's
    /// `Host` header, with https only when a proxy sends `X-Forwarded-Proto: https`.
    #[must_use]
    pub fn with_public_origin(mut self, origin: impl Into<String>) -> Self {
        self.public_origin = Some(origin.into().trim_end_matches('/').to_owned());
        self
    }

    /// The same options, believing these reverse proxies on the client's address (see
    /// [`TrustedProxies`]); the per-address limits then count the client, not the proxy.
    #[must_use]
    pub fn trusting_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// The reverse proxies believed on the client's address (none unless set).
    pub fn trusted_proxies(&self) -> &TrustedProxies {
        &self.trusted_proxies
    }

    /// The same options, with `access` deciding who may read the OpenAPI document
    /// ([`OpenApiAccess::Permitted`] unless set).
    #[must_use]
    pub fn showing_openapi_to(mut self, access: OpenApiAccess) -> Self {
        self.openapi_access = access;
        self
    }

    /// Who may read the OpenAPI document.
    pub fn openapi_access(&self) -> OpenApiAccess {
        self.openapi_access
    }

    /// The public origin, if the host set one.
    pub fn public_origin(&self) -> Option<&str> {
        self.public_origin.as_deref()
    }

    /// The request limit, if any.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// Whether browsers on other origins may call the API (CORS is on).
    pub fn allows_cross_origin(&self) -> bool {
        !self.allowed_origins.is_empty()
    }

    /// The CORS layer, when origins are allowed.
    pub(crate) fn cors(&self) -> Option<CorsLayer> {
        if self.allowed_origins.is_empty() {
            return None;
        }
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(self.allowed_origins.header_values().to_vec()))
                .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH])
                .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER])
                .allow_credentials(true),
        )
    }
}

/// A limit on requests per client address: a steady rate and a burst (a token bucket, kept by
/// the `governor` crate in this process). The default is generous: 100 requests a second with
/// bursts of 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    per_second: NonZeroU32,
    burst: NonZeroU32,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::new(
            NonZeroU32::new(100).unwrap_or(NonZeroU32::MIN),
            NonZeroU32::new(200).unwrap_or(NonZeroU32::MIN),
        )
    }
}

impl RateLimit {
    /// `per_second` requests a second on average, `burst` at once.
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        Self { per_second, burst }
    }

    /// The steady rate.
    pub fn per_second(&self) -> u32 {
        self.per_second.get()
    }

    pub(crate) fn limiter(self) -> Arc<DefaultKeyedRateLimiter<IpAddr>> {
        Arc::new(RateLimiter::keyed(Quota::per_second(self.per_second).allow_burst(self.burst)))
    }
}

/// Middleware: a 429 with `Retry-After` once a client address is over its limit. Requests whose
/// address the server did not record (no `ConnectInfo`, so no [`ClientAddress`]) are not limited.
pub(crate) async fn limit_requests(
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    request: Request,
    next: Next,
) -> Response {
    let address = request.extensions().get::<ClientAddress>().map(|ClientAddress(address)| *address);
    if let Some(address) = address
        && let Err(not_until) = limiter.check_key(&address)
    {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return ApiError::rate_limited("too many requests from this address; slow down", seconds)
            .into_response();
    }
    next.run(request).await
}
