//! `GET /` answers a small index pointing at the OpenAPI document, the records and the health
//! checks, instead of a 404; a host that serves its own `/` keeps it, and a host that nests the
//! router gets links under its mount point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::routing::get;
use omnera_core::{App, Config};
use omnera_http::AppRouter;
use serde_json::{Value, json};

const APP: &str = r#"{"name": "Notes", "tables": [
    {"id": 1, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]},
    {"id": 2, "name": "tags", "fields": [{"id": 1, "name": "label", "type": "single-line-text"}]}]}"#;

async fn app() -> App {
    let storage = omnera_sql::SqlStorage::connect("sqlite::memory:").await.unwrap();
    App::from_config(Config::from_json_str(APP).unwrap()).with_storage(storage).build().await.unwrap()
}

#[tokio::test]
async fn the_root_points_the_way() {
    let base = support::serve_app(app().await).await;
    let client = reqwest::Client::new();
    let response = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers().get("x-request-id").is_some());
    let index: Value = response.json().await.unwrap();
    assert_eq!(
        index,
        json!({"name": "Notes", "openapi": "/api/openapi.json", "records": "/api/tables/{table}/records",
               "health": {"live": "/health/live", "ready": "/health/ready"}})
    );
    // Every link it gives answers.
    for link in ["/api/openapi.json", "/api/tables/notes/records", "/health/live", "/health/ready"] {
        let status = client.get(format!("{base}{link}")).send().await.unwrap().status().as_u16();
        assert_eq!(status, 200, "{link}");
    }
    let document: Value =
        client.get(format!("{base}/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(document["paths"]["/"]["get"].is_object(), "the document has the index");

    let posted = client.post(format!("{base}/")).send().await.unwrap();
    assert_eq!(posted.status().as_u16(), 405);
    assert_eq!(posted.headers()["allow"], "GET, HEAD");
    let elsewhere = client.get(format!("{base}/nothing")).send().await.unwrap();
    assert_eq!(elsewhere.status().as_u16(), 404, "other unknown paths stay 404s");
}

#[tokio::test]
async fn a_host_that_serves_its_own_root_keeps_it() {
    let router =
        axum::Router::new().route("/", get(|| async { "the host's home" })).merge(app().await.router());
    let base = support::serve_router(router).await;
    let client = reqwest::Client::new();
    let home = client.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    assert_eq!(home, "the host's home");
    let live = client.get(format!("{base}/health/live")).send().await.unwrap();
    assert_eq!(live.status().as_u16(), 200, "the API is still served beside it");
}

#[tokio::test]
async fn under_a_mount_point_the_links_carry_it() {
    let router = axum::Router::new().nest("/crm", app().await.router());
    let base = support::serve_router(router).await;
    let client = reqwest::Client::new();
    let response = client.get(format!("{base}/crm")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let index: Value = response.json().await.unwrap();
    assert_eq!(index["openapi"], "/crm/api/openapi.json");
    assert_eq!(index["health"]["ready"], "/crm/health/ready");
    let document = client.get(format!("{base}/crm/api/openapi.json")).send().await.unwrap();
    assert_eq!(document.status().as_u16(), 200, "the link answers");
}
