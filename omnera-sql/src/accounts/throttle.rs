//! Failed sign-ins by key, in the database so that every instance counts them together.

use chrono::{DateTime, Utc};
use omnera_core::backend::{AccountError, FailedSignIns};

use super::{read, unavailable, write};
use crate::SqlStorage;
use crate::physical::ColumnType;
use crate::sql_value::SqlValue;

pub(super) async fn record(
    storage: &SqlStorage,
    keys: &[String],
    at: DateTime<Utc>,
) -> Result<(), AccountError> {
    let database = storage.database();
    let dialect = database.dialect();
    let statement = format!(
        "INSERT INTO _omnera_sign_in_failures (throttle_key, failed_at) VALUES ({}, {})",
        dialect.placeholder(1),
        dialect.placeholder(2)
    );
    let mut transaction = database.begin_write().await.map_err(unavailable)?;
    for key in keys {
        let params = [SqlValue::Text(key.clone()), SqlValue::Timestamp(at)];
        transaction.execute(&statement, &params).await.map_err(unavailable)?;
    }
    // Old failures no longer count for anything: dropping them keeps the table small.
    let expired =
        format!("DELETE FROM _omnera_sign_in_failures WHERE failed_at < {}", dialect.placeholder(1));
    let day_ago = SqlValue::Timestamp(at - chrono::Duration::days(1));
    transaction.execute(&expired, &[day_ago]).await.map_err(unavailable)?;
    transaction.commit().await.map_err(unavailable)
}

pub(super) async fn count(
    storage: &SqlStorage,
    key: &str,
    since: DateTime<Utc>,
) -> Result<FailedSignIns, AccountError> {
    let database = storage.database();
    let dialect = database.dialect();
    let query = format!(
        "SELECT COUNT(*), MAX(failed_at) FROM _omnera_sign_in_failures WHERE throttle_key = {} AND failed_at > {}",
        dialect.placeholder(1),
        dialect.placeholder(2)
    );
    let params = [SqlValue::Text(key.to_owned()), SqlValue::Timestamp(since)];
    let rows = read(&database, &query, &params, &[ColumnType::Integer, ColumnType::Timestamp]).await?;
    let Some(row) = rows.first() else {
        return Ok(FailedSignIns::default());
    };
    let SqlValue::Integer(count) = row[0] else {
        return Err(super::corrupt(
            "_omnera_sign_in_failures",
            format!("the count of failures is {:?}", row[0]),
        ));
    };
    // More failures than a u32 counts wait as long as u32::MAX of them would.
    let count = u32::try_from(count).unwrap_or(u32::MAX);
    Ok(FailedSignIns::new(count, row[1].as_timestamp()))
}

pub(super) async fn clear(storage: &SqlStorage, key: &str) -> Result<(), AccountError> {
    let database = storage.database();
    let statement = format!(
        "DELETE FROM _omnera_sign_in_failures WHERE throttle_key = {}",
        database.dialect().placeholder(1)
    );
    write(&database, &statement, &[SqlValue::Text(key.to_owned())], &[]).await.map(drop)
}
