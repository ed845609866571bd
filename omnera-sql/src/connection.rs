//! Running SQL on either database: binding [`SqlValue`]s, decoding rows, transactions.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
#[cfg(feature = "postgres")]
use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::pool::PoolConnection;
#[cfg(feature = "postgres")]
use sqlx::{PgConnection, Postgres};
#[cfg(feature = "sqlite")]
use sqlx::{Sqlite, SqliteConnection};

#[cfg(feature = "sqlite")]
use crate::inline_reads::InlineReader;
use crate::physical::ColumnType;
use crate::sql_value::SqlValue;
#[cfg(feature = "sqlite")]
use crate::sql_value::{ScaledDecimal, decimal_from_count, timestamp_text};

/// Where statements run: an open transaction on either database, or a pooled connection in
/// autocommit mode for reads (each statement sees the latest committed data, and no
/// `BEGIN`/`ROLLBACK` round trips are spent).
pub(crate) enum Transaction {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'static, Postgres>),
    #[cfg(feature = "sqlite")]
    SqliteReads(PoolConnection<Sqlite>),
    #[cfg(feature = "postgres")]
    PostgresReads(PoolConnection<Postgres>),
    /// Short reads on the calling thread (see `inline_reads`).
    #[cfg(feature = "sqlite")]
    SqliteInline(InlineReader),
}

/// The connection under a [`Transaction`].
enum Connection<'c> {
    #[cfg(feature = "sqlite")]
    Sqlite(&'c mut SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(&'c mut PgConnection),
    #[cfg(feature = "sqlite")]
    Inline(&'c InlineReader),
}

impl Transaction {
    fn connection(&mut self) -> Connection<'_> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(transaction) => Connection::Sqlite(transaction),
            #[cfg(feature = "sqlite")]
            Self::SqliteReads(connection) => Connection::Sqlite(connection),
            #[cfg(feature = "postgres")]
            Self::Postgres(transaction) => Connection::Postgres(transaction),
            #[cfg(feature = "postgres")]
            Self::PostgresReads(connection) => Connection::Postgres(connection),
            #[cfg(feature = "sqlite")]
            Self::SqliteInline(reader) => Connection::Inline(reader),
        }
    }

    /// Runs a statement; returns the rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, sqlx::Error> {
        match self.connection() {
            #[cfg(feature = "sqlite")]
            Connection::Sqlite(connection) => {
                Ok(sqlite_query(sql, params).execute(connection).await?.rows_affected())
            }
            #[cfg(feature = "postgres")]
            Connection::Postgres(connection) => {
                Ok(postgres_query(sql, params).execute(connection).await?.rows_affected())
            }
            #[cfg(feature = "sqlite")]
            Connection::Inline(_) => Err(sqlx::Error::Protocol("an inline reader does not write".to_owned())),
        }
    }

    /// Runs a query; decodes each row's columns as `columns` says.
    pub(crate) async fn fetch(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        columns: &[ColumnType],
    ) -> Result<Vec<Vec<SqlValue>>, sqlx::Error> {
        match self.connection() {
            #[cfg(feature = "sqlite")]
            Connection::Sqlite(connection) => {
                let rows = sqlite_query(sql, params).fetch_all(connection).await?;
                rows.iter().map(|row| decode_sqlite(row, columns)).collect()
            }
            #[cfg(feature = "postgres")]
            Connection::Postgres(connection) => {
                let rows = postgres_query(sql, params).fetch_all(connection).await?;
                rows.iter().map(|row| decode_postgres(row, columns)).collect()
            }
            #[cfg(feature = "sqlite")]
            Connection::Inline(reader) => {
                reader.fetch(sql, params, columns).map_err(|error| sqlx::Error::Protocol(error.to_string()))
            }
        }
    }

    /// Commits a transaction; autocommit reads have nothing to commit.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite(transaction) => transaction.commit().await,
            #[cfg(feature = "postgres")]
            Self::Postgres(transaction) => transaction.commit().await,
            #[cfg(feature = "sqlite")]
            Self::SqliteReads(_) | Self::SqliteInline(_) => Ok(()),
            #[cfg(feature = "postgres")]
            Self::PostgresReads(_) => Ok(()),
        }
    }
}

