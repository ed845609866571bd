//! Budgets of requests shared by every instance of an app: an `http` connection's `rateLimit`
//! holds across all the instances that use one database.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StorageError;

/// At most `requests` requests per `per`, in bursts of up to `requests`.
///
/// ```
/// use std::time::Duration;
/// use omnera_core::backend::RequestBudget;
///
/// let budget = RequestBudget::new(5, Duration::from_secs(1)).unwrap();
/// assert_eq!(budget.interval(), Duration::from_millis(200));
/// assert!(RequestBudget::new(0, Duration::from_secs(1)).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestBudget {
    requests: u32,
    per: Duration,
}

impl RequestBudget {
    /// `requests` per `per`; `None` when either is zero.
    pub fn new(requests: u32, per: Duration) -> Option<Self> {
        (requests > 0 && !per.is_zero()).then_some(Self { requests, per })
    }

    /// How many requests the budget allows per [`RequestBudget::per`].
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// The period.
    pub fn per(&self) -> Duration {
        self.per
    }

    /// The steady spacing of requests: `per / requests`.
    pub fn interval(&self) -> Duration {
        self.per / self.requests
    }
}

/// Hands out the slots of request budgets by key, as the generic cell rate algorithm does: each
/// key keeps the time its budget is next free, and a reservation moves it one interval on. The
/// SQL storage keeps it in the database, so instances that share one draw from one budget.
///
/// ```
/// use std::time::Duration;
/// use chrono::{DateTime, Utc};
/// use omnera_core::backend::{RateLimits, RequestBudget, StorageError};
///
/// /// A budget nobody shares: every request may go at once.
/// struct Unlimited;
///
/// #[async_trait::async_trait]
/// impl RateLimits for Unlimited {
///     async fn reserve(&self, _: &str, _: RequestBudget, _: DateTime<Utc>) -> Result<Duration, StorageError> {
///         Ok(Duration::ZERO)
///     }
/// }
/// ```
#[async_trait]
pub trait RateLimits: Send + Sync + 'static {
    /// Reserves the next request of `key`'s `budget`, asked at `now`; returns how long to wait
    /// before sending it (zero when the budget has room now).
    async fn reserve(
        &self,
        key: &str,
        budget: RequestBudget,
        now: DateTime<Utc>,
    ) -> Result<Duration, StorageError>;
}
