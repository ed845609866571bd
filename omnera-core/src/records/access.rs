//! What a caller may do with a table and with one record: the policy's decision, narrowed by the
//! scopes of the caller's API key, and the row filters checked against a record.

use crate::backend::{ListQuery, PageRequest, PolicyDecision, RowCheck, Storage};
use crate::config::PermissionAction;
use crate::query::FilterExpr;

use super::RecordsError;
use super::id_filters::id_is;
use super::service::Records;

impl Records {
    /// What the caller may do with `table`: nothing outside its API key's scopes, if it has any;
    /// within them, what the app's policy decides (the host's, or the config's `auth`).
    pub fn decide(&self, table: &str, action: PermissionAction) -> PolicyDecision {
        if !self.caller.may(table, action) {
            return PolicyDecision::Deny;
        }
        self.app.policy().decide(&self.caller, table, action)
    }

    /// Whether the caller may take `action` on some rows of `table` at least.
    pub fn may(&self, table: &str, action: PermissionAction) -> bool {
        self.decide(table, action).allows_any()
    }

    /// The rows of `table` the caller may take `action` on, as a filter (`None`: every row); a
    /// denial is [`RecordsError::SignInRequired`] for anonymous callers, else
    /// [`RecordsError::Forbidden`], naming `what` was tried.
    pub(crate) fn allowed_rows(
        &self,
        table: &str,
        action: PermissionAction,
        what: &str,
    ) -> Result<Option<FilterExpr>, RecordsError> {
        match self.decide(table, action) {
            PolicyDecision::AllowAll => Ok(None),
            PolicyDecision::AllowWhere(mut filters) if filters.len() == 1 => Ok(filters.pop()),
            PolicyDecision::AllowWhere(filters) => Ok(Some(FilterExpr::or(filters))),
            _ => Err(RecordsError::denied(&self.caller, what)),
        }
    }

    /// The rows a write to `table` must leave its records among, when a permission's `where`
    /// limits `action` (like a database's `WITH CHECK`).
    pub(crate) fn write_check(
        &self,
        table: &str,
        action: PermissionAction,
    ) -> Result<Option<RowCheck>, RecordsError> {
        let what = match action {
            PermissionAction::Create => "create these records",
            _ => "change these records",
        };
        let allowed = self.allowed_rows(table, action, what)?;
        Ok(allowed.map(|filter| RowCheck::new(filter, self.caller.clone())))
    }

    /// Whether record `id` of `table` is among the rows `filter` allows.
    async fn row_matches(
        &self,
        storage: &dyn Storage,
        table: &str,
        id: i64,
        filter: FilterExpr,
    ) -> Result<bool, RecordsError> {
        let query = ListQuery::default()
            .filtered(FilterExpr::and([id_is(id), filter]))
            .paged(PageRequest::Offset { page: 1, limit: 1 })
            .without_total()
            .as_caller(self.caller.clone());
        Ok(!storage.list(table, &query).await?.records.is_empty())
    }

    /// Checks that the caller may take `action` on record `id` of `table`. A record outside every
    /// filter the caller may read by is [`RecordsError::NotFound`], for reads and writes alike;
    /// one the caller may read but not change is [`RecordsError::Forbidden`] on a write.
    pub async fn check_record(
        &self,
        table: &str,
        id: i64,
        action: PermissionAction,
    ) -> Result<(), RecordsError> {
        let storage = self.storage()?;
        let not_found = || RecordsError::NotFound { table: table.to_owned(), id };
        match self.allowed_rows(table, PermissionAction::Read, "read these records")? {
            Some(filter) => {
                if !self.row_matches(storage, table, id, filter).await? {
                    return Err(not_found());
                }
            }
            // A read of a record anyone may read answers its own "not found": no need to look twice.
            None if action == PermissionAction::Read => return Ok(()),
            None => {
                storage.get(table, id).await?;
            }
        }
        if action == PermissionAction::Read {
            return Ok(());
        }
        let verb = match action {
            PermissionAction::Delete => "delete",
            _ => "change",
        };
        let forbidden = || RecordsError::Forbidden {
            reason: format!("you may read record {id} of table {table} but not {verb} it"),
        };
        match self.decide(table, action) {
            PolicyDecision::AllowAll => Ok(()),
            PolicyDecision::AllowWhere(filters) => {
                if self.row_matches(storage, table, id, FilterExpr::or(filters)).await? {
                    Ok(())
                } else {
                    Err(forbidden())
                }
            }
            _ => Err(forbidden()),
        }
    }
}
