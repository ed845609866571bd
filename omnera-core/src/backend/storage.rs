//! Keeping records: the storage trait, implemented on SQLite and PostgreSQL by `omnera-sql`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{FieldValue, Schema, TableSchema};

/// Field values of one record, by field name.
pub type RecordValues = BTreeMap<String, FieldValue>;

/// A stored record: the system fields and the values of its fields.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Record {
    /// Assigned by the database, never reused.
    pub id: i64,
    /// When the record was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When the record last changed (UTC).
    pub updated_at: DateTime<Utc>,
    /// The values, by field name.
    pub values: RecordValues,
}

/// How a schema is applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApplyOptions {
    /// Run steps that lose data (drop a column or table, narrow a type); refused otherwise.
    pub allow_data_loss: bool,
}

/// Why a storage operation failed. Database errors are classified by meaning.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// No record with that id.
    #[error("record {id} not found in table {table}")]
    NotFound {
        /// The table.
        table: String,
        /// The id asked for.
        id: i64,
    },
    /// A unique value is already taken.
    #[error("{field} of table {table} must be unique; the value is taken")]
    UniqueViolation {
        /// The table.
        table: String,
        /// The field (or constraint) whose value is taken.
        field: String,
    },
    /// A reference points to no record, or a referenced record is still referenced.
    #[error("{field} of table {table} refers to a record that does not exist or is still referenced")]
    ForeignKeyViolation {
        /// The table.
        table: String,
        /// The relationship field.
        field: String,
    },
    /// The record changed since the caller read it.
    #[error("record {id} of table {table} changed since it was read")]
    Conflict {
        /// The table.
        table: String,
        /// The record.
        id: i64,
    },
    /// Applying the schema would lose data and that was not allowed.
    #[error("the schema change would lose data: {}", steps.join("; "))]
    DataLossRefused {
        /// Each step that would lose data.
        steps: Vec<String>,
    },
    /// The database could not be reached or failed.
    #[error("the database is unavailable: {source}")]
    Unavailable {
        /// The driver's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Where records live. Implemented by `omnera-sql` on SQLite and PostgreSQL; a host may plug in
/// its own and run the conformance suite against it.
///
/// ```
/// use omnera_core::backend::{ApplyOptions, Record, RecordValues, Storage, StorageError};
/// use omnera_core::{Schema, TableSchema};
///
/// /// A storage that holds nothing: every read finds no record.
/// struct Empty;
///
/// #[async_trait::async_trait]
/// impl Storage for Empty {
///     async fn apply_schema(&self, _: &Schema, _: &ApplyOptions) -> Result<(), StorageError> {
///         Ok(())
///     }
///     async fn insert(&self, table: &TableSchema, _: Vec<RecordValues>) -> Result<Vec<Record>, StorageError> {
///         Err(StorageError::Unavailable { source: format!("{} is read-only", table.name()).into() })
///     }
///     async fn get(&self, table: &TableSchema, id: i64) -> Result<Record, StorageError> {
///         Err(StorageError::NotFound { table: table.name().to_owned(), id })
///     }
///     async fn update(&self, table: &TableSchema, id: i64, _: RecordValues) -> Result<Record, StorageError> {
///         Err(StorageError::NotFound { table: table.name().to_owned(), id })
///     }
///     async fn delete(&self, table: &TableSchema, id: i64) -> Result<(), StorageError> {
///         Err(StorageError::NotFound { table: table.name().to_owned(), id })
///     }
/// }
/// ```
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Brings the database in line with `schema`: creates and migrates tables, records the
    /// applied version. Applying the same schema twice changes nothing.
    async fn apply_schema(&self, schema: &Schema, options: &ApplyOptions) -> Result<(), StorageError>;

    /// Inserts records with checked values, all or none.
    async fn insert(
        &self,
        table: &TableSchema,
        records: Vec<RecordValues>,
    ) -> Result<Vec<Record>, StorageError>;

    /// Reads one record.
    async fn get(&self, table: &TableSchema, id: i64) -> Result<Record, StorageError>;

    /// Changes the given fields of one record.
    async fn update(
        &self,
        table: &TableSchema,
        id: i64,
        values: RecordValues,
    ) -> Result<Record, StorageError>;

    /// Deletes one record, honouring each relationship's `onDelete`.
    async fn delete(&self, table: &TableSchema, id: i64) -> Result<(), StorageError>;
}
