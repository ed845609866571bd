//! The account stores ([`omnera_core::backend::AccountStore`]) on SQLite and PostgreSQL: `_omnera_users`, `_omnera_sessions`,
//! `_omnera_api_keys`, `_omnera_one_time_tokens`, `_omnera_sign_in_failures`,
//! `_omnera_pending_sign_ins` and `_omnera_linked_accounts`.

mod admin;
mod external;
mod one_time;
mod throttle;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use omnera_core::backend::{
    AccountError, ApiKey, ApiKeyScope, ApiKeyStore, ExternalAccount, ExternalSignInStore, FailedSignIns,
    KeyHolder, NewApiKey, NewUser, OneTimeTokenStore, PendingSignIn, SessionStore, SignInFailureStore,
    TokenPurpose, User, UserChanges, UserPage, UserStore,
};

use crate::SqlStorage;
use crate::database::Database;
use crate::error::{Violation, violation};
use crate::physical::ColumnType;
use crate::sql_value::{SqlValue, now};

const USER_COLUMNS: &str =
    "u.id, u.email, u.name, u.roles, u.disabled, u.email_verified, u.created_at, u.password_hash";
/// The same columns for a RETURNING clause, which takes no table alias.
const RETURNED_COLUMNS: &str = "id, email, name, roles, disabled, email_verified, created_at, password_hash";
const USER_TYPES: [ColumnType; 8] = [
    ColumnType::Integer,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Json,
    ColumnType::Boolean,
    ColumnType::Boolean,
    ColumnType::Timestamp,
    ColumnType::Text,
];

const KEY_COLUMNS: &str = "id, name, created_at, expires_at, scopes";
const KEY_TYPES: [ColumnType; 5] =
    [ColumnType::Integer, ColumnType::Text, ColumnType::Timestamp, ColumnType::Timestamp, ColumnType::Text];

fn api_key_from_row(row: &[SqlValue]) -> Result<ApiKey, AccountError> {
    let table = "_omnera_api_keys";
    let [id, name, created_at, expires_at, scopes] = row else {
        return Err(corrupt(table, format!("a key reads back as {row:?}")));
    };
    let id = integer(table, "id", id)?;
    let name = text(name).ok_or_else(|| corrupt(table, format!("key {id} has no name")))?;
    let created_at =
        created_at.as_timestamp().ok_or_else(|| corrupt(table, format!("key {id} has no created_at")))?;
    Ok(ApiKey::new(id, name, created_at, expires_at.as_timestamp()).with_scopes(scopes_from(scopes)?))
}

/// A key's scopes as kept: JSON text, or `NULL` for a key that is not limited. Text that does
/// not read as scopes is an error: the key is neither limited to nothing nor let go unlimited.
fn scopes_from(cell: &SqlValue) -> Result<Option<Vec<ApiKeyScope>>, AccountError> {
    text(cell)
        .map(|json| {
            serde_json::from_str(&json)
                .map_err(|error| corrupt("_omnera_api_keys", format!("a key's scopes do not read: {error}")))
        })
        .transpose()
}

fn scopes_cell(scopes: Option<&Vec<ApiKeyScope>>) -> SqlValue {
    scopes
        .and_then(|scopes| serde_json::to_string(scopes).ok())
        .map_or(SqlValue::Null(ColumnType::Text), SqlValue::Text)
}

