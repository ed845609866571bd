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
