//! What the API tests share: serving an app on a free loopback port.

use omnera_core::App;
use omnera_http::AppRouter;

/// Serves `app`'s router on a free loopback port until the test ends; returns its base URL.
pub(crate) async fn serve_app(app: App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let address = listener.local_addr().expect("the port's address");
    let service = app.router().into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    format!("http://{address}")
}
