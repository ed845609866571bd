//! Writing outbox events: a row per changed record, in the transaction of the change.
//!
//! The documents are the record as the API shows it, written as JSON text so that decimals
//! keep every digit; PostgreSQL keeps them as `json` (the text as written, keys in the API's
//! order), SQLite as TEXT. The writing transaction's id is filled in by the column's default
//! on PostgreSQL (`pg_current_xact_id()`, see `consumers`).

use omnera_core::backend::{ChangeKind, Record, RecordJson, StorageError, WriteOptions};
use omnera_core::{Schema, TableSchema};

use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::error::unavailable;
use crate::physical::ColumnType;
use crate::sql_value::{SqlValue, now};

/// The parameters of one event row.
const PARAMETERS_PER_EVENT: usize = 9;
/// The most events one statement writes (each binds [`PARAMETERS_PER_EVENT`] parameters; SQLite
/// takes 32,766 at most).
const EVENTS_PER_STATEMENT: usize = 3_000;

/// A change to one record, as its event tells it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordChange<'r> {
    kind: ChangeKind,
    id: i64,
    before: Option<&'r Record>,
    after: Option<&'r Record>,
    options: &'r WriteOptions,
}

impl<'r> RecordChange<'r> {
    pub(crate) fn created(after: &'r Record, options: &'r WriteOptions) -> Self {
        Self { kind: ChangeKind::Created, id: after.id, before: None, after: Some(after), options }
    }

    pub(crate) fn updated(before: &'r Record, after: &'r Record, options: &'r WriteOptions) -> Self {
        Self { kind: ChangeKind::Updated, id: after.id, before: Some(before), after: Some(after), options }
    }

    pub(crate) fn deleted(before: &'r Record, options: &'r WriteOptions) -> Self {
        Self { kind: ChangeKind::Deleted, id: before.id, before: Some(before), after: None, options }
    }

    /// The fields the change touched, in the order of the config: for an update those whose
    /// values differ, for a create or a delete every field.
    fn changed_fields(&self, table: &TableSchema) -> Vec<String> {
        let differs = |name: &str| match (self.before, self.after) {
            (Some(before), Some(after)) => before.values.get(name) != after.values.get(name),
            _ => true,
        };
        table
            .fields()
            .iter()
            .map(|field| field.name())
            .filter(|name| differs(name))
            .map(str::to_owned)
            .collect()
    }
}

/// Writes the events of `changes` to records of `table` (a table of `schema`).
pub(crate) async fn write_events(
    transaction: &mut Transaction,
    dialect: Dialect,
    schema: &Schema,
    table: &TableSchema,
    changes: &[RecordChange<'_>],
) -> Result<(), StorageError> {
    let document = |record: Option<&Record>| match record {
        Some(record) => serde_json::to_string(&RecordJson::new(schema, table, record))
            .map(SqlValue::Text)
            .map_err(unavailable),
        None => Ok(SqlValue::Null(ColumnType::Text)),
    };
    // PostgreSQL's json column takes the text as it is.
    let json = |index: usize| match dialect {
        Dialect::Postgres => format!("CAST({} AS json)", dialect.placeholder(index)),
        Dialect::Sqlite => dialect.placeholder(index),
    };
    let at = now();
    for chunk in changes.chunks(EVENTS_PER_STATEMENT) {
        let mut params = Vec::with_capacity(chunk.len() * PARAMETERS_PER_EVENT);
        let mut tuples = Vec::with_capacity(chunk.len());
        for change in chunk {
            let first = params.len() + 1;
            let changed = serde_json::to_string(&change.changed_fields(table)).map_err(unavailable)?;
            params.extend([
                SqlValue::Text(table.name().to_owned()),
                SqlValue::Integer(change.id),
                SqlValue::Text(change.kind.as_str().to_owned()),
                SqlValue::Text(changed),
                document(change.before)?,
                document(change.after)?,
                SqlValue::Text(change.options.actor.to_string()),
                change.options.request_id.clone().map_or(SqlValue::Null(ColumnType::Text), SqlValue::Text),
                SqlValue::Timestamp(at),
            ]);
            tuples.push(format!(
                "({}, {}, {}, {})",
                dialect.placeholders(first..=first + 3),
                json(first + 4),
                json(first + 5),
                dialect.placeholders(first + 6..=first + PARAMETERS_PER_EVENT - 1),
            ));
        }
        let statement = format!(
            "INSERT INTO _omnera_outbox (table_name, record_id, kind, changed_fields, before_change, \
             after_change, actor, request_id, created_at) VALUES {}",
            tuples.join(", ")
        );
        transaction.execute(&statement, &params).await.map_err(unavailable)?;
    }
    Ok(())
}
