//! Durable background work: the queue the automation worker claims jobs from.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Work to enqueue.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewJob {
    /// What kind of work it is, such as `automation-run`.
    pub kind: String,
    /// Its input.
    pub payload: serde_json::Value,
    /// Not before this moment; `None`: now.
    pub run_at: Option<DateTime<Utc>>,
    /// A key that makes enqueueing idempotent (a cron fire time, a webhook delivery id).
    pub unique_key: Option<String>,
}

impl NewJob {
    /// A job to run now.
    ///
    /// ```
    /// let job = omnera_core::backend::NewJob::new("automation-run", serde_json::json!({"automation": "welcome"}));
    /// assert!(job.run_at.is_none());
    /// ```
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self { kind: kind.into(), payload, run_at: None, unique_key: None }
    }
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Job {
    /// The job's id.
    pub id: i64,
    /// What kind of work it is.
    pub kind: String,
    /// Its input.
    pub payload: serde_json::Value,
    /// How many times it was claimed before, this time included.
    pub attempt: u32,
}

/// Why a queue operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// The queue's store failed.
    #[error("job queue failed: {source}")]
    Unavailable {
        /// The store's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A durable job queue shared by every instance: a job is claimed by one worker at a time, for a
/// lease; a job whose lease runs out is claimed again.
///
/// ```
/// use std::time::Duration;
/// use omnera_core::backend::{Job, JobError, JobQueue, NewJob};
///
/// struct NoWork;
///
/// #[async_trait::async_trait]
/// impl JobQueue for NoWork {
///     async fn enqueue(&self, _: NewJob) -> Result<Option<i64>, JobError> { Ok(None) }
///     async fn claim(&self, _: &str, _: Duration) -> Result<Option<Job>, JobError> { Ok(None) }
///     async fn complete(&self, _: i64) -> Result<(), JobError> { Ok(()) }
///     async fn fail(&self, _: i64, _: &str, _: Option<Duration>) -> Result<(), JobError> { Ok(()) }
/// }
/// ```
#[async_trait]
pub trait JobQueue: Send + Sync + 'static {
    /// Adds a job; returns its id, or `None` when a job with the same unique key exists.
    async fn enqueue(&self, job: NewJob) -> Result<Option<i64>, JobError>;
    /// Claims the next due job of `kind` for `lease`.
    async fn claim(&self, kind: &str, lease: Duration) -> Result<Option<Job>, JobError>;
    /// Marks a claimed job done.
    async fn complete(&self, id: i64) -> Result<(), JobError>;
    /// Marks a claimed job failed; it runs again after `retry_in`, or goes dead when `None`.
    async fn fail(&self, id: i64, error: &str, retry_in: Option<Duration>) -> Result<(), JobError>;
}
