//! Attachments end to end over TCP: type checked from the content, size limits, replacement,
//! maxFiles, downloads with ETag and ranges, deletes that remove the blobs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod support;

use std::path::{Path, PathBuf};

use omnera_core::backend::LogMailer;
use omnera_core::secrets::{SecretKey, Vault};
use omnera_core::{App, Config};
use omnera_http::ObjectStoreBlobs;
use omnera_sql::SqlStorage;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

mod storage_servers;

use storage_servers::StorageServer;

const APP: &str = r#"{"name": "Files", "tables": [{"id": 1, "name": "documents", "fields": [
    {"id": 1, "name": "title", "type": "single-line-text"},
    {"id": 2, "name": "scan", "type": "single-attachment", "storage": {"maxSize": 1024, "allowedTypes": ["image/*", "application/pdf"]}},
    {"id": 3, "name": "pages", "type": "multiple-attachments", "maxFiles": 2}]}]}"#;

/// A tiny PNG: the signature and an IHDR chunk are all the type check looks at.
fn png(size: usize) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
    bytes.resize(size, 7);
    bytes
}

/// Where the test's blobs go, and how the test lists them.
enum Blobs {
    Local(PathBuf),
    Server(StorageServer),
}

impl Blobs {
    fn local() -> Self {
        Self::Local(std::env::temp_dir().join(format!(
            "omnera_files_{}_{}",
            std::process::id(),
            rand_suffix()
        )))
    }

    fn store(&self) -> ObjectStoreBlobs {
        match self {
            Self::Local(dir) => ObjectStoreBlobs::local(dir).unwrap(),
            Self::Server(server) => server.blobs(),
        }
    }

    /// Every blob, by location, sorted.
    async fn list(&self) -> Vec<String> {
        match self {
            Self::Local(dir) => blobs_in(dir),
            Self::Server(server) => server.list().await,
        }
    }
}

