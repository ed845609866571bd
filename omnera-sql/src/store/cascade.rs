//! What deleting a record does to other records, as its relationships' `onDelete` says, found
//! to any depth before anything is deleted, so that every record it removes or changes gets
//! its outbox event and the removed records' files are let go:
//!
//! - `restrict` and `no-action`: a reference to any record the delete would remove refuses the
//!   whole delete ([`StorageError::StillReferenced`]);
//! - `cascade` (one-to-many, one-to-one): the referencing records go too, and what refers to
//!   them in turn is followed (each record once, so cycles end);
//! - `set-null`: the reference is cleared, and the record gets a new version;
//! - many-to-many (`cascade` or `set-null`): the link goes, and the record holding the field
//!   gets a new version, since its field lost a record. Links from a removed record to others
//!   go with it; those others hold no field that changed.
//!
//! On PostgreSQL every row found is locked (`FOR UPDATE`), so what the events say is what the
//! delete did.

use std::collections::{BTreeMap, HashSet, VecDeque};

use omnera_core::backend::{Record, StorageError, StoredFile};
use omnera_core::config::{ReferentialAction, RelationType};
use omnera_core::{FieldKind, Schema, TableSchema};

use super::layout::TableLayout;
use super::read::fetch_by_ids;
use super::write::{WriteContext, classify};
use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::error::unavailable;
use crate::outbox::{RecordChange, write_events};
use crate::physical::{ColumnType, LinkTable};
use crate::sql_value::{SqlValue, now};

/// How many ids one query names.
const IDS_PER_QUERY: usize = 500;

/// The records a delete removes and changes besides its own, as they were before it.
#[derive(Debug)]
pub(crate) struct Cascade {
    /// Removed by `cascade`, by table, in the order found.
    removed: Vec<(String, Vec<Record>)>,
    /// Changed by `set-null` or a lost many-to-many link, by table.
    changed: Vec<(String, Vec<ChangedRecord>)>,
}

/// A record a delete changes: as it was, and the reference columns it clears (none when only
/// a many-to-many link goes).
#[derive(Debug)]
struct ChangedRecord {
    before: Record,
    cleared: Vec<String>,
}

/// What refers to the records being deleted, found so far.
#[derive(Debug, Default)]
struct Found {
    removed: Vec<(String, i64)>,
    seen: HashSet<(String, i64)>,
    changed: BTreeMap<(String, i64), Vec<String>>,
}

impl Cascade {
    /// Finds, locks and reads what deleting record `id` of `table` removes and changes; refuses
    /// when a `restrict` or `no-action` relationship refers to anything it would remove.
    pub(crate) async fn find(
        transaction: &mut Transaction,
        dialect: Dialect,
        schema: &Schema,
        table: &TableSchema,
        id: i64,
    ) -> Result<Self, StorageError> {
        let mut found = Found::default();
        found.seen.insert((table.name().to_owned(), id));
        let mut pending = VecDeque::from([(table.name().to_owned(), vec![id])]);
        while let Some((target, ids)) = pending.pop_front() {
            for referencing in schema.tables() {
                for field in referencing.fields() {
                    let FieldKind::Relationship(options) = field.kind() else { continue };
                    if options.related_table != target {
                        continue;
                    }
                    let link = (options.relation_type == RelationType::ManyToMany).then(|| LinkTable {
                        table_id: referencing.id(),
                        field_id: field.id(),
                        target_table_id: schema.table(&target).map_or(0, TableSchema::id),
                        on_delete: options.on_delete,
                    });
                    let rows = referencing_rows(
                        transaction,
                        dialect,
                        referencing,
                        field.name(),
                        link.as_ref(),
                        &ids,
                    )
                    .await?;
                    let name = referencing.name().to_owned();
                    match options.on_delete {
                        ReferentialAction::Restrict | ReferentialAction::NoAction => {
                            if let Some((_, referenced)) = rows.first() {
                                return Err(StorageError::StillReferenced {
                                    table: target.clone(),
                                    id: *referenced,
                                    referencing_table: name,
                                });
                            }
                        }
                        ReferentialAction::Cascade if link.is_none() => {
                            let new: Vec<i64> = rows
                                .iter()
                                .map(|(row, _)| *row)
                                .filter(|row| found.seen.insert((name.clone(), *row)))
                                .collect();
                            found.removed.extend(new.iter().map(|row| (name.clone(), *row)));
                            if !new.is_empty() {
                                pending.push_back((name, new));
                            }
                        }
                        ReferentialAction::Cascade | ReferentialAction::SetNull => {
                            for (row, _) in rows {
                                let cleared = found.changed.entry((name.clone(), row)).or_default();
                                if link.is_none() && !cleared.iter().any(|column| column == field.name()) {
                                    cleared.push(field.name().to_owned());
                                }
                            }
                        }
                    }
                }
            }
        }
        found.changed.retain(|key, _| !found.seen.contains(key));
        found.read(transaction, dialect, schema).await
    }

