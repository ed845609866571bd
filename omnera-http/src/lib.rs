//! Omnera's HTTP layer: the REST API of `API.md` as an axum [`Router`] that a host nests or
//! merges into its own.
//!
//! ```
//! use omnera_core::{App, Config};
//! use omnera_http::AppRouter;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let app = App::from_config(Config::from_json_str(r#"{"name": "Empty"}"#).unwrap()).build().await.unwrap();
//! let router: axum::Router = app.router();
//! # });
//! ```
//!
//! Done so far: records (list with every parameter, create one or many, read, patch, put,
//! delete, batch), problem+json errors with request ids, ETags and `If-Match`, files through
//! `object_store`, accounts, sessions, API keys, OAuth sign-in and the users API, permissions
//! with row filters, health, `/api/schema`, the OpenAPI 3.1 document at `/api/openapi.json`
//! (by default each caller sees the part it may use: [`OpenApiAccess`]), and an index at `/`
//! pointing at it. Not done yet: pages. `docs/http.md` lists the decisions.

mod access;
mod auth;
mod blobs;
mod client_address;
mod complete;
mod connection_cache;
mod connections;
mod cors_origins;
mod error;
mod files;
mod head_limits;
mod health;
mod index;
mod meta;
mod mount_path;
mod openapi;
mod options;
mod records;
mod request_id;
mod serve;
mod state;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use omnera_core::App;
use tower_http::set_header::SetResponseHeaderLayer;

pub use access::RequestCaller;
#[cfg(feature = "azure")]
pub use blobs::AzureSettings;
#[cfg(feature = "gcs")]
pub use blobs::GcsSettings;
pub use blobs::ObjectStoreBlobs;
#[cfg(feature = "s3")]
pub use blobs::S3Settings;
pub use client_address::{ForwardedHeader, TrustedProxies};
pub use cors_origins::CorsOrigins;
pub use error::{ApiError, ErrorKind, FieldError};
pub use files::StorageConnections;
pub use head_limits::{MAX_HEADER_BYTES, MAX_URI_LENGTH};
pub use openapi::document as openapi_document;
pub use options::{ApiOptions, OpenApiAccess, RateLimit, UnknownOpenApiAccess};
pub use request_id::REQUEST_ID_HEADER;
pub use serve::{ConnectionLimits, serve};

use error::ApiError as Problem;
use state::ApiState;

/// The largest JSON body (1 MiB).
pub const MAX_JSON_BODY: usize = 1024 * 1024;

/// The `Referrer-Policy` of every response. Cross-origin requests from a page of the app learn
/// its origin only (never a path or query, where a token or a code may sit), and none at all from
/// https to http; same-origin requests keep the full referrer, which the app's own pages and
/// forms may use. Browsers default to it today; sending it pins it for older ones and webviews.
pub const REFERRER_POLICY: &str = "strict-origin-when-cross-origin";

/// Serves an [`App`] over HTTP.
pub trait AppRouter {
    /// The whole API, ready to nest or merge into a host's router.
    fn router(&self) -> Router;

    /// The whole API with a host's options (CORS, request limits).
    fn router_with(&self, options: &ApiOptions) -> Router;
}

impl AppRouter for App {
    fn router(&self) -> Router {
        router(self.clone())
    }

    fn router_with(&self, options: &ApiOptions) -> Router {
        router_with(self.clone(), options)
    }
}

/// The whole API of `app`: no CORS, no limit on requests (failed sign-ins are always limited).
pub fn router(app: App) -> Router {
    router_with(app, &ApiOptions::default())
}

/// The whole API of `app` with a host's options.
///
/// ```
/// use omnera_core::{App, Config};
/// use omnera_http::{ApiOptions, RateLimit, router_with};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let app = App::from_config(Config::from_json_str(r#"{"name": "Empty"}"#).unwrap()).build().await.unwrap();
/// let origins = omnera_http::CorsOrigins::new(["https://app.example.com"]).unwrap();
/// let options = ApiOptions::default().allowing_origins(origins).limiting_requests(RateLimit::default());
/// let router: axum::Router = router_with(app, &options);
/// # });
/// ```
pub fn router_with(app: App, options: &ApiOptions) -> Router {
    let mut router = Router::new()
        .merge(records::routes())
        .merge(auth::routes())
        .merge(files::routes())
        .merge(health::routes())
        .merge(meta::routes())
        .merge(connections::routes())
        .merge(openapi::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY));
    if let Some(limit) = options.rate_limit() {
        let limiter = limit.limiter();
        router = router.layer(axum::middleware::from_fn(move |request, next| {
            options::limit_requests(limiter.clone(), request, next)
        }));
    }
    let proxies = std::sync::Arc::new(options.trusted_proxies().clone());
    router = router.layer(axum::middleware::from_fn(move |request, next| {
        client_address::find_client_address(proxies.clone(), request, next)
    }));
    if let Some(cors) = options.cors() {
        router = router.layer(cors);
    }
    // Every response, a 414, a 429 or a CORS preflight too, carries its request id; each request
    // runs in a task of its own, so the request id's scope lives inside it; outermost, every
    // response gets the security headers, whoever made it.
    router
        .layer(axum::middleware::from_fn(head_limits::refuse_oversized_heads))
        .layer(axum::middleware::from_fn(request_id::with_request_id))
        .layer(axum::middleware::from_fn(complete::run_to_completion))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static(REFERRER_POLICY),
        ))
        .with_state(ApiState::new(app, options))
}

/// A path no route takes: a 404, except `/`, which answers an index unless the host took it.
async fn not_found(
    axum::extract::State(state): axum::extract::State<ApiState>,
    axum::extract::OriginalUri(original): axum::extract::OriginalUri,
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> axum::response::Response {
    if uri.path() == "/" {
        return index::answer(&state, &method, original.path());
    }
    Problem::new(ErrorKind::NotFound, format!("no route {}", uri.path())).into_response()
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Problem {
    Problem::new(ErrorKind::MethodNotAllowed, format!("{method} is not allowed on {}", uri.path()))
}