#[cfg(feature = "sqlite")]
type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;
#[cfg(feature = "postgres")]
type PostgresQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// A statement with its parameters bound. Statements are built from the schema's quoted
/// identifiers and placeholders only, never from values, so they are safe to prepare as is.
#[cfg(feature = "sqlite")]
fn sqlite_query<'q>(sql: &'q str, params: &[SqlValue]) -> SqliteQuery<'q> {
    params.iter().fold(sqlx::query(sqlx::AssertSqlSafe(sql)), bind_sqlite)
}

#[cfg(feature = "postgres")]
fn postgres_query<'q>(sql: &'q str, params: &[SqlValue]) -> PostgresQuery<'q> {
    params.iter().fold(sqlx::query(sqlx::AssertSqlSafe(sql)), bind_postgres)
}

#[cfg(feature = "sqlite")]
fn bind_sqlite<'q>(query: SqliteQuery<'q>, value: &SqlValue) -> SqliteQuery<'q> {
    match value {
        SqlValue::Null(_) => query.bind(None::<String>),
        SqlValue::Integer(number) => query.bind(*number),
        SqlValue::Text(text) => query.bind(text.clone()),
        SqlValue::Decimal { value, scale } => match ScaledDecimal::of(*value, *scale) {
            ScaledDecimal::Count(count) => query.bind(count),
            ScaledDecimal::Between(real) => query.bind(real),
        },
        SqlValue::Bool(flag) => query.bind(*flag),
        SqlValue::Date(date) => query.bind(date.format("%Y-%m-%d").to_string()),
        SqlValue::Timestamp(moment) => query.bind(timestamp_text(moment)),
        SqlValue::Time(time) => query.bind(time.format("%H:%M:%S%.f").to_string()),
        SqlValue::TextList(items) => query.bind(serde_json::to_string(items).unwrap_or_default()),
        SqlValue::Json(document) => query.bind(document.to_string()),
    }
}

#[cfg(feature = "postgres")]
fn bind_postgres<'q>(query: PostgresQuery<'q>, value: &SqlValue) -> PostgresQuery<'q> {
    match value {
        SqlValue::Null(column) => match column {
            ColumnType::Text | ColumnType::Choice => query.bind(None::<String>),
            ColumnType::Integer | ColumnType::Reference => query.bind(None::<i64>),
            ColumnType::Decimal { .. } | ColumnType::TextDecimal => query.bind(None::<Decimal>),
            ColumnType::Boolean => query.bind(None::<bool>),
            ColumnType::Date => query.bind(None::<NaiveDate>),
            ColumnType::Timestamp => query.bind(None::<DateTime<Utc>>),
            ColumnType::Time => query.bind(None::<NaiveTime>),
            ColumnType::TextList => query.bind(None::<Vec<String>>),
            ColumnType::Json => query.bind(None::<sqlx::types::Json<serde_json::Value>>),
        },
        SqlValue::Integer(number) => query.bind(*number),
        SqlValue::Text(text) => query.bind(text.clone()),
        SqlValue::Decimal { value, .. } => query.bind(*value),
        SqlValue::Bool(flag) => query.bind(*flag),
        SqlValue::Date(date) => query.bind(*date),
        SqlValue::Timestamp(moment) => query.bind(*moment),
        SqlValue::Time(time) => query.bind(*time),
        SqlValue::TextList(items) => query.bind(items.clone()),
        SqlValue::Json(document) => query.bind(sqlx::types::Json(document.clone())),
    }
}

#[cfg(feature = "sqlite")]
fn decode_error(index: usize, message: String) -> sqlx::Error {
    sqlx::Error::ColumnDecode { index: index.to_string(), source: message.into() }
}

