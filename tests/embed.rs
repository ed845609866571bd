//! The `embed` example's host, driven over HTTP: its hook sees every write however it is made
//! (a REST create, a batch, a call in host code), its policy and identity provider decide who
//! may do what, and its own routes know the caller.

#![allow(clippy::unwrap_used)]

use std::sync::atomic::Ordering;

use omnera::backend::Caller;
use omnera::record::RecordDraft;
use serde_json::{Value, json};

#[path = "../examples/embed/host.rs"]
mod host;

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_hook_sees_writes_from_rest_from_a_batch_and_from_host_code() {
    let (router, state) = host::host(&omnera::sql::testing::sqlite_url()).await.unwrap();
    let base = serve(router).await;
    let client = reqwest::Client::new();
    let tickets = format!("{base}/v1/api/tables/tickets/records");

    let created =
        client.post(&tickets).json(&json!({"title": "The printer is on fire"})).send().await.unwrap();
    assert_eq!(created.status().as_u16(), 201, "anyone may report a ticket");
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        (created["status"].as_str(), created["reported_by"].as_str()),
        (Some("open"), Some("anonymous"))
    );

    let batch = client
        .post(format!("{tickets}/batch"))
        .bearer_auth("agent-token")
        .json(&json!({"create": [{"title": "No coffee"}, {"title": "No tea"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(batch.status().as_u16(), 200);
    let batch: Value = batch.json().await.unwrap();
    assert_eq!(batch["created"][1]["reported_by"], "user 1", "the hook ran on each item of the batch");

    let records = state.app.records(Caller::system("importer", ["admin"]));
    let mut draft = RecordDraft::new();
    draft.set("title", "Imported from the old desk");
    let imported = records.create("tickets", draft).await.unwrap();
    assert_eq!(
        imported.values["status"],
        omnera::FieldValue::Text("open".into()),
        "host code goes through the hook too"
    );
    assert_eq!(state.tickets_created.load(Ordering::SeqCst), 4, "the after-create hook saw all four");

    let spam = client.post(&tickets).json(&json!({"title": "FREE MONEY"})).send().await.unwrap();
    assert_eq!(spam.status().as_u16(), 422);
    let spam: Value = spam.json().await.unwrap();
    assert_eq!(
        (spam["code"].as_str(), spam["detail"].as_str()),
        (Some("rejected"), Some("this looks like spam"))
    );
    let mut spam = RecordDraft::new();
    spam.set("title", "free money");
    assert!(records.create("tickets", spam).await.is_err(), "host code is refused as REST is");
    assert_eq!(state.tickets_created.load(Ordering::SeqCst), 4, "nothing refused was created");
    let text = |path: &str| {
        let request = client.get(format!("{base}{path}"));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    assert_eq!((text("/open-tickets").await, text("/created-since-start").await), ("4".into(), "4".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_policy_and_identity_provider_decide_and_host_routes_know_the_caller() {
    let (router, _) = host::host(&omnera::sql::testing::sqlite_url()).await.unwrap();
    let base = serve(router).await;
    let client = reqwest::Client::new();
    let tickets = format!("{base}/v1/api/tables/tickets/records");
    let status =
        |request: reqwest::RequestBuilder| async move { request.send().await.unwrap().status().as_u16() };

    assert_eq!(status(client.get(&tickets)).await, 401, "anonymous callers may not read tickets");
    assert_eq!(status(client.get(&tickets).bearer_auth("agent-token")).await, 200);
    assert_eq!(status(client.get(&tickets).bearer_auth("stolen-token")).await, 401);
    let created: Value = client
        .post(&tickets)
        .json(&json!({"title": "Broken chair"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket = format!("{tickets}/{}", created["id"]);
    assert_eq!(status(client.delete(&ticket).bearer_auth("agent-token")).await, 403, "agents may not delete");
    assert_eq!(status(client.delete(&ticket).bearer_auth("admin-token")).await, 204);

    let whoami = |token: Option<&'static str>| {
        let mut request = client.get(format!("{base}/whoami"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    assert_eq!(whoami(None).await, "anonymous");
    assert_eq!(whoami(Some("agent-token")).await, "user 1 (agent)");
}
