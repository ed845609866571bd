//! Which blob store keeps a field's files (the app decides: its own store, or a storage
//! connection's), and the storage connections this crate opens for it: `s3`, `gcs` and `azure`,
//! each behind the feature of its name.

use std::sync::Arc;

use omnera_core::backend::{BlobError, BlobStore};
use omnera_core::config::ConnectionConfig;
use omnera_core::fields::AttachmentOptions;
use omnera_core::secrets::Secrets;

use crate::ObjectStoreBlobs;
use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;

/// The blob store of a field's files.
pub(crate) fn blob_store_for(
    state: &ApiState,
    options: &AttachmentOptions,
) -> Result<Arc<dyn BlobStore>, ApiError> {
    state.app.blob_store_for(options).map_err(|error| {
        tracing::error!(%error, "blob store unusable");
        ApiError::new(ErrorKind::Unavailable, "the blob store is unavailable")
    })
}

/// Opens the buckets and containers of storage connections (`s3`, `gcs`, `azure`) for the
/// attachment fields that name them, with their `{"env"}` and `{"secret"}` references read
/// when a field first needs them: give it to
/// [`AppBuilder::with_connection_blob_stores`](omnera_core::AppBuilder::with_connection_blob_stores).
/// Each kind needs the feature of its name; a connection of a kind the build lacks is refused
/// with an error naming the feature.
///
/// ```
/// use omnera_core::{App, Config};
/// use omnera_http::StorageConnections;
///
/// let builder = App::from_config(Config::from_json_str(r#"{"name": "Empty"}"#).unwrap())
///     .with_connection_blob_stores(StorageConnections::new());
/// # drop(builder);
/// ```
#[derive(Debug, Clone, Default)]
pub struct StorageConnections {
    /// Where every `azure` connection's account is served, path-style, instead of Azure.
    #[cfg(feature = "azure")]
    azure_emulator: Option<String>,
}

impl StorageConnections {
    /// Opens each connection where its config says.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends every `azure` connection to an Azure Storage emulator (Azurite) at `url`, such as
    /// `http://127.0.0.1:10000`, with the account in the path (`<url>/<accountName>`), instead
    /// of Azure: the host's choice, so that one config serves in production and in tests.
    ///
    /// ```
    /// let connections = omnera_http::StorageConnections::new().with_azure_emulator("http://127.0.0.1:10000");
    /// # drop(connections);
    /// ```
    #[cfg(feature = "azure")]
    #[must_use]
    pub fn with_azure_emulator(mut self, url: impl Into<String>) -> Self {
        self.azure_emulator = Some(url.into());
        self
    }
}

/// Why a storage connection could not be opened; the source of the [`BlobError`] that says so.
#[derive(Debug, thiserror::Error)]
enum OpenError {
    #[error("{kind} connections keep no files")]
    NotStorage { kind: &'static str },
    #[error(
        "{kind} connections need the `{kind}` feature of omnera (or omnera-http), which this build lacks"
    )]
    FeatureOff { kind: &'static str },
    #[error("`{key}`: {source}")]
    #[cfg(any(feature = "s3", feature = "gcs", feature = "azure"))]
    Unresolved { key: &'static str, source: omnera_core::config::SecretError },
}

impl omnera_core::app::ConnectionBlobStores for StorageConnections {
    fn open(
        &self,
        name: &str,
        connection: &ConnectionConfig,
        bucket: Option<&str>,
        secrets: &Secrets,
    ) -> Result<Arc<dyn BlobStore>, BlobError> {
        let keys = Keys { name, bucket, secrets };
        let opened: Result<ObjectStoreBlobs, BlobError> = match connection {
            #[cfg(feature = "s3")]
            ConnectionConfig::S3(s3) => keys.open_s3(s3),
            #[cfg(feature = "gcs")]
            ConnectionConfig::Gcs(gcs) => keys.open_gcs(gcs),
            #[cfg(feature = "azure")]
            ConnectionConfig::Azure(azure) => keys.open_azure(azure, self.azure_emulator.as_deref()),
            other if other.stores_files() => {
                Err(keys.failed(OpenError::FeatureOff { kind: other.type_name() }))
            }
            other => Err(keys.failed(OpenError::NotStorage { kind: other.type_name() })),
        };
        Ok(Arc::new(opened?))
    }
}

/// What a connection's keys are read with: its name, the bucket a field chose, the vault.
// A build with no storage feature reads no key.
#[cfg_attr(not(any(feature = "s3", feature = "gcs", feature = "azure")), allow(dead_code))]
struct Keys<'a> {
    name: &'a str,
    bucket: Option<&'a str>,
    secrets: &'a Secrets,
}

impl Keys<'_> {
    fn failed(&self, error: OpenError) -> BlobError {
        BlobError::Store { location: self.name.to_owned(), source: Box::new(error) }
    }
}

