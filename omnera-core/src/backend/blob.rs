//! Keeping files: the blob store that attachments live in.

use std::ops::Range;
use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;

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
    /// The bytes to write could not be read: the writer's stream failed, and the store kept
    /// nothing of the blob.
    #[error("the bytes for {location} could not be read: {source}")]
    Source {
        /// The location being written.
        location: String,
        /// The stream's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
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

/// A blob's bytes, chunk by chunk, as a writer gives them or a store reads them.
pub type BlobStream<'a> = Pin<Box<dyn Stream<Item = Result<Bytes, BlobError>> + Send + 'a>>;

/// How to read a blob: the whole of it by default.
///
/// ```
/// let options = omnera_core::backend::BlobGetOptions::default().with_range(0..10);
/// assert_eq!(options.range, Some(0..10));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlobGetOptions {
    /// Only these bytes (`start..end`, end exclusive), which must lie within the blob: a range
    /// outside it is the store's error.
    pub range: Option<Range<u64>>,
}

impl BlobGetOptions {
    /// Reads only the bytes of `range`.
    #[must_use]
    pub fn with_range(mut self, range: Range<u64>) -> Self {
        self.range = Some(range);
        self
    }
}

/// A blob being read: what the store knows of it, which bytes come, and the bytes.
#[non_exhaustive]
pub struct BlobRead {
    /// The whole blob's size and tag.
    pub meta: BlobMeta,
    /// The bytes `body` holds (`0..size` unless a range was asked for).
    pub range: Range<u64>,
    /// The bytes, read from the store as the stream is polled.
    pub body: BlobStream<'static>,
}

impl BlobRead {
    /// A read of `range` of the blob `meta` describes.
    pub fn new(meta: BlobMeta, range: Range<u64>, body: BlobStream<'static>) -> Self {
        Self { meta, range, body }
    }
}

impl std::fmt::Debug for BlobRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobRead")
            .field("meta", &self.meta)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// A store of blobs: the local disk by default, S3-compatible storage in a scale-out setup.
/// `omnera-http` implements it over `object_store`.
///
/// Blobs stream both ways, so no blob is ever held whole in memory: a put takes the bytes as a
/// stream (a store writes a large blob in parts), and a get returns a stream of the bytes asked
/// for.
///
/// ```
/// use omnera_core::backend::{BlobError, BlobGetOptions, BlobMeta, BlobRead, BlobStore, BlobStream};
///
/// struct Nowhere;
///
/// #[async_trait::async_trait]
/// impl BlobStore for Nowhere {
///     async fn put(&self, location: &str, _bytes: BlobStream<'_>) -> Result<BlobMeta, BlobError> {
///         Err(BlobError::NotFound { location: location.to_owned() })
///     }
///     async fn get(&self, location: &str, _options: BlobGetOptions) -> Result<BlobRead, BlobError> {
///         Err(BlobError::NotFound { location: location.to_owned() })
///     }
///     async fn head(&self, location: &str) -> Result<BlobMeta, BlobError> {
///         Err(BlobError::NotFound { location: location.to_owned() })
///     }
///     async fn delete(&self, _location: &str) -> Result<(), BlobError> {
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Writes a blob from a stream of its bytes, replacing any at the same location once the
    /// stream has ended. If the stream fails ([`BlobError::Source`]) or the store does, nothing
    /// of the blob is kept.
    async fn put(&self, location: &str, bytes: BlobStream<'_>) -> Result<BlobMeta, BlobError>;
    /// Reads a blob, or the range of it that `options` names, as a stream.
    async fn get(&self, location: &str, options: BlobGetOptions) -> Result<BlobRead, BlobError>;
    /// What the store knows of a blob, without reading it.
    async fn head(&self, location: &str) -> Result<BlobMeta, BlobError>;
    /// Deletes a blob; deleting one that is not there succeeds.
    async fn delete(&self, location: &str) -> Result<(), BlobError>;
}
