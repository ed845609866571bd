//! Multipart uploads, checked while they stream: a file larger than the field allows is refused
//! as soon as it passes the limit, and its type is read from its first bytes.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use omnera_core::backend::{NewFile, StorageError};
use omnera_core::config::PermissionAction;
use serde_json::{Value, json};

use super::names::sanitized_file_name;
use super::{authorized_attachment, delete_blobs};
use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;

/// What multipart framing may add around the files.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

pub(super) async fn upload(
    State(state): State<ApiState>,
    Path((table, id, field)): Path<(String, String, String)>,
    request: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let headers: HeaderMap = request.headers().clone();
    let (attachment, record_id) =
        authorized_attachment(&state, &headers, &table, &id, &field, PermissionAction::Update).await?;
    let storage = state.storage()?;
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|_| ApiError::new(ErrorKind::UnsupportedMediaType, "upload files as multipart/form-data"))?;
    let blobs = super::blob_store_for(&state, attachment.options)?;
    let max_size = attachment.options.max_size;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared
        .is_some_and(|length| length > max_size.saturating_mul(attachment.max_files) + MULTIPART_OVERHEAD)
    {
        return Err(too_large(max_size));
    }
    let mut files = Vec::new();
    let mut written = Vec::new();
    let outcome = async {
        while let Some(mut part) = multipart
            .next_field()
            .await
            .map_err(|_| ApiError::new(ErrorKind::InvalidJson, "the multipart body is malformed"))?
        {
            if part.name() != Some("file") {
                return Err(ApiError::bad_parameter(
                    part.name().unwrap_or("(unnamed)"),
                    "upload files in form fields named `file`",
                ));
            }
            let name = sanitized_file_name(part.file_name().unwrap_or_default());
            let mut bytes = Vec::new();
            while let Some(chunk) = part
                .chunk()
                .await
                .map_err(|_| ApiError::new(ErrorKind::InvalidJson, "the multipart body is malformed"))?
            {
                if (bytes.len() + chunk.len()) as u64 > max_size {
                    return Err(too_large(max_size));
                }
                bytes.extend_from_slice(&chunk);
            }
            let mime_type =
                infer::get(&bytes).map_or("application/octet-stream", |kind| kind.mime_type()).to_owned();
            if !attachment.options.accepts(&mime_type) {
                return Err(ApiError::new(
                    ErrorKind::UnsupportedMediaType,
                    format!(
                        "`{name}` is {mime_type}; {} accepts {}",
                        attachment.field.name(),
                        attachment.options.allowed_types.join(", ")
                    ),
                ));
            }
            let location = format!(
                "{}/{}/{}",
                attachment.table.id(),
                attachment.field.id(),
                uuid::Uuid::now_v7().simple()
            );
            let size = bytes.len() as u64;
            blobs.put(&location, bytes).await.map_err(|error| {
                tracing::error!(%error, "blob store write failed");
                ApiError::new(ErrorKind::Unavailable, "the blob store is unavailable")
            })?;
            written.push(location.clone());
            files.push(NewFile::new(location, name, size, mime_type));
        }
        if files.is_empty() {
            return Err(ApiError::bad_parameter(
                "file",
                "send at least one file in a form field named `file`",
            ));
        }
        storage
            .attach_files(attachment.table.name(), record_id, attachment.field.name(), files)
            .await
            .map_err(|error| match error {
                StorageError::TooManyFiles { field, max, .. } => {
                    ApiError::invalid_field(&field, "too_many_files", format!("holds at most {max} files"))
                }
                other => other.into(),
            })
    }
    .await;
    match outcome {
        Ok(change) => {
            delete_blobs(&state, attachment.options, change.removed.into_iter().map(|file| file.location))
                .await;
            let listed: Vec<Value> = change.added.iter().map(file_object).collect();
            Ok((StatusCode::CREATED, Json(json!({"files": listed}))))
        }
        Err(error) => {
            // Nothing half-written stays behind.
            delete_blobs(&state, attachment.options, written).await;
            Err(error)
        }
    }
}

fn too_large(max_size: u64) -> ApiError {
    ApiError::new(ErrorKind::PayloadTooLarge, format!("a file may have at most {max_size} bytes"))
}

pub(crate) fn file_object(file: &omnera_core::backend::StoredFile) -> Value {
    json!({
        "id": file.id,
        "name": file.name,
        "size": file.size,
        "mimeType": file.mime_type,
        "url": format!("/api/tables/{}/records/{}/fields/{}/files/{}", file.table, file.record_id, file.field, file.id),
        "createdAt": file.created_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    })
}
