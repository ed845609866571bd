//! Request budgets ([`omnera_core::backend::RateLimits`]) kept in `_omnera_rate_limits`, so that
//! every instance on one database draws from one budget. One upsert per reservation moves the
//! key's next free time one interval on (the generic cell rate algorithm); the row lock of the
//! upsert orders concurrent reservations, on PostgreSQL across instances.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use omnera_core::backend::{RateLimits, RequestBudget, StorageError};

use crate::SqlStorage;
use crate::dialect::Dialect;
use crate::error::{corrupt, unavailable};
use crate::physical::ColumnType;
use crate::sql_value::SqlValue;

#[async_trait]
impl RateLimits for SqlStorage {
    async fn reserve(
        &self,
        key: &str,
        budget: RequestBudget,
        now: DateTime<Utc>,
    ) -> Result<Duration, StorageError> {
        let database = self.database();
        let dialect = database.dialect();
        let later = match dialect {
            Dialect::Postgres => "GREATEST",
            Dialect::Sqlite => "MAX",
        };
        let statement = format!(
            "INSERT INTO _omnera_rate_limits (key, next_free) VALUES ({key}, {now} + {interval}) \
             ON CONFLICT (key) DO UPDATE SET next_free = {later}(_omnera_rate_limits.next_free, {now}) + {interval} \
             RETURNING next_free",
            key = dialect.placeholder(1),
            now = dialect.placeholder(2),
            interval = dialect.placeholder(3),
        );
        let now = now.timestamp_micros();
        let params = [
            SqlValue::Text(key.to_owned()),
            SqlValue::Integer(now),
            SqlValue::Integer(microseconds(budget.interval())),
        ];
        let mut transaction = database.begin_write().await?;
        let rows =
            transaction.fetch(&statement, &params, &[ColumnType::Integer]).await.map_err(unavailable)?;
        transaction.commit().await.map_err(unavailable)?;
        let next_free = rows
            .first()
            .and_then(|row| row[0].as_i64())
            .ok_or_else(|| corrupt("_omnera_rate_limits", format!("no time for the key {key}")))?;
        // The reservation's slot starts one interval before `next_free`; the budget's burst lets
        // it go `per` earlier than that.
        let wait = next_free.saturating_sub(microseconds(budget.per())).saturating_sub(now);
        Ok(Duration::from_micros(u64::try_from(wait).unwrap_or(0)))
    }
}

fn microseconds(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}
