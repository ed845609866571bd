//! The users API, for admins: a page of accounts, and setting an account's roles or disabling
//! it. A disabled account's sessions end and its API keys stop working at once.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use omnera_core::accounts::AccountChanges;
use omnera_core::backend::User;
use serde_json::{Value, json};

use super::body::AuthBody;
use super::{Credential, accounts, authenticate, store_error, user_json};
use crate::error::{ApiError, ErrorKind};
use crate::records::JsonBody;
use crate::state::ApiState;
use omnera_core::records::{DEFAULT_LIMIT, MAX_LIMIT, positive};

/// The signed-in caller when they are an admin: 401 without credentials, 403 for others, and
/// for an API key limited to tables (its scopes name tables, and this is none).
pub(crate) async fn admin(state: &ApiState, headers: &HeaderMap) -> Result<User, ApiError> {
    match authenticate(&state.app, headers).await? {
        Some((_, Credential::ApiKey { scopes: Some(_) })) => {
            Err(ApiError::new(ErrorKind::Forbidden, "an API key limited to tables may not do this"))
        }
        Some((user, _)) if user.roles.iter().any(|role| role == "admin") => Ok(user),
        Some(_) => Err(ApiError::new(ErrorKind::Forbidden, "only admins may do this")),
        None => Err(ApiError::new(ErrorKind::Unauthorized, "not signed in")),
    }
}

/// `?page=&limit=&count=`: accounts oldest first, in the list envelope of records. Pages are
/// offsets only: there is no `after` cursor, so the envelope has no `nextCursor`; `count=none`
/// leaves out `total` and `totalPages`.
pub(super) async fn list(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    admin(&state, &headers).await?;
    let (mut page, mut limit, mut count_total) = (1, DEFAULT_LIMIT, true);
    for (key, value) in &pairs {
        match key.as_str() {
            "page" => page = positive(key, value)?,
            "limit" => limit = positive(key, value)?,
            "count" => {
                count_total = match value.as_str() {
                    "exact" => true,
                    "none" => false,
                    _ => return Err(ApiError::bad_parameter(key, "use exact or none")),
                };
            }
            _ => {
                return Err(ApiError::bad_parameter(
                    key,
                    "is not a parameter of this list (page, limit, count)",
                ));
            }
        }
    }
    if limit > MAX_LIMIT {
        return Err(ApiError::bad_parameter("limit", format!("is at most {MAX_LIMIT}")));
    }
    let offset = (page - 1).saturating_mul(limit);
    let found = accounts(&state)?.users(offset, limit).await.map_err(store_error)?;
    let data: Vec<Value> = found.users.iter().map(user_json).collect();
    let mut pagination = json!({
        "page": page,
        "limit": limit,
        "hasNext": offset.saturating_add(limit) < found.total,
        "hasPrev": page > 1,
    });
    if count_total {
        pagination["total"] = found.total.into();
        pagination["totalPages"] = found.total.div_ceil(limit).into();
    }
    Ok(Json(json!({"data": data, "pagination": pagination})))
}

/// `{roles?, disabled?}`: 200 with the changed account. Roles must be declared (or `admin`);
/// admins cannot disable themselves or drop their own admin role, so an app keeps an admin.
pub(super) async fn update(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let admin = admin(&state, &headers).await?;
    let not_found = || ApiError::new(ErrorKind::NotFound, format!("user {id} not found"));
    let user_id = id.parse::<i64>().map_err(|_| not_found())?;
    let mut body = AuthBody::read(&body, &["roles", "disabled"], "{roles?, disabled?}")?;
    let roles = match body.value("roles") {
        None => None,
        Some(Value::Array(items)) => Some(role_names(&mut body, items)),
        Some(_) => {
            body.problem("roles", "invalid_type", "is a list of role names");
            None
        }
    };
    let accounts = state.app.accounts();
    // The service's problems go next to the shape problems of their key, in the body's order.
    body.problems(accounts.account_change_problems(
        &admin,
        user_id,
        &AccountChanges::new(roles.clone(), None),
    ));
    let disabled = match body.value("disabled") {
        None => None,
        Some(Value::Bool(disabled)) => Some(*disabled),
        Some(_) => {
            body.problem("disabled", "invalid_type", "is true or false");
            None
        }
    };
    body.problems(accounts.account_change_problems(&admin, user_id, &AccountChanges::new(None, disabled)));
    body.finish()?;
    let changes = AccountChanges::new(roles, disabled);
    let user = accounts.change_account(&admin, user_id, changes).await?.ok_or_else(not_found)?;
    Ok(Json(user_json(&user)))
}

/// The role names of a `roles` list; an item that is not text is a problem on `body`.
fn role_names(body: &mut AuthBody<'_>, items: &[Value]) -> Vec<String> {
    let mut roles = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(role) => roles.push(role.to_owned()),
            None => body.problem(&format!("roles[{index}]"), "invalid_type", "is a role name"),
        }
    }
    roles
}
