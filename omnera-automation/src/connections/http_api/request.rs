//! What is sent through an [`HttpApi`](super::HttpApi) and what comes back.

use omnera_core::config::HttpMethod;

/// A request to send: a path under the connection's base URL (or a whole URL without one).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiRequest {
    /// The method.
    pub method: HttpMethod,
    /// A path relative to the connection's base URL, or an absolute URL under it; for requests
    /// without a connection, an absolute URL.
    pub url: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Query parameters, added to those of the URL.
    pub query: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<ApiBody>,
    /// Sent as `Idempotency-Key`, the same on every retry, so the service can tell a retry from
    /// a new request.
    pub idempotency_key: Option<String>,
}

impl ApiRequest {
    /// A request with no headers, query or body.
    ///
    /// ```
    /// use omnera_automation::connections::ApiRequest;
    /// use omnera_core::config::{HttpMethod, OAuthConnection};
    ///
    /// let request = ApiRequest::new(HttpMethod::Get, "customers/42").with_header("Accept", "application/json");
    /// assert_eq!(request.headers.len(), 1);
    /// ```
    pub fn new(method: HttpMethod, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: Vec::new(),
            query: Vec::new(),
            body: None,
            idempotency_key: None,
        }
    }

    /// With one more header.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// With one more query parameter.
    #[must_use]
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// With a body.
    #[must_use]
    pub fn with_body(mut self, body: ApiBody) -> Self {
        self.body = Some(body);
        self
    }

    /// With an idempotency key.
    #[must_use]
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ApiBody {
    /// JSON (`application/json`).
    Json(serde_json::Value),
    /// A form (`application/x-www-form-urlencoded`), as Stripe's API takes.
    Form(Vec<(String, String)>),
    /// Text as given, with the `Content-Type` the request's headers give.
    Text(String),
}

/// The answer to a request: whatever its status (only failures to get one are errors).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiResponse {
    /// The status code.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How many attempts it took.
    pub attempts: u32,
}

impl ApiResponse {
    /// The body read as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}
