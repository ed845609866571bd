//! `/api/connections`: the config's connections with the last health each was found in, a live
//! check of one, and connecting an `oauth` connection for requests (`auth/oauth/connect.rs`),
//! for admins. No answer holds a credential: a connection is shown by its
//! name and type, a check by its status and what it found.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use omnera_core::app::ConnectionHealth;
use omnera_core::config::ConnectionConfig;
use serde_json::{Value, json};

use crate::auth::admin;
use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/connections", get(list))
        .route("/api/connections/{name}/check", post(check))
        .route("/api/connections/{name}/authorize", get(crate::auth::connect_start))
        .route("/api/connections/{name}/callback", get(crate::auth::connect_callback))
}

/// 200 with every connection and its last health (`null` until checked on this instance).
async fn list(State(state): State<ApiState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    admin(&state, &headers).await?;
    let app = &state.app;
    let data: Vec<Value> = app
        .schema()
        .connections()
        .iter()
        .map(|connection| shown(connection, app.last_health(connection.name()).as_ref()))
        .collect();
    Ok(Json(json!({"data": data})))
}

/// 200 with the connection and what a live check found now; 404 for a name the config lacks.
async fn check(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    admin(&state, &headers).await?;
    let app = &state.app;
    let not_found = || ApiError::new(ErrorKind::NotFound, format!("no connection `{name}`"));
    let connection = app.schema().connection(&name).ok_or_else(not_found)?;
    let health = app.check_connection(&name).await.ok_or_else(not_found)?;
    if health.status == omnera_core::app::HealthStatus::Unhealthy {
        tracing::warn!(connection = %name, detail = %health.detail, "connection check failed");
    }
    Ok(Json(shown(connection, Some(&health))))
}

fn shown(connection: &ConnectionConfig, health: Option<&ConnectionHealth>) -> Value {
    let health = health.map(|health| {
        json!({"status": health.status.as_str(), "detail": health.detail, "checkedAt": health.checked_at.to_rfc3339()})
    });
    json!({"name": connection.name(), "type": connection.type_name(), "health": health})
}