    /// Before the record itself is deleted: clears the references `set-null` clears (a new
    /// version for each record changed) and forgets the removed records' files; returns them.
    pub(crate) async fn clear(
        &self,
        transaction: &mut Transaction,
        context: WriteContext<'_>,
    ) -> Result<Vec<StoredFile>, StorageError> {
        let dialect = context.dialect;
        let mut released = Vec::new();
        for (table, records) in &self.removed {
            let (layout, _) = TableLayout::of(context.schema, table)?;
            for record in records {
                released.extend(
                    super::files::forget_record_files(transaction, dialect, &layout, record.id, None).await?,
                );
            }
        }
        for (table, records) in &self.changed {
            let table_schema = context
                .schema
                .table(table)
                .ok_or_else(|| StorageError::UnknownTable { table: table.clone() })?;
            for ChangedRecord { before: record, cleared } in records {
                let mut assignments = vec![
                    format!("{} = {}", dialect.quote("updated_at"), dialect.placeholder(1)),
                    format!("{0} = {0} + 1", dialect.quote("_version")),
                ];
                assignments.extend(cleared.iter().map(|column| format!("{} = NULL", dialect.quote(column))));
                let statement = format!(
                    "UPDATE {} SET {} WHERE {} = {}",
                    dialect.quote(table),
                    assignments.join(", "),
                    dialect.quote("id"),
                    dialect.placeholder(2)
                );
                let params = [SqlValue::Timestamp(now()), SqlValue::Integer(record.id)];
                transaction
                    .execute(&statement, &params)
                    .await
                    .map_err(|error| classify(error, table_schema))?;
            }
        }
        Ok(released)
    }

    /// Once the record itself is deleted (and the database removed what `cascade` removes):
    /// writes a `deleted` event for each removed record and an `updated` event for each changed
    /// one.
    pub(crate) async fn write_events(
        self,
        transaction: &mut Transaction,
        context: WriteContext<'_>,
    ) -> Result<(), StorageError> {
        let WriteContext { dialect, schema, options } = context;
        for (table, records) in &self.removed {
            let (_, table_schema) = TableLayout::of(schema, table)?;
            let changes: Vec<RecordChange<'_>> =
                records.iter().map(|record| RecordChange::deleted(record, options)).collect();
            write_events(transaction, dialect, schema, table_schema, &changes).await?;
        }
        for (table, records) in &self.changed {
            let (_, table_schema) = TableLayout::of(schema, table)?;
            let ids: Vec<i64> = records.iter().map(|record| record.before.id).collect();
            let after = read_records(transaction, dialect, schema, table, &ids).await?;
            let changes: Vec<RecordChange<'_>> = records
                .iter()
                .filter_map(|ChangedRecord { before, .. }| {
                    let after = after.iter().find(|record| record.id == before.id)?;
                    Some(RecordChange::updated(before, after, options))
                })
                .collect();
            write_events(transaction, dialect, schema, table_schema, &changes).await?;
        }
        Ok(())
    }
}

