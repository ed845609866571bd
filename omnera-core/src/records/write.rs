//! Writing records: create, update (patch or replace), delete and batch, each through the
//! policy, the hooks, validation, one storage transaction, then the after-hooks and the release
//! of the blobs the write let go of.

use crate::app::{CommittedChange, PendingCreate, PendingDelete, PendingUpdate};
use crate::backend::{Record, RecordBatch, RecordUpdate, RecordValues, RowCheck, StoredFile};
use crate::config::PermissionAction;
use crate::record::{DraftMode, FieldProblem, RecordDraft};
use crate::{FieldKind, TableSchema};

use super::RecordsError;
use super::batch_ids::repeated_ids;
use super::service::Records;

/// A change to one record: the values to write, whether they replace the whole record, and the
/// version the record must still have.
///
/// ```
/// use omnera_core::records::RecordChange;
/// use omnera_core::record::RecordDraft;
///
/// let change = RecordChange::patch(7, RecordDraft::new()).if_version(3);
/// assert_eq!((change.id, change.replaces, change.expected_version), (7, false, Some(3)));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordChange {
    /// The record.
    pub id: i64,
    /// The values to write.
    pub draft: RecordDraft,
    /// Whether fields left out of the draft become empty (a PUT), rather than stay as they are.
    pub replaces: bool,
    /// The version the record must still have (an `If-Match`); `None`: any.
    pub expected_version: Option<i64>,
}

impl RecordChange {
    /// Changes the fields the draft names.
    pub fn patch(id: i64, draft: RecordDraft) -> Self {
        Self { id, draft, replaces: false, expected_version: None }
    }

    /// Replaces the record: fields left out of the draft become empty.
    pub fn replace(id: i64, draft: RecordDraft) -> Self {
        Self { id, draft, replaces: true, expected_version: None }
    }

    /// The same change, made only while the record still has `version`.
    #[must_use]
    pub fn if_version(mut self, version: i64) -> Self {
        self.expected_version = Some(version);
        self
    }
}

/// Writes to one table that succeed or fail together.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct BatchDraft {
    /// Records to create.
    pub create: Vec<RecordDraft>,
    /// Records to change.
    pub update: Vec<RecordChange>,
    /// Records to delete, by id.
    pub delete: Vec<i64>,
}

impl BatchDraft {
    /// A batch of creates, changes and deletes.
    pub fn new(create: Vec<RecordDraft>, update: Vec<RecordChange>, delete: Vec<i64>) -> Self {
        Self { create, update, delete }
    }
}

/// What a batch wrote.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct BatchWritten {
    /// The created records, in order.
    pub created: Vec<Record>,
    /// The changed records, in order.
    pub updated: Vec<Record>,
    /// The ids deleted, in order.
    pub deleted: Vec<i64>,
}

/// The draft's values, checked and normalised by the table's field modules.
fn validated(
    table: &TableSchema,
    draft: &RecordDraft,
    mode: DraftMode,
) -> Result<RecordValues, RecordsError> {
    table.check_draft(draft.fields(), mode).map_err(RecordsError::InvalidFields)
}

/// The values of each item, or every field problem of every item, each located by its item
/// (`[1].name`, `update[0].stage`); any other failure fails the whole call.
fn all_or_problems<T>(
    items: impl IntoIterator<Item = (String, Result<T, RecordsError>)>,
    mut problems: Vec<FieldProblem>,
) -> Result<Vec<T>, RecordsError> {
    let mut values = Vec::new();
    for (place, item) in items {
        match item {
            Ok(value) => values.push(value),
            Err(RecordsError::InvalidFields(found)) => problems.extend(
                found
                    .into_iter()
                    .map(|problem| FieldProblem { field: format!("{place}.{}", problem.field), ..problem }),
            ),
            Err(other) => return Err(other),
        }
    }
    if problems.is_empty() { Ok(values) } else { Err(RecordsError::InvalidFields(problems)) }
}

impl Records {
    /// Creates a record of `table`.
    pub async fn create(&self, table: &str, draft: RecordDraft) -> Result<Record, RecordsError> {
        let table = self.table(table)?;
        let check = self.write_check(table.name(), PermissionAction::Create)?;
        let values = self.prepared_create(table, draft).await?;
        let mut created = self.insert(table, vec![values], check).await?;
        created.pop().ok_or_else(|| RecordsError::internal("the storage created no record"))
    }

