//! Keeping records: the storage trait, implemented on SQLite and PostgreSQL by `omnera-sql`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Caller;
use crate::query::FilterExpr;
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

/// A sort key: a field (or `id`, `created_at`, `updated_at`) and a direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    /// The field's name.
    pub field: String,
    /// Largest first.
    pub descending: bool,
}

/// Which page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageRequest {
    /// The 1-based page `page` of `limit` records.
    Offset {
        /// 1-based page number.
        page: u64,
        /// Records per page.
        limit: u64,
    },
    /// `limit` records after the one the cursor names (keyset pagination); `None`: the first page.
    After {
        /// The opaque cursor of the previous page.
        cursor: Option<String>,
        /// Records per page.
        limit: u64,
    },
}

/// What a list asks for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ListQuery {
    /// Rows must match this filter.
    pub filter: Option<FilterExpr>,
    /// Rows must contain this text in one of their text fields (case-insensitive).
    pub search: Option<String>,
    /// The order; ties are broken by `id` ascending.
    pub sort: Vec<SortKey>,
    /// The page.
    pub page: PageRequest,
    /// Relationship fields whose records to embed (paths with `.` for nested ones).
    pub expand: Vec<String>,
    /// Only these fields (the system fields always come); `None`: every field.
    pub fields: Option<Vec<String>>,
    /// Whether to count every matching row.
    pub count_total: bool,
    /// Who asks: the values of `@user.id` and `@user.roles` in the filter.
    pub caller: Caller,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            filter: None,
            search: None,
            sort: Vec::new(),
            page: PageRequest::Offset { page: 1, limit: 50 },
            expand: Vec::new(),
            fields: None,
            count_total: true,
            caller: Caller::anonymous(),
        }
    }
}

impl ListQuery {
    /// Only rows matching `filter`.
    ///
    /// ```
    /// use omnera_core::backend::{ListQuery, PageRequest, SortKey};
    /// use omnera_core::query::parse_filter;
    ///
    /// let query = ListQuery::default()
    ///     .filtered(parse_filter("active = true && price > 500").unwrap())
    ///     .sorted_by(vec![SortKey { field: "price".into(), descending: true }])
    ///     .paged(PageRequest::After { cursor: None, limit: 50 })
    ///     .without_total();
    /// assert!(!query.count_total);
    /// ```
    #[must_use]
    pub fn filtered(mut self, filter: FilterExpr) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Only rows containing `text` in a text field.
    #[must_use]
    pub fn searching(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }

    /// In this order (ties broken by `id`).
    #[must_use]
    pub fn sorted_by(mut self, sort: Vec<SortKey>) -> Self {
        self.sort = sort;
        self
    }

    /// This page.
    #[must_use]
    pub fn paged(mut self, page: PageRequest) -> Self {
        self.page = page;
        self
    }

    /// With these relationships embedded.
    #[must_use]
    pub fn expanding(mut self, paths: Vec<String>) -> Self {
        self.expand = paths;
        self
    }

    /// With only these fields (and the system fields).
    #[must_use]
    pub fn selecting(mut self, fields: Vec<String>) -> Self {
        self.fields = Some(fields);
        self
    }

    /// Without counting every matching row.
    #[must_use]
    pub fn without_total(mut self) -> Self {
        self.count_total = false;
        self
    }

    /// Asked by `caller` (for `@user.id` and `@user.roles`).
    #[must_use]
    pub fn as_caller(mut self, caller: Caller) -> Self {
        self.caller = caller;
        self
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordPage {
    /// The records, in order.
    pub records: Vec<Record>,
    /// Every matching row, when counted.
    pub total: Option<u64>,
    /// Whether more records follow.
    pub has_next: bool,
    /// The cursor of the next page, when one follows.
    pub next_cursor: Option<String>,
}

impl RecordPage {
    /// A page of records.
    pub fn new(records: Vec<Record>, total: Option<u64>, has_next: bool) -> Self {
        Self { records, total, has_next, next_cursor: None }
    }
}

/// Writes to one table that succeed or fail together.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct RecordBatch {
    /// Records to create.
    pub create: Vec<RecordValues>,
    /// Records to change: id, the fields to change, and the version they must still have.
    pub update: Vec<(i64, RecordValues, Option<i64>)>,
    /// Records to delete.
    pub delete: Vec<i64>,
    /// The rows the created records must be among, checked before the batch commits.
    pub create_check: Option<RowCheck>,
    /// The rows the changed records must still be among, checked before the batch commits.
    pub update_check: Option<RowCheck>,
}

impl RecordBatch {
    /// A batch of creates, updates and deletes.
    pub fn new(
        create: Vec<RecordValues>,
        update: Vec<(i64, RecordValues, Option<i64>)>,
        delete: Vec<i64>,
    ) -> Self {
        Self { create, update, delete, create_check: None, update_check: None }
    }

