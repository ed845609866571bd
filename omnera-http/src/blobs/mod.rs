//! A [`BlobStore`] over `object_store`: the local file system by default; S3-compatible storage,
//! Google Cloud Storage and Azure Blob Storage with the `s3`, `gcs` and `azure` features
//! (`cloud`).

#[cfg(any(feature = "s3", feature = "gcs", feature = "azure"))]
mod cloud;

#[cfg(feature = "azure")]
pub use cloud::AzureSettings;
#[cfg(feature = "gcs")]
pub use cloud::GcsSettings;
#[cfg(feature = "s3")]
pub use cloud::S3Settings;

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use omnera_core::backend::{BlobError, BlobGetOptions, BlobMeta, BlobRead, BlobStore, BlobStream};

/// Blobs in any `object_store` backend. Its `Debug` names the backend and its bucket, never a
/// credential.
///
/// ```no_run
/// let files = omnera_http::ObjectStoreBlobs::local("files").unwrap();
/// ```
#[derive(Clone)]
pub struct ObjectStoreBlobs {
    store: Arc<dyn ObjectStore>,
}

/// The store's `Display` (such as `GoogleCloudStorage(files)`), not its `Debug`: object_store's
/// `Debug` of a cloud store prints its credentials.
impl std::fmt::Debug for ObjectStoreBlobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStoreBlobs").field("store", &format_args!("{}", self.store)).finish()
    }
}

impl ObjectStoreBlobs {
    /// Blobs in `store`.
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    /// Blobs in a directory of the local file system, created if missing. The partial blobs
    /// that a crash in the middle of a write left behind are removed: a directory of blobs
    /// belongs to one process (instances that share files share an S3 bucket instead).
    pub fn local(directory: impl AsRef<std::path::Path>) -> Result<Self, BlobError> {
        let directory = directory.as_ref();
        let failed = |source: Box<dyn std::error::Error + Send + Sync>| BlobError::Store {
            location: directory.display().to_string(),
            source,
        };
        std::fs::create_dir_all(directory).map_err(|error| failed(error.into()))?;
        let removed = remove_partial_writes(directory).map_err(|error| failed(error.into()))?;
        if removed > 0 {
            tracing::info!(directory = %directory.display(), removed, "removed partial blobs an interrupted write left");
        }
        let store = object_store::local::LocalFileSystem::new_with_prefix(directory)
            .map_err(|error| failed(error.into()))?;
        Ok(Self::new(Arc::new(store)))
    }
}

/// Removes, under `directory`, the files that `object_store` writes a blob to before it renames
/// them into place (`<name>#<n>`): any found before the store is opened belong to a write that
/// never finished. Returns how many it removed.
fn remove_partial_writes(directory: &std::path::Path) -> std::io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(directory)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            removed += remove_partial_writes(&path)?;
        } else if is_partial_write(&entry.file_name().to_string_lossy()) {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Whether a file name is one of `object_store`'s staging names, `<name>#<digits>`.
fn is_partial_write(name: &str) -> bool {
    name.rsplit_once('#')
        .is_some_and(|(_, suffix)| !suffix.is_empty() && suffix.bytes().all(|byte| byte.is_ascii_digit()))
}

fn store_error(location: &str, error: object_store::Error) -> BlobError {
    match error {
        object_store::Error::NotFound { .. } => BlobError::NotFound { location: location.to_owned() },
        other => BlobError::Store { location: location.to_owned(), source: Box::new(other) },
    }
}

/// The size of the parts a large blob is written in: S3's smallest part is 5 MiB.
const PART_SIZE: usize = 8 * 1024 * 1024;

/// How many parts of one blob may be on their way to the store at once; with [`PART_SIZE`],
/// this bounds the memory a put holds.
const PARTS_IN_FLIGHT: usize = 2;

#[async_trait]
impl BlobStore for ObjectStoreBlobs {
    async fn put(&self, location: &str, mut bytes: BlobStream<'_>) -> Result<BlobMeta, BlobError> {
        let path = Path::from(location);
        // A blob that ends within one part goes up in one request. Chunks are copied, not kept:
        // a chunk may be a slice of a much larger buffer of the body it came from.
        let mut first_part = Vec::new();
        while first_part.len() < PART_SIZE {
            match bytes.next().await {
                Some(chunk) => first_part.extend_from_slice(&chunk?),
                None => {
                    let size = first_part.len() as u64;
                    let result = self
                        .store
                        .put(&path, PutPayload::from(first_part))
                        .await
                        .map_err(|error| store_error(location, error))?;
                    return Ok(BlobMeta::new(location, size, result.e_tag));
                }
            }
        }
        let upload = self.store.put_multipart(&path).await.map_err(|error| store_error(location, error))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut size = first_part.len();
        writer.put(Bytes::from(first_part));
        while let Some(chunk) = bytes.next().await {
            let written = match chunk {
                Ok(chunk) => {
                    size += chunk.len();
                    writer.wait_for_capacity(PARTS_IN_FLIGHT).await.map(|()| writer.write(&chunk))
                }
                Err(error) => {
                    abort(writer, location).await;
                    return Err(error);
                }
            };
            if let Err(error) = written {
                abort(writer, location).await;
                return Err(store_error(location, error));
            }
        }
        let result = writer.finish().await.map_err(|error| store_error(location, error))?;
        Ok(BlobMeta::new(location, size as u64, result.e_tag))
    }

    async fn get(&self, location: &str, options: BlobGetOptions) -> Result<BlobRead, BlobError> {
        let get = GetOptions { range: options.range.map(GetRange::Bounded), ..GetOptions::default() };
        let result = self
            .store
            .get_opts(&Path::from(location), get)
            .await
            .map_err(|error| store_error(location, error))?;
        let meta = BlobMeta::new(location, result.meta.size, result.meta.e_tag.clone());
        let read_range = result.range.clone();
        let owned = location.to_owned();
        let body = result.into_stream().map_err(move |error| store_error(&owned, error)).boxed();
        Ok(BlobRead::new(meta, read_range, body))
    }

    async fn head(&self, location: &str) -> Result<BlobMeta, BlobError> {
        let meta =
            self.store.head(&Path::from(location)).await.map_err(|error| store_error(location, error))?;
        Ok(BlobMeta::new(location, meta.size, meta.e_tag))
    }

    async fn delete(&self, location: &str) -> Result<(), BlobError> {
        match self.store.delete(&Path::from(location)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(store_error(location, error)),
        }
    }
}

/// Gives up a multipart upload; the store keeps none of its parts (a failure to say so is
/// logged: S3 drops such parts by the bucket's lifecycle rule).
async fn abort(writer: WriteMultipart, location: &str) {
    if let Err(error) = writer.abort().await {
        tracing::warn!(%location, %error, "could not abort a multipart upload");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_a_directory_removes_the_partial_writes_of_a_crash() {
        let directory =
            std::env::temp_dir().join(format!("omnera_partial_{}", uuid::Uuid::now_v7().simple()));
        let blobs = directory.join("1").join("2");
        std::fs::create_dir_all(&blobs).unwrap();
        for name in ["kept", "written#1", "written#12", "not#partial", "also#"] {
            std::fs::write(blobs.join(name), b"bytes").unwrap();
        }
        ObjectStoreBlobs::local(&directory).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&blobs)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["also#", "kept", "not#partial"]);
        std::fs::remove_dir_all(directory).unwrap();
    }
}
