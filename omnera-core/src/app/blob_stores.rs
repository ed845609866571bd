//! Which blob store keeps a field's files: the host's own, or the bucket of the storage
//! connection the field names (`storage.connection`), opened on first use and kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::backend::{BlobError, BlobStore};
use crate::config::ConnectionConfig;
use crate::fields::AttachmentOptions;
use crate::secrets::Secrets;

use super::App;

/// Opens the blob store of a storage connection (S3 and the like) for the attachment fields
/// that name it. `omnera-http` ships `StorageConnections`, for `s3`, `gcs` and `azure` (each
/// behind the feature of its name); a host may plug its own.
///
/// ```
/// use std::sync::Arc;
/// use omnera_core::app::ConnectionBlobStores;
/// use omnera_core::backend::{BlobError, BlobStore};
/// use omnera_core::config::ConnectionConfig;
/// use omnera_core::secrets::Secrets;
///
/// struct NoConnections;
///
/// impl ConnectionBlobStores for NoConnections {
///     fn open(&self, name: &str, _: &ConnectionConfig, _: Option<&str>, _: &Secrets) -> Result<Arc<dyn BlobStore>, BlobError> {
///         Err(BlobError::Store { location: name.to_owned(), source: "not in this build".into() })
///     }
/// }
/// ```
pub trait ConnectionBlobStores: Send + Sync + 'static {
    /// The store of connection `name`, in `bucket` when the field chose one; the connection's
    /// `{"secret"}` references resolve from `secrets`.
    fn open(
        &self,
        name: &str,
        connection: &ConnectionConfig,
        bucket: Option<&str>,
        secrets: &Secrets,
    ) -> Result<Arc<dyn BlobStore>, BlobError>;
}

/// A storage connection's name and the bucket a field chose, if it chose one.
type StoreKey = (String, Option<String>);

/// The connection stores opened so far.
#[derive(Default)]
pub(crate) struct OpenedStores {
    stores: Mutex<HashMap<StoreKey, Arc<dyn BlobStore>>>,
}

impl App {
    /// The blob store of a field's files: the app's own ([`AppBuilder::with_blob_store`]), or
    /// the storage connection's the field names, opened by the host's
    /// [`ConnectionBlobStores`] on first use.
    ///
    /// [`AppBuilder::with_blob_store`]: super::AppBuilder::with_blob_store
    pub fn blob_store_for(&self, options: &AttachmentOptions) -> Result<Arc<dyn BlobStore>, BlobError> {
        let unusable = |location: &str, reason: &str| BlobError::Store {
            location: location.to_owned(),
            source: reason.to_owned().into(),
        };
        let Some(name) = &options.connection else {
            return self.blob_store().cloned().ok_or_else(|| unusable("", "the app has no blob store"));
        };
        let key = (name.clone(), options.bucket.clone());
        if let Some(store) =
            self.inner.opened_stores.stores.lock().unwrap_or_else(PoisonError::into_inner).get(&key)
        {
            return Ok(Arc::clone(store));
        }
        let connection =
            self.schema().connection(name).ok_or_else(|| unusable(name, "no such storage connection"))?;
        let opener = self
            .inner
            .connection_stores
            .as_ref()
            .ok_or_else(|| unusable(name, "the app opens no storage connections"))?;
        let store = opener.open(name, connection, options.bucket.as_deref(), self.secrets())?;
        self.inner
            .opened_stores
            .stores
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, Arc::clone(&store));
        Ok(store)
    }
}
