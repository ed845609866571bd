//! Attachments: file metadata in `_omnera_files`, loaded into records in one query per page.

use std::collections::BTreeMap;

use omnera_core::backend::{FileChange, NewFile, Record, StorageError, StoredFile};
use omnera_core::{FieldKind, FieldValue, FileRef, TableSchema};

use super::layout::TableLayout;
use super::read::fetch_one;
use super::write::{WriteContext, lock_version};
use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::error::unavailable;
use crate::outbox::{RecordChange, write_events};
use crate::physical::ColumnType;
use crate::sql_value::{SqlValue, now, timestamp_text};

const FILE_COLUMNS: &str =
    "id, table_name, field_name, record_id, location, name, size, mime_type, created_at";
const FILE_TYPES: [ColumnType; 9] = [
    ColumnType::Integer,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Integer,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Integer,
    ColumnType::Text,
    ColumnType::Timestamp,
];

fn stored_file(row: &[SqlValue]) -> StoredFile {
    let text = |value: &SqlValue| match value {
        SqlValue::Text(text) => text.clone(),
        _ => String::new(),
    };
    let mut file = StoredFile::new(
        row[0].as_i64().unwrap_or_default(),
        text(&row[1]),
        text(&row[2]),
        row[3].as_i64().unwrap_or_default(),
        NewFile::new(
            text(&row[4]),
            text(&row[5]),
            row[6].as_i64().unwrap_or_default().unsigned_abs(),
            text(&row[7]),
        ),
    );
    if let Some(at) = row[8].as_timestamp() {
        file.created_at = at;
    }
    file
}

/// The file as the API shows it, with its download URL.
fn file_ref(file: &StoredFile) -> FileRef {
    FileRef {
        id: file.id,
        name: file.name.clone(),
        size: file.size,
        mime_type: file.mime_type.clone(),
        url: format!(
            "/api/tables/{}/records/{}/fields/{}/files/{}",
            file.table, file.record_id, file.field, file.id
        ),
        created_at: timestamp_text(&file.created_at),
    }
}

async fn files_where(
    transaction: &mut Transaction,
    condition: &str,
    params: &[SqlValue],
) -> Result<Vec<StoredFile>, StorageError> {
    let query = format!("SELECT {FILE_COLUMNS} FROM _omnera_files WHERE {condition} ORDER BY id");
    let rows = transaction.fetch(&query, params, &FILE_TYPES).await.map_err(unavailable)?;
    Ok(rows.iter().map(|row| stored_file(row)).collect())
}

/// Fills the attachment fields of `records` (one query for the page).
pub(crate) async fn load_files(
    transaction: &mut Transaction,
    dialect: Dialect,
    layout: &TableLayout,
    records: &mut [Record],
) -> Result<(), StorageError> {
    if layout.attachments.is_empty() || records.is_empty() {
        return Ok(());
    }
    let mut params = vec![SqlValue::Text(layout.name.clone())];
    params.extend(records.iter().map(|record| SqlValue::Integer(record.id)));
    let placeholders: Vec<String> = (2..=params.len()).map(|index| dialect.placeholder(index)).collect();
    let condition =
        format!("table_name = {} AND record_id IN ({})", dialect.placeholder(1), placeholders.join(", "));
    let mut by_record: BTreeMap<(i64, String), Vec<FileRef>> = BTreeMap::new();
    for file in files_where(transaction, &condition, &params).await? {
        by_record.entry((file.record_id, file.field.clone())).or_default().push(file_ref(&file));
    }
    for record in records.iter_mut() {
        for attachment in &layout.attachments {
            let files = by_record.remove(&(record.id, attachment.name.clone())).unwrap_or_default();
            let value = if attachment.multiple {
                FieldValue::Files(files)
            } else {
                FieldValue::File(files.into_iter().last())
            };
            record.values.insert(attachment.name.clone(), value);
        }
    }
    Ok(())
}

pub(crate) async fn record_files(
    transaction: &mut Transaction,
    dialect: Dialect,
    table: &str,
    record_id: i64,
) -> Result<Vec<StoredFile>, StorageError> {
    let condition =
        format!("table_name = {} AND record_id = {}", dialect.placeholder(1), dialect.placeholder(2));
    files_where(transaction, &condition, &[SqlValue::Text(table.to_owned()), SqlValue::Integer(record_id)])
        .await
}

/// Removes the metadata of a record's files: of one field (when a write empties it), or of
/// every field (when the record is deleted); returns the files, whose blobs the caller deletes
/// once the write commits.
pub(crate) async fn forget_record_files(
    transaction: &mut Transaction,
    dialect: Dialect,
    table: &str,
    record_id: i64,
    field: Option<&str>,
) -> Result<Vec<StoredFile>, StorageError> {
    let mut statement = format!(
        "DELETE FROM _omnera_files WHERE table_name = {} AND record_id = {}",
        dialect.placeholder(1),
        dialect.placeholder(2)
    );
    let mut params = vec![SqlValue::Text(table.to_owned()), SqlValue::Integer(record_id)];
    if let Some(field) = field {
        statement.push_str(&format!(" AND field_name = {}", dialect.placeholder(3)));
        params.push(SqlValue::Text(field.to_owned()));
    }
    statement.push_str(&format!(" RETURNING {FILE_COLUMNS}"));
    let rows = transaction.fetch(&statement, &params, &FILE_TYPES).await.map_err(unavailable)?;
    let mut files: Vec<StoredFile> = rows.iter().map(|row| stored_file(row)).collect();
    files.sort_by_key(|file| file.id);
    Ok(files)
}

