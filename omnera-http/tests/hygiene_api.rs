//! What keeps a browser safe whatever the API serves: `nosniff` and a referrer policy on every
//! response, downloads that are attachments under a policy that runs nothing, file names without
//! paths, control or bidirectional characters, and problem bodies for heads that are too large.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use omnera_core::backend::LogMailer;
use omnera_core::{App, Config};
use omnera_http::{MAX_HEADER_BYTES, MAX_URI_LENGTH, ObjectStoreBlobs};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const APP: &str = r#"{"name": "Drop box", "tables": [{"id": 1, "name": "drops", "fields": [
    {"id": 1, "name": "title", "type": "single-line-text"},
    {"id": 2, "name": "attachment", "type": "single-attachment", "storage": {"allowedTypes": ["*/*"]}}]}]}"#;

const PAGE: &str = "<html><body><script>fetch('/api/auth/session')</script></body></html>";
const SVG: &str =
    r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;

/// The app served on loopback, and the URL of a record's attachment uploads.
async fn serve() -> (reqwest::Client, String, String) {
    let files = std::env::temp_dir().join(format!("omnera_hygiene_{}_{}", std::process::id(), nanos()));
    let app = App::from_config(Config::from_json_str(APP).unwrap())
        .with_storage(omnera_sql::SqlStorage::connect("sqlite::memory:").await.unwrap())
        .with_blob_store(ObjectStoreBlobs::local(&files).unwrap())
        .with_mailer(LogMailer)
        .build()
        .await
        .unwrap();
    let base = support::serve_app(app).await;
    let client = reqwest::Client::new();
    let records = format!("{base}/api/tables/drops/records");
    let created: Value =
        client.post(&records).json(&json!({"title": "one"})).send().await.unwrap().json().await.unwrap();
    let uploads = format!("{records}/{}/fields/attachment/files", created["id"]);
    (client, base, uploads)
}

fn nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// Uploads one file; returns the file object the API answered with.
async fn upload(client: &reqwest::Client, uploads: &str, name: &str, bytes: &[u8]) -> Value {
    let form = Form::new().part("file", Part::bytes(bytes.to_vec()).file_name(name.to_owned()));
    let response = client.post(uploads).multipart(form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    body["files"][0].clone()
}

fn header<'r>(response: &'r reqwest::Response, name: &str) -> &'r str {
    response.headers().get(name).map_or("", |value| value.to_str().unwrap())
}

