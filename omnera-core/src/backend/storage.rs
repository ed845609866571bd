//! Keeping records: the storage trait, implemented on SQLite and PostgreSQL by `omnera-sql`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{
    BatchOutcome, DeletedRecord, ListQuery, OutboxEvent, OutboxPosition, RecordBatch, RecordPage,
    UpdatedRecord, WriteOptions,
};
use crate::{FieldValue, Schema};

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
    /// Grows by one with every change: the basis of ETags and conditional writes.
    pub version: i64,
    /// The values, by field name (many-to-many relationships as [`FieldValue::References`]).
    pub values: RecordValues,
    /// Related records embedded by `expand`, by relationship field name.
    pub expanded: BTreeMap<String, Vec<Record>>,
}

impl Record {
    /// A record with its system fields and no values yet.
    pub fn new(id: i64, created_at: DateTime<Utc>, updated_at: DateTime<Utc>, version: i64) -> Self {
        Self { id, created_at, updated_at, version, values: RecordValues::new(), expanded: BTreeMap::new() }
    }
}

/// A file to attach: already in the blob store at `location`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewFile {
    /// Where the blob store keeps it (chosen by the engine).
    pub location: String,
    /// The name the client gave.
    pub name: String,
    /// The size in bytes.
    pub size: u64,
    /// The type detected from the content.
    pub mime_type: String,
}

impl NewFile {
    /// A file to attach.
    pub fn new(
        location: impl Into<String>,
        name: impl Into<String>,
        size: u64,
        mime_type: impl Into<String>,
    ) -> Self {
        Self { location: location.into(), name: name.into(), size, mime_type: mime_type.into() }
    }
}

/// A file attached to a record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredFile {
    /// The file's id.
    pub id: i64,
    /// The table of the record.
    pub table: String,
    /// The attachment field.
    pub field: String,
    /// The record.
    pub record_id: i64,
    /// Where the blob store keeps it.
    pub location: String,
    /// The name the client gave.
    pub name: String,
    /// The size in bytes.
    pub size: u64,
    /// The type detected from the content.
    pub mime_type: String,
    /// When it was attached.
    pub created_at: DateTime<Utc>,
}

impl StoredFile {
    /// A file as the storage read it back (its `created_at` is the moment of the call).
    pub fn new(id: i64, table: String, field: String, record_id: i64, file: NewFile) -> Self {
        Self {
            id,
            table,
            field,
            record_id,
            location: file.location,
            name: file.name,
            size: file.size,
            mime_type: file.mime_type,
            created_at: Utc::now(),
        }
    }
}

/// What attaching files did: the files added, and those a single attachment replaced (whose
/// blobs the caller deletes once the change is committed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FileChange {
    /// The files added.
    pub added: Vec<StoredFile>,
    /// The files removed.
    pub removed: Vec<StoredFile>,
}

/// One step of a schema migration, for people to read before it runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct MigrationStep {
    /// What the step does, such as `add column contacts.phone`.
    pub description: String,
    /// Whether the step loses data (refused unless allowed).
    pub loses_data: bool,
}

impl MigrationStep {
    /// A step with its description.
    pub fn new(description: impl Into<String>, loses_data: bool) -> Self {
        Self { description: description.into(), loses_data }
    }
}

/// The steps that bring a database from its last applied schema to a new one.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct MigrationPlan {
    /// The steps, in the order they run. Empty when the schema is already applied.
    pub steps: Vec<MigrationStep>,
}

impl MigrationPlan {
    /// The plan with these steps.
    pub fn new(steps: Vec<MigrationStep>) -> Self {
        Self { steps }
    }

    /// Whether nothing needs to change.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// How a schema is applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApplyOptions {
    /// Run steps that lose data (drop a column or table, narrow a type); refused otherwise.
    pub allow_data_loss: bool,
}

impl ApplyOptions {
    /// Options that let steps losing data run.
    pub fn allowing_data_loss() -> Self {
        Self { allow_data_loss: true }
    }
}

