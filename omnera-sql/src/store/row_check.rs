//! Checking, inside a write's transaction, that the written records are among the rows a
//! [`RowCheck`] allows; the caller rolls back when they are not.

use std::collections::HashSet;

use omnera_core::Schema;
use omnera_core::backend::{ListQuery, PageRequest, RowCheck, StorageError};
use omnera_core::query::{FilterExpr, parse_filter};

use crate::connection::Transaction;
use crate::dialect::Dialect;

/// How many ids one check query names.
const IDS_PER_QUERY: usize = 500;

/// `Ok` when every record in `ids` matches `check`; else the first that does not.
pub(crate) async fn ensure_within(
    transaction: &mut Transaction,
    dialect: Dialect,
    schema: &Schema,
    table: &str,
    ids: &[i64],
    check: &RowCheck,
) -> Result<(), StorageError> {
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let listed = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let these = parse_filter(&format!("id in [{listed}]")).map_err(|error| {
            StorageError::InvalidQuery { table: table.to_owned(), reason: error.to_string() }
        })?;
        let query = ListQuery::default()
            .filtered(FilterExpr::and([these, check.filter.clone()]))
            .selecting(vec!["id".to_owned()])
            .paged(PageRequest::Offset { page: 1, limit: chunk.len() as u64 })
            .without_total()
            .as_caller(check.caller.clone());
        let page = crate::query::list(transaction, dialect, schema, table, &query).await?;
        let allowed: HashSet<i64> = page.records.iter().map(|record| record.id).collect();
        if let Some(id) = chunk.iter().find(|id| !allowed.contains(id)) {
            return Err(StorageError::OutsideAllowedRows { table: table.to_owned(), id: *id });
        }
    }
    Ok(())
}
