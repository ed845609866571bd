//! Checked tables and fields.

use crate::config::{FieldType, IndexConfig, RelationType, UniqueConstraintConfig};
use crate::fields::{FieldDefault, FieldKind};

/// A checked table: its fields exist, their options fit their types, references resolve.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) fields: Vec<FieldSchema>,
    /// The positions in `fields` in the order of the fields' names, as a record's values are
    /// kept: records are written in the config's order with one walk through both.
    pub(crate) by_name: Vec<usize>,
    pub(crate) indexes: Vec<IndexConfig>,
    pub(crate) unique_constraints: Vec<UniqueConstraintConfig>,
}

impl TableSchema {
    /// The permanent id; a rename keeps it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The name, also the name of the database table and of the API route.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the table holds, for people.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The fields declared by the config, in order (the system fields are not among them).
    pub fn fields(&self) -> &[FieldSchema] {
        &self.fields
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// Extra indexes over one or more fields.
    pub fn indexes(&self) -> &[IndexConfig] {
        &self.indexes
    }

    /// Combinations of fields that must be unique together.
    pub fn unique_constraints(&self) -> &[UniqueConstraintConfig] {
        &self.unique_constraints
    }
}

/// A checked field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSchema {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) required: bool,
    pub(crate) unique: bool,
    pub(crate) indexed: bool,
    pub(crate) description: Option<String>,
    pub(crate) kind: FieldKind,
    pub(crate) default: Option<FieldDefault>,
}

impl FieldSchema {
    /// The permanent id, unique in its table; a rename keeps it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The name, also the column's and the API's.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type as written in the config.
    pub fn field_type(&self) -> FieldType {
        self.kind.field_type()
    }

    /// The type with its options.
    pub fn kind(&self) -> &FieldKind {
        &self.kind
    }

    /// Whether a record must have a value.
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// Whether no two records may share a value (always true for one-to-one relationships).
    pub fn is_unique(&self) -> bool {
        self.unique
    }

    /// Whether the database keeps an index on the field (relationships always are).
    pub fn is_indexed(&self) -> bool {
        self.indexed
    }

    /// What the field holds, for people.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The value a new record gets when none is given.
    pub fn default(&self) -> Option<&FieldDefault> {
        self.default.as_ref()
    }

    /// Whether the field is a column of its table; many-to-many relationships live in a join
    /// table and attachments in the files table instead.
    pub fn is_column(&self) -> bool {
        match &self.kind {
            FieldKind::Relationship(options) => options.relation_type != RelationType::ManyToMany,
            FieldKind::SingleAttachment(_) | FieldKind::MultipleAttachments { .. } => false,
            _ => true,
        }
    }
}
