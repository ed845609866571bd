//! A [`BlobStore`] over `object_store`: the local file system by default, S3-compatible storage
//! with the `s3` feature.

use std::sync::Arc;

use async_trait::async_trait;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use omnera_core::backend::{BlobError, BlobMeta, BlobStore};

/// Blobs in any `object_store` backend.
///
/// ```no_run
/// let files = omnera_http::ObjectStoreBlobs::local("files").unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct ObjectStoreBlobs {
    store: Arc<dyn ObjectStore>,
}

impl ObjectStoreBlobs {
    /// Blobs in `store`.
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    /// Blobs in a directory of the local file system, created if missing.
    pub fn local(directory: impl AsRef<std::path::Path>) -> Result<Self, BlobError> {
        let directory = directory.as_ref();
        let failed = |source: Box<dyn std::error::Error + Send + Sync>| BlobError::Store {
            location: directory.display().to_string(),
            source,
        };
        std::fs::create_dir_all(directory).map_err(|error| failed(error.into()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(directory)
            .map_err(|error| failed(error.into()))?;
        Ok(Self::new(Arc::new(store)))
    }
}

/// Where an S3-compatible bucket is (feature `s3`).
#[cfg(feature = "s3")]
#[derive(Debug, Clone, PartialEq, Eq)]
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

#[cfg(feature = "s3")]
impl ObjectStoreBlobs {
    /// Blobs in an S3 or S3-compatible bucket.
    ///
    /// ```no_run
    /// use omnera_http::{ObjectStoreBlobs, S3Settings};
    ///
    /// let settings = S3Settings::new("files", "us-east-1", "key", "secret").with_endpoint("http://127.0.0.1:9000");
    /// let blobs = ObjectStoreBlobs::s3(&settings).unwrap();
    /// ```
    pub fn s3(settings: &S3Settings) -> Result<Self, BlobError> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|error| BlobError::Store {
            location: settings.bucket.clone(),
            source: Box::new(error),
        })?;
        Ok(Self::new(Arc::new(store)))
    }
}

fn store_error(location: &str, error: object_store::Error) -> BlobError {
    match error {
        object_store::Error::NotFound { .. } => BlobError::NotFound { location: location.to_owned() },
        other => BlobError::Store { location: location.to_owned(), source: Box::new(other) },
    }
}

#[async_trait]
impl BlobStore for ObjectStoreBlobs {
    async fn put(&self, location: &str, bytes: Vec<u8>) -> Result<BlobMeta, BlobError> {
        let size = bytes.len() as u64;
        let result = self
            .store
            .put(&Path::from(location), PutPayload::from(bytes))
            .await
            .map_err(|error| store_error(location, error))?;
        Ok(BlobMeta::new(location, size, result.e_tag))
    }

    async fn get(&self, location: &str) -> Result<(BlobMeta, Vec<u8>), BlobError> {
        let result =
            self.store.get(&Path::from(location)).await.map_err(|error| store_error(location, error))?;
        let etag = result.meta.e_tag.clone();
        let bytes = result.bytes().await.map_err(|error| store_error(location, error))?;
        Ok((BlobMeta::new(location, bytes.len() as u64, etag), bytes.to_vec()))
    }

    async fn delete(&self, location: &str) -> Result<(), BlobError> {
        match self.store.delete(&Path::from(location)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(store_error(location, error)),
        }
    }
}
