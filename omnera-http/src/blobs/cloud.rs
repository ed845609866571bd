//! Blobs in the cloud: an S3 or S3-compatible bucket (feature `s3`), a Google Cloud Storage
//! bucket (feature `gcs`), an Azure Blob Storage container (feature `azure`), each through
//! object_store's own backend. The settings' `Debug` and every error leave the credentials out.

use std::fmt;
use std::sync::Arc;

use omnera_core::backend::BlobError;

use super::ObjectStoreBlobs;

/// Why a cloud store could not be opened. Object_store's own errors about a key may quote it,
/// so those are replaced by what was wrong, never kept.
#[derive(Debug, thiserror::Error)]
enum SettingsError {
    #[cfg(any(feature = "s3", feature = "azure"))]
    #[error("`{endpoint}` is not an http or https URL")]
    Endpoint { endpoint: String },
    #[cfg(feature = "gcs")]
    #[error("the service account key is not JSON")]
    NotJson,
    #[cfg(feature = "gcs")]
    #[error("the service account key lacks {missing}")]
    MissingFields { missing: String },
    #[cfg(feature = "gcs")]
    #[error(
        "the service account key was refused: a field of the wrong type, or a private key that is not PEM RSA"
    )]
    KeyRefused,
    #[cfg(feature = "azure")]
    #[error("the access key is not base64, as an Azure storage account key is")]
    AccessKey,
    #[cfg(any(feature = "s3", feature = "azure"))]
    #[error(transparent)]
    Store(object_store::Error),
}

fn unusable(location: &str, error: SettingsError) -> BlobError {
    BlobError::Store { location: location.to_owned(), source: Box::new(error) }
}

#[cfg(any(feature = "s3", feature = "azure"))]
/// An endpoint as object_store takes it, checked first so that its own error (which would name
/// nothing else) is ours; and whether it may be plain HTTP.
fn endpoint_allowing_http(endpoint: &str) -> Result<bool, SettingsError> {
    match reqwest::Url::parse(endpoint) {
        Ok(url) if url.scheme() == "http" => Ok(true),
        Ok(url) if url.scheme() == "https" => Ok(false),
        _ => Err(SettingsError::Endpoint { endpoint: endpoint.to_owned() }),
    }
}

/// Where an S3-compatible bucket is (feature `s3`). Its `Debug` leaves out the secret access key.
#[cfg(feature = "s3")]
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3Settings {
    /// The bucket.
    pub bucket: String,
    /// The region (any for most S3-compatible stores).
    pub region: String,
    /// An S3-compatible endpoint such as `http://127.0.0.1:9000`; `None`: AWS itself.
    pub endpoint: Option<String>,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
}

#[cfg(feature = "s3")]
impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "s3")]
impl S3Settings {
    /// Settings for `bucket` in `region` with these credentials.
    pub fn new(
        bucket: impl Into<String>,
        region: impl Into<String>,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        Self {
            bucket: bucket.into(),
            region: region.into(),
            endpoint: None,
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
        }
    }

    /// An S3-compatible endpoint instead of AWS (path-style requests; plain HTTP allowed).
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }
}

/// Where a Google Cloud Storage bucket is (feature `gcs`). Its `Debug` leaves out the key.
#[cfg(feature = "gcs")]
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GcsSettings {
    /// The bucket.
    pub bucket: String,
    /// The service account's JSON key, as Google Cloud's console downloads it. object_store
    /// also reads `gcs_base_url` and `disable_oauth` from it, which point it at a GCS emulator.
    pub service_account_key: String,
}

#[cfg(feature = "gcs")]
impl fmt::Debug for GcsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcsSettings").field("bucket", &self.bucket).finish_non_exhaustive()
    }
}

#[cfg(feature = "gcs")]
impl GcsSettings {
    /// Settings for `bucket`, signed in as the service account of this JSON key.
    pub fn new(bucket: impl Into<String>, service_account_key: impl Into<String>) -> Self {
        Self { bucket: bucket.into(), service_account_key: service_account_key.into() }
    }
}

/// Where an Azure Blob Storage container is (feature `azure`), and the shared key of its storage
/// account. Its `Debug` leaves out the key.
#[cfg(feature = "azure")]
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AzureSettings {
    /// The container.
    pub container: String,
    /// The storage account.
    pub account_name: String,
    /// The storage account's access key (base64, as the Azure portal shows it).
    pub access_key: String,
    /// The account's blob endpoint; `None`: `https://<account>.blob.core.windows.net`.
    pub endpoint: Option<String>,
}

