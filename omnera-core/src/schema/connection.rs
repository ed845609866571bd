//! Checked `http` connections: their durations, request budget and retries parsed once.

use std::time::Duration;

use super::RetryPolicy;
use crate::backend::RequestBudget;
use crate::config::HttpConnection;

/// A checked `http` connection.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpConnectionSchema {
    pub(crate) config: HttpConnection,
    pub(crate) timeout: Option<Duration>,
    pub(crate) budget: Option<RequestBudget>,
    pub(crate) retry: RetryPolicy,
}

impl HttpConnectionSchema {
    /// The connection as written (checked).
    pub fn config(&self) -> &HttpConnection {
        &self.config
    }

    /// How long one attempt may take, when the config sets it.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The `rateLimit`, when the config sets one.
    pub fn budget(&self) -> Option<RequestBudget> {
        self.budget
    }

    /// How failed requests are retried (connect errors, 429 and 5xx).
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }
}
