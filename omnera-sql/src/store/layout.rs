//! Where a table's fields live: its columns, and the link tables of its many-to-many fields.

use omnera_core::backend::StorageError;
use omnera_core::config::RelationType;
use omnera_core::{FieldKind, Schema, TableSchema};

use crate::dialect::Dialect;
use crate::physical::{ColumnType, LinkTable, column_type};

/// The system columns, in the order every SELECT reads them.
pub(crate) const SYSTEM_COLUMNS: [(&str, ColumnType); 4] = [
    ("id", ColumnType::Integer),
    ("created_at", ColumnType::Timestamp),
    ("updated_at", ColumnType::Timestamp),
    ("_version", ColumnType::Integer),
];

/// A column of a user table.
#[derive(Debug, Clone)]
pub(crate) struct FieldColumn {
    pub(crate) name: String,
    pub(crate) column_type: ColumnType,
}

/// A many-to-many field and its link table.
#[derive(Debug, Clone)]
pub(crate) struct FieldLink {
    pub(crate) name: String,
    pub(crate) link_table: String,
}

/// An attachment field, kept in the files table (by its id, so a rename keeps its files).
#[derive(Debug, Clone)]
pub(crate) struct FieldFiles {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) multiple: bool,
}

/// How one table is laid out in the database.
#[derive(Debug, Clone)]
pub(crate) struct TableLayout {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) columns: Vec<FieldColumn>,
    pub(crate) links: Vec<FieldLink>,
    pub(crate) attachments: Vec<FieldFiles>,
}

impl TableLayout {
    pub(crate) fn of<'s>(schema: &'s Schema, table: &str) -> Result<(Self, &'s TableSchema), StorageError> {
        let table_schema =
            schema.table(table).ok_or_else(|| StorageError::UnknownTable { table: table.to_owned() })?;
        let mut columns = Vec::new();
        let mut links = Vec::new();
        let mut attachments = Vec::new();
        for field in table_schema.fields() {
            match field.kind() {
                FieldKind::SingleAttachment(_) => {
                    attachments.push(FieldFiles {
                        id: field.id(),
                        name: field.name().to_owned(),
                        multiple: false,
                    });
                }
                FieldKind::MultipleAttachments { .. } => {
                    attachments.push(FieldFiles {
                        id: field.id(),
                        name: field.name().to_owned(),
                        multiple: true,
                    });
                }
                _ => {}
            }
            if let FieldKind::Relationship(options) = field.kind()
                && options.relation_type == RelationType::ManyToMany
            {
                let link = LinkTable {
                    table_id: table_schema.id(),
                    field_id: field.id(),
                    target_table_id: schema.table(&options.related_table).map_or(0, TableSchema::id),
                    on_delete: options.on_delete,
                };
                links.push(FieldLink { name: field.name().to_owned(), link_table: link.name() });
                continue;
            }
            if let Some(column_type) = column_type(field.kind()) {
                columns.push(FieldColumn { name: field.name().to_owned(), column_type });
            }
        }
        Ok((
            Self { id: table_schema.id(), name: table_schema.name().to_owned(), columns, links, attachments },
            table_schema,
        ))
    }

    /// Keeps only the fields `keep` names (columns and links).
    pub(crate) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.columns.retain(|column| keep(&column.name));
        self.links.retain(|link| keep(&link.name));
        self.attachments.retain(|attachment| keep(&attachment.name));
    }

    /// The column types a SELECT of [`Self::select_list`] returns.
    pub(crate) fn row_types(&self) -> Vec<ColumnType> {
        SYSTEM_COLUMNS
            .iter()
            .map(|(_, column_type)| *column_type)
            .chain(self.columns.iter().map(|column| column.column_type))
            .collect()
    }

    /// `"t"."id", "t"."created_at", ..., "t"."field", ...` qualified by `alias`.
    pub(crate) fn select_list(&self, dialect: Dialect, alias: &str) -> String {
        SYSTEM_COLUMNS
            .iter()
            .map(|(name, _)| *name)
            .chain(self.columns.iter().map(|column| column.name.as_str()))
            .map(|name| format!("{}.{}", dialect.quote(alias), dialect.quote(name)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `"id", "created_at", ..., "field", ...` for a RETURNING clause.
    pub(crate) fn returning_list(&self, dialect: Dialect) -> String {
        SYSTEM_COLUMNS
            .iter()
            .map(|(name, _)| *name)
            .chain(self.columns.iter().map(|column| column.name.as_str()))
            .map(|name| dialect.quote(name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub(crate) fn column(&self, name: &str) -> Option<&FieldColumn> {
        self.columns.iter().find(|column| column.name == name)
    }
}