/// Attaches `files` to `field` of record `record_id`, with an `updated` event (the record's
/// version stays: its row does not change).
pub(crate) async fn attach(
    transaction: &mut Transaction,
    context: WriteContext<'_>,
    table: &str,
    record_id: i64,
    field: &str,
    files: Vec<NewFile>,
) -> Result<FileChange, StorageError> {
    let WriteContext { dialect, schema, .. } = context;
    let (layout, table_schema) = TableLayout::of(schema, table)?;
    // Locked, so that racing attachments count the files one after the other.
    lock_version(transaction, dialect, &layout, record_id, context.options.expected_version).await?;
    let before = fetch_one(transaction, dialect, &layout, record_id).await?;
    let kind = table_schema.field(field).map(|field| field.kind());
    let existing: Vec<StoredFile> = record_files(transaction, dialect, table, record_id)
        .await?
        .into_iter()
        .filter(|file| file.field == field)
        .collect();
    let mut change = FileChange::default();
    match kind {
        Some(FieldKind::SingleAttachment(_)) => {
            if files.len() > 1 {
                return Err(StorageError::TooManyFiles {
                    table: table.to_owned(),
                    field: field.to_owned(),
                    max: 1,
                });
            }
            for old in existing {
                let statement = format!("DELETE FROM _omnera_files WHERE id = {}", dialect.placeholder(1));
                transaction.execute(&statement, &[SqlValue::Integer(old.id)]).await.map_err(unavailable)?;
                change.removed.push(old);
            }
        }
        Some(FieldKind::MultipleAttachments { max_files, .. }) => {
            if (existing.len() + files.len()) as u64 > *max_files {
                return Err(StorageError::TooManyFiles {
                    table: table.to_owned(),
                    field: field.to_owned(),
                    max: *max_files,
                });
            }
        }
        _ => {
            return Err(StorageError::InvalidQuery {
                table: table.to_owned(),
                reason: format!("`{field}` is not an attachment field"),
            });
        }
    }
    let at = now();
    for file in files {
        let statement = format!(
            "INSERT INTO _omnera_files (table_name, field_name, record_id, location, name, size, mime_type, created_at) \
             VALUES ({}) RETURNING {FILE_COLUMNS}",
            dialect.placeholders(1..=8)
        );
        let params = [
            SqlValue::Text(table.to_owned()),
            SqlValue::Text(field.to_owned()),
            SqlValue::Integer(record_id),
            SqlValue::Text(file.location),
            SqlValue::Text(file.name),
            SqlValue::Integer(i64::try_from(file.size).unwrap_or(i64::MAX)),
            SqlValue::Text(file.mime_type),
            SqlValue::Timestamp(at),
        ];
        let rows = transaction.fetch(&statement, &params, &FILE_TYPES).await.map_err(unavailable)?;
        change.added.extend(rows.iter().map(|row| stored_file(row)));
    }
    write_file_event(transaction, context, &layout, table_schema, &before).await?;
    Ok(change)
}

/// Detaches file `file_id` from `field` of record `record_id`, with an `updated` event.
pub(crate) async fn detach(
    transaction: &mut Transaction,
    context: WriteContext<'_>,
    table: &str,
    record_id: i64,
    field: &str,
    file_id: i64,
) -> Result<StoredFile, StorageError> {
    let WriteContext { dialect, schema, .. } = context;
    let (layout, table_schema) = TableLayout::of(schema, table)?;
    lock_version(transaction, dialect, &layout, record_id, context.options.expected_version).await?;
    let before = fetch_one(transaction, dialect, &layout, record_id).await?;
    let file = record_files(transaction, dialect, table, record_id)
        .await?
        .into_iter()
        .find(|file| file.field == field && file.id == file_id)
        .ok_or_else(|| StorageError::FileNotFound {
            table: table.to_owned(),
            record_id,
            field: field.to_owned(),
            id: file_id,
        })?;
    let statement = format!("DELETE FROM _omnera_files WHERE id = {}", dialect.placeholder(1));
    transaction.execute(&statement, &[SqlValue::Integer(file.id)]).await.map_err(unavailable)?;
    write_file_event(transaction, context, &layout, table_schema, &before).await?;
    Ok(file)
}

/// The `updated` event of a change to a record's files: the record as it was, and as it is now.
async fn write_file_event(
    transaction: &mut Transaction,
    context: WriteContext<'_>,
    layout: &TableLayout,
    table: &TableSchema,
    before: &Record,
) -> Result<(), StorageError> {
    let after = fetch_one(transaction, context.dialect, layout, before.id).await?;
    let change = RecordChange::updated(before, &after, context.options);
    write_events(transaction, context.dialect, context.schema, table, &[change]).await
}
