//! Who may do what: the caller of a request, and the config's permissions turned into a decision
//! per table and action, with row filters that are compiled into the queries.
//!
//! An app without an `auth` section has no access control: every caller may do everything (the
//! embedded default while an app is being built). With an `auth` section, no permission means no
//! access, `admin` may do everything, and everyone has the permissions of `anonymous`.

use axum::http::HeaderMap;
use omnera_core::Schema;
use omnera_core::backend::{Caller, ListQuery, PageRequest, PolicyDecision, RowCheck};
use omnera_core::config::PermissionAction;
use omnera_core::query::FilterExpr;

use crate::auth::{Credential, authenticate};
use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;

/// The caller of a request: anonymous without credentials, a 401 with bad ones; limited to its
/// key's scopes when it came with an API key that has some.
pub(crate) async fn caller(state: &ApiState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    if state.app.accounts().is_none() {
        return Ok(Caller::anonymous());
    }
    Ok(match authenticate(state, headers).await? {
        Some((user, Credential::ApiKey { scopes: Some(scopes) })) => {
            Caller::user(user.id, user.roles).limited_to(scopes)
        }
        Some((user, _)) => Caller::user(user.id, user.roles),
        None => Caller::anonymous(),
    })
}

/// What `caller` may do with `table`: nothing outside its API key's scopes, if it has any;
/// within them, the host's policy if it gave one, else the config's.
pub(crate) fn decide(
    state: &ApiState,
    caller: &Caller,
    table: &str,
    action: PermissionAction,
) -> PolicyDecision {
    if !caller.may(table, action) {
        return PolicyDecision::Deny;
    }
    if let Some(policy) = state.app.policy() {
        return policy.decide(caller, table, action);
    }
    config_decision(state.app.schema(), caller, table, action)
}

/// What the config's `auth` lets `caller` do with `table` (no host policy involved).
pub(crate) fn config_decision(
    schema: &Schema,
    caller: &Caller,
    table: &str,
    action: PermissionAction,
) -> PolicyDecision {
    if !schema.has_auth() || caller.is_admin() {
        return PolicyDecision::AllowAll;
    }
    let mut filters = Vec::new();
    for permission in schema.auth().permissions() {
        if permission.table() != table
            || !caller.has_role(permission.role())
            || !permission.actions().contains(&action)
        {
            continue;
        }
        match permission.row_filter() {
            None => return PolicyDecision::AllowAll,
            Some(filter) => filters.push(filter.clone()),
        }
    }
    if filters.is_empty() { PolicyDecision::Deny } else { PolicyDecision::AllowWhere(filters) }
}

/// Whether a decision allows the action on some rows at least.
pub(crate) fn allows_any(decision: &PolicyDecision) -> bool {
    matches!(decision, PolicyDecision::AllowAll | PolicyDecision::AllowWhere(_))
}

/// The rows a decision allows, as a filter (`None`: every row); a denial is 401 for anonymous
/// callers and 403 for signed-in ones.
pub(crate) fn allowed_rows(
    decision: PolicyDecision,
    caller: &Caller,
    what: &str,
) -> Result<Option<FilterExpr>, ApiError> {
    match decision {
        PolicyDecision::AllowAll => Ok(None),
        PolicyDecision::AllowWhere(mut filters) if filters.len() == 1 => Ok(filters.pop()),
        PolicyDecision::AllowWhere(filters) => Ok(Some(FilterExpr::or(filters))),
        _ if caller.user_id.is_none() => {
            Err(ApiError::new(ErrorKind::Unauthorized, format!("sign in to {what}")))
        }
        _ => Err(ApiError::new(ErrorKind::Forbidden, format!("you may not {what}"))),
    }
}

/// The rows a write by `caller` must leave its records among, when a permission's `where`
/// limits `action`; a denial is a 401 or 403 as for [`allowed_rows`].
pub(crate) fn write_check(
    state: &ApiState,
    caller: &Caller,
    table: &str,
    action: PermissionAction,
) -> Result<Option<RowCheck>, ApiError> {
    let what = match action {
        PermissionAction::Create => "create these records",
        _ => "change these records",
    };
    let allowed = allowed_rows(decide(state, caller, table, action), caller, what)?;
    Ok(allowed.map(|filter| RowCheck::new(filter, caller.clone())))
}

/// `filter` narrowed to the allowed rows.
pub(crate) fn narrowed(filter: Option<FilterExpr>, allowed: Option<FilterExpr>) -> Option<FilterExpr> {
    match (filter, allowed) {
        (Some(filter), Some(allowed)) => Some(FilterExpr::and([filter, allowed])),
        (filter, allowed) => filter.or(allowed),
    }
}

/// Whether record `id` is among the rows `filter` allows.
async fn row_matches(
    state: &ApiState,
    table: &str,
    id: i64,
    filter: FilterExpr,
    caller: &Caller,
) -> Result<bool, ApiError> {
    let this_record = omnera_core::query::parse_filter(&format!("id = {id}"))
        .map_err(|_| ApiError::new(ErrorKind::Internal, "the record filter could not be built"))?;
    let query = ListQuery::default()
        .filtered(FilterExpr::and([this_record, filter]))
        .paged(PageRequest::Offset { page: 1, limit: 1 })
        .without_total()
        .as_caller(caller.clone());
    Ok(!state.storage()?.list(table, &query).await?.records.is_empty())
}

/// Checks that `caller` may take `action` on record `id` of `table`. A record outside every
/// filter the caller may read by is a 404, for reads and writes alike; one the caller may read
/// but not change is a 403 on a write.
pub(crate) async fn check_record(
    state: &ApiState,
    caller: &Caller,
    table: &str,
    id: i64,
    action: PermissionAction,
) -> Result<(), ApiError> {
    let not_found = || ApiError::new(ErrorKind::NotFound, format!("record {id} not found in table {table}"));
    let readable =
        allowed_rows(decide(state, caller, table, PermissionAction::Read), caller, "read these records")?;
    match readable {
        Some(filter) => {
            if !row_matches(state, table, id, filter, caller).await? {
                return Err(not_found());
            }
        }
        // A read of a record anyone may read answers its own 404: no need to look twice.
        None if action == PermissionAction::Read => return Ok(()),
        None => {
            state.storage()?.get(table, id).await?;
        }
    }
    if action == PermissionAction::Read {
        return Ok(());
    }
    let verb = match action {
        PermissionAction::Delete => "delete",
        _ => "change",
    };
    let forbidden = || {
        ApiError::new(
            ErrorKind::Forbidden,
            format!("you may read record {id} of table {table} but not {verb} it"),
        )
    };
    match decide(state, caller, table, action) {
        PolicyDecision::AllowAll => Ok(()),
        PolicyDecision::AllowWhere(filters) => {
            if row_matches(state, table, id, FilterExpr::or(filters), caller).await? {
                Ok(())
            } else {
                Err(forbidden())
            }
        }
        _ => Err(forbidden()),
    }
}
