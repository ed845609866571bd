//! DDL: the statements that carry out planned changes, per dialect.

mod postgres;
mod sqlite;

use omnera_core::config::ReferentialAction;

use crate::dialect::Dialect;
use crate::physical::{PhysicalColumn, PhysicalIndex, PhysicalSchema, PhysicalTable};
use crate::plan::Change;

/// The statements for `changes`, in order.
pub(crate) fn statements(
    dialect: Dialect,
    changes: &[Change],
    old: Option<&PhysicalSchema>,
    new: &PhysicalSchema,
) -> Vec<String> {
    match dialect {
        Dialect::Sqlite => sqlite::statements(changes, old, new),
        Dialect::Postgres => postgres::statements(changes, new),
    }
}

/// `"id" ..., "created_at" ..., "updated_at" ..., "_version" ...`: the system columns.
fn system_columns(dialect: Dialect) -> String {
    let timestamp = dialect.timestamp_type();
    format!(
        "{} {}, {} {timestamp} NOT NULL, {} {timestamp} NOT NULL, {} BIGINT NOT NULL DEFAULT 1",
        dialect.quote("id"),
        dialect.id_column(),
        dialect.quote("created_at"),
        dialect.quote("updated_at"),
        dialect.quote("_version"),
    )
}

/// A column definition without its foreign key.
fn column_definition(dialect: Dialect, column: &PhysicalColumn) -> String {
    let mut definition =
        format!("{} {}", dialect.quote(&column.name), dialect.column_type(column.column_type));
    if column.not_null {
        definition.push_str(" NOT NULL");
    }
    if column.column_type == crate::physical::ColumnType::Boolean {
        definition.push_str(match dialect {
            Dialect::Sqlite => " DEFAULT 0",
            Dialect::Postgres => " DEFAULT false",
        });
    }
    definition
}

/// ` REFERENCES "target" ("id") ON DELETE .. ON UPDATE ..` for a column that has a reference.
fn references_clause(dialect: Dialect, column: &PhysicalColumn, schema: &PhysicalSchema) -> Option<String> {
    let reference = column.references.as_ref()?;
    let target = schema.table_by_id(reference.table_id)?;
    Some(format!(
        " REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
        dialect.quote(&target.name),
        dialect.quote("id"),
        referential_action(reference.on_delete),
        referential_action(reference.on_update)
    ))
}

fn referential_action(action: ReferentialAction) -> &'static str {
    match action {
        ReferentialAction::Restrict => "RESTRICT",
        ReferentialAction::Cascade => "CASCADE",
        ReferentialAction::SetNull => "SET NULL",
        ReferentialAction::NoAction => "NO ACTION",
    }
}

/// An index in the order lists sort (empty values smallest), so it can serve them: PostgreSQL
/// puts NULLs first explicitly; SQLite does by nature, and indexes decimals (kept as text) by
/// their numeric value, as filters and sorts compare them.
fn create_index(dialect: Dialect, table: &PhysicalTable, index: &PhysicalIndex) -> String {
    let columns: Vec<String> = index
        .keys
        .iter()
        .map(|key| {
            let name = table.key_column(key);
            let column_type =
                table.columns.iter().find(|column| column.name == name).map(|column| column.column_type);
            let quoted = dialect.quote(&name);
            match (dialect, column_type) {
                (Dialect::Sqlite, Some(crate::physical::ColumnType::Decimal)) => {
                    format!("CAST({quoted} AS REAL)")
                }
                (Dialect::Sqlite, _) => quoted,
                (Dialect::Postgres, _) => format!("{quoted} NULLS FIRST"),
            }
        })
        .collect();
    format!(
        "CREATE {}INDEX {} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        dialect.quote(&index.name),
        dialect.quote(&table.name),
        columns.join(", ")
    )
}

fn create_link(dialect: Dialect, link: &crate::physical::LinkTable, schema: &PhysicalSchema) -> Vec<String> {
    let (Some(source), Some(target)) =
        (schema.table_by_id(link.table_id), schema.table_by_id(link.target_table_id))
    else {
        return Vec::new();
    };
    let integer = dialect.column_type(crate::physical::ColumnType::Reference);
    let on_delete = match link.on_delete {
        ReferentialAction::Restrict => "RESTRICT",
        _ => "CASCADE",
    };
    let name = link.name();
    vec![
        format!(
            "CREATE TABLE {table} ({source_id} {integer} NOT NULL REFERENCES {source} ({id}) ON DELETE CASCADE, \
             {target_id} {integer} NOT NULL REFERENCES {target} ({id}) ON DELETE {on_delete}, \
             {position} BIGINT NOT NULL DEFAULT 0, PRIMARY KEY ({source_id}, {target_id}))",
            table = dialect.quote(&name),
            source_id = dialect.quote("source_id"),
            target_id = dialect.quote("target_id"),
            position = dialect.quote("position"),
            source = dialect.quote(&source.name),
            target = dialect.quote(&target.name),
            id = dialect.quote("id"),
        ),
        format!(
            "CREATE INDEX {} ON {} ({})",
            dialect.quote(&format!("{name}_target")),
            dialect.quote(&name),
            dialect.quote("target_id")
        ),
    ]
}