    /// Creates records of `table`, all or none; a field problem is located by the draft's place
    /// in the list (`[2].email`).
    pub async fn create_many(
        &self,
        table: &str,
        drafts: Vec<RecordDraft>,
    ) -> Result<Vec<Record>, RecordsError> {
        let table = self.table(table)?;
        let check = self.write_check(table.name(), PermissionAction::Create)?;
        let mut prepared = Vec::with_capacity(drafts.len());
        for (index, draft) in drafts.into_iter().enumerate() {
            prepared.push((format!("[{index}]"), self.prepared_create(table, draft).await));
        }
        let values = all_or_problems(prepared, Vec::new())?;
        self.insert(table, values, check).await
    }

    /// Changes record `change.id` of `table`: the fields the draft names, or (replacing) all.
    pub async fn update(&self, table: &str, change: RecordChange) -> Result<Record, RecordsError> {
        let table = self.table(table)?;
        let RecordChange { id, draft, replaces, expected_version } = change;
        self.check_record(table.name(), id, PermissionAction::Update).await?;
        let values = self.prepared_update(table, id, draft, replaces).await?;
        let storage = self.storage()?;
        let options = self.write_options().if_version(expected_version);
        let updated = match self.write_check(table.name(), PermissionAction::Update)? {
            None => storage.update(table.name(), id, values, &options).await?,
            Some(check) => {
                // The changed record must still be one the caller may change.
                let change = RecordUpdate::new(id, values).if_version(expected_version);
                let batch = RecordBatch::new(Vec::new(), vec![change], Vec::new()).updating_within(check);
                let mut written = storage.batch(table.name(), batch, &options).await?;
                written
                    .updated
                    .pop()
                    .ok_or_else(|| RecordsError::internal("the storage changed no record"))?
            }
        };
        self.release(table, updated.released_files).await;
        if self.app.hooks().has_after_hooks(table.name()) {
            self.after(table, Some(updated.record.clone()), Some(updated.previous)).await;
        }
        Ok(updated.record)
    }

    /// Deletes record `id` of `table`, honouring each relationship's `onDelete`; with
    /// `expected_version`, only while the record still has it.
    pub async fn delete(
        &self,
        table: &str,
        id: i64,
        expected_version: Option<i64>,
    ) -> Result<(), RecordsError> {
        let table = self.table(table)?;
        self.check_record(table.name(), id, PermissionAction::Delete).await?;
        self.before_delete(table, id).await?;
        let options = self.write_options().if_version(expected_version);
        let deleted = self.storage()?.delete(table.name(), id, &options).await?;
        self.release(table, deleted.released_files).await;
        if self.app.hooks().has_after_hooks(table.name()) {
            self.after(table, None, Some(deleted.previous)).await;
        }
        Ok(())
    }

    /// Creates, changes and deletes records of `table` in one transaction, all or nothing. A
    /// problem is located by its item (`create[0].name`, `update[1].id`, `delete[2]`).
    pub async fn batch(&self, table: &str, batch: BatchDraft) -> Result<BatchWritten, RecordsError> {
        let table = self.table(table)?;
        let name = table.name();
        let BatchDraft { create, update, delete } = batch;
        let update_ids: Vec<i64> = update.iter().map(|change| change.id).collect();
        let repeated = repeated_ids(&update_ids, &delete);
        let create_check = match create.is_empty() {
            true => None,
            false => self.write_check(name, PermissionAction::Create)?,
        };
        for id in &update_ids {
            self.check_record(name, *id, PermissionAction::Update).await?;
        }
        let update_check = match update.is_empty() {
            true => None,
            false => self.write_check(name, PermissionAction::Update)?,
        };
        for id in &delete {
            self.check_record(name, *id, PermissionAction::Delete).await?;
            self.before_delete(table, *id).await?;
        }
        let mut creates = Vec::with_capacity(create.len());
        for (index, draft) in create.into_iter().enumerate() {
            creates.push((format!("create[{index}]"), self.prepared_create(table, draft).await));
        }
        let mut updates = Vec::with_capacity(update.len());
        for (index, change) in update.into_iter().enumerate() {
            let RecordChange { id, draft, replaces, expected_version } = change;
            let values = self.prepared_update(table, id, draft, replaces).await;
            let change = values.map(|values| RecordUpdate::new(id, values).if_version(expected_version));
            updates.push((format!("update[{index}]"), change));
        }
        // Every field problem of every item is reported together, with the repeated ids.
        let (create, update) =
            match (all_or_problems(creates, Vec::new()), all_or_problems(updates, repeated)) {
                (Ok(create), Ok(update)) => (create, update),
                (Err(RecordsError::InvalidFields(mut first)), Err(RecordsError::InvalidFields(second))) => {
                    first.extend(second);
                    return Err(RecordsError::InvalidFields(first));
                }
                (Err(error), _) | (_, Err(error)) => return Err(error),
            };
        let mut writes = RecordBatch::new(create, update, delete);
        if let Some(check) = create_check {
            writes = writes.creating_within(check);
        }
        if let Some(check) = update_check {
            writes = writes.updating_within(check);
        }
        let outcome = self.storage()?.batch(name, writes, &self.write_options()).await?;
        self.release(table, outcome.released_files().cloned().collect()).await;
        let written = BatchWritten {
            created: outcome.created.clone(),
            updated: outcome.updated.iter().map(|updated| updated.record.clone()).collect(),
            deleted: outcome.deleted.iter().map(|deleted| deleted.previous.id).collect(),
        };
        if self.app.hooks().has_after_hooks(name) {
            for record in outcome.created {
                self.after(table, Some(record), None).await;
            }
            for updated in outcome.updated {
                self.after(table, Some(updated.record), Some(updated.previous)).await;
            }
            for deleted in outcome.deleted {
                self.after(table, None, Some(deleted.previous)).await;
            }
        }
        Ok(written)
    }

