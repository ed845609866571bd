//! Decimals through the API keep every digit of their scale, in every body that carries a
//! record, on SQLite and PostgreSQL; one past the 18 digits a decimal holds is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use omnera_core::{App, Config};
use omnera_sql::SqlStorage;
use serde_json::{Value, json};

const APP: &str = r#"{"name": "Ledger", "tables": [{"id": 1, "name": "entries", "fields": [
  {"id": 1, "name": "memo", "type": "single-line-text"},
  {"id": 2, "name": "amount", "type": "decimal", "precision": 2},
  {"id": 3, "name": "fee", "type": "currency", "currency": "BHD"}
]}]}"#;

async fn serve(database_url: &str) -> String {
    let app = App::from_config(Config::from_json_str(APP).unwrap())
        .with_storage(SqlStorage::connect(database_url).await.unwrap())
        .build()
        .await
        .unwrap();
    support::serve_app(app).await
}

/// The body's text and status of a request to `path` with an optional JSON body.
async fn send(base: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, String) {
    let mut request = reqwest::Client::new().request(method, format!("{base}{path}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn decimals_keep_every_digit(base: &str) {
    use reqwest::Method;
    let records = "/api/tables/entries/records";
    let largest = json!({"memo": "largest", "amount": "9999999999999999.99", "fee": "1.5"});
    let (status, created) = send(base, Method::POST, records, Some(largest)).await;
    assert_eq!(status, 201, "{created}");
    assert!(created.contains(r#""amount":9999999999999999.99"#), "create: {created}");
    assert!(created.contains(r#""fee":1.500"#), "three decimals for the dinar: {created}");
    let id = serde_json::from_str::<Value>(&created).unwrap()["id"].as_i64().unwrap();

    let (_, read) = send(base, Method::GET, &format!("{records}/{id}"), None).await;
    assert!(read.contains(r#""amount":9999999999999999.99"#), "get: {read}");
    let (_, listed) =
        send(base, Method::GET, &format!("{records}?filter=amount%20%3E%209999999999999999.98"), None).await;
    assert!(listed.contains(r#""amount":9999999999999999.99"#), "list: {listed}");

    let several = json!([{"memo": "round", "amount": 12.5}, {"memo": "negative", "amount": "-0.05"}]);
    let (status, made) = send(base, Method::POST, records, Some(several)).await;
    assert_eq!(status, 201, "{made}");
    assert!(made.contains(r#""amount":12.50"#) && made.contains(r#""amount":-0.05"#), "create many: {made}");
    let batch = json!({"update": [{"id": id, "amount": "0.10"}]});
    let (status, batched) = send(base, Method::POST, &format!("{records}/batch"), Some(batch)).await;
    assert_eq!(status, 200, "{batched}");
    assert!(batched.contains(r#""amount":0.10"#), "batch: {batched}");

    let too_long = json!({"memo": "too long", "amount": "10000000000000000"});
    let (status, refused) = send(base, Method::POST, records, Some(too_long)).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.contains("out_of_range") && refused.contains("18 digits"), "{refused}");
    let (_, count) =
        send(base, Method::GET, &format!("{records}?filter=memo%20%3D%20%27too%20long%27"), None).await;
    assert!(count.contains(r#""data":[]"#), "nothing written: {count}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decimals_keep_every_digit_on_sqlite() {
    decimals_keep_every_digit(&serve(&omnera_sql::testing::sqlite_url()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decimals_keep_every_digit_on_postgres() {
    omnera_sql::testing::on_postgres("decimals through the API", async |url| {
        decimals_keep_every_digit(&serve(&url).await).await;
    })
    .await;
}
