//! The connections a server holds open, within its cap: at the cap, the one idle longest is
//! closed to make room for a newcomer, so connections that sit idle or send their headers a byte
//! at a time cannot keep clients out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::activity::Activity;

pub(super) struct OpenConnections {
    max: usize,
    open: Mutex<HashMap<u64, Arc<Activity>>>,
    next_id: AtomicU64,
    /// Told when a connection closes or has no more requests in progress.
    changed: Arc<Notify>,
}

impl OpenConnections {
    pub(super) fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            open: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            changed: Arc::new(Notify::new()),
        }
    }

    fn count(&self) -> usize {
        self.open.lock().map_or(0, |open| open.len())
    }

    /// Completes once there is room for one more connection: at once below the cap; at the cap,
    /// once the connection idle longest has been asked to close and has closed, or, when every
    /// connection has a request in progress, once one of them closes or goes idle (and then
    /// makes room).
    pub(super) async fn make_room(&self) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.count() < self.max {
                return;
            }
            self.evict_idlest();
            changed.await;
        }
    }

    /// Asks the connection without a request in progress whose last request is oldest to close.
    fn evict_idlest(&self) {
        let Ok(open) = self.open.lock() else { return };
        let idlest =
            open.values().filter(|activity| activity.is_idle()).min_by_key(|activity| activity.last());
        if let Some(activity) = idlest {
            activity.evict();
        }
    }

    /// Registers a new connection; returns its id and its activity.
    pub(super) fn open(&self) -> (u64, Arc<Activity>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let activity = Arc::new(Activity::new(Arc::clone(&self.changed)));
        if let Ok(mut open) = self.open.lock() {
            open.insert(id, Arc::clone(&activity));
        }
        (id, activity)
    }

    /// Forgets a connection that has ended.
    pub(super) fn close(&self, id: u64) {
        if let Ok(mut open) = self.open.lock() {
            open.remove(&id);
        }
        self.changed.notify_waiters();
    }

    /// Completes once every connection has ended.
    pub(super) async fn all_closed(&self) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.count() == 0 {
                return;
            }
            changed.await;
        }
    }
}