    /// A draft to create, through the before-create hooks and validated, pointing only at rows
    /// the caller may read.
    async fn prepared_create(
        &self,
        table: &TableSchema,
        draft: RecordDraft,
    ) -> Result<RecordValues, RecordsError> {
        let pending = PendingCreate { table: table.name().to_owned(), caller: self.caller.clone(), draft };
        let pending = self.app.hooks().run_before_create(pending).await?;
        let values = validated(table, &pending.draft, DraftMode::Create)?;
        self.check_visible_references(table, &values).await?;
        Ok(values)
    }

    /// A change to record `id`, through the before-update hooks and validated, pointing only at
    /// rows the caller may read.
    async fn prepared_update(
        &self,
        table: &TableSchema,
        id: i64,
        draft: RecordDraft,
        replaces: bool,
    ) -> Result<RecordValues, RecordsError> {
        let pending = PendingUpdate {
            table: table.name().to_owned(),
            caller: self.caller.clone(),
            id,
            draft,
            replaces,
        };
        let pending = self.app.hooks().run_before_update(pending).await?;
        let mode = if pending.replaces { DraftMode::Replace } else { DraftMode::Patch };
        let values = validated(table, &pending.draft, mode)?;
        self.check_visible_references(table, &values).await?;
        Ok(values)
    }

    /// Runs the before-delete hooks of record `id`.
    async fn before_delete(&self, table: &TableSchema, id: i64) -> Result<(), RecordsError> {
        let pending = PendingDelete { table: table.name().to_owned(), caller: self.caller.clone(), id };
        Ok(self.app.hooks().run_before_delete(&pending).await?)
    }

    /// Creates records, with a check that they are all among the rows the caller may create.
    async fn insert(
        &self,
        table: &TableSchema,
        drafts: Vec<RecordValues>,
        check: Option<RowCheck>,
    ) -> Result<Vec<Record>, RecordsError> {
        let storage = self.storage()?;
        let options = self.write_options();
        let created = match check {
            None => storage.insert(table.name(), drafts, &options).await?,
            Some(check) => {
                let batch = RecordBatch::new(drafts, Vec::new(), Vec::new()).creating_within(check);
                storage.batch(table.name(), batch, &options).await?.created
            }
        };
        if self.app.hooks().has_after_hooks(table.name()) {
            for record in &created {
                self.after(table, Some(record.clone()), None).await;
            }
        }
        Ok(created)
    }

    /// Runs the after-hooks of a committed change.
    async fn after(&self, table: &TableSchema, record: Option<Record>, previous: Option<Record>) {
        let change =
            CommittedChange { table: table.name().to_owned(), caller: self.caller.clone(), record, previous };
        self.app.hooks().run_after(change).await;
    }

    /// Deletes the blobs of files a committed write let go of, each from its field's store. A
    /// failure is logged: the blob is orphaned, no data is lost.
    pub(crate) async fn release(&self, table: &TableSchema, files: Vec<StoredFile>) {
        for file in files {
            let options = table.field(&file.field).and_then(|field| match field.kind() {
                FieldKind::SingleAttachment(options) => Some(options),
                FieldKind::MultipleAttachments { storage, .. } => Some(storage),
                _ => None,
            });
            let Some(options) = options else { continue };
            let deleted = match self.app.blob_store_for(options) {
                Ok(store) => store.delete(&file.location).await,
                Err(error) => Err(error),
            };
            if let Err(error) = deleted {
                tracing::warn!(location = %file.location, %error, "could not delete the blob of a released file");
            }
        }
    }
}
