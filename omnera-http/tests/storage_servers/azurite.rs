//! Azure Blob Storage: the Azurite that `OMNERA_TEST_AZURITE_ENDPOINT` names (such as
//! `http://127.0.0.1:10000`), or Azurite (npm `azurite`) started here when `azurite-blob` is on
//! the PATH or in `~/.cache/omnera/azurite/node_modules/.bin`. Tests use Azurite's published
//! development account.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use omnera_http::{AzureSettings, ObjectStoreBlobs, StorageConnections};
use serde_json::json;

use super::StorageServer;

const ACCOUNT: &str = "devstoreaccount1";
const KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// An Azurite started here: stopped, and its data removed, when dropped.
struct Started {
    child: tokio::process::Child,
    location: PathBuf,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.location);
    }
}

pub(crate) async fn start(test: &str) -> Option<StorageServer> {
    let container = super::unique_bucket();
    let (endpoint, started) = match std::env::var("OMNERA_TEST_AZURITE_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => (endpoint, None),
        _ => {
            let Some(binary) = super::installed("azurite-blob", "azurite/node_modules/.bin/azurite-blob")
            else {
                return super::unavailable(
                    test,
                    "Azurite",
                    "set OMNERA_TEST_AZURITE_ENDPOINT, or `npm install --prefix ~/.cache/omnera/azurite azurite`",
                );
            };
            let port = super::free_port();
            let location = std::env::temp_dir().join(format!("omnera_azurite_{container}"));
            let child = tokio::process::Command::new(binary)
                .args([
                    "--blobHost",
                    "127.0.0.1",
                    "--blobPort",
                    &port.to_string(),
                    "--skipApiVersionCheck",
                    "--disableTelemetry",
                    "--silent",
                ])
                .arg("--location")
                .arg(&location)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("azurite-blob starts");
            (format!("http://127.0.0.1:{port}"), Some(Started { child, location }))
        }
    };
    let mut created = false;
    for _ in 0..100 {
        if create_container(&endpoint, &container).await {
            created = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(created, "{test}: Azurite at {endpoint} did not create container {container}");
    let account_url = format!("{endpoint}/{ACCOUNT}");
    let view = object_store::azure::MicrosoftAzureBuilder::new()
        .with_endpoint(account_url.clone())
        .with_allow_http(true)
        .with_account(ACCOUNT)
        .with_access_key(KEY)
        .with_container_name(&container)
        .build()
        .unwrap();
    let settings = AzureSettings::new(container.as_str(), ACCOUNT, KEY).with_endpoint(account_url);
    Some(StorageServer {
        kind: "azure",
        connection: json!({"container": container, "accountName": ACCOUNT, "accessKey": {"secret": "azure-key"}}),
        secrets: vec![("azure-key", KEY.to_owned())],
        opener: StorageConnections::new().with_azure_emulator(endpoint.as_str()),
        bucket: Arc::new(view),
        blobs: ObjectStoreBlobs::azure(&settings).unwrap(),
        _running: Box::new(started),
    })
}

/// Creates the container, signed with the account's shared key (object_store creates none):
/// <https://learn.microsoft.com/en-us/rest/api/storageservices/authorize-with-shared-key>.
async fn create_container(endpoint: &str, container: &str) -> bool {
    let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let version = "2021-08-06";
    // Path-style, as object_store signs for an emulator: the account, then the URL's path.
    let to_sign = format!(
        "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{version}\n/{ACCOUNT}/{ACCOUNT}/{container}\nrestype:container"
    );
    let signature = STANDARD.encode(hmac_sha256(&STANDARD.decode(KEY).unwrap(), to_sign.as_bytes()));
    let response = reqwest::Client::new()
        .put(format!("{endpoint}/{ACCOUNT}/{container}?restype=container"))
        .header("x-ms-date", date)
        .header("x-ms-version", version)
        .header("authorization", format!("SharedKey {ACCOUNT}:{signature}"))
        .send()
        .await;
    response.is_ok_and(|response| response.status().as_u16() == 201)
}

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new().chain_update(block.map(|byte| byte ^ 0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(block.map(|byte| byte ^ 0x5c)).chain_update(inner).finalize().into()
}
