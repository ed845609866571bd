//! Files stream through the server: a file larger than one part of the blob store goes up in
//! parts and comes back whole or by any range, and an upload is refused at the first file too
//! many, before the rest of its body is read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod support;

use std::time::Duration;

use omnera_core::backend::LogMailer;
use omnera_core::{App, Config};
use omnera_http::ObjectStoreBlobs;
use omnera_sql::SqlStorage;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod storage_servers;

const APP: &str = r#"{"name": "Scans", "tables": [{"id": 1, "name": "scans", "fields": [
    {"id": 1, "name": "title", "type": "single-line-text"},
    {"id": 2, "name": "original", "type": "single-attachment", "storage": {"maxSize": 33554432}},
    {"id": 3, "name": "pages", "type": "multiple-attachments", "maxFiles": 2}]}]}"#;

/// 20 MiB: more than two of the blob store's 8 MiB parts.
const LARGE: usize = 20 * 1024 * 1024;

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// A PDF of `size` bytes whose every byte depends on its offset, so a misplaced part shows.
fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((bytes.len()..size).map(|offset| (offset % 251) as u8 ^ (offset / 251 % 256) as u8));
    bytes
}

async fn serve(blobs: ObjectStoreBlobs) -> String {
    let app = App::from_config(Config::from_json_str(APP).unwrap())
        .with_storage(SqlStorage::connect(&omnera_sql::testing::sqlite_url()).await.unwrap())
        .with_blob_store(blobs)
        .with_mailer(LogMailer)
        .build()
        .await
        .unwrap();
    support::serve_app(app).await
}

async fn new_scan(client: &reqwest::Client, base: &str) -> String {
    let records = format!("{base}/api/tables/scans/records");
    let created: Value = client
        .post(&records)
        .json(&serde_json::json!({"title": "Ledger"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    format!("{records}/{}", created["id"])
}

async fn a_large_file_round_trips(blobs: ObjectStoreBlobs) {
    let base = serve(blobs).await;
    let client = reqwest::Client::new();
    let record = new_scan(&client, &base).await;
    let bytes = pdf(LARGE);
    let form = Form::new().part("file", Part::bytes(bytes.clone()).file_name("ledger.pdf"));
    let response =
        client.post(format!("{record}/fields/original/files")).multipart(form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let uploaded: Value = response.json().await.unwrap();
    assert_eq!(uploaded["files"][0]["size"], LARGE);
    let download = format!("{base}{}", uploaded["files"][0]["url"].as_str().unwrap());

    let whole = client.get(&download).send().await.unwrap();
    assert_eq!(whole.headers()["content-length"], LARGE.to_string().as_str());
    assert!(whole.bytes().await.unwrap() == bytes, "the file comes back as it went up");
    // Across the boundary of the first two parts, and the last bytes.
    for (start, end) in [(8 * 1024 * 1024 - 10, 8 * 1024 * 1024 + 9), (LARGE - 5, LARGE - 1)] {
        let partial =
            client.get(&download).header("range", format!("bytes={start}-{end}")).send().await.unwrap();
        assert_eq!(partial.status().as_u16(), 206);
        assert_eq!(partial.headers()["content-range"], format!("bytes {start}-{end}/{LARGE}").as_str());
        assert_eq!(partial.headers()["content-length"], (end - start + 1).to_string().as_str());
        assert_eq!(partial.bytes().await.unwrap().as_ref(), &bytes[start..=end]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_round_trips_on_the_local_disk() {
    let directory = std::env::temp_dir().join(format!("omnera_streamed_{}", rand_suffix()));
    a_large_file_round_trips(ObjectStoreBlobs::local(&directory).unwrap()).await;
    let _ = std::fs::remove_dir_all(directory);
}

/// On a storage server, the file goes up in parts (multipart upload, or Azure's blocks).
async fn a_large_file_round_trips_on(server: Option<storage_servers::StorageServer>) {
    let Some(server) = server else { return };
    a_large_file_round_trips(server.blobs()).await;
    assert_eq!(server.list().await.len(), 1, "one blob in the {} bucket", server.kind);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_round_trips_on_s3_in_parts() {
    a_large_file_round_trips_on(storage_servers::s3("large files on S3").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_round_trips_on_azure_in_blocks() {
    a_large_file_round_trips_on(storage_servers::azurite("large files on Azure").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_round_trips_on_gcs_in_parts() {
    a_large_file_round_trips_on(storage_servers::gcs("large files on GCS").await).await;
}

/// The body holds one file more than the field takes, then stalls: the answer must come
/// without the rest of the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_refused_at_the_first_file_too_many() {
    let directory = std::env::temp_dir().join(format!("omnera_streamed_{}", rand_suffix()));
    let base = serve(ObjectStoreBlobs::local(&directory).unwrap()).await;
    let client = reqwest::Client::new();
    let record = new_scan(&client, &base).await;
    let path = format!("{}/fields/pages/files", record.trim_start_matches(&base));
    let boundary = "omnera-boundary";
    let mut started = Vec::new();
    for name in ["one.pdf", "two.pdf", "three.pdf"] {
        started.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .bytes(),
        );
        started.extend(pdf(100));
        started.extend(b"\r\n");
    }
    let declared = started.len() + 1024 * 1024;
    let address = base.trim_start_matches("http://");
    let mut connection = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {declared}\r\n\r\n"
    );
    connection.write_all(head.as_bytes()).await.unwrap();
    connection.write_all(&started).await.unwrap();
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(Duration::from_secs(20), connection.read(&mut answer))
        .await
        .expect("the server answers before the rest of the body comes")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    assert!(answer.contains("too_many_files"), "{answer}");
    let record: Value = client.get(&record).send().await.unwrap().json().await.unwrap();
    assert_eq!(record["pages"], serde_json::json!([]), "nothing of the refused upload is attached");
    let _ = std::fs::remove_dir_all(directory);
}