/// Why a storage operation failed. Database errors are classified by meaning.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// No table of that name in the applied schema.
    #[error("unknown table {table}")]
    UnknownTable {
        /// The table asked for.
        table: String,
    },
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
        /// The field (or the fields of a constraint, joined with `, `) whose value is taken.
        field: String,
    },
    /// A reference names a record that does not exist.
    #[error("{field} of table {table} refers to a record that does not exist")]
    MissingReference {
        /// The table.
        table: String,
        /// The relationship field.
        field: String,
    },
    /// A delete was refused because other records still refer to this one.
    #[error("record {id} of table {table} is still referenced by table {referencing_table}")]
    StillReferenced {
        /// The table of the record being deleted.
        table: String,
        /// The record.
        id: i64,
        /// The table whose records refer to it.
        referencing_table: String,
    },
    /// A required field got no value.
    #[error("{field} of table {table} is required")]
    MissingValue {
        /// The table.
        table: String,
        /// The field.
        field: String,
    },
    /// More files than the field's `maxFiles`.
    #[error("{field} of table {table} holds at most {max} files")]
    TooManyFiles {
        /// The table.
        table: String,
        /// The attachment field.
        field: String,
        /// The field's `maxFiles`.
        max: u64,
    },
    /// No such file on that record and field.
    #[error("file {id} not found on {field} of record {record_id} in table {table}")]
    FileNotFound {
        /// The table.
        table: String,
        /// The record.
        record_id: i64,
        /// The attachment field.
        field: String,
        /// The file asked for.
        id: i64,
    },
    /// A write would leave a record outside the rows its [`super::RowCheck`] allows; nothing was written.
    #[error("record {id} of table {table} would be outside the rows the writer may write")]
    OutsideAllowedRows {
        /// The table.
        table: String,
        /// The first record outside them (for a create, the id it would have had).
        id: i64,
    },
    /// The record changed since the caller read it.
    #[error("record {id} of table {table} changed since it was read")]
    Conflict {
        /// The table.
        table: String,
        /// The record.
        id: i64,
    },
    /// A query names something the table does not have, or a cursor is not valid.
    #[error("invalid query on table {table}: {reason}")]
    InvalidQuery {
        /// The table.
        table: String,
        /// What is wrong.
        reason: String,
    },
    /// Applying the schema would lose data and that was not allowed.
    #[error("the schema change would lose data: {}", steps.join("; "))]
    DataLossRefused {
        /// Each step that would lose data.
        steps: Vec<String>,
    },
    /// A row the storage keeps does not read back as it was written (a missing or malformed
    /// value): damage or a bug, never the caller's doing. Log it; show callers no detail.
    #[error("corrupt data in {table}: {reason}")]
    Corrupt {
        /// The table (a record table or a system table) holding the row.
        table: String,
        /// What is wrong with it.
        reason: String,
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
/// its own and run the conformance suite (feature `testing`) against it.
///
/// Values reach the storage checked and normalised ([`crate::TableSchema::check_draft`]); the
/// storage applies defaults to fields a create leaves out, keeps the system fields and
/// classifies database errors.
///
/// # Writes and their events
///
/// Every write takes [`WriteOptions`]: who makes it, for which request, and the version the
/// record must still have. In the transaction of the change, the storage writes an
/// [`OutboxEvent`] for every record whose API form it changes, with that actor and request id:
/// the records a create, update or delete names, those a relationship's `onDelete` removes
/// (`cascade`: a `deleted` event each) or changes (`set-null`, and a many-to-many field that
/// loses a deleted record: an `updated` event each), and the record whose files are attached or
/// detached (`updated`). A write that fails or rolls back leaves no event.
///
/// Writes answer with what the caller needs once they committed, so that nothing is read
/// before: the record before and after, and the files no record holds any more, whose blobs the
/// caller deletes.
///
/// # The outbox
///
/// Consumers are named. Each has a durable position, the last it acknowledged; one that never
/// acknowledged starts before the oldest event kept. [`Storage::outbox_read`] gives the events
/// after the position that are safe to deliver, in the order of their [`OutboxPosition`]s: an
/// event is given only once every event ordered before it has committed (or rolled back), so a
/// consumer that acknowledges what it read never skips an event that committed late, and never
/// sees one that rolled back. Delivery is at least once (a consumer that stops between handling
/// and acknowledging reads the same events again; instances of one consumer sharing its name
/// read the same events), so consumers drop duplicates by [`OutboxEvent::id`].
///
/// ```
/// use omnera_core::backend::{Storage, StorageError};
///
/// /// Hands every new change to `handle`, then moves the consumer's position past it.
/// async fn deliver(storage: &dyn Storage, handle: impl Fn(&omnera_core::backend::OutboxEvent)) -> Result<(), StorageError> {
///     loop {
///         let events = storage.outbox_read("search-index", 100).await?;
///         let Some(last) = events.last() else { return Ok(()) };
///         events.iter().for_each(&handle);
///         storage.outbox_acknowledge("search-index", &last.position).await?;
///     }
/// }
/// ```
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// The steps that would bring the database to `schema`, without running them.
    async fn plan_schema(&self, schema: &Schema) -> Result<MigrationPlan, StorageError>;

    /// Brings the database in line with `schema` in one transaction, records the applied version
    /// and returns the steps that ran. Applying the same schema twice changes nothing.
    async fn apply_schema(
        &self,
        schema: &Schema,
        options: &ApplyOptions,
    ) -> Result<MigrationPlan, StorageError>;

    /// Inserts records, all or none; absent fields get their defaults. A `created` event each.
    async fn insert(
        &self,
        table: &str,
        records: Vec<RecordValues>,
        options: &WriteOptions,
    ) -> Result<Vec<Record>, StorageError>;

    /// Reads one record.
    async fn get(&self, table: &str, id: i64) -> Result<Record, StorageError>;

    /// Changes the given fields of one record (only if it still has `options.expected_version`,
    /// when set); an attachment written empty lets go of its files. An `updated` event.
    async fn update(
        &self,
        table: &str,
        id: i64,
        values: RecordValues,
        options: &WriteOptions,
    ) -> Result<UpdatedRecord, StorageError>;

    /// Deletes one record (only if it still has `options.expected_version`, when set),
    /// honouring each relationship's `onDelete` to any depth: `restrict` and `no-action`
    /// refuse with [`StorageError::StillReferenced`] and nothing changes; `cascade` removes the
    /// referencing records (with their files); `set-null` clears their reference. Events for
    /// the record and every record the delete removed or changed.
    async fn delete(
        &self,
        table: &str,
        id: i64,
        options: &WriteOptions,
    ) -> Result<DeletedRecord, StorageError>;

    /// Creates, updates and deletes records of one table in one transaction, all or nothing.
    /// Each update carries its own expected version; `options.expected_version` is not used.
    async fn batch(
        &self,
        table: &str,
        batch: RecordBatch,
        options: &WriteOptions,
    ) -> Result<BatchOutcome, StorageError>;

    /// Lists records.
    async fn list(&self, table: &str, query: &ListQuery) -> Result<RecordPage, StorageError>;

    /// Attaches files to a record's attachment field (only if the record still has
    /// `options.expected_version`, when set); a single attachment's old file is replaced, and
    /// more files than `maxFiles` are refused. The record's version and `updated_at` stay;
    /// an `updated` event names the field.
    async fn attach_files(
        &self,
        table: &str,
        record_id: i64,
        field: &str,
        files: Vec<NewFile>,
        options: &WriteOptions,
    ) -> Result<FileChange, StorageError>;

    /// The files of a record, every attachment field.
    async fn record_files(&self, table: &str, record_id: i64) -> Result<Vec<StoredFile>, StorageError>;

    /// Detaches one file from a record's field (only if the record still has
    /// `options.expected_version`, when set); returns it (its blob is the caller's to delete).
    /// As with attaching, the version stays and an `updated` event names the field.
    async fn detach_file(
        &self,
        table: &str,
        record_id: i64,
        field: &str,
        file_id: i64,
        options: &WriteOptions,
    ) -> Result<StoredFile, StorageError>;

    /// Up to `limit` events after the position `consumer` last acknowledged (from the oldest
    /// kept, if it never did), oldest first, that are safe to deliver: every event ordered
    /// before them has committed or rolled back. Reading does not move the position.
    async fn outbox_read(&self, consumer: &str, limit: u32) -> Result<Vec<OutboxEvent>, StorageError>;

    /// Moves `consumer`'s position to `through` (it has handled every event up to it); a
    /// position at or before the one it has changes nothing, so positions only move forward.
    /// From its first acknowledgement on, the consumer is known and [`Storage::prune_outbox`]
    /// keeps the events it has not acknowledged.
    async fn outbox_acknowledge(&self, consumer: &str, through: &OutboxPosition) -> Result<(), StorageError>;

    /// Deletes the events older than `older_than` that every known consumer has acknowledged
    /// (all such events, when no consumer is known); returns how many.
    async fn prune_outbox(&self, older_than: std::time::Duration) -> Result<u64, StorageError>;
}
