//! Attachments: file metadata in `_omnera_files`, keyed by the ids of the table and the field (so
//! a rename keeps a record's files), loaded into records in one query per page. No URL is kept
//! or made here: the HTTP layer knows the path the API is served under.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use omnera_core::backend::{FileChange, NewFile, Record, StorageError, StoredFile};
use omnera_core::{FieldKind, FieldValue, FileRef, Schema, TableSchema};

use super::layout::TableLayout;
use super::read::fetch_one;
use super::write::{WriteContext, lock_version};
use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::error::{corrupt, unavailable};
use crate::outbox::{RecordChange, write_events};
use crate::physical::ColumnType;
use crate::sql_value::{SqlValue, now, schema_id};

const FILES_TABLE: &str = "_omnera_files";
const FILE_COLUMNS: &str = "id, field_id, record_id, location, name, size, mime_type, created_at";
const FILE_TYPES: [ColumnType; 8] = [
    ColumnType::Integer,
    ColumnType::Integer,
    ColumnType::Integer,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Integer,
    ColumnType::Text,
    ColumnType::Timestamp,
];

/// A row of `_omnera_files`, read back strictly: a missing or malformed value is
/// [`StorageError::Corrupt`], never a zero or an empty name.
struct FileRow {
    id: i64,
    field_id: u64,
    record_id: i64,
    file: NewFile,
    created_at: DateTime<Utc>,
}

impl FileRow {
    fn read(row: Vec<SqlValue>) -> Result<Self, StorageError> {
        let mut cells = row.into_iter();
        let mut integer = |column: &str| match cells.next() {
            Some(SqlValue::Integer(number)) => Ok(number),
            other => Err(corrupt(FILES_TABLE, format!("{column} is {other:?}, not an integer"))),
        };
        let (id, field_id, record_id) = (integer("id")?, integer("field_id")?, integer("record_id")?);
        let field_id = u64::try_from(field_id)
            .map_err(|_| corrupt(FILES_TABLE, format!("file {id} has a negative field_id {field_id}")))?;
        let mut text = |column: &str| match cells.next() {
            Some(SqlValue::Text(text)) => Ok(text),
            other => Err(corrupt(FILES_TABLE, format!("{column} of file {id} is {other:?}, not text"))),
        };
        let (location, name) = (text("location")?, text("name")?);
        let size = match cells.next() {
            Some(SqlValue::Integer(size)) => u64::try_from(size)
                .map_err(|_| corrupt(FILES_TABLE, format!("file {id} has a negative size {size}")))?,
            other => return Err(corrupt(FILES_TABLE, format!("size of file {id} is {other:?}"))),
        };
        let mime_type = match cells.next() {
            Some(SqlValue::Text(text)) => text,
            other => return Err(corrupt(FILES_TABLE, format!("mime_type of file {id} is {other:?}"))),
        };
        let created_at = match cells.next() {
            Some(SqlValue::Timestamp(at)) => at,
            other => return Err(corrupt(FILES_TABLE, format!("created_at of file {id} is {other:?}"))),
        };
        Ok(Self { id, field_id, record_id, file: NewFile::new(location, name, size, mime_type), created_at })
    }

    /// The file as the storage API gives it, named by the current names of its table and field.
    fn stored(self, table: &str, field: &str) -> StoredFile {
        let mut stored =
            StoredFile::new(self.id, table.to_owned(), field.to_owned(), self.record_id, self.file);
        stored.created_at = self.created_at;
        stored
    }
}

/// The files of the records `record_ids` of `layout`'s table (every field, or `field` only),
/// oldest first. Rows of a field the schema no longer has are left out.
async fn files_of(
    transaction: &mut Transaction,
    dialect: Dialect,
    layout: &TableLayout,
    record_ids: &[i64],
    field: Option<u64>,
) -> Result<Vec<StoredFile>, StorageError> {
    let mut params = vec![schema_id(layout.id)?];
    params.extend(record_ids.iter().map(|id| SqlValue::Integer(*id)));
    let records: Vec<String> = (2..=params.len()).map(|index| dialect.placeholder(index)).collect();
    let mut query = format!(
        "SELECT {FILE_COLUMNS} FROM {FILES_TABLE} WHERE table_id = {} AND record_id IN ({})",
        dialect.placeholder(1),
        records.join(", ")
    );
    if let Some(field) = field {
        params.push(schema_id(field)?);
        query.push_str(&format!(" AND field_id = {}", dialect.placeholder(params.len())));
    }
    query.push_str(" ORDER BY id");
    let rows = transaction.fetch(&query, &params, &FILE_TYPES).await.map_err(unavailable)?;
    named_files(layout, rows)
}

