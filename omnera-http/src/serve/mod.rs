//! Serving a router on a listener the host bound, with the limits a public server needs: a time
//! for a client to send its request headers, a time a kept-alive connection may sit idle, and a
//! cap on open connections, so that slow or idle clients cannot use up the file descriptors.
//! `axum::serve` has none of the three. HTTP/1.1 only: with HTTP/2 beside it, the server would
//! read a new connection's first bytes to tell the two apart before any timeout applied.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

use activity::Activity;
use open_connections::OpenConnections;

mod activity;
mod open_connections;

/// How [`serve`] treats connections.
///
/// ```
/// use std::time::Duration;
///
/// let limits = omnera_http::ConnectionLimits::default()
///     .with_header_read_timeout(Duration::from_secs(5))
///     .with_max_connections(4096);
/// assert_eq!(limits.idle_timeout, Duration::from_secs(75));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionLimits {
    /// How long a client has to send a request's headers, counted from when the server starts
    /// waiting for them (on a new connection, or after the previous response on a kept-alive
    /// one); a client that is slower is disconnected. Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a connection may stay open without a request in progress; then it is closed
    /// (a response still being sent is finished first). Default 75 s.
    pub idle_timeout: Duration,
    /// How many connections may be open at once. A client that comes when they all are takes
    /// the place of the connection idle longest (one without a request in progress), so idle or
    /// stalled connections cannot keep clients out; if every one is busy, it waits until one
    /// finishes. Default 1,000: keep it below the process's file-descriptor limit
    /// (`ulimit -n`), less what the database pool and files need.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(75),
            max_connections: 1000,
        }
    }
}

impl ConnectionLimits {
    /// The same limits with another time to send request headers.
    #[must_use]
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// The same limits with another time a connection may stay idle.
    #[must_use]
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The same limits with another cap on open connections (at least 1).
    #[must_use]
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }
}

/// Serves `router` on `listener` (HTTP/1.1: HTTP/2 is the business of the TLS proxy in front)
/// within `limits`,
/// until `shutdown` completes; then stops accepting, lets the requests in progress finish, and
/// returns. Handlers can read the peer's address as `ConnectInfo<SocketAddr>`, as the
/// per-address limits do.
///
/// ```no_run
/// # async fn run(app: omnera_core::App) -> std::io::Result<()> {
/// use omnera_http::{AppRouter, ConnectionLimits};
///
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// // Until Ctrl-C, say, with tokio's `signal` feature: `async { let _ = tokio::signal::ctrl_c().await; }`.
/// let shutdown = std::future::pending::<()>();
/// omnera_http::serve(listener, app.router(), ConnectionLimits::default(), shutdown).await
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let connections = Arc::new(OpenConnections::new(limits.max_connections));
    let (stopping, stop) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, or the like: wait for connections to close.
                tracing::warn!(%error, "could not accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // At the cap, the connection idle longest makes room; if every one is busy, the new one
        // waits for one to finish.
        tokio::select! {
            () = connections.make_room() => {}
            () = &mut shutdown => break,
        }
        let (id, activity) = connections.open();
        let connection =
            serve_connection(stream, peer, router.clone(), limits.clone(), activity, stop.clone());
        let connections = Arc::clone(&connections);
        tokio::spawn(async move {
            connection.await;
            connections.close(id);
        });
    }
    let _ = stopping.send(true);
    connections.all_closed().await;
    Ok(())
}

/// Serves one connection until the client closes it, a limit closes it, or the server stops.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    activity: Arc<Activity>,
    mut stop: watch::Receiver<bool>,
) {
    let service = {
        let activity = Arc::clone(&activity);
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            let busy = activity.begin();
            let router = router.clone();
            async move {
                let response = match router.oneshot(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                // The request stays in progress until its response's body is sent.
                Ok::<_, Infallible>(response.map(|body| busy.until_sent(body)))
            }
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(connection);
    let mut closing = false;
    loop {
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
                return;
            }
            () = activity.idle_for(limits.idle_timeout), if !closing => {
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
            // Another client needs the room, and no request is in progress here.
            () = activity.evicted() => return,
            _ = stop.changed(), if !closing => {
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}
