//! One-time tokens for password resets and email verification, kept as hashes. Redeeming one
//! uses it up, and with it every other open token of the same user and purpose.

use chrono::{DateTime, Utc};
use omnera_core::backend::{AccountError, TokenPurpose, User};

use super::{admin, unavailable, write};
use crate::SqlStorage;
use crate::physical::ColumnType;
use crate::sql_value::{SqlValue, now};

pub(super) async fn create(
    storage: &SqlStorage,
    user_id: i64,
    purpose: TokenPurpose,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), AccountError> {
    let database = storage.database();
    let statement = format!(
        "INSERT INTO _omnera_one_time_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ({})",
        database.dialect().placeholders(1..=5)
    );
    let params = [
        SqlValue::Text(token_hash.to_owned()),
        SqlValue::Integer(user_id),
        SqlValue::Text(purpose.as_str().to_owned()),
        SqlValue::Timestamp(now()),
        SqlValue::Timestamp(expires_at),
    ];
    write(&database, &statement, &params, &[]).await.map(drop)
}

pub(super) async fn redeem(
    storage: &SqlStorage,
    purpose: TokenPurpose,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<Option<User>, AccountError> {
    let database = storage.database();
    let dialect = database.dialect();
    let p = |index| dialect.placeholder(index);
    let claim = format!(
        "UPDATE _omnera_one_time_tokens SET used_at = {} WHERE token_hash = {} AND purpose = {} \
         AND used_at IS NULL AND expires_at > {} RETURNING user_id",
        p(1),
        p(2),
        p(3),
        p(4)
    );
    let purpose_name = SqlValue::Text(purpose.as_str().to_owned());
    let params = [
        SqlValue::Timestamp(at),
        SqlValue::Text(token_hash.to_owned()),
        purpose_name.clone(),
        SqlValue::Timestamp(at),
    ];
    let mut transaction = database.begin_write().await.map_err(unavailable)?;
    let claimed = transaction.fetch(&claim, &params, &[ColumnType::Integer]).await.map_err(unavailable)?;
    let Some(user_id) = claimed.first().and_then(|row| row[0].as_i64()) else {
        return Ok(None);
    };
    let siblings = format!(
        "UPDATE _omnera_one_time_tokens SET used_at = {} WHERE user_id = {} AND purpose = {} AND used_at IS NULL",
        p(1),
        p(2),
        p(3)
    );
    let params = [SqlValue::Timestamp(at), SqlValue::Integer(user_id), purpose_name];
    transaction.execute(&siblings, &params).await.map_err(unavailable)?;
    transaction.commit().await.map_err(unavailable)?;
    admin::user(storage, user_id).await
}
