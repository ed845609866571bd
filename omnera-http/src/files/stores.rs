//! Which blob store keeps a field's files: the host's, or the bucket of the storage connection
//! the field names (`storage.provider`). Connection stores are built on first use, from the
//! connection's settings with their `{env}` references read then, and kept for the router's
//! lifetime.

use std::sync::Arc;

use omnera_core::backend::BlobStore;
use omnera_core::config::ConnectionConfig;
use omnera_core::fields::AttachmentOptions;

use crate::connection_cache::ConnectionCache;
use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;

/// A storage connection's name and the bucket a field chose, if it chose one.
type StoreKey = (String, Option<String>);

/// Blob stores of storage connections, by connection and bucket.
pub(crate) type ConnectionStores = ConnectionCache<StoreKey, Arc<dyn BlobStore>>;

/// The blob store of a field's files.
pub(crate) fn blob_store_for(
    state: &ApiState,
    options: &AttachmentOptions,
) -> Result<Arc<dyn BlobStore>, ApiError> {
    let Some(name) = &options.connection else {
        return state
            .app
            .blob_store()
            .cloned()
            .ok_or_else(|| ApiError::new(ErrorKind::Unavailable, "the app has no blob store"));
    };
    let key = (name.clone(), options.bucket.clone());
    if let Some(store) = state.connection_stores.get(&key) {
        return Ok(store);
    }
    let connection =
        state.app.schema().connection(name).ok_or_else(|| {
            ApiError::new(ErrorKind::Unavailable, format!("no storage connection `{name}`"))
        })?;
    let store = connection_store(connection, options.bucket.as_deref()).map_err(|reason| {
        tracing::error!(connection = %name, %reason, "storage connection unusable");
        ApiError::new(ErrorKind::Unavailable, format!("the storage connection `{name}` is not usable"))
    })?;
    state.connection_stores.insert(key, Arc::clone(&store));
    Ok(store)
}

#[cfg(feature = "s3")]
fn connection_store(
    connection: &ConnectionConfig,
    bucket: Option<&str>,
) -> Result<Arc<dyn BlobStore>, String> {
    use crate::blobs::{ObjectStoreBlobs, S3Settings};

    let ConnectionConfig::S3(s3) = connection else {
        return Err(format!("{} connections do not keep files in this build yet", connection.type_name()));
    };
    let text = |value: &omnera_core::config::ConfigText| value.resolve().map_err(|error| error.to_string());
    let bucket = match bucket {
        Some(bucket) => bucket.to_owned(),
        None => text(&s3.bucket)?,
    };
    let region = s3.region.as_ref().map(text).transpose()?.unwrap_or_else(|| "us-east-1".to_owned());
    let secret = s3.secret_access_key.resolve().map_err(|error| error.to_string())?;
    let mut settings = S3Settings::new(bucket, region, text(&s3.access_key_id)?, secret);
    if let Some(endpoint) = &s3.endpoint {
        settings = settings.with_endpoint(text(endpoint)?);
    }
    let store = ObjectStoreBlobs::s3(&settings).map_err(|error| error.to_string())?;
    Ok(Arc::new(store))
}

#[cfg(not(feature = "s3"))]
fn connection_store(
    connection: &ConnectionConfig,
    _bucket: Option<&str>,
) -> Result<Arc<dyn BlobStore>, String> {
    Err(format!(
        "{} connections need omnera-http's `s3` feature (S3) or are not supported yet",
        connection.type_name()
    ))
}
