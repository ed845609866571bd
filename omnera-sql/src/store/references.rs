//! Reference checks made before a write, so that the error names the field: a value that names
//! no record. (What a delete does to records that refer to it is `cascade`'s.)

use omnera_core::backend::{RecordValues, StorageError};
use omnera_core::{FieldKind, FieldValue, TableSchema};

use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::error::{single_integer, unavailable};
use crate::physical::ColumnType;
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
