//! Reference checks made before a write, so that the error names the field or the table:
//! a value that names no record, and a delete of a record that others still refer to.

use omnera_core::backend::{RecordValues, StorageError};
use omnera_core::config::{ReferentialAction, RelationType};
use omnera_core::{FieldKind, FieldValue, Schema, TableSchema};

use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::error::{single_integer, unavailable};
use crate::physical::{ColumnType, LinkTable};
use crate::sql_value::SqlValue;

/// Refuses values of relationship fields that name records which do not exist.
pub(crate) async fn check_references_exist(
    transaction: &mut Transaction,
    dialect: Dialect,
    table: &TableSchema,
    values: &RecordValues,
) -> Result<(), StorageError> {
    for field in table.fields() {
        let FieldKind::Relationship(options) = field.kind() else { continue };
        let ids: Vec<i64> = match values.get(field.name()) {
            Some(FieldValue::Reference(id)) => vec![*id],
            Some(FieldValue::References(ids)) => ids.clone(),
            _ => continue,
        };
        if ids.is_empty() {
            continue;
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|index| dialect.placeholder(index)).collect();
        let query = format!(
            "SELECT COUNT(*) FROM {} WHERE {} IN ({})",
            dialect.quote(&options.related_table),
            dialect.quote("id"),
            placeholders.join(", ")
        );
        let params: Vec<SqlValue> = ids.iter().map(|id| SqlValue::Integer(*id)).collect();
        let rows = transaction.fetch(&query, &params, &[ColumnType::Integer]).await.map_err(unavailable)?;
        let found = single_integer(&rows, &options.related_table, "the count of referenced records")?;
        if found != ids.len() as i64 {
            return Err(StorageError::MissingReference {
                table: table.name().to_owned(),
                field: field.name().to_owned(),
            });
        }
    }
    Ok(())
}

/// Refuses to delete a record that a `restrict` (or `no-action`) relationship still refers to.
pub(crate) async fn check_not_referenced(
    transaction: &mut Transaction,
    dialect: Dialect,
    schema: &Schema,
    table: &TableSchema,
    id: i64,
) -> Result<(), StorageError> {
    for referencing in schema.tables() {
        for field in referencing.fields() {
            let FieldKind::Relationship(options) = field.kind() else { continue };
            let restricts =
                matches!(options.on_delete, ReferentialAction::Restrict | ReferentialAction::NoAction);
            if options.related_table != table.name() || !restricts {
                continue;
            }
            let query = if options.relation_type == RelationType::ManyToMany {
                let link = LinkTable {
                    table_id: referencing.id(),
                    field_id: field.id(),
                    target_table_id: table.id(),
                    on_delete: options.on_delete,
                };
                format!(
                    "SELECT COUNT(*) FROM {} WHERE target_id = {}",
                    dialect.quote(&link.name()),
                    dialect.placeholder(1)
                )
            } else {
                format!(
                    "SELECT COUNT(*) FROM {} WHERE {} = {}",
                    dialect.quote(referencing.name()),
                    dialect.quote(field.name()),
                    dialect.placeholder(1)
                )
            };
            let rows = transaction
                .fetch(&query, &[SqlValue::Integer(id)], &[ColumnType::Integer])
                .await
                .map_err(unavailable)?;
            if single_integer(&rows, referencing.name(), "the count of referencing records")? > 0 {
                return Err(StorageError::StillReferenced {
                    table: table.name().to_owned(),
                    id,
                    referencing_table: referencing.name().to_owned(),
                });
            }
        }
    }
    Ok(())
}
