//! The files a write lets go of: those of attachments it empties (`null`, or left out of a PUT)
//! and those of the records it deletes. They are read before the write, and their blobs are
//! deleted once it has committed.

use crate::backend::{RecordValues, Storage, StoredFile};
use crate::{FieldValue, TableSchema};

use crate::backend::StorageError;

/// The files that writing `values` to record `id` lets go of.
pub(super) async fn emptied_files(
    storage: &dyn Storage,
    table: &TableSchema,
    id: i64,
    values: &RecordValues,
) -> Result<Vec<StoredFile>, StorageError> {
    let emptied: Vec<&str> = table
        .fields()
        .iter()
        .filter(|field| field.kind().is_attachment())
        .map(|field| field.name())
        .filter(|name| values.get(*name).is_some_and(FieldValue::is_empty))
        .collect();
    if emptied.is_empty() {
        return Ok(Vec::new());
    }
    let files = storage.record_files(table.name(), id).await?;
    Ok(files.into_iter().filter(|file| emptied.contains(&file.field.as_str())).collect())
}