#[cfg(any(feature = "s3", feature = "gcs", feature = "azure"))]
impl Keys<'_> {
    /// The value of `key`, or why it has none.
    fn text(&self, key: &'static str, value: &omnera_core::config::ConfigText) -> Result<String, BlobError> {
        value.resolve(self.secrets).map_err(|source| self.failed(OpenError::Unresolved { key, source }))
    }

    /// The value of the credential `key`, or why it has none.
    fn secret(&self, key: &'static str, value: &omnera_core::config::SecretRef) -> Result<String, BlobError> {
        value.resolve(self.secrets).map_err(|source| self.failed(OpenError::Unresolved { key, source }))
    }

    /// The bucket the field chose, or the connection's (its key `key`).
    fn bucket(
        &self,
        key: &'static str,
        value: &omnera_core::config::ConfigText,
    ) -> Result<String, BlobError> {
        match self.bucket {
            Some(bucket) => Ok(bucket.to_owned()),
            None => self.text(key, value),
        }
    }

    #[cfg(feature = "s3")]
    fn open_s3(&self, s3: &omnera_core::config::S3Connection) -> Result<ObjectStoreBlobs, BlobError> {
        let region = match &s3.region {
            Some(region) => self.text("region", region)?,
            None => "us-east-1".to_owned(),
        };
        let key_id = self.text("accessKeyId", &s3.access_key_id)?;
        let key = self.secret("secretAccessKey", &s3.secret_access_key)?;
        let mut settings = crate::S3Settings::new(self.bucket("bucket", &s3.bucket)?, region, key_id, key);
        if let Some(endpoint) = &s3.endpoint {
            settings = settings.with_endpoint(self.text("endpoint", endpoint)?);
        }
        ObjectStoreBlobs::s3(&settings)
    }

    #[cfg(feature = "gcs")]
    fn open_gcs(&self, gcs: &omnera_core::config::GcsConnection) -> Result<ObjectStoreBlobs, BlobError> {
        let key = self.secret("serviceAccountKey", &gcs.service_account_key)?;
        ObjectStoreBlobs::gcs(&crate::GcsSettings::new(self.bucket("bucket", &gcs.bucket)?, key))
    }

    /// An `azure` connection, at `emulator` (path-style) when the host gave one.
    #[cfg(feature = "azure")]
    fn open_azure(
        &self,
        azure: &omnera_core::config::AzureConnection,
        emulator: Option<&str>,
    ) -> Result<ObjectStoreBlobs, BlobError> {
        let account = self.text("accountName", &azure.account_name)?;
        let key = self.secret("accessKey", &azure.access_key)?;
        let container = self.bucket("container", &azure.container)?;
        let mut settings = crate::AzureSettings::new(container, account.as_str(), key);
        if let Some(emulator) = emulator {
            settings = settings.with_endpoint(format!("{}/{account}", emulator.trim_end_matches('/')));
        }
        ObjectStoreBlobs::azure(&settings)
    }
}

#[cfg(test)]
mod tests {
    use omnera_core::app::ConnectionBlobStores;

    use super::*;

    fn open(connection: serde_json::Value, secrets: &Secrets) -> Result<Arc<dyn BlobStore>, BlobError> {
        let connection: ConnectionConfig = serde_json::from_value(connection).unwrap();
        StorageConnections::new().open("archive", &connection, None, secrets)
    }

    #[test]
    fn a_connection_that_cannot_open_says_why_without_its_credentials() {
        let key = "a2V5LXRoYXQtbXVzdC1ub3QtbGVhaw==";
        let vault = Secrets::from_values([("azure-key", format!("{key}!")), ("gcs-key", key.to_owned())]);
        let azure = serde_json::json!({"type": "azure", "name": "archive", "container": "files",
            "accountName": "acme", "accessKey": {"secret": "azure-key"}});
        let gcs = serde_json::json!({"type": "gcs", "name": "archive", "bucket": "files",
            "serviceAccountKey": {"secret": "gcs-key"}});
        let smtp = serde_json::json!({"type": "smtp", "name": "archive", "host": "mail", "from": "a@b.c"});
        for (connection, secrets, reason) in [
            (
                &azure,
                &vault,
                "blob store failed at files: the access key is not base64, as an Azure storage account key is",
            ),
            (&gcs, &vault, "blob store failed at files: the service account key is not JSON"),
            (&gcs, &Secrets::none(), "`serviceAccountKey`: the secret `gcs-key` is not in the vault"),
            (&smtp, &vault, "smtp connections keep no files"),
        ] {
            let error = open(connection.clone(), secrets).err().unwrap();
            let shown = format!("{error} {error:?}");
            assert!(shown.contains(reason), "{shown}");
            assert!(!shown.contains(key), "a credential leaked: {shown}");
        }
    }

    #[test]
    fn a_kind_the_build_lacks_names_its_feature() {
        assert_eq!(
            OpenError::FeatureOff { kind: "gcs" }.to_string(),
            "gcs connections need the `gcs` feature of omnera (or omnera-http), which this build lacks"
        );
    }
}
