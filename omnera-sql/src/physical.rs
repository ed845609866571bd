//! The physical model of a schema: the tables, columns, indexes and link tables a database holds
//! for it. The planner compares two physical models; the applied one is stored as JSON.

use omnera_core::config::{ReferentialAction, RelationType};
use omnera_core::{FieldKind, Schema, TableSchema};
use serde::{Deserialize, Serialize};

/// How a field's values are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ColumnType {
    Text,
    Choice,
    Integer,
    /// An exact decimal with `scale` digits after the point. SQLite keeps the integer count of
    /// its smallest units (12.50 at scale 2 as 1250), which compares and sorts as the number
    /// does with no conversion; PostgreSQL keeps NUMERIC.
    #[serde(rename = "scaled_decimal")]
    Decimal {
        scale: u32,
    },
    /// A decimal kept as canonical text on SQLite, as databases made before decimals were
    /// scaled integers hold them. Only an applied schema read back has it: the next migration
    /// converts the column.
    #[serde(rename = "decimal")]
    TextDecimal,
    Boolean,
    Date,
    Timestamp,
    Time,
    TextList,
    Reference,
    /// A JSON document (system tables only).
    Json,
}

impl ColumnType {
    /// Whether a column of type `self` can take the values of `old` without losing any.
    pub(crate) fn widens(self, old: ColumnType) -> bool {
        match (old, self) {
            (ColumnType::Decimal { scale: old }, ColumnType::Decimal { scale: new }) => new >= old,
            (ColumnType::Choice, ColumnType::Text)
            | (ColumnType::Integer | ColumnType::TextDecimal, ColumnType::Decimal { .. }) => true,
            _ => self == old,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PhysicalSchema {
    pub(crate) tables: Vec<PhysicalTable>,
    pub(crate) links: Vec<LinkTable>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PhysicalTable {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) columns: Vec<PhysicalColumn>,
    pub(crate) indexes: Vec<PhysicalIndex>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PhysicalColumn {
    pub(crate) field_id: u64,
    pub(crate) name: String,
    pub(crate) column_type: ColumnType,
    pub(crate) not_null: bool,
    pub(crate) references: Option<ForeignKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ForeignKey {
    pub(crate) table_id: u64,
    pub(crate) on_delete: ReferentialAction,
    pub(crate) on_update: ReferentialAction,
}

/// An index; its name is unique in the database and stable across renames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PhysicalIndex {
    pub(crate) name: String,
    pub(crate) keys: Vec<IndexKey>,
    pub(crate) unique: bool,
}

/// A column of an index: a field (by id, so renames keep it) or a system column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum IndexKey {
    Field(u64),
    System(String),
}

/// A join table of a many-to-many relationship, named by ids so renames never touch it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LinkTable {
    pub(crate) table_id: u64,
    pub(crate) field_id: u64,
    pub(crate) target_table_id: u64,
    pub(crate) on_delete: ReferentialAction,
}

impl LinkTable {
    pub(crate) fn name(&self) -> String {
        format!("_omnera_link_{}_{}", self.table_id, self.field_id)
    }
}

impl PhysicalSchema {
    pub(crate) fn of(schema: &Schema) -> Self {
        let table_id = |name: &str| schema.table(name).map_or(0, TableSchema::id);
        let mut links = Vec::new();
        let tables = schema
            .tables()
            .iter()
            .map(|table| {
                let mut columns = Vec::new();
                let mut indexes = Vec::new();
                for field in table.fields() {
                    if let FieldKind::Relationship(options) = field.kind()
                        && options.relation_type == RelationType::ManyToMany
                    {
                        links.push(LinkTable {
                            table_id: table.id(),
                            field_id: field.id(),
                            target_table_id: table_id(&options.related_table),
                            on_delete: options.on_delete,
                        });
                        continue;
                    }
                    let Some(column_type) = column_type(field.kind()) else { continue };
                    let references = match field.kind() {
                        FieldKind::Relationship(options) => Some(ForeignKey {
                            table_id: table_id(&options.related_table),
                            on_delete: options.on_delete,
                            on_update: options.on_update,
                        }),
                        _ => None,
                    };
                    if field.is_indexed() || field.is_unique() {
                        let prefix = if field.is_unique() { "ux" } else { "ix" };
                        indexes.push(PhysicalIndex {
                            name: format!("{prefix}_{}_{}", table.id(), field.id()),
                            keys: vec![IndexKey::Field(field.id())],
                            unique: field.is_unique(),
                        });
                    }
                    columns.push(PhysicalColumn {
                        field_id: field.id(),
                        name: field.name().to_owned(),
                        column_type,
                        not_null: field.is_required() || matches!(field.kind(), FieldKind::Checkbox),
                        references,
                    });
                }
                let keys = |names: &[String]| -> Vec<IndexKey> {
                    names
                        .iter()
                        .map(|name| match table.field(name) {
                            Some(field) => IndexKey::Field(field.id()),
                            None => IndexKey::System(name.clone()),
                        })
                        .collect()
                };
                for index in table.indexes() {
                    let prefix = if index.unique { "ux" } else { "ix" };
                    indexes.push(PhysicalIndex {
                        name: format!("{prefix}_{}_{}", table.id(), index.name),
                        keys: keys(&index.fields),
                        unique: index.unique,
                    });
                }
                for constraint in table.unique_constraints() {
                    indexes.push(PhysicalIndex {
                        name: format!("ux_{}_{}", table.id(), constraint.name),
                        keys: keys(&constraint.fields),
                        unique: true,
                    });
                }
                PhysicalTable { id: table.id(), name: table.name().to_owned(), columns, indexes }
            })
            .collect();
        Self { tables, links }
    }

    pub(crate) fn table_named(&self, name: &str) -> Option<&PhysicalTable> {
        self.tables.iter().find(|table| table.name == name)
    }

    pub(crate) fn table_by_id(&self, id: u64) -> Option<&PhysicalTable> {
        self.tables.iter().find(|table| table.id == id)
    }
}

impl PhysicalTable {
    pub(crate) fn column_by_field(&self, field_id: u64) -> Option<&PhysicalColumn> {
        self.columns.iter().find(|column| column.field_id == field_id)
    }

    /// The column name of an index key in this table.
    pub(crate) fn key_column(&self, key: &IndexKey) -> String {
        match key {
            IndexKey::Field(id) => {
                self.column_by_field(*id).map_or_else(String::new, |column| column.name.clone())
            }
            IndexKey::System(name) => name.clone(),
        }
    }
}

/// The column type of a field kind; `None` for kinds kept outside the table's row.
pub(crate) fn column_type(kind: &FieldKind) -> Option<ColumnType> {
    Some(match kind {
        FieldKind::SingleLineText { .. }
        | FieldKind::LongText { .. }
        | FieldKind::Email
        | FieldKind::Url
        | FieldKind::PhoneNumber => ColumnType::Text,
        FieldKind::SingleSelect { .. } => ColumnType::Choice,
        FieldKind::Integer(_) => ColumnType::Integer,
        FieldKind::Decimal(options) | FieldKind::Percentage(options) => {
            ColumnType::Decimal { scale: options.precision }
        }
        FieldKind::Currency(options) => ColumnType::Decimal { scale: options.minor_units },
        FieldKind::Date { .. } => ColumnType::Date,
        FieldKind::DateTime { .. } => ColumnType::Timestamp,
        FieldKind::Time { .. } => ColumnType::Time,
        FieldKind::Checkbox => ColumnType::Boolean,
        FieldKind::MultiSelect { .. } => ColumnType::TextList,
        FieldKind::Relationship(options) if options.relation_type != RelationType::ManyToMany => {
            ColumnType::Reference
        }
        _ => return None,
    })
}
