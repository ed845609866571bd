//! The scopes an API key may be limited to, read from `POST /api/auth/api-keys`:
//! `scopes: [{table, actions: ["read", "create", "update", "delete"]}]`. Every problem of shape
//! is reported at its own place (`scopes[0].actions`), with the accounts service's check of the
//! table.

use omnera_core::accounts::Accounts;
use omnera_core::backend::ApiKeyScope;
use omnera_core::config::PermissionAction;
use serde_json::Value;

use super::body::AuthBody;

/// The scopes of `body`'s `scopes` (absent or null: the key is not limited); problems are
/// noted on `body`.
pub(super) fn read_scopes(body: &mut AuthBody<'_>, accounts: &Accounts) -> Option<Vec<ApiKeyScope>> {
    let listed = match body.value("scopes") {
        None | Some(Value::Null) => return None,
        Some(Value::Array(listed)) => listed,
        Some(_) => {
            body.problem("scopes", "invalid_type", "a list of {table, actions}");
            return None;
        }
    };
    let mut scopes = Vec::with_capacity(listed.len());
    for (index, scope) in listed.iter().enumerate() {
        let at = |key: &str| format!("scopes[{index}].{key}");
        let table = scope.get("table").and_then(Value::as_str).unwrap_or_default();
        body.problems(accounts.scope_table_problem(&at("table"), table).into_iter().collect());
        let actions: Vec<PermissionAction> = match scope.get("actions").and_then(Value::as_array) {
            Some(actions) if !actions.is_empty() => actions
                .iter()
                .filter_map(|action| match serde_json::from_value::<PermissionAction>(action.clone()) {
                    Ok(action) => Some(action),
                    Err(_) => {
                        body.problem(
                            &at("actions"),
                            "unknown_action",
                            format!("{action} is not read, create, update or delete"),
                        );
                        None
                    }
                })
                .collect(),
            _ => {
                body.problem(&at("actions"), "required", "a list of read, create, update and delete");
                Vec::new()
            }
        };
        if let Some(unknown) = scope
            .as_object()
            .and_then(|object| object.keys().find(|key| *key != "table" && *key != "actions"))
        {
            body.problem(&at(unknown), "unknown_field", "a scope has a table and actions only");
        }
        scopes.push(ApiKeyScope::new(table, actions));
    }
    Some(scopes)
}
