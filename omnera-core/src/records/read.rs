//! Reading records: one by id, or a page of a list.

use crate::backend::{ListQuery, Record, RecordPage};
use crate::config::PermissionAction;
use crate::query::FilterExpr;

use super::RecordsError;
use super::service::Records;

impl Records {
    /// Record `id` of `table`; [`RecordsError::NotFound`] also when the caller may not see it.
    pub async fn get(&self, table: &str, id: i64) -> Result<Record, RecordsError> {
        let table = self.table(table)?;
        self.check_record(table.name(), id, PermissionAction::Read).await?;
        Ok(self.storage()?.get(table.name(), id).await?)
    }

    /// A page of `table`'s records that the caller may read. The query's own filter and
    /// `expand` reach related tables only where the caller may read: a path into a table it may
    /// not read at all is [`RecordsError::InvalidQuery`], and related rows it may not read count
    /// as empty and are not embedded.
    pub async fn list(&self, table: &str, mut query: ListQuery) -> Result<RecordPage, RecordsError> {
        let table = self.table(table)?;
        let allowed = self.allowed_rows(table.name(), PermissionAction::Read, "read these records")?;
        let filter = query.filter.take().map(|filter| self.guarded(table, filter)).transpose()?;
        self.check_expandable(table, &query.expand)?;
        query.filter = match (filter, allowed) {
            (Some(filter), Some(allowed)) => Some(FilterExpr::and([filter, allowed])),
            (filter, allowed) => filter.or(allowed),
        };
        query.caller = self.caller.clone();
        let mut page = self.storage()?.list(table.name(), &query).await?;
        self.drop_unreadable(table, &mut page.records).await?;
        Ok(page)
    }
}
