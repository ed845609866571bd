//! Tables, their indexes and unique constraints.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::FieldConfig;

/// A table of the app: one real database table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TableConfig {
    /// The table's permanent id (1..2^53-1); a rename keeps it.
    pub id: i64,
    /// The table's name: `^[a-z][a-z0-9_]*$`, at most 63 characters.
    pub name: String,
    /// What the table holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The fields, at least one.
    pub fields: Vec<FieldConfig>,
    /// Extra indexes over one or more fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<IndexConfig>,
    /// Combinations of two or more fields whose values must be unique together.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique_constraints: Vec<UniqueConstraintConfig>,
}

/// An index over one or more fields of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct IndexConfig {
    /// The index's name, unique among the table's indexes and constraints.
    pub name: String,
    /// The indexed fields, in order.
    pub fields: Vec<String>,
    /// Whether the combination of values must be unique.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
}

/// A combination of two or more fields whose values must be unique together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct UniqueConstraintConfig {
    /// The constraint's name, unique among the table's indexes and constraints.
    pub name: String,
    /// The fields, two or more.
    pub fields: Vec<String>,
}
