//! Real storage servers on loopback for the attachment tests, one per kind of storage
//! connection: S3 (moto), Azure Blob Storage (Azurite) and Google Cloud Storage (a fake of
//! GCS's XML API in this crate, since fake-gcs-server needs a Go toolchain). Each gives the same
//! [`StorageServer`], so one scenario runs on all three.
//!
//! moto and Azurite are the ones `OMNERA_TEST_S3_ENDPOINT` and `OMNERA_TEST_AZURITE_ENDPOINT`
//! name (`.ci/services.sh` starts them), or are started here when installed. Outside CI a
//! missing server skips the test with one line saying how to enable it; under CI (`CI=true`)
//! it fails the test.
#![allow(dead_code)]

mod azurite;
mod gcs_fake;
mod moto;

use std::sync::Arc;

use object_store::ObjectStore;
use omnera_core::secrets::Vault;
use omnera_http::{ObjectStoreBlobs, StorageConnections};

pub(crate) use azurite::start as azurite;
pub(crate) use gcs_fake::start as gcs;
pub(crate) use moto::start as s3;

/// A running storage server with an empty bucket (or container), and how an app reaches it.
/// What it started stops when this is dropped.
pub(crate) struct StorageServer {
    /// The kind of connection, such as `gcs`.
    pub(crate) kind: &'static str,
    /// The connection's keys, `name` and `type` aside; its credentials are `{"secret"}`
    /// references to [`secrets`](Self::secrets).
    connection: serde_json::Value,
    /// The vault secrets the connection names, and their values.
    secrets: Vec<(&'static str, String)>,
    /// How a host opens the connection (Azurite's URL is the host's to give).
    opener: StorageConnections,
    /// The bucket as the test sees it, straight through object_store.
    bucket: Arc<dyn ObjectStore>,
    /// The same bucket through `ObjectStoreBlobs`' constructor for the kind.
    blobs: ObjectStoreBlobs,
    _running: Box<dyn Send + Sync>,
}

impl StorageServer {
    /// The entry of `connections` in an app config for this server, named `name`.
    pub(crate) fn connection(&self, name: &str) -> serde_json::Value {
        let mut connection = self.connection.clone();
        connection["type"] = self.kind.into();
        connection["name"] = name.into();
        connection
    }

    /// Puts the secrets the connection names in `vault`.
    pub(crate) async fn seal_secrets(&self, vault: &Vault) {
        for (name, value) in &self.secrets {
            vault.set(name, value).await.unwrap();
        }
    }

    /// The vault secrets the connection names, and their values.
    pub(crate) fn secret_values(&self) -> &[(&'static str, String)] {
        &self.secrets
    }

    /// Opens the connection as the host does.
    pub(crate) fn opener(&self) -> StorageConnections {
        self.opener.clone()
    }

    /// The bucket as a host's own blob store.
    pub(crate) fn blobs(&self) -> ObjectStoreBlobs {
        self.blobs.clone()
    }

    /// Every blob in the bucket, by location, sorted.
    pub(crate) async fn list(&self) -> Vec<String> {
        use futures_util::StreamExt;
        let mut found: Vec<String> =
            self.bucket.list(None).map(|meta| meta.unwrap().location.to_string()).collect().await;
        found.sort();
        found
    }
}

/// A bucket name of this run: the servers outlive one test when the environment names them.
fn unique_bucket() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("omnera-test-{}-{}", std::process::id(), nanos % 1_000_000_000)
}

/// No server for `test`: under CI a failure, elsewhere a skip saying how to get one.
fn unavailable<T>(test: &str, server: &str, how: &str) -> Option<T> {
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{test}: no {server}: {how} (CI must run the storage tests)");
    }
    eprintln!("skipping {test}: no {server}: {how}");
    None
}

/// A program installed on the PATH or under `~/.cache/omnera/<cached>`.
fn installed(program: &str, cached: &str) -> Option<std::path::PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(program));
    let cache = std::env::var_os("HOME")
        .map(|home| std::path::PathBuf::from(home).join(".cache/omnera").join(cached));
    on_path.chain(cache).find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap()
}
