//! Reading and changing accounts for the users API, and ending a user's sessions.

use omnera_core::backend::{AccountError, User, UserChanges, UserPage};

use super::{USER_COLUMNS, USER_TYPES, read, user_from_row, write};
use crate::SqlStorage;
use crate::dialect::Dialect;
use crate::physical::ColumnType;
use crate::sql_value::SqlValue;

/// The role that may do everything.
const ADMIN: &str = "admin";

pub(super) async fn user(storage: &SqlStorage, id: i64) -> Result<Option<User>, AccountError> {
    let database = storage.database();
    let query = format!(
        "SELECT {USER_COLUMNS} FROM _omnera_users AS u WHERE u.id = {}",
        database.dialect().placeholder(1)
    );
    let rows = read(&database, &query, &[SqlValue::Integer(id)], &USER_TYPES).await?;
    rows.first().map(|row| Ok(user_from_row(row)?.0)).transpose()
}

pub(super) async fn users(storage: &SqlStorage, offset: u64, limit: u64) -> Result<UserPage, AccountError> {
    let database = storage.database();
    let dialect = database.dialect();
    let query = format!(
        "SELECT {USER_COLUMNS} FROM _omnera_users AS u ORDER BY u.id LIMIT {} OFFSET {}",
        dialect.placeholder(1),
        dialect.placeholder(2)
    );
    let window = [SqlValue::Integer(as_i64(limit)), SqlValue::Integer(as_i64(offset))];
    let rows = read(&database, &query, &window, &USER_TYPES).await?;
    let counted = read(&database, "SELECT COUNT(*) FROM _omnera_users", &[], &[ColumnType::Integer]).await?;
    let total = count(&counted, "the count of users")?;
    let users = rows.iter().map(|row| Ok(user_from_row(row)?.0)).collect::<Result<_, AccountError>>()?;
    Ok(UserPage::new(users, total))
}

/// One statement: whether an enabled account's roles hold `admin` (a JSON array: `json_each`
/// on SQLite, JSONB containment on PostgreSQL).
pub(super) async fn has_admin(storage: &SqlStorage) -> Result<bool, AccountError> {
    let database = storage.database();
    let dialect = database.dialect();
    let (from, role) = match dialect {
        Dialect::Sqlite => (
            format!("_omnera_users AS u, json_each(u.roles) AS r WHERE r.value = {}", dialect.placeholder(1)),
            SqlValue::Text(ADMIN.to_owned()),
        ),
        Dialect::Postgres => (
            format!("_omnera_users AS u WHERE u.roles @> {}", dialect.placeholder(1)),
            SqlValue::Json(serde_json::json!([ADMIN])),
        ),
    };
    let query = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {from} AND NOT u.disabled LIMIT 1) AS found");
    let rows = read(&database, &query, &[role], &[ColumnType::Integer]).await?;
    Ok(count(&rows, "the count of admins")? > 0)
}

/// The one count a `SELECT COUNT(*)` of `_omnera_users` reads back.
fn count(rows: &[Vec<SqlValue>], what: &str) -> Result<u64, AccountError> {
    match rows.first().map(Vec::as_slice) {
        Some([SqlValue::Integer(count)]) => u64::try_from(*count)
            .map_err(|_| super::corrupt("_omnera_users", format!("{what} is negative: {count}"))),
        other => Err(super::corrupt("_omnera_users", format!("{what} read back as {other:?}"))),
    }
}

fn as_i64(number: u64) -> i64 {
    i64::try_from(number).unwrap_or(i64::MAX)
}

pub(super) async fn update_user(
    storage: &SqlStorage,
    id: i64,
    changes: UserChanges,
) -> Result<Option<User>, AccountError> {
    let database = storage.database();
    let dialect = database.dialect();
    let mut assignments = Vec::new();
    let mut params = Vec::new();
    let mut assign = |column: &str, value: SqlValue| {
        params.push(value);
        assignments.push(format!("{column} = {}", dialect.placeholder(params.len())));
    };
    if let Some(roles) = changes.roles {
        assign("roles", SqlValue::Json(serde_json::json!(roles)));
    }
    if let Some(disabled) = changes.disabled {
        assign("disabled", SqlValue::Bool(disabled));
    }
    if let Some(verified) = changes.email_verified {
        assign("email_verified", SqlValue::Bool(verified));
    }
    if let Some(hash) = changes.password_hash {
        assign("password_hash", SqlValue::Text(hash));
    }
    if assignments.is_empty() {
        return user(storage, id).await;
    }
    params.push(SqlValue::Integer(id));
    let statement = format!(
        "UPDATE _omnera_users SET {} WHERE id = {} RETURNING {}",
        assignments.join(", "),
        dialect.placeholder(params.len()),
        super::RETURNED_COLUMNS
    );
    let rows = write(&database, &statement, &params, &USER_TYPES).await?;
    rows.first().map(|row| Ok(user_from_row(row)?.0)).transpose()
}

pub(super) async fn end_sessions(
    storage: &SqlStorage,
    user_id: i64,
    keep: Option<&str>,
) -> Result<(), AccountError> {
    let database = storage.database();
    let dialect = database.dialect();
    let mut statement = format!("DELETE FROM _omnera_sessions WHERE user_id = {}", dialect.placeholder(1));
    let mut params = vec![SqlValue::Integer(user_id)];
    if let Some(kept) = keep {
        statement.push_str(&format!(" AND token_hash <> {}", dialect.placeholder(2)));
        params.push(SqlValue::Text(kept.to_owned()));
    }
    write(&database, &statement, &params, &[]).await.map(drop)
}
