//! Sign-ins through OAuth connections: `_omnera_pending_sign_ins` holds those sent to a
//! provider (each taken back once, by its callback), `_omnera_linked_accounts` the provider
//! accounts that sign in as a user.

use chrono::{DateTime, Utc};
use omnera_core::backend::{AccountError, ExternalAccount, PendingSignIn, User};

use super::{USER_COLUMNS, USER_TYPES, read, text, unavailable, user_from_row, write};
use crate::SqlStorage;
use crate::physical::ColumnType;
use crate::sql_value::{SqlValue, now};

const PENDING_TYPES: [ColumnType; 5] =
    [ColumnType::Text, ColumnType::Text, ColumnType::Text, ColumnType::Text, ColumnType::Timestamp];

pub(super) async fn start(
    storage: &SqlStorage,
    state_hash: &str,
    pending: PendingSignIn,
) -> Result<(), AccountError> {
    let database = storage.database();
    let dialect = database.dialect();
    let mut transaction = database.begin_write().await.map_err(unavailable)?;
    // Sign-ins nobody came back for are dropped as new ones start.
    let expired =
        format!("DELETE FROM _omnera_pending_sign_ins WHERE expires_at <= {}", dialect.placeholder(1));
    transaction.execute(&expired, &[SqlValue::Timestamp(now())]).await.map_err(unavailable)?;
    let statement = format!(
        "INSERT INTO _omnera_pending_sign_ins (state_hash, connection, code_verifier, callback_url, redirect, expires_at) \
         VALUES ({})",
        dialect.placeholders(1..=6)
    );
    let params = [
        SqlValue::Text(state_hash.to_owned()),
        SqlValue::Text(pending.connection),
        SqlValue::Text(pending.code_verifier),
        SqlValue::Text(pending.callback_url),
        pending.redirect.map_or(SqlValue::Null(ColumnType::Text), SqlValue::Text),
        SqlValue::Timestamp(pending.expires_at),
    ];
    transaction.execute(&statement, &params).await.map_err(unavailable)?;
    transaction.commit().await.map_err(unavailable)
}

pub(super) async fn finish(
    storage: &SqlStorage,
    state_hash: &str,
    at: DateTime<Utc>,
) -> Result<Option<PendingSignIn>, AccountError> {
    let database = storage.database();
    let dialect = database.dialect();
    // Deleted whether or not it expired: a state is good for one callback at most.
    let statement = format!(
        "DELETE FROM _omnera_pending_sign_ins WHERE state_hash = {} \
         RETURNING connection, code_verifier, callback_url, redirect, expires_at",
        dialect.placeholder(1)
    );
    let rows = write(&database, &statement, &[SqlValue::Text(state_hash.to_owned())], &PENDING_TYPES).await?;
    let pending = rows.first().and_then(|row| {
        let expires_at = row[4].as_timestamp()?;
        let pending = PendingSignIn::new(text(&row[0])?, text(&row[1])?, text(&row[2])?, expires_at);
        Some(match text(&row[3]) {
            Some(path) => pending.redirecting_to(path),
            None => pending,
        })
    });
    Ok(pending.filter(|pending| pending.expires_at > at))
}

pub(super) async fn linked_user(
    storage: &SqlStorage,
    account: &ExternalAccount,
) -> Result<Option<User>, AccountError> {
    let database = storage.database();
    let dialect = database.dialect();
    let query = format!(
        "SELECT {USER_COLUMNS} FROM _omnera_linked_accounts AS l JOIN _omnera_users AS u ON u.id = l.user_id \
         WHERE l.connection = {} AND l.subject = {}",
        dialect.placeholder(1),
        dialect.placeholder(2)
    );
    let params = [SqlValue::Text(account.connection.clone()), SqlValue::Text(account.subject.clone())];
    let rows = read(&database, &query, &params, &USER_TYPES).await?;
    rows.first().map(|row| Ok(user_from_row(row)?.0)).transpose()
}

pub(super) async fn link(
    storage: &SqlStorage,
    user_id: i64,
    account: &ExternalAccount,
) -> Result<(), AccountError> {
    let database = storage.database();
    let statement = format!(
        "INSERT INTO _omnera_linked_accounts (connection, subject, user_id, created_at) VALUES ({}) \
         ON CONFLICT (connection, subject) DO NOTHING",
        database.dialect().placeholders(1..=4)
    );
    let params = [
        SqlValue::Text(account.connection.clone()),
        SqlValue::Text(account.subject.clone()),
        SqlValue::Integer(user_id),
        SqlValue::Timestamp(now()),
    ];
    write(&database, &statement, &params, &[]).await.map(drop)
}
