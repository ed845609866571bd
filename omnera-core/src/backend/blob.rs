//! Keeping files: the blob store that attachments live in.

use async_trait::async_trait;

/// What the store knows of one blob.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlobMeta {
    /// The blob's location in the store (chosen by the engine, never by a client).
    pub location: String,
    /// Its size in bytes.
    pub size: u64,
    /// A tag that changes whenever the content does.
    pub etag: Option<String>,
}

impl BlobMeta {
    /// What a store reports of a blob.
    pub fn new(location: impl Into<String>, size: u64, etag: Option<String>) -> Self {
        Self { location: location.into(), size, etag }
    }
}

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlobError {
    /// No blob at that location.
    #[error("no blob at {location}")]
    NotFound {
        /// The location asked for.
        location: String,
    },
    /// The store failed or could not be reached.
    #[error("blob store failed at {location}: {source}")]
    Store {
        /// The location involved.
        location: String,
        /// The store's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A store of blobs: the local disk by default, S3-compatible storage in a scale-out setup.
/// `omnera-http` implements it over `object_store`.
///
/// ```
/// use omnera_core::backend::{BlobError, BlobMeta, BlobStore};
///
/// struct Nowhere;
///
/// #[async_trait::async_trait]
/// impl BlobStore for Nowhere {
///     async fn put(&self, location: &str, bytes: Vec<u8>) -> Result<BlobMeta, BlobError> {
///         Err(BlobError::NotFound { location: location.to_owned() })
///     }
///     async fn get(&self, location: &str) -> Result<(BlobMeta, Vec<u8>), BlobError> {
///         Err(BlobError::NotFound { location: location.to_owned() })
///     }
///     async fn delete(&self, _location: &str) -> Result<(), BlobError> {
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Writes a blob, replacing any at the same location.
    async fn put(&self, location: &str, bytes: Vec<u8>) -> Result<BlobMeta, BlobError>;
    /// Reads a whole blob.
    async fn get(&self, location: &str) -> Result<(BlobMeta, Vec<u8>), BlobError>;
    /// Deletes a blob; deleting one that is not there succeeds.
    async fn delete(&self, location: &str) -> Result<(), BlobError>;
}
