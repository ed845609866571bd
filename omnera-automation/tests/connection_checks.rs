//! Live checks of the connections that are not storage, through `App::check_connection`: SMTP
//! (a real aiosmtpd on loopback) answers EHLO and NOOP, an `http` connection answers with its
//! credentials, a `stripe` connection reads its balance; a server that is down or refuses the
//! credentials is unhealthy, and no detail shows a credential.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

#[cfg(feature = "smtp")]
mod smtp_server;

use axum::http::{HeaderMap, StatusCode, Uri};
use omnera_automation::MailConnections;
use omnera_automation::connections::LiveChecks;
use omnera_core::app::HealthStatus;
use omnera_core::secrets::{SecretKey, Vault};
use omnera_core::{App, Config};
use omnera_sql::SqlStorage;
use serde_json::json;

const TOKEN: &str = "tok-health-5e2a-never-shown";

/// An API that answers 200 to `Bearer tok-health…` and 401 to anything else.
async fn api() -> String {
    let answer = async |uri: Uri, headers: HeaderMap| {
        let authorized = headers.get("authorization").and_then(|value| value.to_str().ok())
            == Some(&*format!("Bearer {TOKEN}"));
        let known = uri.path() == "/v1/" || uri.path() == "/stripe/v1/balance";
        match (known, authorized) {
            (true, true) => (StatusCode::OK, "{}"),
            (true, false) => (StatusCode::UNAUTHORIZED, "{}"),
            (false, _) => (StatusCode::NOT_FOUND, "{}"),
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(answer)).await });
    base
}

async fn app(connections: serde_json::Value, base: &str) -> App {
    let config = json!({"name": "Ops", "connections": connections});
    let storage = SqlStorage::connect(&omnera_sql::testing::sqlite_url()).await.unwrap();
    let vault = Vault::new(SecretKey::generate().unwrap(), storage.clone());
    vault.set("token", TOKEN).await.unwrap();
    vault.set("wrong-token", "tok-wrong-never-shown").await.unwrap();
    App::from_config(Config::from_json_str(&config.to_string()).unwrap())
        .with_vault(vault)
        .with_connection_mailers(MailConnections::new())
        .with_connection_checks(LiveChecks::new().with_stripe_api(format!("{base}/stripe/v1/")))
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn http_and_stripe_connections_are_checked_with_their_credentials() {
    let base = api().await;
    let connections = json!([
        {"name": "crm", "type": "http", "baseUrl": format!("{base}/v1"), "auth": {"type": "bearer", "token": {"secret": "token"}}},
        {"name": "refused", "type": "http", "baseUrl": format!("{base}/v1"), "auth": {"type": "bearer", "token": {"secret": "wrong-token"}}},
        {"name": "stripe", "type": "stripe", "secretKey": {"secret": "token"}},
        {"name": "google", "type": "oauth", "provider": "google", "clientId": "ops", "clientSecret": {"secret": "token"}}]);
    let app = app(connections, &base).await;
    let status = async |name: &str| app.check_connection(name).await.unwrap();
    assert_eq!(status("crm").await.status, HealthStatus::Healthy);
    let refused = status("refused").await;
    assert_eq!(refused.status, HealthStatus::Unhealthy);
    assert!(refused.detail.contains("401"), "{}", refused.detail);
    assert_eq!(status("stripe").await.status, HealthStatus::Healthy);
    assert_eq!(status("google").await.status, HealthStatus::NotChecked);
    assert_eq!(app.last_health("refused").unwrap(), refused);
    assert!(!format!("{refused:?}").contains("never-shown"));
}

#[cfg(feature = "smtp")]
#[tokio::test]
async fn smtp_connections_answer_ehlo_and_noop() {
    let Some(server) = smtp_server::start("smtp connection checks") else { return };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let smtp = |name: &str, port: u16, credentials: bool| {
        let mut connection = json!({"name": name, "type": "smtp", "host": "127.0.0.1", "port": port,
            "security": "none", "from": "ops@example.com"});
        if credentials {
            connection["username"] = json!("ops");
            connection["password"] = json!({"secret": "token"});
        }
        connection
    };
    let connections = json!([
        smtp("mail", server.port, false),
        smtp("no-auth", server.port, true),
        smtp("down", closed, true)
    ]);
    let app = app(connections, "http://127.0.0.1:9").await;
    let up = app.check_connection("mail").await.unwrap();
    assert_eq!(up.status, HealthStatus::Healthy, "{}", up.detail);
    // aiosmtpd offers no AUTH: credentials that cannot be used are found by the check, not by
    // the first password reset.
    let no_auth = app.check_connection("no-auth").await.unwrap();
    assert_eq!(no_auth.status, HealthStatus::Unhealthy);
    assert!(no_auth.detail.contains("authentication"), "{}", no_auth.detail);
    let down = app.check_connection("down").await.unwrap();
    assert_eq!(down.status, HealthStatus::Unhealthy);
    assert!(
        down.detail.contains(&format!("127.0.0.1:{closed}")) && !down.detail.contains(TOKEN),
        "{}",
        down.detail
    );
}