/// File rows as the storage API gives them, named by the current names of their table and
/// field, oldest first. Rows of a field the schema no longer has are left out.
fn named_files(layout: &TableLayout, rows: Vec<Vec<SqlValue>>) -> Result<Vec<StoredFile>, StorageError> {
    let mut files = Vec::with_capacity(rows.len());
    for row in rows {
        let row = FileRow::read(row)?;
        let attachment = layout.attachments.iter().find(|field| field.id == row.field_id);
        if let Some(attachment) = attachment {
            files.push(row.stored(&layout.name, &attachment.name));
        }
    }
    files.sort_by_key(|file| file.id);
    Ok(files)
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
    let ids: Vec<i64> = records.iter().map(|record| record.id).collect();
    let mut by_record: BTreeMap<(i64, String), Vec<FileRef>> = BTreeMap::new();
    for file in files_of(transaction, dialect, layout, &ids, None).await? {
        by_record.entry((file.record_id, file.field.clone())).or_default().push(FileRef::from(file));
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

/// The files of a record, every attachment field of `table`.
pub(crate) async fn record_files(
    transaction: &mut Transaction,
    dialect: Dialect,
    schema: &Schema,
    table: &str,
    record_id: i64,
) -> Result<Vec<StoredFile>, StorageError> {
    let (layout, _) = TableLayout::of(schema, table)?;
    files_of(transaction, dialect, &layout, &[record_id], None).await
}

/// Removes the metadata of a record's files: of one field (when a write empties it), or of
/// every field (when the record is deleted); returns the files, whose blobs the caller deletes
/// once the write has committed.
pub(crate) async fn forget_record_files(
    transaction: &mut Transaction,
    dialect: Dialect,
    layout: &TableLayout,
    record_id: i64,
    field_id: Option<u64>,
) -> Result<Vec<StoredFile>, StorageError> {
    let mut statement = format!(
        "DELETE FROM {FILES_TABLE} WHERE table_id = {} AND record_id = {}",
        dialect.placeholder(1),
        dialect.placeholder(2)
    );
    let mut params = vec![schema_id(layout.id)?, SqlValue::Integer(record_id)];
    if let Some(field_id) = field_id {
        statement.push_str(&format!(" AND field_id = {}", dialect.placeholder(3)));
        params.push(schema_id(field_id)?);
    }
    statement.push_str(&format!(" RETURNING {FILE_COLUMNS}"));
    let rows = transaction.fetch(&statement, &params, &FILE_TYPES).await.map_err(unavailable)?;
    named_files(layout, rows)
}

async fn forget_file(transaction: &mut Transaction, dialect: Dialect, id: i64) -> Result<(), StorageError> {
    let statement = format!("DELETE FROM {FILES_TABLE} WHERE id = {}", dialect.placeholder(1));
    transaction.execute(&statement, &[SqlValue::Integer(id)]).await.map_err(unavailable)?;
    Ok(())
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
    let Some(field_schema) = table_schema.field(field) else {
        return Err(not_an_attachment(table, field));
    };
    let existing = files_of(transaction, dialect, &layout, &[record_id], Some(field_schema.id())).await?;
    let mut change = FileChange::default();
    match field_schema.kind() {
        FieldKind::SingleAttachment(_) => {
            if files.len() > 1 {
                return Err(StorageError::TooManyFiles {
                    table: table.to_owned(),
                    field: field.to_owned(),
                    max: 1,
                });
            }
            for old in existing {
                forget_file(transaction, dialect, old.id).await?;
                change.removed.push(old);
            }
        }
        FieldKind::MultipleAttachments { max_files, .. } => {
            if (existing.len() + files.len()) as u64 > *max_files {
                return Err(StorageError::TooManyFiles {
                    table: table.to_owned(),
                    field: field.to_owned(),
                    max: *max_files,
                });
            }
        }
        _ => return Err(not_an_attachment(table, field)),
    }
    let at = now();
    for file in files {
        let statement = format!(
            "INSERT INTO {FILES_TABLE} (table_id, field_id, record_id, location, name, size, mime_type, created_at) \
             VALUES ({}) RETURNING {FILE_COLUMNS}",
            dialect.placeholders(1..=8)
        );
        let size = i64::try_from(file.size).map_err(|_| StorageError::InvalidQuery {
            table: table.to_owned(),
            reason: format!("a file of {} bytes is too large", file.size),
        })?;
        let params = [
            schema_id(layout.id)?,
            schema_id(field_schema.id())?,
            SqlValue::Integer(record_id),
            SqlValue::Text(file.location),
            SqlValue::Text(file.name),
            SqlValue::Integer(size),
            SqlValue::Text(file.mime_type),
            SqlValue::Timestamp(at),
        ];
        let rows = transaction.fetch(&statement, &params, &FILE_TYPES).await.map_err(unavailable)?;
        for row in rows {
            change.added.push(FileRow::read(row)?.stored(table_schema.name(), field_schema.name()));
        }
    }
    write_file_event(transaction, context, &layout, table_schema, &before).await?;
    Ok(change)
}

fn not_an_attachment(table: &str, field: &str) -> StorageError {
    StorageError::InvalidQuery {
        table: table.to_owned(),
        reason: format!("`{field}` is not an attachment field"),
    }
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
    let not_found = || StorageError::FileNotFound {
        table: table.to_owned(),
        record_id,
        field: field.to_owned(),
        id: file_id,
    };
    let attachment =
        layout.attachments.iter().find(|attachment| attachment.name == field).ok_or_else(not_found)?;
    let file = files_of(transaction, dialect, &layout, &[record_id], Some(attachment.id))
        .await?
        .into_iter()
        .find(|file| file.id == file_id)
        .ok_or_else(not_found)?;
    forget_file(transaction, dialect, file.id).await?;
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
