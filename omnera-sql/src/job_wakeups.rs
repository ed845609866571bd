//! Waking idle workers when a job is enqueued. In this process an enqueue wakes them directly;
//! on PostgreSQL an enqueue also sends `NOTIFY omnera_jobs` (no payload) with its commit, and one
//! listener per storage, started with the first wait, wakes this instance's workers when any
//! instance enqueues. Waits still end after their `at_most`, the polling fallback.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::Notify;

use crate::database::Database;

/// The channel enqueues notify on PostgreSQL.
pub(crate) const CHANNEL: &str = "omnera_jobs";

/// The workers waiting for jobs, and (PostgreSQL) the task that listens for other instances'
/// enqueues; the task stops when the last clone of the storage is dropped.
#[derive(Debug, Default)]
pub(crate) struct JobWakeups {
    waiting: Arc<Notify>,
    listener: OnceLock<tokio::task::JoinHandle<()>>,
}

impl Drop for JobWakeups {
    fn drop(&mut self) {
        if let Some(listener) = self.listener.get() {
            listener.abort();
        }
    }
}

impl JobWakeups {
    /// Wakes this process's waiting workers.
    pub(crate) fn wake(&self) {
        self.waiting.notify_waiters();
    }

    /// Waits for a wake-up, or `at_most`.
    pub(crate) async fn wait(&self, database: &Database, at_most: Duration) {
        self.listen(database);
        let _ = tokio::time::timeout(at_most, self.waiting.notified()).await;
    }

    #[cfg(feature = "postgres")]
    fn listen(&self, database: &Database) {
        let Some(pool) = database.postgres_pool().cloned() else { return };
        let waiting = Arc::clone(&self.waiting);
        self.listener.get_or_init(|| {
            tokio::spawn(async move {
                loop {
                    if let Ok(mut listener) = sqlx::postgres::PgListener::connect_with(&pool).await
                        && listener.listen(CHANNEL).await.is_ok()
                    {
                        while listener.recv().await.is_ok() {
                            waiting.notify_waiters();
                        }
                    }
                    tracing::debug!("the job listener lost its connection; listening again in a second");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            })
        });
    }

    #[cfg(not(feature = "postgres"))]
    fn listen(&self, _: &Database) {}
}
