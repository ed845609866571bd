//! `/api/tables/{table}/records/{id}/fields/{field}/files`: upload, download and delete
//! attachments. Blobs live in the app's blob store under names the engine chooses; a client's
//! file name is only ever shown, never used as a path.

mod download;
mod names;
mod stores;
mod upload;

pub use stores::StorageConnections;
pub(crate) use stores::blob_store_for;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use omnera_core::config::PermissionAction;
use omnera_core::fields::AttachmentOptions;
use omnera_core::records::Records;
use omnera_core::schema::FieldSchema;
use omnera_core::{FieldKind, TableSchema};

use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route(
            "/api/tables/{table}/records/{id}/fields/{field}/files",
            // Uploads enforce each field's own limits while they stream.
            post(upload::upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/tables/{table}/records/{id}/fields/{field}/files/{file}",
            get(download::download).delete(remove),
        )
}

/// The attachment field a path names, with its options and whether it holds several files.
pub(crate) struct AttachmentField<'s> {
    pub(crate) table: &'s TableSchema,
    pub(crate) field: &'s FieldSchema,
    pub(crate) options: &'s AttachmentOptions,
    pub(crate) max_files: u64,
}

pub(crate) fn attachment_field<'s>(
    state: &'s ApiState,
    table: &str,
    field: &str,
) -> Result<AttachmentField<'s>, ApiError> {
    let table = state
        .app
        .schema()
        .table(table)
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, format!("table {table} not found")))?;
    let not_attachment = || {
        ApiError::new(
            ErrorKind::NotFound,
            format!("table {} has no attachment field `{field}`", table.name()),
        )
    };
    let schema = table.field(field).ok_or_else(not_attachment)?;
    let (options, max_files) = match schema.kind() {
        FieldKind::SingleAttachment(options) => (options, 1),
        FieldKind::MultipleAttachments { storage, max_files } => (storage, *max_files),
        _ => return Err(not_attachment()),
    };
    Ok(AttachmentField { table, field: schema, options, max_files })
}

/// The attachment field and record a files path names, once the caller is known to be allowed
/// to take `action` on that record, and the records service as that caller.
pub(crate) async fn authorized_attachment<'s>(
    state: &'s ApiState,
    headers: &axum::http::HeaderMap,
    table: &str,
    record: &str,
    field: &str,
    action: PermissionAction,
) -> Result<(AttachmentField<'s>, i64, Records), ApiError> {
    let attachment = attachment_field(state, table, field)?;
    let record_id = parse_id(record, "record")?;
    let records = crate::access::records_for(state, headers).await?;
    records.check_record(attachment.table.name(), record_id, action).await?;
    Ok((attachment, record_id, records))
}

pub(crate) fn parse_id(value: &str, what: &str) -> Result<i64, ApiError> {
    value
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, format!("{what} {value} not found")))
}

async fn remove(
    State(state): State<ApiState>,
    Path((table, id, field, file)): Path<(String, String, String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<StatusCode, ApiError> {
    let attachment = attachment_field(&state, &table, &field)?;
    let record_id = parse_id(&id, "record")?;
    let file_id = parse_id(&file, "file")?;
    let records = crate::access::records_for(&state, &headers).await?;
    records.detach_file(attachment.table.name(), record_id, attachment.field.name(), file_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a field's blobs whose metadata is gone; a failure is logged (the blob is orphaned,
/// not lost data).
pub(crate) async fn delete_blobs(
    state: &ApiState,
    options: &AttachmentOptions,
    locations: impl IntoIterator<Item = String>,
) {
    let blobs = match blob_store_for(state, options) {
        Ok(blobs) => blobs,
        Err(error) => {
            tracing::warn!(?error, "could not reach the blob store to delete detached blobs");
            return;
        }
    };
    for location in locations {
        if let Err(error) = blobs.delete(&location).await {
            tracing::warn!(%location, %error, "could not delete a detached blob");
        }
    }
}
