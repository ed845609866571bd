//! The migration planner: compares the applied physical schema with a new one and lists the
//! changes, in an order that can run.

use omnera_core::backend::{MigrationPlan, MigrationStep};

use crate::physical::{LinkTable, PhysicalColumn, PhysicalIndex, PhysicalSchema, PhysicalTable};

/// One change of the database's structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    RenameTable { from: String, to: String },
    CreateTable(PhysicalTable),
    AddColumn { table: String, column: PhysicalColumn },
    RenameColumn { table: String, from: String, to: String },
    AlterColumn { table: String, old: PhysicalColumn, new: PhysicalColumn },
    DropIndex { table: String, index: PhysicalIndex },
    CreateIndex { table: String, index: PhysicalIndex },
    CreateLink(LinkTable),
    DropLink(LinkTable),
    DropColumn { table: String, column: String },
    DropTable { table: String },
}

impl Change {
    /// Whether the change loses data that the database holds.
    pub(crate) fn loses_data(&self) -> bool {
        match self {
            Self::DropTable { .. } | Self::DropColumn { .. } | Self::DropLink(_) => true,
            Self::AlterColumn { old, new, .. } => !new.column_type.widens(old.column_type),
            _ => false,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Self::RenameTable { from, to } => format!("rename table {from} to {to}"),
            Self::CreateTable(table) => format!("create table {}", table.name),
            Self::AddColumn { table, column } => format!("add column {table}.{}", column.name),
            Self::RenameColumn { table, from, to } => format!("rename column {table}.{from} to {to}"),
            Self::AlterColumn { table, old, new } => {
                let mut what = Vec::new();
                if old.column_type != new.column_type {
                    what.push(format!("type {:?} to {:?}", old.column_type, new.column_type).to_lowercase());
                }
                if old.not_null != new.not_null {
                    what.push(if new.not_null {
                        "make required".to_owned()
                    } else {
                        "make optional".to_owned()
                    });
                }
                if old.references != new.references {
                    what.push("change its reference".to_owned());
                }
                format!("alter column {table}.{}: {}", new.name, what.join(", "))
            }
            Self::DropIndex { table, index } => format!("drop index {} on {table}", index.name),
            Self::CreateIndex { table, index } => {
                format!("create {}index {} on {table}", if index.unique { "unique " } else { "" }, index.name)
            }
            Self::CreateLink(link) => format!("create link table {}", link.name()),
            Self::DropLink(link) => format!("drop link table {} and its links", link.name()),
            Self::DropColumn { table, column } => format!("drop column {table}.{column} and its values"),
            Self::DropTable { table } => format!("drop table {table} and its records"),
        }
    }
}

/// The changes from `old` (`None`: nothing applied yet) to `new`.
pub(crate) fn plan_changes(old: Option<&PhysicalSchema>, new: &PhysicalSchema) -> Vec<Change> {
    let empty = PhysicalSchema { tables: Vec::new(), links: Vec::new() };
    let old = old.unwrap_or(&empty);
    let mut changes = Vec::new();
    let mut drops = Vec::new();

    for table in &new.tables {
        let Some(before) = old.table_by_id(table.id) else {
            changes.push(Change::CreateTable(table.clone()));
            continue;
        };
        if before.name != table.name {
            changes.push(Change::RenameTable { from: before.name.clone(), to: table.name.clone() });
        }
        plan_columns(before, table, &mut changes, &mut drops);
        plan_indexes(before, table, &mut changes);
    }
    for table in &old.tables {
        if new.table_by_id(table.id).is_none() {
            drops.push(Change::DropTable { table: table.name.clone() });
        }
    }
    for link in &new.links {
        match old
            .links
            .iter()
            .find(|old_link| old_link.table_id == link.table_id && old_link.field_id == link.field_id)
        {
            Some(old_link) if old_link == link => {}
            Some(old_link) => {
                drops.push(Change::DropLink(old_link.clone()));
                changes.push(Change::CreateLink(link.clone()));
            }
            None => changes.push(Change::CreateLink(link.clone())),
        }
    }
    for link in &old.links {
        if !new
            .links
            .iter()
            .any(|new_link| new_link.table_id == link.table_id && new_link.field_id == link.field_id)
        {
            drops.insert(0, Change::DropLink(link.clone()));
        }
    }
    // Link tables go before the tables they refer to; everything dropped goes last.
    changes.extend(drops);
    changes
}

fn plan_columns(
    before: &PhysicalTable,
    table: &PhysicalTable,
    changes: &mut Vec<Change>,
    drops: &mut Vec<Change>,
) {
    for column in &table.columns {
        match before.column_by_field(column.field_id) {
            None => changes.push(Change::AddColumn { table: table.name.clone(), column: column.clone() }),
            Some(old) => {
                if old.name != column.name {
                    changes.push(Change::RenameColumn {
                        table: table.name.clone(),
                        from: old.name.clone(),
                        to: column.name.clone(),
                    });
                }
                let renamed_old = PhysicalColumn { name: column.name.clone(), ..old.clone() };
                if &renamed_old != column {
                    changes.push(Change::AlterColumn {
                        table: table.name.clone(),
                        old: renamed_old,
                        new: column.clone(),
                    });
                }
            }
        }
    }
    for old in &before.columns {
        if table.column_by_field(old.field_id).is_none() {
            drops.push(Change::DropColumn { table: table.name.clone(), column: old.name.clone() });
        }
    }
}

fn plan_indexes(before: &PhysicalTable, table: &PhysicalTable, changes: &mut Vec<Change>) {
    for old in &before.indexes {
        if !table.indexes.contains(old) {
            changes.push(Change::DropIndex { table: table.name.clone(), index: old.clone() });
        }
    }
    for index in &table.indexes {
        if !before.indexes.contains(index) {
            changes.push(Change::CreateIndex { table: table.name.clone(), index: index.clone() });
        }
    }
}

/// The changes as people read them.
pub(crate) fn describe(changes: &[Change]) -> MigrationPlan {
    MigrationPlan::new(
        changes.iter().map(|change| MigrationStep::new(change.describe(), change.loses_data())).collect(),
    )
}
