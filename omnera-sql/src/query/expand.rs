//! Expand: embedding related records, one query per relationship and level, never one per row.

use std::collections::{BTreeMap, BTreeSet};

use omnera_core::backend::{Record, StorageError};
use omnera_core::config::RelationType;
use omnera_core::{FieldKind, FieldValue, Schema, TableSchema};

use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::store::{TableLayout, fetch_by_ids};

/// The deepest expand path.
pub(crate) const MAX_EXPAND_DEPTH: usize = 3;

pub(crate) async fn expand(
    transaction: &mut Transaction,
    dialect: Dialect,
    schema: &Schema,
    table: &TableSchema,
    records: &mut [Record],
    paths: &[String],
) -> Result<(), StorageError> {
    let mut by_first: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for path in paths {
        let segments: Vec<&str> = path.split('.').collect();
        if segments.len() > MAX_EXPAND_DEPTH || segments.iter().any(|segment| segment.is_empty()) {
            return Err(StorageError::InvalidQuery {
                table: table.name().to_owned(),
                reason: format!("cannot expand `{path}`: at most {MAX_EXPAND_DEPTH} levels"),
            });
        }
        let rest = segments[1..].join(".");
        let nested = by_first.entry(segments[0]).or_default();
        if !rest.is_empty() {
            nested.push(rest);
        }
    }
    for (field_name, nested) in by_first {
        let field = table.field(field_name).ok_or_else(|| StorageError::InvalidQuery {
            table: table.name().to_owned(),
            reason: format!("cannot expand `{field_name}`: no such field"),
        })?;
        let FieldKind::Relationship(options) = field.kind() else {
            return Err(StorageError::InvalidQuery {
                table: table.name().to_owned(),
                reason: format!("cannot expand `{field_name}`: it is not a relationship"),
            });
        };
        let target = schema
            .table(&options.related_table)
            .ok_or_else(|| StorageError::UnknownTable { table: options.related_table.clone() })?;
        let ids: BTreeSet<i64> = records
            .iter()
            .flat_map(|record| match record.values.get(field_name) {
                Some(FieldValue::Reference(id)) => vec![*id],
                Some(FieldValue::References(ids)) => ids.clone(),
                _ => Vec::new(),
            })
            .collect();
        let mut related = fetch_many(transaction, dialect, schema, target.name(), &ids).await?;
        Box::pin(expand(transaction, dialect, schema, target, &mut related, &nested)).await?;
        let by_id: BTreeMap<i64, Record> = related.into_iter().map(|record| (record.id, record)).collect();
        for record in records.iter_mut() {
            let wanted: Vec<i64> = match record.values.get(field_name) {
                Some(FieldValue::Reference(id)) => vec![*id],
                Some(FieldValue::References(ids)) if options.relation_type == RelationType::ManyToMany => {
                    ids.clone()
                }
                _ => Vec::new(),
            };
            let embedded = wanted.iter().filter_map(|id| by_id.get(id).cloned()).collect();
            record.expanded.insert(field_name.to_owned(), embedded);
        }
    }
    Ok(())
}

async fn fetch_many(
    transaction: &mut Transaction,
    dialect: Dialect,
    schema: &Schema,
    table: &str,
    ids: &BTreeSet<i64>,
) -> Result<Vec<Record>, StorageError> {
    let (layout, _) = TableLayout::of(schema, table)?;
    let ids: Vec<i64> = ids.iter().copied().collect();
    fetch_by_ids(transaction, dialect, &layout, &ids).await
}