async fn serve(database_url: &str, blobs: &Blobs) -> String {
    let app = App::from_config(Config::from_json_str(APP).unwrap())
        .with_storage(SqlStorage::connect(database_url).await.unwrap())
        .with_blob_store(blobs.store())
        .with_mailer(LogMailer)
        .build()
        .await
        .unwrap();
    support::serve_app(app).await
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// Every file under `dir`, as paths relative to it.
fn blobs_in(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

async fn upload(client: &reqwest::Client, url: &str, files: Vec<(&str, Vec<u8>)>) -> (u16, Value) {
    let mut form = Form::new();
    for (name, bytes) in files {
        form = form.part("file", Part::bytes(bytes).file_name(name.to_owned()));
    }
    let response = client.post(url).multipart(form).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn attachments_work_on(database_url: &str, blobs: Blobs) {
    let base = serve(database_url, &blobs).await;
    let client = reqwest::Client::new();
    let records = format!("{base}/api/tables/documents/records");
    let created: Value =
        client.post(&records).json(&json!({"title": "Lease"})).send().await.unwrap().json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!((created["scan"].clone(), created["pages"].clone()), (json!(null), json!([])));
    let scan_url = format!("{records}/{id}/fields/scan/files");

    let (status, body) = upload(&client, &scan_url, vec![("../../etc/passwd", png(600))]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["files"][0]["mimeType"].as_str(), body["files"][0]["name"].as_str()),
        (Some("image/png"), Some("passwd")),
        "a name keeps its last path component only"
    );
    let first = blobs.list().await;
    assert_eq!(first.len(), 1);
    assert!(
        first[0].starts_with("1/2/") && !first[0].contains("passwd"),
        "a client's name never becomes a path: {first:?}"
    );

    let (status, body) =
        upload(&client, &scan_url, vec![("notes.png", b"just some text, not an image".to_vec())]).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (415, Some("unsupported_media_type")),
        "the type comes from the content"
    );
    let (status, body) = upload(&client, &scan_url, vec![("big.png", png(2048))]).await;
    assert_eq!((status, body["code"].as_str()), (413, Some("payload_too_large")));
    assert_eq!(blobs.list().await, first, "refused uploads leave nothing behind");

    let (status, body) = upload(&client, &scan_url, vec![("second.png", png(300))]).await;
    assert_eq!(status, 201, "{body}");
    let second = blobs.list().await;
    assert!(
        second.len() == 1 && second != first,
        "a single attachment's old file is replaced and its blob deleted"
    );
    let record: Value = client.get(format!("{records}/{id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(record["scan"]["name"], "second.png");
    let download = format!("{base}{}", record["scan"]["url"].as_str().unwrap());

    let response = client.get(&download).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"second.png\"; filename*=UTF-8''second%2Epng"
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), png(300));
    let partial = client.get(&download).header("range", "bytes=0-3").send().await.unwrap();
    assert_eq!(partial.status().as_u16(), 206);
    assert_eq!(partial.headers()["content-range"], "bytes 0-3/300");
    assert_eq!(partial.bytes().await.unwrap().to_vec(), png(300)[..4].to_vec());
    let outside = client.get(&download).header("range", "bytes=400-").send().await.unwrap();
    assert_eq!(
        (outside.status().as_u16(), outside.headers()["content-range"].to_str().unwrap()),
        (416, "bytes */300")
    );
    assert_eq!(outside.headers()["content-type"], "application/problem+json");
    let problem: Value = outside.json().await.unwrap();
    assert_eq!(
        (problem["status"].as_u64(), problem["code"].as_str()),
        (Some(416), Some("range_not_satisfiable"))
    );
    let same =
        client.get(&download).header("range", "bytes=0-1").header("if-range", &etag).send().await.unwrap();
    assert_eq!(same.status().as_u16(), 206, "If-Range with the file's ETag serves the range");
    let stale = client
        .get(&download)
        .header("range", "bytes=0-1")
        .header("if-range", "\"other-etag\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status().as_u16(), 200, "a stale If-Range gets the whole file");
    assert!(stale.headers().get("content-range").is_none());
    assert_eq!(stale.bytes().await.unwrap().to_vec(), png(300));
    assert_eq!(
        client.get(&download).header("if-none-match", &etag).send().await.unwrap().status().as_u16(),
        304
    );

    let pages_url = format!("{records}/{id}/fields/pages/files");
    let (status, body) =
        upload(&client, &pages_url, vec![("p1.pdf", b"%PDF-1.4 one".to_vec()), ("p2.png", png(100))]).await;
    assert_eq!((status, body["files"].as_array().map(Vec::len)), (201, Some(2)), "{body}");
    let (status, body) = upload(&client, &pages_url, vec![("p3.png", png(100))]).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (422, Some("too_many_files")), "{body}");
    assert_eq!(blobs.list().await.len(), 3);

    let page_id = body_first_page(&client, &records, id).await;
    let delete = client.delete(format!("{pages_url}/{page_id}")).send().await.unwrap();
    assert_eq!(delete.status().as_u16(), 204);
    assert_eq!(client.get(format!("{pages_url}/{page_id}")).send().await.unwrap().status().as_u16(), 404);
    let again = client.delete(format!("{pages_url}/{page_id}")).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 404, "a file deleted twice is not found the second time");
    assert_eq!(blobs.list().await.len(), 2);

    assert_eq!(
        client.post(format!("{records}/{id}/fields/title/files")).send().await.unwrap().status().as_u16(),
        404
    );
    let not_multipart = client.post(&scan_url).json(&json!({"file": "x"})).send().await.unwrap();
    assert_eq!(not_multipart.status().as_u16(), 415);
    assert_eq!(not_multipart.headers()["content-type"], "application/problem+json");
    let (status, _) =
        upload(&client, &format!("{records}/999/fields/scan/files"), vec![("x.png", png(10))]).await;
    assert_eq!(status, 404);
    let empty = client.post(&scan_url).multipart(Form::new().text("note", "no file")).send().await.unwrap();
    assert_eq!(empty.status().as_u16(), 400);

    assert_eq!(client.delete(format!("{records}/{id}")).send().await.unwrap().status().as_u16(), 204);
    assert!(blobs.list().await.is_empty(), "deleting a record deletes its files");
    writes_that_empty_attachments_release_their_files(&client, &records, &blobs).await;
}

