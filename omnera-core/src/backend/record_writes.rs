//! What a write asks of the storage beyond its values (batches, row checks), and what it
//! answers once committed.

use super::{Caller, Record, RecordValues, StoredFile};
use crate::query::FilterExpr;

/// A change to one record of a batch: its id, the fields to change, and the version it must
/// still have.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordUpdate {
    /// The record.
    pub id: i64,
    /// The fields to change.
    pub values: RecordValues,
    /// The version the record must still have; `None`: any.
    pub expected_version: Option<i64>,
}

impl RecordUpdate {
    /// Changes `values` of record `id`, whatever its version.
    pub fn new(id: i64, values: RecordValues) -> Self {
        Self { id, values, expected_version: None }
    }

    /// The same change, only if the record still has `version` (`None`: any).
    #[must_use]
    pub fn if_version(mut self, version: impl Into<Option<i64>>) -> Self {
        self.expected_version = version.into();
        self
    }
}

/// Writes to one table that succeed or fail together.
///
/// ```
/// use omnera_core::backend::{RecordBatch, RecordUpdate, RecordValues};
///
/// let batch = RecordBatch::new(
///     vec![RecordValues::new()],
///     vec![RecordUpdate::new(4, RecordValues::new()).if_version(2)],
///     vec![9],
/// );
/// assert_eq!(batch.update[0].expected_version, Some(2));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct RecordBatch {
    /// Records to create.
    pub create: Vec<RecordValues>,
    /// Records to change.
    pub update: Vec<RecordUpdate>,
    /// Records to delete.
    pub delete: Vec<i64>,
    /// The rows the created records must be among, checked before the batch commits.
    pub create_check: Option<RowCheck>,
    /// The rows the changed records must still be among, checked before the batch commits.
    pub update_check: Option<RowCheck>,
}

impl RecordBatch {
    /// A batch of creates, updates and deletes.
    pub fn new(create: Vec<RecordValues>, update: Vec<RecordUpdate>, delete: Vec<i64>) -> Self {
        Self { create, update, delete, create_check: None, update_check: None }
    }

    /// The same batch, undone with [`super::StorageError::OutsideAllowedRows`] unless every
    /// created record is among the rows of `check`.
    #[must_use]
    pub fn creating_within(mut self, check: RowCheck) -> Self {
        self.create_check = Some(check);
        self
    }

    /// The same batch, undone with [`super::StorageError::OutsideAllowedRows`] unless every
    /// changed record is still among the rows of `check`.
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

/// A committed update: the record as it is now and as it was, and the files the update let go
/// of (those of attachments it wrote empty), whose blobs the caller deletes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UpdatedRecord {
    /// The record after the update.
    pub record: Record,
    /// The record before it.
    pub previous: Record,
    /// The files no record holds any more.
    pub released_files: Vec<StoredFile>,
}

impl UpdatedRecord {
    /// An update that turned `previous` into `record` and let go of `released_files`.
    pub fn new(record: Record, previous: Record, released_files: Vec<StoredFile>) -> Self {
        Self { record, previous, released_files }
    }
}

/// A committed delete: the record as it was, and the files it let go of (its own, and those of
/// every record its relationships' `cascade` removed with it), whose blobs the caller deletes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeletedRecord {
    /// The record before the delete.
    pub previous: Record,
    /// The files no record holds any more.
    pub released_files: Vec<StoredFile>,
}

impl DeletedRecord {
    /// A delete of `previous` that let go of `released_files`.
    pub fn new(previous: Record, released_files: Vec<StoredFile>) -> Self {
        Self { previous, released_files }
    }
}

/// What a batch did, in the order of its parts.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct BatchOutcome {
    /// The created records.
    pub created: Vec<Record>,
    /// The updates.
    pub updated: Vec<UpdatedRecord>,
    /// The deletes.
    pub deleted: Vec<DeletedRecord>,
}

impl BatchOutcome {
    /// The files the batch let go of, its updates' and its deletes'.
    pub fn released_files(&self) -> impl Iterator<Item = &StoredFile> {
        let updated = self.updated.iter().flat_map(|update| &update.released_files);
        updated.chain(self.deleted.iter().flat_map(|delete| &delete.released_files))
    }
}
