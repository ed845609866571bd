//! Reading records: one by id, and turning rows into records.

use std::collections::BTreeMap;

use omnera_core::FieldValue;
use omnera_core::backend::{Record, StorageError};

use super::layout::TableLayout;
use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::error::{corrupt, unavailable};
use crate::physical::ColumnType;
use crate::sql_value::SqlValue;

/// A row read with [`TableLayout::select_list`] as a record (links not yet loaded).
pub(crate) fn record_from_row(layout: &TableLayout, row: Vec<SqlValue>) -> Result<Record, StorageError> {
    let mut cells = row.into_iter();
    let table = layout.name.as_str();
    let mut next = || cells.next().ok_or_else(|| corrupt(table, "a row has fewer columns than its table"));
    let id = next()?.as_i64().ok_or_else(|| corrupt(table, "a row has no id"))?;
    let created_at =
        next()?.as_timestamp().ok_or_else(|| corrupt(table, format!("record {id} has no created_at")))?;
    let updated_at =
        next()?.as_timestamp().ok_or_else(|| corrupt(table, format!("record {id} has no updated_at")))?;
    let version = next()?.as_i64().ok_or_else(|| corrupt(table, format!("record {id} has no _version")))?;
    let mut values = BTreeMap::new();
    for column in &layout.columns {
        let value = match next()? {
            SqlValue::Null(ColumnType::TextList) => FieldValue::Choices(Vec::new()),
            SqlValue::Integer(id) if column.column_type == ColumnType::Reference => FieldValue::Reference(id),
            other => other.into_field(),
        };
        values.insert(column.name.clone(), value);
    }
    let mut record = Record::new(id, created_at, updated_at, version);
    record.values = values;
    Ok(record)
}

/// Loads the many-to-many links of `records` (one query per link field, never one per record).
pub(crate) async fn load_links(
    transaction: &mut Transaction,
    dialect: Dialect,
    layout: &TableLayout,
    records: &mut [Record],
) -> Result<(), StorageError> {
    if records.is_empty() {
        return Ok(());
    }
    let ids: Vec<SqlValue> = records.iter().map(|record| SqlValue::Integer(record.id)).collect();
    let placeholders: Vec<String> = (1..=ids.len()).map(|index| dialect.placeholder(index)).collect();
    for link in &layout.links {
        let query = format!(
            "SELECT source_id, target_id FROM {} WHERE source_id IN ({}) ORDER BY source_id, position, target_id",
            dialect.quote(&link.link_table),
            placeholders.join(", ")
        );
        let rows = transaction
            .fetch(&query, &ids, &[ColumnType::Integer, ColumnType::Integer])
            .await
            .map_err(unavailable)?;
        let mut by_source: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for row in rows {
            let [SqlValue::Integer(source), SqlValue::Integer(target)] = row.as_slice() else {
                return Err(corrupt(&link.link_table, format!("a link reads back as {row:?}")));
            };
            by_source.entry(*source).or_default().push(*target);
        }
        for record in records.iter_mut() {
            let targets = by_source.remove(&record.id).unwrap_or_default();
            record.values.insert(link.name.clone(), FieldValue::References(targets));
        }
    }
    Ok(())
}

/// Fills what a record's row does not hold: its many-to-many links and its files (one query
/// per link field and one for the files, whatever the number of records).
pub(crate) async fn complete_records(
    transaction: &mut Transaction,
    dialect: Dialect,
    layout: &TableLayout,
    records: &mut [Record],
) -> Result<(), StorageError> {
    load_links(transaction, dialect, layout, records).await?;
    super::files::load_files(transaction, dialect, layout, records).await
}

/// Reads the records with these ids (those that exist), complete.
pub(crate) async fn fetch_by_ids(
    transaction: &mut Transaction,
    dialect: Dialect,
    layout: &TableLayout,
    ids: &[i64],
) -> Result<Vec<Record>, StorageError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let params: Vec<SqlValue> = ids.iter().map(|id| SqlValue::Integer(*id)).collect();
    let placeholders: Vec<String> = (1..=params.len()).map(|index| dialect.placeholder(index)).collect();
    let query = format!(
        "SELECT {} FROM {} AS {} WHERE {}.{} IN ({})",
        layout.select_list(dialect, "r"),
        dialect.quote(&layout.name),
        dialect.quote("r"),
        dialect.quote("r"),
        dialect.quote("id"),
        placeholders.join(", ")
    );
    let rows = transaction.fetch(&query, &params, &layout.row_types()).await.map_err(unavailable)?;
    let mut records =
        rows.into_iter().map(|row| record_from_row(layout, row)).collect::<Result<Vec<_>, _>>()?;
    complete_records(transaction, dialect, layout, &mut records).await?;
    Ok(records)
}

/// Reads one record in `transaction`.
pub(crate) async fn fetch_one(
    transaction: &mut Transaction,
    dialect: Dialect,
    layout: &TableLayout,
    id: i64,
) -> Result<Record, StorageError> {
    fetch_by_ids(transaction, dialect, layout, &[id])
        .await?
        .pop()
        .ok_or_else(|| StorageError::NotFound { table: layout.name.clone(), id })
}
