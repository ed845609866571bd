//! A record may only point at rows its writer may read: a reference to a row the caller cannot
//! read is refused exactly as a reference to a row that does not exist (a 422 naming the field),
//! so the answer never tells that the hidden row is there.

use std::collections::BTreeSet;

use crate::backend::{ListQuery, PageRequest, PolicyDecision, RecordValues, StorageError};
use crate::config::PermissionAction;
use crate::query::FilterExpr;
use crate::{FieldKind, FieldValue, TableSchema};

use super::RecordsError;
use super::id_filters::id_among;
use super::service::Records;

impl Records {
    /// Checks every reference in `values` (to-one and many-to-many) against the rows of its related
    /// table that the caller may read.
    pub(crate) async fn check_visible_references(
        &self,
        table: &TableSchema,
        values: &RecordValues,
    ) -> Result<(), RecordsError> {
        for field in table.fields() {
            let FieldKind::Relationship(options) = field.kind() else { continue };
            let ids: BTreeSet<i64> = match values.get(field.name()) {
                Some(FieldValue::Reference(id)) => BTreeSet::from([*id]),
                Some(FieldValue::References(ids)) => ids.iter().copied().collect(),
                _ => continue,
            };
            if ids.is_empty() {
                continue;
            }
            let missing = || -> RecordsError {
                StorageError::MissingReference {
                    table: table.name().to_owned(),
                    field: field.name().to_owned(),
                }
                .into()
            };
            let readable = match self.decide(&options.related_table, PermissionAction::Read) {
                PolicyDecision::AllowAll => continue,
                PolicyDecision::AllowWhere(filters) => FilterExpr::or(filters),
                _ => return Err(missing()),
            };
            let query = ListQuery::default()
                .filtered(FilterExpr::and([id_among(ids.iter().copied()), readable]))
                .paged(PageRequest::Offset { page: 1, limit: ids.len() as u64 })
                .without_total()
                .as_caller(self.caller.clone());
            let found = self.storage()?.list(&options.related_table, &query).await?.records.len();
            if found < ids.len() {
                return Err(missing());
            }
        }
        Ok(())
    }
}
