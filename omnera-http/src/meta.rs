//! `/api/schema`: the validated config as the engine sees it, for admins.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::auth::admin;
use crate::error::ApiError;
use crate::state::ApiState;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new().route("/api/schema", get(schema))
}

/// 200 with the config (secret references stay references); 401 without credentials, 403 for
/// callers who are not admins.
async fn schema(State(state): State<ApiState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    admin(&state, &headers).await?;
    let config = serde_json::to_value(state.app.schema().config()).unwrap_or_else(|_| json!({}));
    Ok(Json(config))
}