impl Found {
    /// Locks the changed records (the removed ones were locked when found) and reads them all.
    async fn read(
        self,
        transaction: &mut Transaction,
        dialect: Dialect,
        schema: &Schema,
    ) -> Result<Cascade, StorageError> {
        let mut removed: Vec<(String, Vec<i64>)> = Vec::new();
        for (table, id) in self.removed {
            match removed.iter_mut().find(|(name, _)| *name == table) {
                Some((_, ids)) => ids.push(id),
                None => removed.push((table, vec![id])),
            }
        }
        let mut cascade = Cascade { removed: Vec::new(), changed: Vec::new() };
        for (table, ids) in removed {
            let records = read_records(transaction, dialect, schema, &table, &ids).await?;
            cascade.removed.push((table, records));
        }
        let mut changed: BTreeMap<String, Vec<(i64, Vec<String>)>> = BTreeMap::new();
        for ((table, id), cleared) in self.changed {
            changed.entry(table).or_default().push((id, cleared));
        }
        for (table, mut entries) in changed {
            let ids: Vec<i64> = entries.iter().map(|(id, _)| *id).collect();
            lock_rows(transaction, dialect, &table, &ids).await?;
            let records = read_records(transaction, dialect, schema, &table, &ids).await?;
            let with_cleared = records
                .into_iter()
                .filter_map(|record| {
                    let index = entries.iter().position(|(id, _)| *id == record.id)?;
                    Some(ChangedRecord { before: record, cleared: entries.swap_remove(index).1 })
                })
                .collect();
            cascade.changed.push((table, with_cleared));
        }
        Ok(cascade)
    }
}

async fn read_records(
    transaction: &mut Transaction,
    dialect: Dialect,
    schema: &Schema,
    table: &str,
    ids: &[i64],
) -> Result<Vec<Record>, StorageError> {
    let (layout, _) = TableLayout::of(schema, table)?;
    let mut records = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        records.extend(fetch_by_ids(transaction, dialect, &layout, chunk).await?);
    }
    records.sort_by_key(|record| record.id);
    Ok(records)
}

/// `FOR UPDATE` on PostgreSQL; SQLite's writer holds the whole database already.
fn row_lock(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => " FOR UPDATE",
        Dialect::Sqlite => "",
    }
}

fn in_list(dialect: Dialect, count: usize) -> String {
    dialect.placeholders(1..=count)
}

/// Locks the rows of records `ids` of `table` for the rest of the transaction.
async fn lock_rows(
    transaction: &mut Transaction,
    dialect: Dialect,
    table: &str,
    ids: &[i64],
) -> Result<(), StorageError> {
    if dialect == Dialect::Sqlite {
        return Ok(());
    }
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let statement = format!(
            "SELECT {id} FROM {} WHERE {id} IN ({}) FOR UPDATE",
            dialect.quote(table),
            in_list(dialect, chunk.len()),
            id = dialect.quote("id")
        );
        let params: Vec<SqlValue> = chunk.iter().map(|id| SqlValue::Integer(*id)).collect();
        transaction.fetch(&statement, &params, &[ColumnType::Integer]).await.map_err(unavailable)?;
    }
    Ok(())
}

/// The records of `referencing` whose field `field` refers to one of `ids` (through `link`,
/// for a many-to-many field), locked: pairs of the referencing record and the record it names.
async fn referencing_rows(
    transaction: &mut Transaction,
    dialect: Dialect,
    referencing: &TableSchema,
    field: &str,
    link: Option<&LinkTable>,
    ids: &[i64],
) -> Result<Vec<(i64, i64)>, StorageError> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let (table, source, target) = match link {
            Some(link) => (link.name(), "source_id", "target_id"),
            None => (referencing.name().to_owned(), "id", field),
        };
        let query = format!(
            "SELECT {}, {} FROM {} WHERE {} IN ({}) ORDER BY 1{}",
            dialect.quote(source),
            dialect.quote(target),
            dialect.quote(&table),
            dialect.quote(target),
            in_list(dialect, chunk.len()),
            row_lock(dialect)
        );
        let params: Vec<SqlValue> = chunk.iter().map(|id| SqlValue::Integer(*id)).collect();
        let found = transaction
            .fetch(&query, &params, &[ColumnType::Integer, ColumnType::Integer])
            .await
            .map_err(unavailable)?;
        rows.extend(found.iter().filter_map(|row| Some((row[0].as_i64()?, row[1].as_i64()?))));
    }
    Ok(rows)
}