#[cfg(feature = "azure")]
impl fmt::Debug for AzureSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureSettings")
            .field("container", &self.container)
            .field("account_name", &self.account_name)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "azure")]
impl AzureSettings {
    /// Settings for `container` in the storage account `account_name`, with its access key.
    pub fn new(
        container: impl Into<String>,
        account_name: impl Into<String>,
        access_key: impl Into<String>,
    ) -> Self {
        Self {
            container: container.into(),
            account_name: account_name.into(),
            access_key: access_key.into(),
            endpoint: None,
        }
    }

    /// The account's blob endpoint, for another Azure cloud or an emulator: Azurite's is
    /// `http://127.0.0.1:10000/devstoreaccount1` (the account in the path; plain HTTP allowed).
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }
}

impl ObjectStoreBlobs {
    /// Blobs in an S3 or S3-compatible bucket.
    ///
    /// ```no_run
    /// use omnera_http::{ObjectStoreBlobs, S3Settings};
    ///
    /// let settings = S3Settings::new("files", "us-east-1", "key", "secret").with_endpoint("http://127.0.0.1:9000");
    /// let blobs = ObjectStoreBlobs::s3(&settings).unwrap();
    /// ```
    #[cfg(feature = "s3")]
    pub fn s3(settings: &S3Settings) -> Result<Self, BlobError> {
        let location = &settings.bucket;
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key);
        if let Some(endpoint) = &settings.endpoint {
            let allow_http = endpoint_allowing_http(endpoint).map_err(|error| unusable(location, error))?;
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(allow_http)
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|error| unusable(location, SettingsError::Store(error)))?;
        Ok(Self::new(Arc::new(store)))
    }

    /// Blobs in a Google Cloud Storage bucket.
    ///
    /// ```
    /// use omnera_http::{GcsSettings, ObjectStoreBlobs};
    ///
    /// let error = ObjectStoreBlobs::gcs(&GcsSettings::new("files", r#"{"client_email": "a@b.c"}"#)).unwrap_err();
    /// assert_eq!(error.to_string(), "blob store failed at files: the service account key lacks private_key, private_key_id");
    /// ```
    #[cfg(feature = "gcs")]
    pub fn gcs(settings: &GcsSettings) -> Result<Self, BlobError> {
        let location = &settings.bucket;
        check_service_account_key(&settings.service_account_key)
            .map_err(|error| unusable(location, error))?;
        let store = object_store::gcp::GoogleCloudStorageBuilder::new()
            .with_bucket_name(&settings.bucket)
            .with_service_account_key(&settings.service_account_key)
            .build()
            .map_err(|_| unusable(location, SettingsError::KeyRefused))?;
        Ok(Self::new(Arc::new(store)))
    }

    /// Blobs in an Azure Blob Storage container.
    ///
    /// ```
    /// use omnera_http::{AzureSettings, ObjectStoreBlobs};
    ///
    /// let settings = AzureSettings::new("files", "devstoreaccount1", "not base64!")
    ///     .with_endpoint("http://127.0.0.1:10000/devstoreaccount1");
    /// let error = ObjectStoreBlobs::azure(&settings).unwrap_err();
    /// assert_eq!(error.to_string(), "blob store failed at files: the access key is not base64, as an Azure storage account key is");
    /// ```
    #[cfg(feature = "azure")]
    pub fn azure(settings: &AzureSettings) -> Result<Self, BlobError> {
        let location = &settings.container;
        object_store::azure::AzureAccessKey::try_new(&settings.access_key)
            .map_err(|_| unusable(location, SettingsError::AccessKey))?;
        let mut builder = object_store::azure::MicrosoftAzureBuilder::new()
            .with_container_name(&settings.container)
            .with_account(&settings.account_name)
            .with_access_key(&settings.access_key);
        if let Some(endpoint) = &settings.endpoint {
            let allow_http = endpoint_allowing_http(endpoint).map_err(|error| unusable(location, error))?;
            builder = builder.with_endpoint(endpoint.clone()).with_allow_http(allow_http);
        }
        let store = builder.build().map_err(|error| unusable(location, SettingsError::Store(error)))?;
        Ok(Self::new(Arc::new(store)))
    }
}

