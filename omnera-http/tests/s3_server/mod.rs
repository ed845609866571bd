//! A real S3-compatible server on loopback for tests: the one `OMNERA_TEST_S3_ENDPOINT` names,
//! or moto (PyPI `moto[s3]`) started here when `moto_server` is on the PATH or in
//! `~/.cache/omnera/moto/bin`. Outside CI a missing server skips the test with one line saying
//! how to enable it; under CI (`CI=true`) it fails the test.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

/// A running server with an empty bucket; moto stops when this is dropped.
pub(crate) struct S3Server {
    pub(crate) endpoint: String,
    pub(crate) bucket: String,
    _moto: Option<tokio::process::Child>,
}

pub(crate) async fn start(test: &str) -> Option<S3Server> {
    let bucket = format!("omnera-test-{}-{}", std::process::id(), super::rand_suffix() % 1_000_000);
    let (endpoint, moto) = match std::env::var("OMNERA_TEST_S3_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => (endpoint, None),
        _ => match moto_binary() {
            Some(binary) => {
                let port = free_port();
                let child = tokio::process::Command::new(binary)
                    .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .kill_on_drop(true)
                    .spawn()
                    .expect("moto_server starts");
                (format!("http://127.0.0.1:{port}"), Some(child))
            }
            None if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
                panic!(
                    "{test}: no S3 server: set OMNERA_TEST_S3_ENDPOINT or install moto[s3] (CI must run the S3 tests)"
                )
            }
            None => {
                eprintln!(
                    "skipping {test}: set OMNERA_TEST_S3_ENDPOINT, or `pip install 'moto[s3]' flask flask-cors` so moto_server is on the PATH"
                );
                return None;
            }
        },
    };
    let client = reqwest::Client::new();
    for _ in 0..100 {
        let created = client.put(format!("{endpoint}/{bucket}")).send().await;
        if created.is_ok_and(|response| response.status().is_success()) {
            return Some(S3Server { endpoint, bucket, _moto: moto });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{test}: the S3 server at {endpoint} did not create bucket {bucket}");
}

fn moto_binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("moto_server"));
    let cached =
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/omnera/moto/bin/moto_server"));
    on_path.chain(cached).find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or(5000)
}