    /// The same batch, undone with [`StorageError::OutsideAllowedRows`] unless every created
    /// record is among the rows of `check`.
    #[must_use]
    pub fn creating_within(mut self, check: RowCheck) -> Self {
        self.create_check = Some(check);
        self
    }

    /// The same batch, undone with [`StorageError::OutsideAllowedRows`] unless every changed
    /// record is still among the rows of `check`.
    #[must_use]
    pub fn updating_within(mut self, check: RowCheck) -> Self {
        self.update_check = Some(check);
        self
    }
}

/// The rows a write must leave its records among: a filter, evaluated as `caller` (for
/// `@user.id` and `@user.roles`). Permissions with a `where` use it, like a database's
/// `WITH CHECK`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RowCheck {
    /// The rows allowed.
    pub filter: FilterExpr,
    /// Who is writing.
    pub caller: Caller,
}

impl RowCheck {
    /// Rows matching `filter` for `caller`.
    pub fn new(filter: FilterExpr, caller: Caller) -> Self {
        Self { filter, caller }
    }
}

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct BatchOutcome {
    /// The created records, in order.
    pub created: Vec<Record>,
    /// The updated records, in order.
    pub updated: Vec<Record>,
    /// The ids deleted, in order.
    pub deleted: Vec<i64>,
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

/// A change to a record, written in the same transaction as the change itself.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OutboxEvent {
    /// Grows with every event.
    pub sequence: i64,
    /// The table.
    pub table: String,
    /// The record.
    pub record_id: i64,
    /// `created`, `updated` or `deleted`.
    pub kind: ChangeKind,
    /// The record before the change (updates, deletes), as the API shows it.
    pub before: Option<serde_json::Value>,
    /// The record after the change (creates, updates), as the API shows it.
    pub after: Option<serde_json::Value>,
    /// When the change committed.
    pub at: DateTime<Utc>,
}

impl OutboxEvent {
    /// An event as the storage read it back.
    pub fn new(
        sequence: i64,
        table: String,
        record_id: i64,
        kind: ChangeKind,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
        at: DateTime<Utc>,
    ) -> Self {
        Self { sequence, table, record_id, kind, before, after, at }
    }
}

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeKind {
    /// Created.
    Created,
    /// Updated.
    Updated,
    /// Deleted.
    Deleted,
}

impl ChangeKind {
    /// `created`, `updated` or `deleted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }
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
    /// A write would leave a record outside the rows its [`RowCheck`] allows; nothing was written.
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
/// storage applies defaults to fields a create leaves out, keeps the system fields, writes an
/// [`OutboxEvent`] in the same transaction as every change, and classifies database errors.
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

    /// Inserts records, all or none; absent fields get their defaults.
    async fn insert(&self, table: &str, records: Vec<RecordValues>) -> Result<Vec<Record>, StorageError>;

    /// Reads one record.
    async fn get(&self, table: &str, id: i64) -> Result<Record, StorageError>;

    /// Changes the given fields of one record; with `expected_version`, only if it still has it.
    async fn update(
        &self,
        table: &str,
        id: i64,
        values: RecordValues,
        expected_version: Option<i64>,
    ) -> Result<Record, StorageError>;

    /// Deletes one record, honouring each relationship's `onDelete`; with `expected_version`, only
    /// if it still has it.
    async fn delete(&self, table: &str, id: i64, expected_version: Option<i64>) -> Result<(), StorageError>;

    /// Creates, updates and deletes records of one table in one transaction, all or nothing.
    async fn batch(&self, table: &str, batch: RecordBatch) -> Result<BatchOutcome, StorageError>;

    /// Lists records.
    async fn list(&self, table: &str, query: &ListQuery) -> Result<RecordPage, StorageError>;

    /// Attaches files to a record's attachment field; a single attachment's old file is replaced,
    /// and more files than `maxFiles` are refused.
    async fn attach_files(
        &self,
        table: &str,
        record_id: i64,
        field: &str,
        files: Vec<NewFile>,
    ) -> Result<FileChange, StorageError>;

    /// The files of a record, every attachment field.
    async fn record_files(&self, table: &str, record_id: i64) -> Result<Vec<StoredFile>, StorageError>;

    /// Detaches one file from a record's field; returns it (its blob is the caller's to delete).
    async fn detach_file(
        &self,
        table: &str,
        record_id: i64,
        field: &str,
        file_id: i64,
    ) -> Result<StoredFile, StorageError>;

    /// Outbox events after `sequence`, oldest first.
    async fn outbox_after(&self, sequence: i64, limit: u32) -> Result<Vec<OutboxEvent>, StorageError>;
}