/// The fields object_store reads from a service account key are there: a key that is not
/// JSON, or lacks one, is named as such, without object_store's error, which may quote the key.
#[cfg(feature = "gcs")]
fn check_service_account_key(key: &str) -> Result<(), SettingsError> {
    let key: serde_json::Value = serde_json::from_str(key).map_err(|_| SettingsError::NotJson)?;
    let missing: Vec<&str> = ["client_email", "private_key", "private_key_id"]
        .into_iter()
        .filter(|field| !key.get(field).is_some_and(serde_json::Value::is_string))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(SettingsError::MissingFields { missing: missing.join(", ") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A credential that shows up in no error and no `Debug` of the settings or the store.
    const SECRET: &str = "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWs=";

    fn assert_hidden(text: &str) {
        assert!(!text.contains(SECRET) && !text.contains("-----BEGIN"), "a credential leaked: {text}");
    }

    #[cfg(feature = "s3")]
    #[test]
    fn s3_credentials_stay_out_of_debug_output() {
        let settings =
            S3Settings::new("files", "us-east-1", "id", SECRET).with_endpoint("http://127.0.0.1:9");
        assert_hidden(&format!("{settings:?}"));
        assert_hidden(&format!("{:?}", ObjectStoreBlobs::s3(&settings).unwrap()));
        let error = ObjectStoreBlobs::s3(&settings.with_endpoint("ftp://host")).unwrap_err();
        assert_eq!(error.to_string(), "blob store failed at files: `ftp://host` is not an http or https URL");
    }

    #[cfg(feature = "gcs")]
    #[test]
    fn gcs_keys_stay_out_of_errors_and_debug_output() {
        let key = serde_json::json!({"client_email": "a@example.com", "private_key_id": "1",
            "private_key": format!("-----BEGIN PRIVATE KEY-----\n{SECRET}\n-----END PRIVATE KEY-----\n"),
            "disable_oauth": true, "gcs_base_url": "http://127.0.0.1:9"})
        .to_string();
        let settings = GcsSettings::new("files", key.as_str());
        assert_hidden(&format!("{settings:?}"));
        assert_hidden(&format!("{:?}", ObjectStoreBlobs::gcs(&settings).unwrap()));
        // Types object_store's parser would quote in its error.
        let quoted = key.replace("\"disable_oauth\":true", &format!("\"disable_oauth\":\"{SECRET}\""));
        for (bad, reason) in [
            (
                quoted.as_str(),
                "the service account key was refused: a field of the wrong type, or a private key that is not PEM RSA",
            ),
            (&key[1..], "the service account key is not JSON"),
            (
                r#"{"private_key": 1}"#,
                "the service account key lacks client_email, private_key, private_key_id",
            ),
        ] {
            let error = ObjectStoreBlobs::gcs(&GcsSettings::new("files", bad)).unwrap_err();
            assert_eq!(error.to_string(), format!("blob store failed at files: {reason}"));
        }
        let real_looking = key.replace("\"disable_oauth\":true,", "");
        let error = ObjectStoreBlobs::gcs(&GcsSettings::new("files", real_looking)).unwrap_err();
        assert_hidden(&format!("{error} {error:?}"));
    }

    #[cfg(feature = "azure")]
    #[test]
    fn azure_keys_stay_out_of_errors_and_debug_output() {
        use base64::Engine;
        let settings = AzureSettings::new("files", "account", SECRET);
        assert_hidden(&format!("{settings:?}"));
        // object_store's Debug of its Azure store prints the decoded key as a list of bytes.
        let bytes = base64::engine::general_purpose::STANDARD.decode(SECRET).unwrap();
        let as_bytes = format!("{bytes:?}");
        let blobs = format!("{:?}", ObjectStoreBlobs::azure(&settings).unwrap());
        assert_hidden(&blobs);
        assert!(!blobs.contains(as_bytes.trim_matches(['[', ']'])), "a credential leaked: {blobs}");
        let almost = format!("{}!", &SECRET[..SECRET.len() - 1]);
        let error =
            ObjectStoreBlobs::azure(&AzureSettings::new("files", "account", almost.as_str())).unwrap_err();
        assert!(!format!("{error} {error:?}").contains(&almost[..20]), "{error:?}");
    }
}
