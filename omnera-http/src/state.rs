//! What every handler shares: the app.

use std::sync::Arc;

use omnera_core::App;
use omnera_core::backend::Storage;

use crate::error::{ApiError, ErrorKind};
use crate::files::ConnectionStores;

/// The router's state. A host that merges the router into its own keeps its own state; this one
/// travels inside the router.
#[derive(Clone, Debug)]
pub(crate) struct ApiState {
    pub(crate) app: App,
    /// Blob stores of the storage connections attachment fields name.
    pub(crate) connection_stores: ConnectionStores,
}

impl ApiState {
    pub(crate) fn new(app: App) -> Self {
        Self { app, connection_stores: ConnectionStores::default() }
    }

    pub(crate) fn storage(&self) -> Result<&Arc<dyn Storage>, ApiError> {
        self.app.storage().ok_or_else(|| ApiError::new(ErrorKind::Unavailable, "the app has no storage"))
    }
}
