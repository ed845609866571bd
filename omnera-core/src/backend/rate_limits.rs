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

/// Request budgets kept in this process's memory: for apps without a database, and for tests.
/// Instances do not share them.
///
/// ```
/// use std::time::Duration;
/// use omnera_core::backend::{LocalRateLimits, RateLimits, RequestBudget};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let limits = LocalRateLimits::default();
/// let budget = RequestBudget::new(1, Duration::from_secs(10)).unwrap();
/// let now = chrono::Utc::now();
/// assert_eq!(limits.reserve("api", budget, now).await.unwrap(), Duration::ZERO);
/// assert_eq!(limits.reserve("api", budget, now).await.unwrap(), Duration::from_secs(10));
/// # });
/// ```
#[derive(Debug, Default)]
pub struct LocalRateLimits {
    next_free: std::sync::Mutex<std::collections::HashMap<String, DateTime<Utc>>>,
}

#[async_trait]
impl RateLimits for LocalRateLimits {
    async fn reserve(
        &self,
        key: &str,
        budget: RequestBudget,
        now: DateTime<Utc>,
    ) -> Result<Duration, StorageError> {
        let interval = chrono::TimeDelta::from_std(budget.interval()).unwrap_or(chrono::TimeDelta::MAX);
        let per = chrono::TimeDelta::from_std(budget.per()).unwrap_or(chrono::TimeDelta::MAX);
        let mut next_free = self.next_free.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let slot = next_free.entry(key.to_owned()).or_insert(now);
        *slot = (*slot).max(now).checked_add_signed(interval).unwrap_or(DateTime::<Utc>::MAX_UTC);
        let wait = slot.signed_duration_since(now).checked_sub(&per).unwrap_or_default();
        Ok(wait.to_std().unwrap_or(Duration::ZERO))
    }
}