fn unavailable(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> AccountError {
    AccountError::Unavailable { source: error.into() }
}

fn text(value: &SqlValue) -> Option<String> {
    match value {
        SqlValue::Text(text) => Some(text.clone()),
        _ => None,
    }
}

fn user_from_row(row: &[SqlValue]) -> Result<(User, String), AccountError> {
    let table = "_omnera_users";
    let [id, email, name, roles, disabled, email_verified, created_at, password_hash, ..] = row else {
        return Err(corrupt(table, format!("a user reads back as {row:?}")));
    };
    let id = integer(table, "id", id)?;
    let roles = match roles {
        SqlValue::Json(serde_json::Value::Array(roles)) => roles
            .iter()
            .map(|role| role.as_str().map(str::to_owned))
            .collect::<Option<Vec<String>>>()
            .ok_or_else(|| corrupt(table, format!("user {id} has a role that is not text")))?,
        other => return Err(corrupt(table, format!("the roles of user {id} are {other:?}"))),
    };
    let email = text(email).ok_or_else(|| corrupt(table, format!("user {id} has no email")))?;
    let created_at =
        created_at.as_timestamp().ok_or_else(|| corrupt(table, format!("user {id} has no created_at")))?;
    let mut user = User::new(id, email, text(name), roles, created_at);
    let flag = |value: &SqlValue, column: &str| match value {
        SqlValue::Bool(flag) => Ok(*flag),
        other => Err(corrupt(table, format!("{column} of user {id} is {other:?}"))),
    };
    user.disabled = flag(disabled, "disabled")?;
    user.email_verified = flag(email_verified, "email_verified")?;
    let password_hash =
        text(password_hash).ok_or_else(|| corrupt(table, format!("user {id} has no password hash")))?;
    Ok((user, password_hash))
}

fn integer(table: &str, column: &str, value: &SqlValue) -> Result<i64, AccountError> {
    value.as_i64().ok_or_else(|| corrupt(table, format!("{column} is {value:?}, not an integer")))
}

fn corrupt(table: &str, reason: impl Into<String>) -> AccountError {
    AccountError::Corrupt { table: table.to_owned(), reason: reason.into() }
}

/// Runs one query on a read connection.
async fn read(
    database: &Database,
    query: &str,
    params: &[SqlValue],
    columns: &[ColumnType],
) -> Result<Vec<Vec<SqlValue>>, AccountError> {
    let mut transaction = database.begin_read().await.map_err(unavailable)?;
    transaction.fetch(query, params, columns).await.map_err(unavailable)
}

/// Runs one statement in a write transaction of its own; returns the rows its `RETURNING`
/// clause gives back (none when `returned` is empty).
async fn write(
    database: &Database,
    statement: &str,
    params: &[SqlValue],
    returned: &[ColumnType],
) -> Result<Vec<Vec<SqlValue>>, AccountError> {
    let mut transaction = database.begin_write().await.map_err(unavailable)?;
    let rows = if returned.is_empty() {
        transaction.execute(statement, params).await.map(|_| Vec::new())
    } else {
        transaction.fetch(statement, params, returned).await
    }
    .map_err(unavailable)?;
    transaction.commit().await.map_err(unavailable)?;
    Ok(rows)
}

/// Account addresses are kept and compared in lower case: `Ann@x.com` and `ann@x.com` are one
/// account.
fn normalized_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[async_trait]
impl UserStore for SqlStorage {
    async fn create_user(&self, user: NewUser) -> Result<User, AccountError> {
        let database = self.database();
        let mut transaction = database.begin_write().await.map_err(unavailable)?;
        let statement = format!(
            "INSERT INTO _omnera_users (email, name, password_hash, roles, email_verified, created_at) VALUES ({}) RETURNING {RETURNED_COLUMNS}",
            database.dialect().placeholders(1..=6)
        );
        let params = [
            SqlValue::Text(normalized_email(&user.email)),
            user.name.map_or(SqlValue::Null(ColumnType::Text), SqlValue::Text),
            SqlValue::Text(user.password_hash),
            SqlValue::Json(serde_json::json!(user.roles)),
            SqlValue::Bool(user.email_verified),
            SqlValue::Timestamp(now()),
        ];
        // Not `write`: a taken address is the caller's problem, not an unavailable store.
        let rows =
            transaction.fetch(&statement, &params, &USER_TYPES).await.map_err(|error| {
                match violation(&error) {
                    Some(Violation::Unique(_)) => AccountError::EmailTaken,
                    _ => unavailable(error),
                }
            })?;
        transaction.commit().await.map_err(unavailable)?;
        let row = rows.first().ok_or_else(|| unavailable("the new account was not returned"))?;
        Ok(user_from_row(row)?.0)
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<(User, String)>, AccountError> {
        let database = self.database();
        let query = format!(
            "SELECT {USER_COLUMNS} FROM _omnera_users AS u WHERE u.email = {}",
            database.dialect().placeholder(1)
        );
        let rows = read(&database, &query, &[SqlValue::Text(normalized_email(email))], &USER_TYPES).await?;
        rows.first().map(|row| user_from_row(row)).transpose()
    }

    async fn user(&self, id: i64) -> Result<Option<User>, AccountError> {
        admin::user(self, id).await
    }

    async fn users(&self, offset: u64, limit: u64) -> Result<UserPage, AccountError> {
        admin::users(self, offset, limit).await
    }

    async fn has_admin(&self) -> Result<bool, AccountError> {
        admin::has_admin(self).await
    }

    async fn update_user(&self, id: i64, changes: UserChanges) -> Result<Option<User>, AccountError> {
        admin::update_user(self, id, changes).await
    }
}

#[async_trait]
impl SessionStore for SqlStorage {
    async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), AccountError> {
        let database = self.database();
        let statement = format!(
            "INSERT INTO _omnera_sessions (token_hash, user_id, created_at, expires_at) VALUES ({})",
            database.dialect().placeholders(1..=4)
        );
        let params = [
            SqlValue::Text(token_hash.to_owned()),
            SqlValue::Integer(user_id),
            SqlValue::Timestamp(now()),
            SqlValue::Timestamp(expires_at),
        ];
        write(&database, &statement, &params, &[]).await.map(drop)
    }

    async fn session_user(&self, token_hash: &str, at: DateTime<Utc>) -> Result<Option<User>, AccountError> {
        let database = self.database();
        let dialect = database.dialect();
        let query = format!(
            "SELECT {USER_COLUMNS} FROM _omnera_sessions AS s JOIN _omnera_users AS u ON u.id = s.user_id \
             WHERE s.token_hash = {} AND s.expires_at > {}",
            dialect.placeholder(1),
            dialect.placeholder(2)
        );
        let params = [SqlValue::Text(token_hash.to_owned()), SqlValue::Timestamp(at)];
        let rows = read(&database, &query, &params, &USER_TYPES).await?;
        rows.first().map(|row| Ok(user_from_row(row)?.0)).transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), AccountError> {
        let database = self.database();
        let statement =
            format!("DELETE FROM _omnera_sessions WHERE token_hash = {}", database.dialect().placeholder(1));
        write(&database, &statement, &[SqlValue::Text(token_hash.to_owned())], &[]).await.map(drop)
    }

    async fn end_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<(), AccountError> {
        admin::end_sessions(self, user_id, keep).await
    }
}

#[async_trait]
impl ApiKeyStore for SqlStorage {
    async fn create_api_key(&self, user_id: i64, key: NewApiKey) -> Result<ApiKey, AccountError> {
        let database = self.database();
        let statement = format!(
            "INSERT INTO _omnera_api_keys (user_id, name, key_hash, created_at, expires_at, scopes) VALUES ({}) RETURNING {KEY_COLUMNS}",
            database.dialect().placeholders(1..=6)
        );
        let params = [
            SqlValue::Integer(user_id),
            SqlValue::Text(key.name),
            SqlValue::Text(key.key_hash),
            SqlValue::Timestamp(now()),
            key.expires_at.map_or(SqlValue::Null(ColumnType::Timestamp), SqlValue::Timestamp),
            scopes_cell(key.scopes.as_ref()),
        ];
        let rows = write(&database, &statement, &params, &KEY_TYPES).await?;
        let row = rows.first().ok_or_else(|| unavailable("the new key was not returned"))?;
        api_key_from_row(row)
    }

    async fn api_keys(&self, user_id: i64) -> Result<Vec<ApiKey>, AccountError> {
        let database = self.database();
        let query = format!(
            "SELECT {KEY_COLUMNS} FROM _omnera_api_keys WHERE user_id = {} AND revoked_at IS NULL ORDER BY id",
            database.dialect().placeholder(1)
        );
        let rows = read(&database, &query, &[SqlValue::Integer(user_id)], &KEY_TYPES).await?;
        rows.iter().map(|row| api_key_from_row(row)).collect()
    }

    async fn revoke_api_key(&self, user_id: i64, key_id: i64) -> Result<bool, AccountError> {
        let database = self.database();
        let dialect = database.dialect();
        let statement = format!(
            "UPDATE _omnera_api_keys SET revoked_at = {} WHERE id = {} AND user_id = {} AND revoked_at IS NULL RETURNING id",
            dialect.placeholder(1),
            dialect.placeholder(2),
            dialect.placeholder(3)
        );
        let params = [SqlValue::Timestamp(now()), SqlValue::Integer(key_id), SqlValue::Integer(user_id)];
        let revoked = write(&database, &statement, &params, &[ColumnType::Integer]).await?;
        Ok(!revoked.is_empty())
    }

    async fn api_key_user(
        &self,
        key_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<KeyHolder>, AccountError> {
        let database = self.database();
        let dialect = database.dialect();
        let query = format!(
            "SELECT {USER_COLUMNS}, k.scopes FROM _omnera_api_keys AS k JOIN _omnera_users AS u ON u.id = k.user_id \
             WHERE k.key_hash = {} AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > {})",
            dialect.placeholder(1),
            dialect.placeholder(2)
        );
        let params = [SqlValue::Text(key_hash.to_owned()), SqlValue::Timestamp(at)];
        let mut types = USER_TYPES.to_vec();
        types.push(ColumnType::Text);
        let rows = read(&database, &query, &params, &types).await?;
        rows.first()
            .map(|row| {
                let scopes = row
                    .get(USER_TYPES.len())
                    .ok_or_else(|| corrupt("_omnera_api_keys", "no scopes column"))?;
                Ok(KeyHolder::new(user_from_row(row)?.0, scopes_from(scopes)?))
            })
            .transpose()
    }
}

#[async_trait]
impl OneTimeTokenStore for SqlStorage {
    async fn create_one_time_token(
        &self,
        user_id: i64,
        purpose: TokenPurpose,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), AccountError> {
        one_time::create(self, user_id, purpose, token_hash, expires_at).await
    }

    async fn redeem_one_time_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<User>, AccountError> {
        one_time::redeem(self, purpose, token_hash, at).await
    }
}

#[async_trait]
impl SignInFailureStore for SqlStorage {
    async fn record_failed_sign_in(&self, keys: &[String], at: DateTime<Utc>) -> Result<(), AccountError> {
        throttle::record(self, keys, at).await
    }

    async fn failed_sign_ins(&self, key: &str, since: DateTime<Utc>) -> Result<FailedSignIns, AccountError> {
        throttle::count(self, key, since).await
    }

    async fn clear_failed_sign_ins(&self, key: &str) -> Result<(), AccountError> {
        throttle::clear(self, key).await
    }
}

#[async_trait]
impl ExternalSignInStore for SqlStorage {
    async fn start_external_sign_in(
        &self,
        state_hash: &str,
        pending: PendingSignIn,
    ) -> Result<(), AccountError> {
        external::start(self, state_hash, pending).await
    }

    async fn finish_external_sign_in(
        &self,
        state_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<PendingSignIn>, AccountError> {
        external::finish(self, state_hash, at).await
    }

    async fn linked_user(&self, account: &ExternalAccount) -> Result<Option<User>, AccountError> {
        external::linked_user(self, account).await
    }

    async fn link_account(&self, user_id: i64, account: &ExternalAccount) -> Result<(), AccountError> {
        external::link(self, user_id, account).await
    }
}
