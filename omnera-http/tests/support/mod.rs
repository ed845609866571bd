//! What the API tests share: serving an app on a free loopback port.
#![allow(dead_code)]

use omnera_core::App;
use omnera_http::AppRouter;

/// Serves `app`'s router on a free loopback port until the test ends; returns its base URL.
pub(crate) async fn serve_app(app: App) -> String {
    serve_router(app.router()).await
}

/// Serves a router on a free loopback port, recording peer addresses as `serve` does; returns
/// its base URL.
pub(crate) async fn serve_router(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let address = listener.local_addr().expect("the port's address");
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    format!("http://{address}")
}

pub(crate) mod oidc;
