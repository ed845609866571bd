//! Which blob store keeps a field's files (the app decides: its own store, or a storage
//! connection's), and the S3 connections this crate opens for it (feature `s3`).

use std::sync::Arc;

use omnera_core::backend::BlobStore;
use omnera_core::fields::AttachmentOptions;

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

/// Opens the buckets of `s3` storage connections, with their `{env}` references read when a
/// field first needs them: give it to
/// [`AppBuilder::with_connection_blob_stores`](omnera_core::AppBuilder::with_connection_blob_stores).
///
/// ```
/// use omnera_core::{App, Config};
///
/// let builder = App::from_config(Config::from_json_str(r#"{"name": "Empty"}"#).unwrap())
///     .with_connection_blob_stores(omnera_http::S3ConnectionStores);
/// # drop(builder);
/// ```
#[cfg(feature = "s3")]
#[derive(Debug, Clone, Copy, Default)]
pub struct S3ConnectionStores;

#[cfg(feature = "s3")]
impl omnera_core::app::ConnectionBlobStores for S3ConnectionStores {
    fn open(
        &self,
        name: &str,
        connection: &omnera_core::config::ConnectionConfig,
        bucket: Option<&str>,
        secrets: &omnera_core::secrets::Secrets,
    ) -> Result<Arc<dyn BlobStore>, omnera_core::backend::BlobError> {
        use crate::blobs::{ObjectStoreBlobs, S3Settings};
        use omnera_core::config::ConnectionConfig;

        let unusable = |reason: String| omnera_core::backend::BlobError::Store {
            location: name.to_owned(),
            source: reason.into(),
        };
        let ConnectionConfig::S3(s3) = connection else {
            return Err(unusable(format!("{} connections do not keep files yet", connection.type_name())));
        };
        let text = |value: &omnera_core::config::ConfigText| {
            value.resolve(secrets).map_err(|error| error.to_string())
        };
        let settings = (|| {
            let bucket = match bucket {
                Some(bucket) => bucket.to_owned(),
                None => text(&s3.bucket)?,
            };
            let region = s3.region.as_ref().map(text).transpose()?.unwrap_or_else(|| "us-east-1".to_owned());
            let secret = s3.secret_access_key.resolve(secrets).map_err(|error| error.to_string())?;
            let mut settings = S3Settings::new(bucket, region, text(&s3.access_key_id)?, secret);
            if let Some(endpoint) = &s3.endpoint {
                settings = settings.with_endpoint(text(endpoint)?);
            }
            Ok::<_, String>(settings)
        })()
        .map_err(unusable)?;
        let store = ObjectStoreBlobs::s3(&settings).map_err(|error| unusable(error.to_string()))?;
        Ok(Arc::new(store))
    }
}
