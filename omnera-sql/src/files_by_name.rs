//! Files recorded by the names of their table and field, as databases made before files were
//! keyed by ids hold them (system migration 9 set them aside in `_omnera_files_by_name`).
//!
//! The ids are known only once a schema is applied: a table's id from the layout applied
//! before (the names the rows were written under), the attachment field's id from the schema
//! being applied, by its name in that table. Each apply carries over the rows it can name and
//! keeps the others, logged: a table or field renamed or dropped before the upgrade, or an
//! attachment field renamed in the very apply that follows it. Such rows come back if a later
//! schema names them again.

use omnera_core::backend::StorageError;
use omnera_core::{FieldKind, Schema};

use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::error::{corrupt, unavailable};
use crate::physical::{ColumnType, PhysicalSchema};
use crate::sql_value::{SqlValue, schema_id};

const BY_NAME: &str = "_omnera_files_by_name";

/// Moves the files of `_omnera_files_by_name` that `old` and `schema` name into
/// `_omnera_files`, keeping their ids.
pub(crate) async fn carry_over(
    transaction: &mut Transaction,
    dialect: Dialect,
    old: Option<&PhysicalSchema>,
    schema: &Schema,
) -> Result<(), StorageError> {
    let groups = transaction
        .fetch(
            &format!(
                "SELECT table_name, field_name, COUNT(*) FROM {BY_NAME} GROUP BY table_name, field_name"
            ),
            &[],
            &[ColumnType::Text, ColumnType::Text, ColumnType::Integer],
        )
        .await
        .map_err(unavailable)?;
    for group in groups {
        let [SqlValue::Text(table), SqlValue::Text(field), SqlValue::Integer(count)] = group.as_slice()
        else {
            return Err(corrupt(BY_NAME, format!("a group of files reads back as {group:?}")));
        };
        let Some((table_id, field_id)) = ids(old, schema, table, field) else {
            tracing::warn!(
                table = %table,
                field = %field,
                count,
                "files recorded by name before files were keyed by ids are kept aside in {BY_NAME}: \
                 the schema has no attachment field of that name in that table"
            );
            continue;
        };
        let (table_id, field_id) = (schema_id(table_id)?, schema_id(field_id)?);
        let names = [SqlValue::Text(table.clone()), SqlValue::Text(field.clone())];
        let copy = format!(
            "INSERT INTO _omnera_files (id, table_id, field_id, record_id, location, name, size, mime_type, created_at) \
             SELECT id, {}, {}, record_id, location, name, size, mime_type, created_at FROM {BY_NAME} \
             WHERE table_name = {} AND field_name = {}",
            dialect.placeholder(1),
            dialect.placeholder(2),
            dialect.placeholder(3),
            dialect.placeholder(4)
        );
        let [table_param, field_param] = names.clone();
        transaction
            .execute(&copy, &[table_id, field_id, table_param, field_param])
            .await
            .map_err(unavailable)?;
        let forget = format!(
            "DELETE FROM {BY_NAME} WHERE table_name = {} AND field_name = {}",
            dialect.placeholder(1),
            dialect.placeholder(2)
        );
        transaction.execute(&forget, &names).await.map_err(unavailable)?;
        tracing::info!(table = %table, field = %field, count, "files carried over to table and field ids");
    }
    Ok(())
}

/// The ids of the table named `table` in `old` and of its attachment field named `field` in
/// `schema`.
fn ids(old: Option<&PhysicalSchema>, schema: &Schema, table: &str, field: &str) -> Option<(u64, u64)> {
    let table_id = old?.table_named(table)?.id;
    let table = schema.tables().iter().find(|candidate| candidate.id() == table_id)?;
    let field = table.field(field)?;
    matches!(field.kind(), FieldKind::SingleAttachment(_) | FieldKind::MultipleAttachments { .. })
        .then(|| (table_id, field.id()))
}
