//! A record may only point at rows its writer may read: a reference to a row the caller cannot
//! read is refused exactly as a reference to a row that does not exist (a 422 naming the field),
//! so the answer never tells that the hidden row is there.

use std::collections::BTreeSet;

use omnera_core::backend::{Caller, ListQuery, PageRequest, PolicyDecision, RecordValues, StorageError};
use omnera_core::config::PermissionAction;
use omnera_core::query::{
    Condition, FieldPath, FilterExpr, FilterList, FilterNumber, FilterValue, Predicate,
};
use omnera_core::{FieldKind, FieldValue, TableSchema};

use crate::access::decide;
use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;

/// Checks every reference in `values` (to-one and many-to-many) against the rows of its related
/// table that `caller` may read.
pub(crate) async fn check_visible_references(
    state: &ApiState,
    caller: &Caller,
    table: &TableSchema,
    values: &RecordValues,
) -> Result<(), ApiError> {
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
        let missing = || -> ApiError {
            StorageError::MissingReference { table: table.name().to_owned(), field: field.name().to_owned() }
                .into()
        };
        let readable = match decide(state, caller, &options.related_table, PermissionAction::Read) {
            PolicyDecision::AllowAll => continue,
            PolicyDecision::AllowWhere(filters) => FilterExpr::or(filters),
            _ => return Err(missing()),
        };
        let query = ListQuery::default()
            .filtered(FilterExpr::and([id_among(&ids)?, readable]))
            .paged(PageRequest::Offset { page: 1, limit: ids.len() as u64 })
            .without_total()
            .as_caller(caller.clone());
        let found = state.storage()?.list(&options.related_table, &query).await?.records.len();
        if found < ids.len() {
            return Err(missing());
        }
    }
    Ok(())
}

/// `id in (ids)`.
fn id_among(ids: &BTreeSet<i64>) -> Result<FilterExpr, ApiError> {
    let path = FieldPath::new(["id"])
        .map_err(|_| ApiError::new(ErrorKind::Internal, "the reference check could not be built"))?;
    let list = ids.iter().map(|id| FilterValue::Number(FilterNumber::from(*id))).collect();
    Ok(FilterExpr::Condition(Condition {
        path,
        predicate: Predicate::In { negated: false, list: FilterList::Values(list) },
    }))
}
