//! PostgreSQL DDL: transactional, with foreign keys added once every table exists.

use super::{
    column_definition, create_index, create_link, references_clause, rename_column, rename_table,
    system_columns,
};
use crate::dialect::Dialect;
use crate::physical::{ColumnType, PhysicalColumn, PhysicalSchema};
use crate::plan::Change;

const DIALECT: Dialect = Dialect::Postgres;

pub(super) fn statements(changes: &[Change], new: &PhysicalSchema) -> Vec<String> {
    let mut statements = Vec::new();
    let mut foreign_keys = Vec::new();
    let quote = |name: &str| DIALECT.quote(name);
    for change in changes {
        match change {
            Change::RenameTable { from, to } => {
                statements.push(rename_table(DIALECT, from, to));
            }
            Change::CreateTable(table) => {
                let mut columns = vec![system_columns(DIALECT, table.id)];
                columns.extend(table.columns.iter().map(|column| column_definition(DIALECT, column)));
                statements.push(format!("CREATE TABLE {} ({})", quote(&table.name), columns.join(", ")));
                for column in &table.columns {
                    foreign_keys.extend(add_foreign_key(&table.name, table.id, column, new));
                }
                statements.extend(table.indexes.iter().map(|index| create_index(DIALECT, table, index)));
            }
            Change::AddColumn { table, column } => {
                let mut nullable = column.clone();
                nullable.not_null = column.column_type == crate::physical::ColumnType::Boolean;
                statements.push(format!(
                    "ALTER TABLE {} ADD COLUMN {}",
                    quote(table),
                    column_definition(DIALECT, &nullable)
                ));
                if column.not_null && !nullable.not_null {
                    statements.push(format!(
                        "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL",
                        quote(table),
                        quote(&column.name)
                    ));
                }
                let table_id = new.table_named(table).map_or(0, |found| found.id);
                foreign_keys.extend(add_foreign_key(table, table_id, column, new));
            }
            Change::RenameColumn { table, from, to } => {
                statements.push(rename_column(DIALECT, table, from, to));
            }
            Change::AlterColumn { table, old, new: column } => {
                let target = quote(table);
                let name = quote(&column.name);
                if let Some(using) = converted(&name, old.column_type, column.column_type) {
                    let sql_type = DIALECT.column_type(column.column_type);
                    statements.push(format!(
                        "ALTER TABLE {target} ALTER COLUMN {name} TYPE {sql_type} USING {using}"
                    ));
                }
                if old.not_null != column.not_null {
                    let action = if column.not_null { "SET" } else { "DROP" };
                    statements.push(format!("ALTER TABLE {target} ALTER COLUMN {name} {action} NOT NULL"));
                }
                if old.references != column.references {
                    let table_id = new.table_named(table).map_or(0, |found| found.id);
                    let constraint = quote(&format!("fk_{table_id}_{}", column.field_id));
                    statements.push(format!("ALTER TABLE {target} DROP CONSTRAINT IF EXISTS {constraint}"));
                    foreign_keys.extend(add_foreign_key(table, table_id, column, new));
                }
            }
            Change::DropIndex { index, .. } => {
                statements.push(format!("DROP INDEX IF EXISTS {}", quote(&index.name)));
            }
            Change::CreateIndex { table, index } => {
                if let Some(physical) = new.table_named(table) {
                    statements.push(create_index(DIALECT, physical, index));
                }
            }
            Change::CreateLink(link) => foreign_keys.extend(create_link(DIALECT, link, new)),
            Change::DropLink(link) => {
                statements.push(format!("DROP TABLE IF EXISTS {}", quote(&link.name())));
            }
            Change::DropColumn { table, column } => {
                statements.push(format!("ALTER TABLE {} DROP COLUMN {}", quote(table), quote(column)));
            }
            Change::DropTable { table } => statements.push(format!("DROP TABLE {} CASCADE", quote(table))),
        }
    }
    statements.extend(foreign_keys);
    statements
}

fn add_foreign_key(
    table: &str,
    table_id: u64,
    column: &PhysicalColumn,
    schema: &PhysicalSchema,
) -> Option<String> {
    let references = references_clause(DIALECT, column, schema)?;
    Some(format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}){references}",
        DIALECT.quote(table),
        DIALECT.quote(&format!("fk_{table_id}_{}", column.field_id)),
        DIALECT.quote(&column.name)
    ))
}

/// How a column's values become those of its new type, when they change: a decimal of a smaller
/// scale is rounded to it (half away from zero, as SQLite's rebuild rounds); NUMERIC keeps any
/// other scale as it is.
fn converted(name: &str, old: ColumnType, new: ColumnType) -> Option<String> {
    match (old, new) {
        (ColumnType::Decimal { scale: old }, ColumnType::Decimal { scale }) if scale < old => {
            Some(format!("round({name}, {scale})"))
        }
        _ if DIALECT.column_type(old) == DIALECT.column_type(new) => None,
        _ => Some(format!("{name}::{}", DIALECT.column_type(new))),
    }
}
