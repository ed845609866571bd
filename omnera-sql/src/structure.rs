//! The structure of the database as the database itself reports it: tables, columns, foreign
//! keys and indexes. The planner's tests compare it with the structure a schema should give.

use omnera_core::backend::StorageError;

use crate::connection::Transaction;
use crate::database::Database;
use crate::error::unavailable;
use crate::physical::ColumnType;
use crate::sql_value::SqlValue;

/// One line per table, column, foreign key and index of the app's tables (system tables left
/// out), sorted, so that two databases with the same structure give the same text.
pub(crate) async fn describe(database: &Database) -> Result<String, StorageError> {
    let mut transaction = database.begin_read().await?;
    let mut lines = match database {
        #[cfg(feature = "sqlite")]
        Database::Sqlite { .. } => sqlite(&mut transaction).await?,
        #[cfg(feature = "postgres")]
        Database::Postgres(_) => postgres(&mut transaction).await?,
    };
    lines.sort();
    Ok(lines.join("\n"))
}

fn text(value: &SqlValue) -> String {
    match value {
        SqlValue::Text(text) => text.clone(),
        SqlValue::Integer(number) => number.to_string(),
        SqlValue::Bool(flag) => flag.to_string(),
        _ => String::new(),
    }
}

async fn rows(
    transaction: &mut Transaction,
    query: &str,
    width: usize,
) -> Result<Vec<Vec<String>>, StorageError> {
    let columns = vec![ColumnType::Text; width];
    let rows = transaction.fetch(query, &[], &columns).await.map_err(unavailable)?;
    Ok(rows.iter().map(|row| row.iter().map(text).collect()).collect())
}

#[cfg(feature = "sqlite")]
async fn sqlite(transaction: &mut Transaction) -> Result<Vec<String>, StorageError> {
    let tables = rows(
        transaction,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND (name NOT LIKE '\\_omnera\\_%' ESCAPE '\\' OR name LIKE '\\_omnera\\_link\\_%' ESCAPE '\\')",
        1,
    )
    .await?;
    let mut lines = Vec::new();
    for table in tables.iter().map(|row| row[0].clone()) {
        let quoted = table.replace('"', "\"\"");
        for column in rows(
            transaction,
            &format!(
                "SELECT name, type, CAST(\"notnull\" AS TEXT), COALESCE(dflt_value, ''), CAST(pk AS TEXT) \
             FROM pragma_table_info(\"{quoted}\")"
            ),
            5,
        )
        .await?
        {
            lines.push(format!(
                "column {table}.{} {} notnull={} default={} pk={}",
                column[0], column[1], column[2], column[3], column[4]
            ));
        }
        let keys = format!(
            "SELECT \"from\", \"table\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(\"{quoted}\")"
        );
        for key in rows(transaction, &keys, 5).await? {
            lines.push(format!(
                "foreign key {table}.{} -> {}.{} on update {} on delete {}",
                key[0], key[1], key[2], key[3], key[4]
            ));
        }
    }
    let indexes = rows(
        transaction,
        "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
         AND (tbl_name NOT LIKE '\\_omnera\\_%' ESCAPE '\\' OR tbl_name LIKE '\\_omnera\\_link\\_%' ESCAPE '\\')",
        3,
    )
    .await?;
    for index in indexes {
        lines.push(format!("index {}.{}: {}", index[0], index[1], index[2]));
    }
    Ok(lines)
}

#[cfg(feature = "postgres")]
async fn postgres(transaction: &mut Transaction) -> Result<Vec<String>, StorageError> {
    let app_tables = "(c.relname NOT LIKE '\\_omnera\\_%' OR c.relname LIKE '\\_omnera\\_link\\_%')";
    let columns = format!(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text, \
         COALESCE(pg_get_expr(d.adbin, d.adrelid), '') FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND {app_tables}"
    );
    let mut lines = Vec::new();
    for column in rows(transaction, &columns, 5).await? {
        lines.push(format!(
            "column {}.{} {} notnull={} default={}",
            column[0], column[1], column[2], column[3], column[4]
        ));
    }
    let constraints = format!(
        "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND {app_tables}"
    );
    for constraint in rows(transaction, &constraints, 3).await? {
        lines.push(format!("constraint {}.{}: {}", constraint[0], constraint[1], constraint[2]));
    }
    let indexes = "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                   AND (tablename NOT LIKE '\\_omnera\\_%' OR tablename LIKE '\\_omnera\\_link\\_%')";
    for index in rows(transaction, indexes, 3).await? {
        lines.push(format!("index {}.{}: {}", index[0], index[1], index[2]));
    }
    Ok(lines)
}