/// PATCH with `null`, a PUT that leaves attachments out, and a batch delete let go of the files
/// and delete their blobs.
async fn writes_that_empty_attachments_release_their_files(
    client: &reqwest::Client,
    records: &str,
    blobs: &Blobs,
) {
    let new_record = |title: &str| {
        let body = json!({"title": title});
        async move {
            let created: Value = client.post(records).json(&body).send().await.unwrap().json().await.unwrap();
            let id = created["id"].as_i64().unwrap();
            let (status, _) =
                upload(client, &format!("{records}/{id}/fields/scan/files"), vec![("s.png", png(10))]).await;
            assert_eq!(status, 201);
            let pages = vec![("a.png", png(11)), ("b.png", png(12))];
            let (status, _) = upload(client, &format!("{records}/{id}/fields/pages/files"), pages).await;
            assert_eq!(status, 201);
            id
        }
    };
    let deed = new_record("Deed").await;
    assert_eq!(blobs.list().await.len(), 3);
    let patched: Value = client
        .patch(format!("{records}/{deed}"))
        .json(&json!({"scan": null}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((&patched["scan"], patched["pages"].as_array().map(Vec::len)), (&json!(null), Some(2)));
    assert_eq!(blobs.list().await.len(), 2, "PATCH null deletes the scan's blob");
    let replaced =
        client.put(format!("{records}/{deed}")).json(&json!({"title": "Deed"})).send().await.unwrap();
    assert_eq!(replaced.status().as_u16(), 200);
    let replaced: Value = replaced.json().await.unwrap();
    assert_eq!(replaced["pages"], json!([]), "PUT sets omitted attachments to empty");
    assert!(blobs.list().await.is_empty(), "and deletes their blobs");

    let will = new_record("Will").await;
    let batch =
        client.post(format!("{records}/batch")).json(&json!({"delete": [deed, will]})).send().await.unwrap();
    assert_eq!(batch.status().as_u16(), 200);
    assert!(blobs.list().await.is_empty(), "a batch delete deletes the records' blobs");
}

async fn body_first_page(client: &reqwest::Client, records: &str, id: i64) -> i64 {
    let record: Value = client.get(format!("{records}/{id}")).send().await.unwrap().json().await.unwrap();
    record["pages"][0]["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_on_sqlite() {
    attachments_work_on(&omnera_sql::testing::sqlite_url(), Blobs::local()).await;
}

/// The whole scenario with a storage server as the host's blob store.
async fn attachments_work_on_a_server(server: Option<StorageServer>) {
    let Some(server) = server else { return };
    attachments_work_on(&omnera_sql::testing::sqlite_url(), Blobs::Server(server)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_on_s3() {
    attachments_work_on_a_server(storage_servers::s3("the files API on S3").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_on_azure() {
    attachments_work_on_a_server(storage_servers::azurite("the files API on Azure").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_on_gcs() {
    attachments_work_on_a_server(storage_servers::gcs("the files API on GCS").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_on_postgres() {
    omnera_sql::testing::on_postgres("the files API", async |url| {
        attachments_work_on(&url, Blobs::local()).await;
    })
    .await;
}

/// A field whose `storage.provider` names a storage connection keeps its files in that bucket,
/// not in the host's store; deleting the record deletes them there.
async fn attachments_in_a_storage_connection(server: Option<StorageServer>) {
    let Some(server) = server else { return };
    let config = json!({"name": "Archive",
        "connections": [server.connection("archive")],
        "tables": [{"id": 1, "name": "letters", "fields": [
            {"id": 1, "name": "title", "type": "single-line-text"},
            {"id": 2, "name": "original", "type": "single-attachment", "storage": {"provider": "archive"}}]}]});
    let host = Blobs::local();
    let storage = SqlStorage::connect(&omnera_sql::testing::sqlite_url()).await.unwrap();
    // The connection's credentials are vault secrets, as a production config's would be.
    let vault = Vault::new(SecretKey::generate().unwrap(), storage.clone());
    server.seal_secrets(&vault).await;
    let app = App::from_config(Config::from_json_str(&config.to_string()).unwrap())
        .with_storage(storage)
        .with_vault(vault)
        .with_blob_store(host.store())
        .with_connection_blob_stores(server.opener())
        .with_mailer(LogMailer)
        .build()
        .await
        .unwrap();
    let base = support::serve_app(app).await;
    let client = reqwest::Client::new();
    let records = format!("{base}/api/tables/letters/records");
    let created: Value =
        client.post(&records).json(&json!({"title": "Dear Ann"})).send().await.unwrap().json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    let (status, body) =
        upload(&client, &format!("{records}/{id}/fields/original/files"), vec![("letter.png", png(64))])
            .await;
    assert_eq!(status, 201, "{} {body}", server.kind);
    assert_eq!(
        (server.list().await.len(), host.list().await.len()),
        (1, 0),
        "the file is in the {} connection's bucket",
        server.kind
    );
    let file_id = body["files"][0]["id"].as_i64().unwrap();
    let download = format!("{records}/{id}/fields/original/files/{file_id}");
    let whole = client.get(&download).send().await.unwrap();
    assert_eq!((whole.status().as_u16(), whole.bytes().await.unwrap().to_vec()), (200, png(64)));
    let part = client.get(&download).header("range", "bytes=8-15").send().await.unwrap();
    assert_eq!(
        (part.status().as_u16(), part.bytes().await.unwrap().to_vec()),
        (206, png(64)[8..16].to_vec())
    );
    assert_eq!(client.delete(format!("{records}/{id}")).send().await.unwrap().status().as_u16(), 204);
    assert!(
        server.list().await.is_empty(),
        "deleting the record deletes its file in the {} bucket",
        server.kind
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_in_an_s3_connection() {
    attachments_in_a_storage_connection(storage_servers::s3("attachments in an s3 connection").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_in_an_azure_connection() {
    attachments_in_a_storage_connection(storage_servers::azurite("attachments in an azure connection").await)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_in_a_gcs_connection() {
    attachments_in_a_storage_connection(storage_servers::gcs("attachments in a gcs connection").await).await;
}
