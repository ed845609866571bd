//! Keeping the outbox small: events every known consumer has acknowledged are deleted once they
//! are older than the app's retention, by a task that stops when the app shuts down.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::backend::Storage;

/// How long acknowledged outbox events are kept, and how often the app prunes older ones.
///
/// ```
/// use std::time::Duration;
/// use omnera_core::app::OutboxRetention;
///
/// let retention = OutboxRetention::default();
/// assert_eq!(retention.keep, Duration::from_secs(7 * 24 * 3600));
/// let short = OutboxRetention::keeping(Duration::from_secs(3600)).checked_every(Duration::from_secs(60));
/// assert_eq!(short.every, Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutboxRetention {
    /// How long an acknowledged event is kept (a consumer that fell behind can be replayed
    /// within it; an event a known consumer has not acknowledged is kept whatever its age).
    pub keep: Duration,
    /// How often older events are pruned.
    pub every: Duration,
}

impl Default for OutboxRetention {
    /// Seven days, pruned hourly.
    fn default() -> Self {
        Self { keep: Duration::from_secs(7 * 24 * 3600), every: Duration::from_secs(3600) }
    }
}

impl OutboxRetention {
    /// Keeps acknowledged events for `keep`, pruning hourly.
    pub fn keeping(keep: Duration) -> Self {
        Self { keep, ..Self::default() }
    }

    /// The same retention, pruned every `every`.
    #[must_use]
    pub fn checked_every(mut self, every: Duration) -> Self {
        self.every = every;
        self
    }
}

/// Prunes `storage`'s outbox every `retention.every` until `shutdown` is cancelled; a failure is
/// logged and tried again at the next turn. Nothing runs outside a tokio runtime.
pub(crate) fn start_pruning(
    storage: Arc<dyn Storage>,
    retention: OutboxRetention,
    shutdown: CancellationToken,
) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("no tokio runtime: the outbox is not pruned");
        return;
    };
    runtime.spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(retention.every) => {}
            }
            match storage.prune_outbox(retention.keep).await {
                Ok(0) => {}
                Ok(pruned) => tracing::debug!(pruned, "outbox events pruned"),
                Err(error) => tracing::warn!(%error, "the outbox could not be pruned"),
            }
        }
    });
}
