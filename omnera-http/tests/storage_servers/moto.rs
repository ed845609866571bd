//! S3: the server `OMNERA_TEST_S3_ENDPOINT` names, or moto (PyPI `moto[s3]`) started here when
//! `moto_server` is on the PATH or in `~/.cache/omnera/moto/bin`.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use omnera_http::{ObjectStoreBlobs, S3Settings, StorageConnections};
use serde_json::json;

use super::StorageServer;

pub(crate) async fn start(test: &str) -> Option<StorageServer> {
    let bucket = super::unique_bucket();
    let (endpoint, moto) = match std::env::var("OMNERA_TEST_S3_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => (endpoint, None),
        _ => {
            let Some(binary) = super::installed("moto_server", "moto/bin/moto_server") else {
                return super::unavailable(
                    test,
                    "S3 server",
                    "set OMNERA_TEST_S3_ENDPOINT, or `pip install 'moto[s3]' flask flask-cors` so moto_server is on the PATH",
                );
            };
            let port = super::free_port();
            let child = tokio::process::Command::new(binary)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("moto_server starts");
            (format!("http://127.0.0.1:{port}"), Some(child))
        }
    };
    let client = reqwest::Client::new();
    let mut created = false;
    for _ in 0..100 {
        let response = client.put(format!("{endpoint}/{bucket}")).send().await;
        if response.is_ok_and(|response| response.status().is_success()) {
            created = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(created, "{test}: the S3 server at {endpoint} did not create bucket {bucket}");
    // moto takes any key.
    let settings =
        S3Settings::new(bucket.as_str(), "us-east-1", "test", "test").with_endpoint(endpoint.as_str());
    let view = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .with_virtual_hosted_style_request(false)
        .with_region("us-east-1")
        .with_bucket_name(&bucket)
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .build()
        .unwrap();
    Some(StorageServer {
        kind: "s3",
        connection: json!({"bucket": bucket, "endpoint": endpoint, "accessKeyId": "test",
                           "secretAccessKey": {"secret": "s3-secret"}}),
        secrets: vec![("s3-secret", "test".to_owned())],
        opener: StorageConnections::new(),
        bucket: Arc::new(view),
        blobs: ObjectStoreBlobs::s3(&settings).unwrap(),
        _running: Box::new(moto),
    })
}
