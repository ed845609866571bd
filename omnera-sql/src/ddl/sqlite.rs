//! SQLite DDL. SQLite alters little in place (rename, add a nullable column), so other changes
//! rebuild the table: create the new shape, copy the rows, drop the old, rename the new.

use std::collections::BTreeSet;

use super::{
    column_definition, create_index, create_link, references_clause, rename_column, rename_table,
    system_columns,
};
use crate::dialect::Dialect;
use crate::physical::{ColumnType, PhysicalColumn, PhysicalSchema, PhysicalTable};
use crate::plan::Change;

const DIALECT: Dialect = Dialect::Sqlite;

pub(super) fn statements(
    changes: &[Change],
    old: Option<&PhysicalSchema>,
    new: &PhysicalSchema,
) -> Vec<String> {
    let rebuilt = tables_to_rebuild(changes);
    let quote = |name: &str| DIALECT.quote(name);
    let mut statements = Vec::new();
    for change in changes {
        match change {
            Change::RenameTable { from, to } => {
                statements.push(rename_table(DIALECT, from, to));
            }
            Change::CreateTable(table) => {
                statements.push(create_table(table, &table.name, new));
                statements.extend(table.indexes.iter().map(|index| create_index(DIALECT, table, index)));
            }
            Change::RenameColumn { table, from, to } => {
                statements.push(rename_column(DIALECT, table, from, to));
            }
            Change::AddColumn { table, column } if !rebuilt.contains(table) => {
                let references = references_clause(DIALECT, column, new).unwrap_or_default();
                statements.push(format!(
                    "ALTER TABLE {} ADD COLUMN {}{references}",
                    quote(table),
                    column_definition(DIALECT, column)
                ));
            }
            Change::DropIndex { table, index } if !rebuilt.contains(table) => {
                statements.push(format!("DROP INDEX IF EXISTS {}", quote(&index.name)));
            }
            Change::CreateIndex { table, index } if !rebuilt.contains(table) => {
                if let Some(physical) = new.table_named(table) {
                    statements.push(create_index(DIALECT, physical, index));
                }
            }
            Change::CreateLink(link) => statements.extend(create_link(DIALECT, link, new)),
            Change::DropLink(link) => {
                statements.push(format!("DROP TABLE IF EXISTS {}", quote(&link.name())));
            }
            Change::DropTable { table } => statements.push(format!("DROP TABLE {}", quote(table))),
            Change::AddColumn { .. }
            | Change::AlterColumn { .. }
            | Change::DropColumn { .. }
            | Change::DropIndex { .. }
            | Change::CreateIndex { .. } => {}
        }
    }
    for table in new.tables.iter().filter(|table| rebuilt.contains(&table.name)) {
        let before = old.and_then(|old| old.table_by_id(table.id));
        statements.extend(rebuild(table, before, new));
    }
    statements
}

/// Tables whose changes SQLite cannot make in place.
fn tables_to_rebuild(changes: &[Change]) -> BTreeSet<String> {
    changes
        .iter()
        .filter_map(|change| match change {
            Change::AlterColumn { table, .. } | Change::DropColumn { table, .. } => Some(table.clone()),
            Change::AddColumn { table, column }
                if column.not_null && column.column_type != ColumnType::Boolean =>
            {
                Some(table.clone())
            }
            _ => None,
        })
        .collect()
}

fn create_table(table: &PhysicalTable, name: &str, schema: &PhysicalSchema) -> String {
    let mut columns = vec![system_columns(DIALECT, table.id)];
    columns.extend(table.columns.iter().map(|column| {
        column_definition(DIALECT, column) + &references_clause(DIALECT, column, schema).unwrap_or_default()
    }));
    format!("CREATE TABLE {} ({})", DIALECT.quote(name), columns.join(", "))
}

