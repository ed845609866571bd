//! Writing records: insert, update and delete, each with its outbox events in the same
//! transaction, and database errors turned into errors that name the table and field.

use omnera_core::backend::{DeletedRecord, Record, RecordValues, StorageError, UpdatedRecord, WriteOptions};
use omnera_core::{FieldKind, FieldValue, Schema, TableSchema};

use super::cascade::Cascade;
use super::layout::TableLayout;
use super::read::{fetch_one, record_from_row};
use super::references::check_references_exist;
use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::error::{Violation, unavailable, violation};
use crate::outbox::{RecordChange, write_events};
use crate::sql_value::{SqlValue, now};

/// What the writes of one call share: the database's dialect, the applied schema, and the
/// call's options (whose actor and request id its events carry).
#[derive(Debug, Clone, Copy)]
pub(crate) struct WriteContext<'w> {
    pub(crate) dialect: Dialect,
    pub(crate) schema: &'w Schema,
    pub(crate) options: &'w WriteOptions,
}

/// The values of a new record: those given, and defaults for the rest.
fn with_defaults(
    table: &TableSchema,
    mut values: RecordValues,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<RecordValues, StorageError> {
    for field in table.fields() {
        if values.contains_key(field.name()) {
            continue;
        }
        let value = match field.default() {
            Some(default) => default.resolve(at, matches!(field.kind(), FieldKind::Time { .. })),
            None => field.kind().empty_value(),
        };
        values.insert(field.name().to_owned(), value);
    }
    check_required(table, &values)?;
    Ok(values)
}

fn check_required(table: &TableSchema, values: &RecordValues) -> Result<(), StorageError> {
    for field in table.fields().iter().filter(|field| field.is_required()) {
        if values.get(field.name()).is_some_and(FieldValue::is_empty) {
            return Err(StorageError::MissingValue {
                table: table.name().to_owned(),
                field: field.name().to_owned(),
            });
        }
    }
    Ok(())
}

/// The most parameters one statement binds (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_PARAMETERS: usize = 30_000;

/// Inserts records with one multi-row INSERT per chunk, their links, and their outbox events,
/// each event with the options its draft came with.
pub(crate) async fn insert_many(
    transaction: &mut Transaction,
    dialect: Dialect,
    schema: &Schema,
    table: &str,
    drafts: Vec<(RecordValues, &WriteOptions)>,
) -> Result<Vec<Record>, StorageError> {
    let (layout, table_schema) = TableLayout::of(schema, table)?;
    let at = now();
    let mut prepared = Vec::with_capacity(drafts.len());
    let mut options = Vec::with_capacity(drafts.len());
    for (values, draft_options) in drafts {
        let values = with_defaults(table_schema, values, at)?;
        check_references_exist(transaction, dialect, table_schema, &values).await?;
        prepared.push(values);
        options.push(draft_options);
    }
    let mut names = vec![dialect.quote("created_at"), dialect.quote("updated_at")];
    names.extend(layout.columns.iter().map(|column| dialect.quote(&column.name)));
    let rows_per_statement = (MAX_PARAMETERS / names.len()).max(1);
    let mut inserted = Vec::with_capacity(prepared.len());
    for (chunk, chunk_options) in prepared.chunks(rows_per_statement).zip(options.chunks(rows_per_statement))
    {
        let mut params = Vec::with_capacity(chunk.len() * names.len());
        let mut tuples = Vec::with_capacity(chunk.len());
        for values in chunk {
            let first = params.len() + 1;
            params.push(SqlValue::Timestamp(at));
            params.push(SqlValue::Timestamp(at));
            for column in &layout.columns {
                let value = values.get(&column.name).unwrap_or(&FieldValue::Null);
                params.push(SqlValue::from_field(value, column.column_type));
            }
            let placeholders: Vec<String> =
                (first..=params.len()).map(|index| dialect.placeholder(index)).collect();
            tuples.push(format!("({})", placeholders.join(", ")));
        }
        let statement = format!(
            "INSERT INTO {} ({}) VALUES {} RETURNING {}",
            dialect.quote(&layout.name),
            names.join(", "),
            tuples.join(", "),
            layout.returning_list(dialect)
        );
        let rows = transaction
            .fetch(&statement, &params, &layout.row_types())
            .await
            .map_err(|error| classify(error, table_schema))?;
        // Ids grow in the order of the VALUES; RETURNING need not keep that order.
        let mut records =
            rows.into_iter().map(|row| record_from_row(&layout, row)).collect::<Result<Vec<_>, _>>()?;
        records.sort_by_key(|record| record.id);
        for (record, values) in records.iter_mut().zip(chunk) {
            write_links(transaction, dialect, &layout, table_schema, record.id, values).await?;
            for link in &layout.links {
                let targets = values.get(&link.name).cloned().unwrap_or(FieldValue::References(Vec::new()));
                record.values.insert(link.name.clone(), targets);
            }
            // A new record has no files yet.
            for attachment in &layout.attachments {
                let empty =
                    if attachment.multiple { FieldValue::Files(Vec::new()) } else { FieldValue::File(None) };
                record.values.insert(attachment.name.clone(), empty);
            }
        }
        let changes: Vec<RecordChange<'_>> = records
            .iter()
            .zip(chunk_options)
            .map(|(record, options)| RecordChange::created(record, options))
            .collect();
        write_events(transaction, dialect, schema, table_schema, &changes).await?;
        inserted.extend(records);
    }
    Ok(inserted)
}

/// Changes the fields `values` gives of record `id`, if it still has `expected_version`.
pub(crate) async fn update_one(
    transaction: &mut Transaction,
    context: WriteContext<'_>,
    table: &str,
    id: i64,
    values: RecordValues,
    expected_version: Option<i64>,
) -> Result<UpdatedRecord, StorageError> {
    let WriteContext { dialect, schema, options } = context;
    let (layout, table_schema) = TableLayout::of(schema, table)?;
    lock_version(transaction, dialect, &layout, id, expected_version).await?;
    let before = fetch_one(transaction, dialect, &layout, id).await?;
    let mut merged = before.values.clone();
    merged.extend(values.clone());
    check_required(table_schema, &merged)?;
    check_references_exist(transaction, dialect, table_schema, &values).await?;
    let mut assignments = vec![
        format!("{} = {}", dialect.quote("updated_at"), dialect.placeholder(1)),
        format!("{0} = {0} + 1", dialect.quote("_version")),
    ];
    let mut params = vec![SqlValue::Timestamp(now())];
    for column in &layout.columns {
        if let Some(value) = values.get(&column.name) {
            params.push(SqlValue::from_field(value, column.column_type));
            assignments.push(format!(
                "{} = {}",
                dialect.quote(&column.name),
                dialect.placeholder(params.len())
            ));
        }
    }
    params.push(SqlValue::Integer(id));
    let statement = format!(
        "UPDATE {} SET {} WHERE {} = {}",
        dialect.quote(&layout.name),
        assignments.join(", "),
        dialect.quote("id"),
        dialect.placeholder(params.len())
    );
    transaction.execute(&statement, &params).await.map_err(|error| classify(error, table_schema))?;
    write_links(transaction, dialect, &layout, table_schema, id, &values).await?;
    // An attachment written empty (null, or left out of a PUT) lets go of its files; their blobs
    // are the caller's to delete once this commits.
    let mut released_files = Vec::new();
    for attachment in &layout.attachments {
        if values.get(&attachment.name).is_some_and(FieldValue::is_empty) {
            released_files.extend(
                super::files::forget_record_files(transaction, dialect, &layout, id, Some(attachment.id))
                    .await?,
            );
        }
    }
    let after = fetch_one(transaction, dialect, &layout, id).await?;
    write_events(
        transaction,
        dialect,
        schema,
        table_schema,
        &[RecordChange::updated(&before, &after, options)],
    )
    .await?;
    Ok(UpdatedRecord::new(after, before, released_files))
}

/// Deletes record `id` if it still has `expected_version`, with what its relationships'
/// `onDelete` does to other records (see `cascade`).
pub(crate) async fn delete_one(
    transaction: &mut Transaction,
    context: WriteContext<'_>,
    table: &str,
    id: i64,
    expected_version: Option<i64>,
) -> Result<DeletedRecord, StorageError> {
    let WriteContext { dialect, schema, options } = context;
    let (layout, table_schema) = TableLayout::of(schema, table)?;
    lock_version(transaction, dialect, &layout, id, expected_version).await?;
    let before = fetch_one(transaction, dialect, &layout, id).await?;
    let cascade = Cascade::find(transaction, dialect, schema, table_schema, id).await?;
    let mut released_files =
        super::files::forget_record_files(transaction, dialect, &layout, id, None).await?;
    // References that `set-null` clears are cleared before the delete, so that their records
    // get a new version like any other change; the database removes what `cascade` removes.
    released_files.extend(cascade.clear(transaction, context).await?);
    let statement = format!(
        "DELETE FROM {} WHERE {} = {}",
        dialect.quote(&layout.name),
        dialect.quote("id"),
        dialect.placeholder(1)
    );
    transaction.execute(&statement, &[SqlValue::Integer(id)]).await.map_err(unavailable)?;
    write_events(transaction, dialect, schema, table_schema, &[RecordChange::deleted(&before, options)])
        .await?;
    cascade.write_events(transaction, context).await?;
    Ok(DeletedRecord::new(before, released_files))
}

/// Locks the row of record `id` for the rest of `transaction` and checks that it still has
/// `expected_version`, so that the version checked is the version written over: on PostgreSQL a
/// racing writer waits at `FOR UPDATE` and then reads the version the first one wrote; SQLite's
/// write transactions hold the database's one write lock already (`BEGIN IMMEDIATE`).
pub(super) async fn lock_version(
    transaction: &mut Transaction,
    dialect: Dialect,
    layout: &TableLayout,
    id: i64,
    expected_version: Option<i64>,
) -> Result<(), StorageError> {
    let lock = match dialect {
        Dialect::Postgres => " FOR UPDATE",
        Dialect::Sqlite => "",
    };
    let statement = format!(
        "SELECT {} FROM {} WHERE {} = {}{lock}",
        dialect.quote("_version"),
        dialect.quote(&layout.name),
        dialect.quote("id"),
        dialect.placeholder(1)
    );
    let rows = transaction
        .fetch(&statement, &[SqlValue::Integer(id)], &[crate::physical::ColumnType::Integer])
        .await
        .map_err(unavailable)?;
    let Some(cell) = rows.first().and_then(|row| row.first()) else {
        return Err(StorageError::NotFound { table: layout.name.clone(), id });
    };
    let version = cell.as_i64().ok_or_else(|| {
        crate::error::corrupt(&layout.name, format!("record {id} has no version: {cell:?}"))
    })?;
    if expected_version.is_some_and(|expected| expected != version) {
        return Err(StorageError::Conflict { table: layout.name.clone(), id });
    }
    Ok(())
}

/// Replaces the links of the many-to-many fields given in `values`.
async fn write_links(
    transaction: &mut Transaction,
    dialect: Dialect,
    layout: &TableLayout,
    table: &TableSchema,
    id: i64,
    values: &RecordValues,
) -> Result<(), StorageError> {
    for link in &layout.links {
        let Some(FieldValue::References(targets)) = values.get(&link.name) else { continue };
        let table_name = dialect.quote(&link.link_table);
        let clear = format!("DELETE FROM {table_name} WHERE source_id = {}", dialect.placeholder(1));
        transaction.execute(&clear, &[SqlValue::Integer(id)]).await.map_err(unavailable)?;
        for (position, target) in targets.iter().enumerate() {
            let add = format!(
                "INSERT INTO {table_name} (source_id, target_id, position) VALUES ({}, {}, {})",
                dialect.placeholder(1),
                dialect.placeholder(2),
                dialect.placeholder(3)
            );
            let params =
                [SqlValue::Integer(id), SqlValue::Integer(*target), SqlValue::Integer(position as i64)];
            transaction.execute(&add, &params).await.map_err(|error| match violation(&error) {
                Some(Violation::ForeignKey) => StorageError::MissingReference {
                    table: table.name().to_owned(),
                    field: link.name.clone(),
                },
                _ => unavailable(error),
            })?;
        }
    }
    Ok(())
}

/// A database error of a write, named by table and field where it broke a constraint.
pub(super) fn classify(error: sqlx::Error, table: &TableSchema) -> StorageError {
    let name = table.name().to_owned();
    match violation(&error) {
        Some(Violation::Unique(constraint)) => {
            StorageError::UniqueViolation { field: unique_fields(table, &constraint), table: name }
        }
        Some(Violation::NotNull(column)) => {
            StorageError::MissingValue { table: name, field: column.unwrap_or_default() }
        }
        _ => unavailable(error),
    }
}

/// The field (or fields) of a unique index, from its name (`ux_<table>_<field id>` or
/// `ux_<table>_<constraint>`) or SQLite's `table.column, table.column` list.
fn unique_fields(table: &TableSchema, constraint: &str) -> String {
    if let Some(rest) = constraint.strip_prefix(&format!("ux_{}_", table.id())) {
        if let Some(field) =
            rest.parse::<u64>().ok().and_then(|id| table.fields().iter().find(|field| field.id() == id))
        {
            return field.name().to_owned();
        }
        if let Some(unique) = table.unique_constraints().iter().find(|unique| unique.name == rest) {
            return unique.fields.join(", ");
        }
        if let Some(index) = table.indexes().iter().find(|index| index.name == rest) {
            return index.fields.join(", ");
        }
    }
    constraint
        .split(", ")
        .map(|column| column.rsplit('.').next().unwrap_or(column))
        .collect::<Vec<_>>()
        .join(", ")
}
