//! Attaching files to a record and detaching them: a change of the record, allowed to whoever
//! may change it. The blobs are in the blob store already; the blobs of files a write lets go
//! of (a single attachment's old file, a detached file) are deleted once it has committed.

use crate::backend::{NewFile, StoredFile};
use crate::config::PermissionAction;

use super::RecordsError;
use super::service::Records;

impl Records {
    /// Attaches `files` to the attachment field `field` of record `id`; returns the files added.
    /// A single attachment's old file is replaced; more files than `maxFiles` are refused.
    pub async fn attach_files(
        &self,
        table: &str,
        id: i64,
        field: &str,
        files: Vec<NewFile>,
    ) -> Result<Vec<StoredFile>, RecordsError> {
        let table = self.table(table)?;
        self.check_record(table.name(), id, PermissionAction::Update).await?;
        let change =
            self.storage()?.attach_files(table.name(), id, field, files, &self.write_options()).await?;
        self.release(table, change.removed).await;
        Ok(change.added)
    }

    /// Detaches file `file_id` from the field `field` of record `id`, and deletes its blob.
    pub async fn detach_file(
        &self,
        table: &str,
        id: i64,
        field: &str,
        file_id: i64,
    ) -> Result<(), RecordsError> {
        let table = self.table(table)?;
        self.check_record(table.name(), id, PermissionAction::Update).await?;
        let removed =
            self.storage()?.detach_file(table.name(), id, field, file_id, &self.write_options()).await?;
        self.release(table, vec![removed]).await;
        Ok(())
    }
}
