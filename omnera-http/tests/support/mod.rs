//! What the API tests share: serving an app on a free loopback port.
#![allow(dead_code)]

use omnera_core::backend::LogMailer;
use omnera_core::{App, Config};
use omnera_http::AppRouter;
use omnera_sql::SqlStorage;

/// The app of `config` on `database_url`, with accounts in the same database and mail to the
/// log; and its storage, for making users.
pub(crate) async fn app_with_accounts(config: &str, database_url: &str) -> (App, SqlStorage) {
    let storage = SqlStorage::connect(database_url).await.expect("the test database");
    let app = App::from_config(Config::from_json_str(config).expect("a valid config"))
        .with_storage(storage.clone())
        .with_accounts(storage.clone())
        .with_mailer(LogMailer)
        .build()
        .await
        .expect("the app builds");
    (app, storage)
}

/// The Argon2id hash of `password`, for users made straight in the account store.
pub(crate) fn password_hash(password: &str) -> String {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default().hash_password(password.as_bytes()).expect("a hash").to_string()
}

/// Signs `email` in with `password` at the app at `base`; returns the session token.
pub(crate) async fn sign_in(base: &str, email: &str, password: &str) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/auth/sign-in"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .expect("the sign-in is answered")
        .json()
        .await
        .expect("a JSON answer");
    answer["token"].as_str().expect("a session token").to_owned()
}

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