fn assert_security_headers(response: &reqwest::Response, what: &str) {
    assert_eq!(header(response, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(response, "referrer-policy"), "strict-origin-when-cross-origin", "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_nosniff_and_the_referrer_policy() {
    let (client, base, uploads) = serve().await;
    let file = upload(&client, &uploads, "page.html", PAGE.as_bytes()).await;
    let requests = [
        ("a record list", client.get(format!("{base}/api/tables/drops/records"))),
        ("the OpenAPI document", client.get(format!("{base}/api/openapi.json"))),
        ("a health check", client.get(format!("{base}/health/live"))),
        ("an unknown table (404)", client.get(format!("{base}/api/tables/nope/records"))),
        ("a wrong method (405)", client.delete(format!("{base}/health/live"))),
        ("a body that is not JSON (400)", client.post(format!("{base}/api/tables/drops/records")).body("{")),
        ("a download", client.get(format!("{base}{}", file["url"].as_str().unwrap()))),
        ("a delete (204)", client.delete(format!("{uploads}/{}", file["id"]))),
    ];
    for (what, request) in requests {
        let response = request.send().await.unwrap();
        assert_security_headers(&response, what);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_content_downloads_as_an_attachment_that_runs_nothing() {
    let (client, base, uploads) = serve().await;
    for (name, bytes, stored_type) in
        [("page.html", PAGE, "text/html"), ("logo.svg", SVG, "text/xml"), ("notes.txt", "plain words", "")]
    {
        let file = upload(&client, &uploads, name, bytes.as_bytes()).await;
        if !stored_type.is_empty() {
            assert_eq!(file["mimeType"], stored_type, "{name}: the type comes from the content");
        }
        let response = client.get(format!("{base}{}", file["url"].as_str().unwrap())).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(header(&response, "content-disposition").starts_with("attachment; "), "{name}");
        assert_eq!(header(&response, "content-security-policy"), "default-src 'none'; sandbox", "{name}");
        assert_security_headers(&response, name);
        assert_eq!(response.text().await.unwrap(), bytes, "{name}: the content is served unchanged");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_names_lose_paths_control_and_bidirectional_characters() {
    let (client, base, uploads) = serve().await;
    let cases = [
        ("../../etc/passwd", "passwd", "filename=\"passwd\"; filename*=UTF-8''passwd"),
        (
            "C:\\scans\\invoice\u{202E}fdp.exe",
            "invoicefdp.exe",
            "filename=\"invoicefdp.exe\"; filename*=UTF-8''invoicefdp%2Eexe",
        ),
        (
            "r\u{e9}sum\u{e9}\u{2066}\u{200F}\ttab.pdf",
            "r\u{e9}sum\u{e9}tab.pdf",
            "filename=\"r_sum_tab.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9tab%2Epdf",
        ),
        ("..", "file", "filename=\"file\"; filename*=UTF-8''file"),
    ];
    for (given, kept, disposition) in cases {
        let file = upload(&client, &uploads, given, b"%PDF-1.4 a document").await;
        assert_eq!(file["name"], kept, "{given:?} as stored");
        let response = client.get(format!("{base}{}", file["url"].as_str().unwrap())).send().await.unwrap();
        assert_eq!(
            header(&response, "content-disposition"),
            format!("attachment; {disposition}"),
            "{given:?}"
        );
    }

    let long = format!("{}.pdf", "\u{e9}".repeat(300));
    let file = upload(&client, &uploads, &long, b"%PDF-1.4 a document").await;
    let kept = file["name"].as_str().unwrap();
    assert!(kept.len() <= 255 && kept.ends_with("\u{e9}.pdf"), "{} bytes: {kept}", kept.len());
}

/// A problem body as API.md describes it, whose request id is the response's.
async fn assert_problem(response: reqwest::Response, status: u16, code: &str) {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(header(&response, "content-type"), "application/problem+json");
    assert_security_headers(&response, code);
    let request_id = header(&response, "x-request-id").to_owned();
    let problem: Value = response.json().await.unwrap();
    assert_eq!(
        (problem["status"].as_u64(), problem["code"].as_str(), problem["requestId"].as_str()),
        (Some(u64::from(status)), Some(code), Some(request_id.as_str())),
    );
    assert_eq!(problem["type"], format!("https://omnera.dev/errors/{code}"));
    assert!(problem["detail"].as_str().is_some_and(|detail| !detail.is_empty()), "{problem}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_long_a_target_or_too_many_header_bytes_is_a_problem() {
    let (client, base, _) = serve().await;
    let records = format!("{base}/api/tables/drops/records");
    let search = |length: usize| format!("{records}?search={}", "a".repeat(length));
    let at_the_limit = search(MAX_URI_LENGTH - "/api/tables/drops/records?search=".len());
    assert_eq!(client.get(&at_the_limit).send().await.unwrap().status().as_u16(), 200);
    assert_problem(client.get(search(MAX_URI_LENGTH)).send().await.unwrap(), 414, "uri_too_long").await;

    let filler = |length: usize| "b".repeat(length);
    let small = client.get(&records).header("x-filler", filler(1000)).send().await.unwrap();
    assert_eq!(small.status().as_u16(), 200);
    let large = client.get(&records).header("x-filler", filler(MAX_HEADER_BYTES)).send().await.unwrap();
    assert_problem(large, 431, "request_header_fields_too_large").await;
}

/// Past hyper's own limit (a target of 65,535 bytes, which no `http::Uri` holds, so the request
/// is written by hand) hyper answers before any layer runs: a bare 414, as docs/http.md says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_hypers_own_limit_the_answer_is_hypers() {
    let (_, base, _) = serve().await;
    let address = base.trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let target = format!("/{}", "c".repeat(70_000));
        stream.write_all(format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes()).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 414 "), "{head}");
    assert!(!head.to_ascii_lowercase().contains("content-type"), "{head}");
    assert_eq!(body, "");
}
