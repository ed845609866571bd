//! What one connection is doing: the requests in progress (until their responses are sent), when
//! the last one began or ended, and whether the server wants the connection closed to make room.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use tokio::sync::Notify;
use tokio::time::Instant;

/// The activity of one connection.
pub(super) struct Activity {
    in_progress: AtomicUsize,
    last: Mutex<Instant>,
    evicted: AtomicBool,
    evict: Notify,
    /// Told when the connection's last request in progress ends, so that a newcomer waiting
    /// for room can take its place.
    became_idle: Arc<Notify>,
}

impl Activity {
    pub(super) fn new(became_idle: Arc<Notify>) -> Self {
        Self {
            in_progress: AtomicUsize::new(0),
            last: Mutex::new(Instant::now()),
            evicted: AtomicBool::new(false),
            evict: Notify::new(),
            became_idle,
        }
    }

    fn touch(&self) {
        if let Ok(mut last) = self.last.lock() {
            *last = Instant::now();
        }
    }

    /// When a request last began or ended here.
    pub(super) fn last(&self) -> Instant {
        self.last.lock().map_or_else(|_| Instant::now(), |last| *last)
    }

    /// Whether no request is in progress.
    pub(super) fn is_idle(&self) -> bool {
        self.in_progress.load(Ordering::SeqCst) == 0
    }

    /// Marks a request as in progress until the returned guard, or the body it is moved into,
    /// is dropped.
    pub(super) fn begin(self: &Arc<Self>) -> Busy {
        self.in_progress.fetch_add(1, Ordering::SeqCst);
        self.touch();
        Busy(Arc::clone(self))
    }

    /// Completes once no request has been in progress for `timeout`.
    pub(super) async fn idle_for(&self, timeout: Duration) {
        loop {
            let deadline = self.last() + timeout;
            if self.is_idle() && Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.max(Instant::now() + timeout / 4)).await;
        }
    }

    /// Asks the connection to close at once, to make room for another.
    pub(super) fn evict(&self) {
        self.evicted.store(true, Ordering::SeqCst);
        self.evict.notify_one();
    }

    /// Completes once the connection has been asked to close.
    pub(super) async fn evicted(&self) {
        let notified = self.evict.notified();
        if !self.evicted.load(Ordering::SeqCst) {
            notified.await;
        }
    }
}

/// A request in progress; dropping it (the response was sent, or given up) ends it.
pub(super) struct Busy(Arc<Activity>);

impl Busy {
    /// A response body that keeps the request in progress until it has been sent.
    pub(super) fn until_sent(self, body: Body) -> Body {
        Body::new(SentWith { body, _busy: self })
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        if self.0.in_progress.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.became_idle.notify_waiters();
        }
    }
}

/// A response body carrying its request's [`Busy`] guard.
struct SentWith {
    body: Body,
    _busy: Busy,
}

impl http_body::Body for SentWith {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