#[cfg(feature = "sqlite")]
fn decode_sqlite(
    row: &sqlx::sqlite::SqliteRow,
    columns: &[ColumnType],
) -> Result<Vec<SqlValue>, sqlx::Error> {
    columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let value = match column {
                ColumnType::Integer | ColumnType::Reference => {
                    row.try_get::<Option<i64>, _>(index)?.map(SqlValue::Integer)
                }
                ColumnType::Boolean => row.try_get::<Option<bool>, _>(index)?.map(SqlValue::Bool),
                ColumnType::Decimal { scale } => match row.try_get::<Option<i64>, _>(index)? {
                    None => None,
                    Some(count) => Some(
                        decimal_from_count(count, *scale).map_err(|message| decode_error(index, message))?,
                    ),
                },
                _ => match row.try_get::<Option<String>, _>(index)? {
                    None => None,
                    Some(text) => Some(
                        parse_sqlite_text(*column, text).map_err(|message| decode_error(index, message))?,
                    ),
                },
            };
            Ok(value.unwrap_or(SqlValue::Null(*column)))
        })
        .collect()
}

#[cfg(feature = "sqlite")]
pub(crate) fn parse_sqlite_text(column: ColumnType, text: String) -> Result<SqlValue, String> {
    let bad = |what: &str| format!("stored {what} `{text}` does not parse");
    Ok(match column {
        ColumnType::Date => {
            SqlValue::Date(NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| bad("date"))?)
        }
        ColumnType::Timestamp => SqlValue::Timestamp(
            DateTime::parse_from_rfc3339(&text).map_err(|_| bad("timestamp"))?.with_timezone(&Utc),
        ),
        ColumnType::Time => {
            SqlValue::Time(NaiveTime::parse_from_str(&text, "%H:%M:%S%.f").map_err(|_| bad("time"))?)
        }
        ColumnType::TextList => SqlValue::TextList(serde_json::from_str(&text).map_err(|_| bad("list"))?),
        ColumnType::Json => SqlValue::Json(serde_json::from_str(&text).map_err(|_| bad("document"))?),
        _ => SqlValue::Text(text),
    })
}

#[cfg(feature = "postgres")]
fn decode_postgres(
    row: &sqlx::postgres::PgRow,
    columns: &[ColumnType],
) -> Result<Vec<SqlValue>, sqlx::Error> {
    columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let value = match column {
                ColumnType::Text | ColumnType::Choice => {
                    row.try_get::<Option<String>, _>(index)?.map(SqlValue::Text)
                }
                ColumnType::Integer | ColumnType::Reference => {
                    row.try_get::<Option<i64>, _>(index)?.map(SqlValue::Integer)
                }
                // NUMERIC keeps the scale each value was written with; the column's is the one
                // the field has now, as on SQLite.
                ColumnType::Decimal { scale } => {
                    row.try_get::<Option<Decimal>, _>(index)?.map(|mut value| {
                        value.rescale(*scale);
                        SqlValue::Decimal { value, scale: *scale }
                    })
                }
                ColumnType::TextDecimal => row
                    .try_get::<Option<Decimal>, _>(index)?
                    .map(|value| SqlValue::Decimal { scale: value.scale(), value }),
                ColumnType::Boolean => row.try_get::<Option<bool>, _>(index)?.map(SqlValue::Bool),
                ColumnType::Date => row.try_get::<Option<NaiveDate>, _>(index)?.map(SqlValue::Date),
                ColumnType::Timestamp => {
                    row.try_get::<Option<DateTime<Utc>>, _>(index)?.map(SqlValue::Timestamp)
                }
                ColumnType::Time => row.try_get::<Option<NaiveTime>, _>(index)?.map(SqlValue::Time),
                ColumnType::TextList => row.try_get::<Option<Vec<String>>, _>(index)?.map(SqlValue::TextList),
                ColumnType::Json => row
                    .try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(index)?
                    .map(|document| SqlValue::Json(document.0)),
            };
            Ok(value.unwrap_or(SqlValue::Null(*column)))
        })
        .collect()
}
