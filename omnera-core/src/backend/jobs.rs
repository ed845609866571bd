//! The durable job queue the automation runtime runs on: jobs with a time to run, a unique key
//! (so a duplicate delivery never makes two jobs), attempts, the last error, and a lease that a
//! worker holds while it runs one. `omnera-sql` implements it on both databases; on PostgreSQL
//! workers claim with `FOR UPDATE SKIP LOCKED`, so many instances share one queue.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StorageError;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobState {
    /// Waiting for its `run_at`, or for a worker.
    Queued,
    /// Claimed by a worker whose lease has not run out.
    Running,
    /// Done.
    Succeeded,
    /// Failed for good (an error a retry cannot mend).
    Failed,
    /// Nothing to do (a condition was false).
    Skipped,
    /// Failed on every attempt it had.
    Dead,
}

impl JobState {
    /// The state as stored and shown: `queued`, `running`, `succeeded`, `failed`, `skipped`,
    /// `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Dead => "dead",
        }
    }

    /// The state written as [`JobState::as_str`] writes it.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Queued, Self::Running, Self::Succeeded, Self::Failed, Self::Skipped, Self::Dead]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// A job to enqueue.
///
/// ```
/// use omnera_core::backend::NewJob;
///
/// let job = NewJob::new("automation", serde_json::json!({"automation": "welcome", "record": 7}))
///     .with_key("welcome:record-created:7")
///     .with_max_attempts(5);
/// assert_eq!(job.max_attempts, 5);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewJob {
    /// What kind of work it is, for the worker that runs it.
    pub kind: String,
    /// A unique key: a job whose key is taken is not enqueued again.
    pub key: Option<String>,
    /// What the worker needs.
    pub payload: serde_json::Value,
    /// When it may run first.
    pub run_at: DateTime<Utc>,
    /// Attempts in all before it is dead.
    pub max_attempts: u32,
}

impl NewJob {
    /// A job of `kind` that may run now, with three attempts and no key.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self { kind: kind.into(), key: None, payload, run_at: Utc::now(), max_attempts: 3 }
    }

    /// With a unique key.
    #[must_use]
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// To run first at `run_at`.
    #[must_use]
    pub fn at(mut self, run_at: DateTime<Utc>) -> Self {
        self.run_at = run_at;
        self
    }

    /// With `max_attempts` attempts in all (at least one).
    #[must_use]
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }
}

/// A job as the queue keeps it (built by queue backends, so not `non_exhaustive`).
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Its id.
    pub id: i64,
    /// Its kind.
    pub kind: String,
    /// Its unique key, if it has one.
    pub key: Option<String>,
    /// What the worker needs.
    pub payload: serde_json::Value,
    /// Where it is in its life.
    pub state: JobState,
    /// When it may run (next).
    pub run_at: DateTime<Utc>,
    /// The attempts made so far, the running one included.
    pub attempts: u32,
    /// Attempts in all before it is dead.
    pub max_attempts: u32,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
    /// The worker that holds it, while it runs.
    pub worker: Option<String>,
    /// Until when the worker's lease holds.
    pub lease_until: Option<DateTime<Utc>>,
}

/// How an attempt ended (matched by queue backends, so not `non_exhaustive`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Done.
    Succeeded,
    /// Nothing to do.
    Skipped,
    /// Failed; try again at `at`, unless it was the last attempt (then it is dead).
    Retry {
        /// When to try again.
        at: DateTime<Utc>,
        /// What went wrong.
        error: String,
    },
    /// Failed for good.
    Failed {
        /// What went wrong.
        error: String,
    },
}

/// Whether an enqueue made a job, or found one with the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    /// The job's id (the existing one's when the key was taken).
    pub id: i64,
    /// Whether this call made it.
    pub created: bool,
}

/// A durable queue of jobs, shared by every worker that uses the same store.
#[async_trait]
pub trait JobQueue: Send + Sync + 'static {
    /// Enqueues `job`, unless its key is taken: then the existing job's id.
    async fn enqueue(&self, job: NewJob) -> Result<Enqueued, StorageError>;

    /// Claims up to `limit` jobs due at `now` for `worker`: queued ones whose `run_at` has come,
    /// and running ones whose lease ran out (their worker is gone). Each gets a lease until
    /// `now + lease` and one more attempt. No two workers claim the same job.
    async fn claim(
        &self,
        worker: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Job>, StorageError>;

    /// Extends `worker`'s lease on job `id` to `now + lease`; false when the job is no longer
    /// its own (the lease ran out and another worker took it).
    async fn heartbeat(
        &self,
        id: i64,
        worker: &str,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError>;

    /// Ends `worker`'s attempt at job `id`; false when the job is no longer its own.
    async fn finish(&self, id: i64, worker: &str, outcome: JobOutcome) -> Result<bool, StorageError>;

    /// Gives job `id` back to the queue without spending the attempt (a worker shutting down);
    /// false when it is not `worker`'s.
    async fn release(&self, id: i64, worker: &str) -> Result<bool, StorageError>;

    /// Queues a dead job again with a fresh set of attempts, to run at `now`; false when job `id`
    /// is not dead.
    async fn replay(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StorageError>;

    /// Job `id`, if it exists.
    async fn job(&self, id: i64) -> Result<Option<Job>, StorageError>;

    /// Waits until a job may have become due: one was enqueued (in this process, or by another
    /// instance where the store can tell), or `at_most` passed, the polling fallback for what no
    /// wake-up covers (a retry's time coming, a lost notification). A worker claims after it
    /// returns either way. The default only waits `at_most`.
    async fn wait_for_jobs(&self, at_most: Duration) {
        tokio::time::sleep(at_most).await;
    }
}
