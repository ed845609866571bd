//! `/health/live` and `/health/ready`.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Value, json};

use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new().route("/health/live", get(live)).route("/health/ready", get(ready))
}

async fn live() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The outbox consumer the readiness check reads as: it never acknowledges, so it is never a
/// known consumer and holds no events back from pruning.
const READINESS_PROBE: &str = "_omnera_readiness";

/// Ready when the database answers and the blob store can be read.
async fn ready(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    if let Some(storage) = state.app.storage() {
        storage.outbox_read(READINESS_PROBE, 0).await.map_err(|error| {
            tracing::error!(%error, "readiness: database");
            ApiError::new(ErrorKind::Unavailable, "the database is unavailable")
        })?;
    }
    if let Some(blobs) = state.app.blob_store() {
        match blobs.head("_omnera_ready_probe").await {
            Ok(_) | Err(omnera_core::backend::BlobError::NotFound { .. }) => {}
            Err(error) => {
                tracing::error!(%error, "readiness: blob store");
                return Err(ApiError::new(ErrorKind::Unavailable, "the blob store is unavailable"));
            }
        }
    }
    Ok(Json(json!({"status": "ready"})))
}
