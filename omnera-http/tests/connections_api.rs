//! `/api/connections`: admins see every connection with the last health it was found in, and
//! check one live; storage connections on S3 (moto), Azure (Azurite) and GCS (the fake) answer
//! healthy, one pointing nowhere unhealthy, and no answer shows a credential.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod storage_servers;
mod support;

use omnera_core::accounts::ensure_admin;
use omnera_core::secrets::{SecretKey, Vault};
use omnera_core::{App, Config};
use omnera_sql::SqlStorage;
use serde_json::{Value, json};
use storage_servers::StorageServer;

const BROKEN_KEY: &str = "broken-secret-key-0b7f-never-shown";

async fn checked_by_admins(server: Option<StorageServer>) {
    let Some(server) = server else { return };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = json!({"name": "Ops", "auth": {"signUp": "closed"}, "connections": [
        server.connection("archive"),
        {"name": "broken", "type": "s3", "bucket": "nowhere", "endpoint": format!("http://{closed}"),
         "accessKeyId": "ops", "secretAccessKey": {"secret": "broken-key"}},
        {"name": "google", "type": "oauth", "provider": "google", "clientId": "ops", "clientSecret": {"secret": "broken-key"}}]});
    let storage = SqlStorage::connect(&omnera_sql::testing::sqlite_url()).await.unwrap();
    let vault = Vault::new(SecretKey::generate().unwrap(), storage.clone());
    server.seal_secrets(&vault).await;
    vault.set("broken-key", BROKEN_KEY).await.unwrap();
    ensure_admin(&storage, "admin@example.com", "a long enough password").await.unwrap();
    let app = App::from_config(Config::from_json_str(&config.to_string()).unwrap())
        .with_storage(storage.clone())
        .with_accounts(storage)
        .with_vault(vault)
        .with_connection_blob_stores(server.opener())
        .build()
        .await
        .unwrap();
    let base = support::serve_app(app).await;
    let client = reqwest::Client::new();
    let token = support::sign_in(&base, "admin@example.com", "a long enough password").await;
    let call = async |method: reqwest::Method, path: &str, token: Option<&str>| {
        let mut request = client.request(method, format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    };
    let json = |text: &str| serde_json::from_str::<Value>(text).unwrap();

    let (status, _) = call(reqwest::Method::GET, "/api/connections", None).await;
    assert_eq!(status, 401, "admins only");
    let (status, body) = call(reqwest::Method::GET, "/api/connections", Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        json(&body)["data"],
        json!([{"name": "archive", "type": server.kind, "health": null},
               {"name": "broken", "type": "s3", "health": null},
               {"name": "google", "type": "oauth", "health": null}]),
        "nothing was checked yet"
    );

    let (status, archive) = call(reqwest::Method::POST, "/api/connections/archive/check", Some(&token)).await;
    assert_eq!((status, &json(&archive)["health"]["status"]), (200, &json!("healthy")), "{archive}");
    let (status, broken) = call(reqwest::Method::POST, "/api/connections/broken/check", Some(&token)).await;
    assert_eq!((status, &json(&broken)["health"]["status"]), (200, &json!("unhealthy")), "{broken}");
    let (_, google) = call(reqwest::Method::POST, "/api/connections/google/check", Some(&token)).await;
    assert_eq!(json(&google)["health"]["status"], "not-checked", "{google}");
    let (status, missing) = call(reqwest::Method::POST, "/api/connections/nope/check", Some(&token)).await;
    assert_eq!((status, &json(&missing)["code"]), (404, &json!("not_found")), "{missing}");

    // The list keeps each connection's last health.
    let (_, listed) = call(reqwest::Method::GET, "/api/connections", Some(&token)).await;
    let statuses: Vec<Value> =
        json(&listed)["data"].as_array().unwrap().iter().map(|c| c["health"]["status"].clone()).collect();
    assert_eq!(statuses, [json!("healthy"), json!("unhealthy"), json!("not-checked")]);
    assert!(json(&listed)["data"][0]["health"]["checkedAt"].is_string());
    for shown in [&body, &archive, &broken, &google, &listed] {
        assert!(!shown.contains(BROKEN_KEY), "a credential is shown: {shown}");
        for (_, value) in server.secret_values() {
            assert!(!shown.contains(value), "a credential is shown: {shown}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_on_s3_are_checked_by_admins() {
    checked_by_admins(storage_servers::s3("connection checks on S3").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_on_azure_are_checked_by_admins() {
    checked_by_admins(storage_servers::azurite("connection checks on Azure").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_on_gcs_are_checked_by_admins() {
    checked_by_admins(storage_servers::gcs("connection checks on GCS").await).await;
}
