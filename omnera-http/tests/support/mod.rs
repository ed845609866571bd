//! What the API tests share: serving an app on a free loopback port.

use omnera_core::App;
use omnera_http::AppRouter;

/// Serves `app`'s router on a free loopback port until the test ends; returns its base URL.
pub(crate) async fn serve_app(app: App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let address = listener.local_addr().expect("the port's address");
    tokio::spawn(async move { axum::serve(listener, app.router()).await });
    format!("http://{address}")
}