fn rebuild(table: &PhysicalTable, before: Option<&PhysicalTable>, schema: &PhysicalSchema) -> Vec<String> {
    let quote = |name: &str| DIALECT.quote(name);
    let scratch = format!("_omnera_rebuild_{}", table.id);
    let mut targets =
        vec!["id", "created_at", "updated_at", "_version"].into_iter().map(quote).collect::<Vec<_>>();
    let mut sources = targets.clone();
    for column in &table.columns {
        let Some(old) = before.and_then(|before| before.column_by_field(column.field_id)) else { continue };
        targets.push(quote(&column.name));
        sources.push(copy_expression(old, column));
    }
    let mut statements = vec![
        create_table(table, &scratch, schema),
        format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            quote(&scratch),
            targets.join(", "),
            sources.join(", "),
            quote(&table.name)
        ),
        format!("DROP TABLE {}", quote(&table.name)),
        rename_table(DIALECT, &scratch, &table.name),
    ];
    statements.extend(table.indexes.iter().map(|index| create_index(DIALECT, table, index)));
    statements
}

/// How an old column's values become the new column's. Decimals are counts of units of their
/// scale: a larger scale multiplies them, a smaller one (or an integer) divides them, rounding
/// half away from zero as PostgreSQL's `round` and its casts do.
fn copy_expression(old: &PhysicalColumn, new: &PhysicalColumn) -> String {
    let name = DIALECT.quote(&new.name);
    match (old.column_type, new.column_type) {
        (ColumnType::Integer, ColumnType::Decimal { scale }) => scaled_up(&name, scale),
        (ColumnType::Decimal { scale }, ColumnType::Integer) => scaled_down(&name, scale),
        (ColumnType::Decimal { scale: old }, ColumnType::Decimal { scale: new }) if new > old => {
            scaled_up(&name, new - old)
        }
        (ColumnType::Decimal { scale: old }, ColumnType::Decimal { scale: new }) if new < old => {
            scaled_down(&name, old - new)
        }
        (ColumnType::Decimal { scale }, ColumnType::Text | ColumnType::Choice) => text_of_count(&name, scale),
        (ColumnType::TextDecimal | ColumnType::Text | ColumnType::Choice, ColumnType::Decimal { scale }) => {
            count_of_text(&name, scale)
        }
        _ => name,
    }
}

/// `name` times 10^`digits`. (A product past 64 bits becomes a REAL, which the migration's check
/// of the new values refuses.)
fn scaled_up(name: &str, digits: u32) -> String {
    format!("{name} * {}", 10i64.pow(digits))
}

/// `name` divided by 10^`digits`, rounded half away from zero.
fn scaled_down(name: &str, digits: u32) -> String {
    let factor = 10i64.pow(digits);
    let half = factor / 2;
    format!("CASE WHEN {name} < 0 THEN ({name} - {half}) / {factor} ELSE ({name} + {half}) / {factor} END")
}

/// The count of units of `scale` of a decimal written as text (`-12.5` at scale 2 is -1250), as
/// the text format of older databases or a text field made a decimal holds it: the digits before the point, then those after it padded with zeros to the scale.
/// (Digits beyond the scale, which only a precision lowered before this format left, are cut.)
fn count_of_text(name: &str, scale: u32) -> String {
    let point = format!("instr({name}, '.')");
    let zeros = "0".repeat(usize::try_from(scale).unwrap_or(0));
    let count = format!(
        "CASE WHEN {point} = 0 THEN {name} || '{zeros}' \
         ELSE substr({name}, 1, {point} - 1) || substr(substr({name}, {point} + 1) || '{zeros}', 1, {scale}) END"
    );
    format!("CAST({count} AS INTEGER)")
}

/// The canonical text of a count of units of `scale` (1250 at scale 2 is `12.50`), as
/// PostgreSQL writes a NUMERIC as text.
fn text_of_count(name: &str, scale: u32) -> String {
    if scale == 0 {
        return format!("CAST({name} AS TEXT)");
    }
    let factor = 10i64.pow(scale);
    let zeros = "0".repeat(usize::try_from(scale).unwrap_or(0));
    format!(
        "CASE WHEN {name} < 0 THEN '-' ELSE '' END || (abs({name}) / {factor}) || '.' \
         || substr('{zeros}' || (abs({name}) % {factor}), -{scale})"
    )
}
