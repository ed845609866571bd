//! A host nests the API's router under `/v1`: every URL the API writes leads back through the
//! prefix (a created record's `Location`, the file URLs of uploads and of records, also of
//! embedded records), and following them works.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use omnera_core::backend::LogMailer;
use omnera_core::{App, Config};
use omnera_http::{AppRouter, ObjectStoreBlobs};
use omnera_sql::SqlStorage;
use reqwest::header::LOCATION;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const APP: &str = r#"{"name": "Nested", "tables": [
  {"id": 1, "name": "folders", "fields": [
    {"id": 1, "name": "title", "type": "single-line-text"},
    {"id": 2, "name": "cover", "type": "single-attachment"}]},
  {"id": 2, "name": "documents", "fields": [
    {"id": 1, "name": "title", "type": "single-line-text"},
    {"id": 2, "name": "pages", "type": "multiple-attachments", "maxFiles": 3},
    {"id": 3, "name": "folder", "type": "relationship", "relatedTable": "folders"}]}]}"#;

/// The app's router nested under `/v1` beside a route of the host's own; returns the server's
/// base URL (without the prefix).
async fn serve_nested(database_url: &str) -> String {
    let blobs = std::env::temp_dir().join(format!(
        "omnera_nested_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    ));
    let app = App::from_config(Config::from_json_str(APP).unwrap())
        .with_storage(SqlStorage::connect(database_url).await.unwrap())
        .with_blob_store(ObjectStoreBlobs::local(&blobs).unwrap())
        .with_mailer(LogMailer)
        .build()
        .await
        .unwrap();
    let host = axum::Router::new()
        .route("/", axum::routing::get(|| async { "the host's own page" }))
        .nest("/v1", app.router());
    support::serve_router(host).await
}

async fn upload(client: &reqwest::Client, url: &str, name: &str, bytes: &[u8]) -> Value {
    let form = Form::new().part("file", Part::bytes(bytes.to_vec()).file_name(name.to_owned()));
    let response = client.post(url).multipart(form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201, "upload to {url}");
    response.json().await.unwrap()
}

async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "GET {url}");
    response.json().await.unwrap()
}

async fn urls_lead_back_through_the_prefix(database_url: &str) {
    let base = serve_nested(database_url).await;
    let client = reqwest::Client::new();

    let created = client
        .post(format!("{base}/v1/api/tables/folders/records"))
        .json(&json!({"title": "Leases"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let location = created.headers()[LOCATION].to_str().unwrap().to_owned();
    let folder: Value = created.json().await.unwrap();
    let folder_id = folder["id"].as_i64().unwrap();
    assert_eq!(location, format!("/v1/api/tables/folders/records/{folder_id}"));
    assert_eq!(
        get_json(&client, &format!("{base}{location}")).await["title"],
        "Leases",
        "Location leads to it"
    );

    let cover = b"%PDF-1.4 the cover".as_slice();
    let uploaded = upload(
        &client,
        &format!("{base}/v1/api/tables/folders/records/{folder_id}/fields/cover/files"),
        "cover.pdf",
        cover,
    )
    .await;
    let cover_url = uploaded["files"][0]["url"].as_str().unwrap().to_owned();
    let cover_id = uploaded["files"][0]["id"].as_i64().unwrap();
    assert_eq!(
        cover_url,
        format!("/v1/api/tables/folders/records/{folder_id}/fields/cover/files/{cover_id}")
    );

    let document: Value = client
        .post(format!("{base}/v1/api/tables/documents/records"))
        .json(&json!({"title": "Lease", "folder": folder_id}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let document_id = document["id"].as_i64().unwrap();
    let pages = format!("{base}/v1/api/tables/documents/records/{document_id}/fields/pages/files");
    upload(&client, &pages, "one.pdf", b"%PDF-1.4 page one").await;
    upload(&client, &pages, "two.pdf", b"%PDF-1.4 page two").await;

    // A record read, a list and an embedded record all write their files' URLs under `/v1`,
    // and each URL downloads its file.
    let read = get_json(&client, &format!("{base}/v1/api/tables/documents/records/{document_id}")).await;
    let listed = get_json(&client, &format!("{base}/v1/api/tables/documents/records?expand=folder")).await;
    assert_eq!(listed["data"][0]["pages"], read["pages"], "a list shows the files as a read does");
    assert_eq!(listed["data"][0]["folder"]["cover"]["url"], cover_url.as_str(), "{listed}");
    let mut contents = Vec::new();
    for (file, expected) in read["pages"].as_array().unwrap().iter().zip(["page one", "page two"]) {
        let url = file["url"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("/v1/api/tables/documents/records/{document_id}/fields/pages/files/")),
            "{url}"
        );
        let body = client.get(format!("{base}{url}")).send().await.unwrap().text().await.unwrap();
        assert!(body.ends_with(expected), "{url} gives {body:?}");
        contents.push(body);
    }
    assert_eq!(contents.len(), 2);
    let downloaded = client.get(format!("{base}{cover_url}")).send().await.unwrap();
    assert_eq!(downloaded.status().as_u16(), 200);
    assert_eq!(downloaded.bytes().await.unwrap().as_ref(), cover);

    // Writes answer with the same URLs.
    let updated: Value = client
        .patch(format!("{base}/v1/api/tables/folders/records/{folder_id}"))
        .json(&json!({"title": "Old leases"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["cover"]["url"], cover_url.as_str(), "{updated}");
    let batch: Value = client
        .post(format!("{base}/v1/api/tables/folders/records/batch"))
        .json(&json!({"update": [{"id": folder_id, "title": "Leases"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(batch["updated"][0]["cover"]["url"], cover_url.as_str(), "{batch}");
    assert_eq!(
        client.get(format!("{base}/")).send().await.unwrap().text().await.unwrap(),
        "the host's own page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nested_router_writes_urls_under_its_prefix_on_sqlite() {
    urls_lead_back_through_the_prefix(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nested_router_writes_urls_under_its_prefix_on_postgres() {
    omnera_sql::testing::on_postgres("the nested router", async |url| {
        urls_lead_back_through_the_prefix(&url).await;
    })
    .await;
}
