//! Multipart uploads, streamed to the blob store as they arrive: a file's type is read from its
//! first bytes, a file larger than the field allows is refused as soon as it passes the limit,
//! and a file more than the field holds is refused before it is read.

use axum::Json;
use axum::extract::multipart::Field;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use omnera_core::backend::{BlobError, BlobStream, NewFile, StorageError};
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
    let (attachment, record_id, caller) =
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
    let room = room_for_files(storage.as_ref(), &attachment, record_id).await?;
    let mut files = Vec::new();
    let mut written = Vec::new();
    let outcome = async {
        while let Some(mut part) = multipart.next_field().await.map_err(|_| malformed())? {
            if part.name() != Some("file") {
                return Err(ApiError::bad_parameter(
                    part.name().unwrap_or("(unnamed)"),
                    "upload files in form fields named `file`",
                ));
            }
            if files.len() as u64 >= room {
                return Err(too_many_files(&attachment));
            }
            let name = sanitized_file_name(part.file_name().unwrap_or_default());
            let (head, head_size) = first_bytes(&mut part, max_size).await?;
            let mime_type =
                infer::get(&head).map_or("application/octet-stream", |kind| kind.mime_type()).to_owned();
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
            let stored = blobs
                .put(&location, file_bytes(head, head_size, part, max_size, &location))
                .await
                .map_err(|error| match error {
                BlobError::Source { source, .. } => match source.downcast::<UploadProblem>() {
                    Ok(problem) => problem.0,
                    Err(_) => malformed(),
                },
                other => {
                    tracing::error!(error = %other, "blob store write failed");
                    ApiError::new(ErrorKind::Unavailable, "the blob store is unavailable")
                }
            })?;
            let size = stored.size;
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
            .attach_files(
                attachment.table.name(),
                record_id,
                attachment.field.name(),
                files,
                &crate::request_id::write_options(&caller),
            )
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

/// How many first bytes of a file its type is read from.
const SNIFF_LENGTH: usize = 8 * 1024;

/// How many files this upload may add: a single attachment takes one (it replaces the one it
/// had), multiple attachments what is left of their `maxFiles`. Storage checks the count again
/// when the files are attached, so a racing upload cannot pass it either.
async fn room_for_files(
    storage: &dyn omnera_core::backend::Storage,
    attachment: &super::AttachmentField<'_>,
    record_id: i64,
) -> Result<u64, ApiError> {
    if matches!(attachment.field.kind(), omnera_core::FieldKind::SingleAttachment(_)) {
        return Ok(1);
    }
    let held = storage
        .record_files(attachment.table.name(), record_id)
        .await?
        .iter()
        .filter(|file| file.field == attachment.field.name())
        .count() as u64;
    Ok(attachment.max_files.saturating_sub(held))
}

/// The first [`SNIFF_LENGTH`] bytes of a file (or the whole of a shorter one), and their size.
async fn first_bytes(part: &mut Field<'_>, max_size: u64) -> Result<(Bytes, u64), ApiError> {
    let mut head = BytesMut::new();
    while head.len() < SNIFF_LENGTH {
        match part.chunk().await.map_err(|_| malformed())? {
            Some(chunk) => {
                if (head.len() + chunk.len()) as u64 > max_size {
                    return Err(too_large(max_size));
                }
                head.extend_from_slice(&chunk);
            }
            None => break,
        }
    }
    let size = head.len() as u64;
    Ok((head.freeze(), size))
}

/// The bytes of a file for the blob store: its first bytes, then the rest of the part as it
/// arrives, failing with an [`UploadProblem`] once the file passes `max_size`.
fn file_bytes<'a>(
    head: Bytes,
    head_size: u64,
    part: Field<'a>,
    max_size: u64,
    location: &str,
) -> BlobStream<'a> {
    let location = location.to_owned();
    let problem = move |error: ApiError| BlobError::Source {
        location: location.clone(),
        source: Box::new(UploadProblem(error)),
    };
    let rest = futures_util::stream::try_unfold((part, head_size), move |(mut part, size)| {
        let problem = problem.clone();
        async move {
            match part.chunk().await {
                Ok(Some(chunk)) if size + chunk.len() as u64 > max_size => Err(problem(too_large(max_size))),
                Ok(Some(chunk)) => {
                    let size = size + chunk.len() as u64;
                    Ok(Some((chunk, (part, size))))
                }
                Ok(None) => Ok(None),
                Err(_) => Err(problem(malformed())),
            }
        }
    });
    Box::pin(futures_util::stream::once(async move { Ok(head) }).chain(rest))
}

/// Why the bytes of an upload stopped: the answer the client gets, carried through the blob
/// store's error.
#[derive(Debug)]
struct UploadProblem(ApiError);

impl std::fmt::Display for UploadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::error::Error for UploadProblem {}

fn malformed() -> ApiError {
    ApiError::new(ErrorKind::InvalidJson, "the multipart body is malformed")
}

fn too_many_files(attachment: &super::AttachmentField<'_>) -> ApiError {
    ApiError::invalid_field(
        attachment.field.name(),
        "too_many_files",
        format!("holds at most {} files", attachment.max_files),
    )
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
