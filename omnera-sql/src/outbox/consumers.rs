//! Reading the outbox as a named consumer, acknowledging, and pruning what every consumer has
//! acknowledged.
//!
//! An event's position is (the writing transaction's id, its sequence number).
//!
//! - **PostgreSQL** numbers events when they are written, but transactions commit in any order:
//!   a reader that went by the sequence alone could pass an event whose transaction commits
//!   later, and never come back for it. So each event keeps its transaction's id
//!   (`pg_current_xact_id()`, the column's default), events are read in (transaction id,
//!   sequence) order, and only those whose transaction id is below the reader's snapshot's
//!   `xmin` are given: every transaction below `xmin` has ended, so nothing can commit before
//!   them any more, and those that rolled back left no rows. A transaction that stays open holds
//!   back the events after it until it ends (any transaction of the server: ids are
//!   server-wide).
//! - **SQLite** has one writer at a time, so the sequence is the commit order; the transaction
//!   part is always 0.

use std::time::Duration;

use omnera_core::backend::{Actor, ChangeKind, OutboxEvent, OutboxPosition, StorageError};
use serde_json::value::RawValue;

use crate::connection::Transaction;
use crate::database::Database;
use crate::dialect::Dialect;
use crate::error::unavailable;
use crate::physical::ColumnType;
use crate::sql_value::{SqlValue, now};

/// The columns of an event, as [`event`] reads them.
const EVENT_TYPES: [ColumnType; 11] = [
    ColumnType::Integer,
    ColumnType::Integer,
    ColumnType::Text,
    ColumnType::Integer,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Timestamp,
];

/// A transaction id as a BIGINT (PostgreSQL's `xid8` holds 64 bits; ids stay far below 2^63).
fn transaction_id(dialect: Dialect, column: &str) -> String {
    match dialect {
        Dialect::Postgres => format!("CAST(CAST({column} AS TEXT) AS BIGINT)"),
        Dialect::Sqlite => column.to_owned(),
    }
}

/// A bound BIGINT as a transaction id.
fn as_transaction_id(dialect: Dialect, index: usize) -> String {
    match dialect {
        Dialect::Postgres => format!("CAST(CAST({} AS TEXT) AS xid8)", dialect.placeholder(index)),
        Dialect::Sqlite => dialect.placeholder(index),
    }
}

/// The position `consumer` acknowledged last; [`OutboxPosition::START`] if it never did.
async fn position(
    connection: &mut Transaction,
    dialect: Dialect,
    consumer: &str,
) -> Result<OutboxPosition, StorageError> {
    let query = format!(
        "SELECT {}, sequence FROM _omnera_outbox_consumers WHERE name = {}",
        transaction_id(dialect, "transaction_id"),
        dialect.placeholder(1)
    );
    let rows = connection
        .fetch(&query, &[SqlValue::Text(consumer.to_owned())], &[ColumnType::Integer, ColumnType::Integer])
        .await
        .map_err(unavailable)?;
    let Some(row) = rows.first() else { return Ok(OutboxPosition::START) };
    match (row[0].as_i64(), row[1].as_i64()) {
        (Some(transaction), Some(sequence)) => Ok(OutboxPosition::new(transaction, sequence)),
        _ => Err(unavailable(format!("the outbox position of consumer {consumer} is unreadable"))),
    }
}

pub(crate) async fn read(
    database: &Database,
    consumer: &str,
    limit: u32,
) -> Result<Vec<OutboxEvent>, StorageError> {
    let dialect = database.dialect();
    let mut connection = database.begin_read().await?;
    let after = position(&mut connection, dialect, consumer).await?;
    let documents = match dialect {
        Dialect::Postgres => "CAST(before_change AS TEXT), CAST(after_change AS TEXT)",
        Dialect::Sqlite => "before_change, after_change",
    };
    let columns = format!(
        "sequence, {}, table_name, record_id, kind, changed_fields, {documents}, actor, request_id, created_at",
        transaction_id(dialect, "transaction_id")
    );
    let (query, mut params) = match dialect {
        Dialect::Postgres => (
            format!(
                "SELECT {columns} FROM _omnera_outbox WHERE (transaction_id, sequence) > ({}, $2) \
                 AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
                 ORDER BY transaction_id, sequence LIMIT $3",
                as_transaction_id(dialect, 1)
            ),
            vec![SqlValue::Integer(after.transaction), SqlValue::Integer(after.sequence)],
        ),
        Dialect::Sqlite => (
            format!("SELECT {columns} FROM _omnera_outbox WHERE sequence > ?1 ORDER BY sequence LIMIT ?2"),
            vec![SqlValue::Integer(after.sequence)],
        ),
    };
    params.push(SqlValue::Integer(i64::from(limit)));
    let rows = connection.fetch(&query, &params, &EVENT_TYPES).await.map_err(unavailable)?;
    rows.into_iter().map(event).collect()
}

fn event(row: Vec<SqlValue>) -> Result<OutboxEvent, StorageError> {
    let corrupt = |what: &str| unavailable(format!("an outbox event has {what}"));
    let mut cells = row.into_iter();
    let mut next = || cells.next().ok_or_else(|| corrupt("too few columns"));
    let sequence = next()?.as_i64().ok_or_else(|| corrupt("no sequence"))?;
    let transaction = next()?.as_i64().ok_or_else(|| corrupt("no transaction id"))?;
    let table = text(next()?).ok_or_else(|| corrupt("no table"))?;
    let record_id = next()?.as_i64().ok_or_else(|| corrupt("no record id"))?;
    let kind = text(next()?)
        .and_then(|kind| ChangeKind::from_name(&kind))
        .ok_or_else(|| corrupt("an unknown kind"))?;
    let changed_fields: Vec<String> = text(next()?)
        .and_then(|fields| serde_json::from_str(&fields).ok())
        .ok_or_else(|| corrupt("unreadable changed fields"))?;
    let document = |cell: SqlValue| -> Result<Option<Box<RawValue>>, StorageError> {
        text(cell).map(RawValue::from_string).transpose().map_err(|_| corrupt("an unreadable document"))
    };
    let before = document(next()?)?;
    let after = document(next()?)?;
    let actor: Actor =
        text(next()?).and_then(|actor| actor.parse().ok()).ok_or_else(|| corrupt("an unreadable actor"))?;
    let request_id = text(next()?);
    let at = next()?.as_timestamp().ok_or_else(|| corrupt("no time"))?;
    let mut event =
        OutboxEvent::new(sequence, OutboxPosition::new(transaction, sequence), table, record_id, kind, at);
    event.changed_fields = changed_fields;
    event.before = before;
    event.after = after;
    event.actor = actor;
    event.request_id = request_id;
    Ok(event)
}

fn text(cell: SqlValue) -> Option<String> {
    match cell {
        SqlValue::Text(text) => Some(text),
        _ => None,
    }
}

pub(crate) async fn acknowledge(
    database: &Database,
    consumer: &str,
    through: &OutboxPosition,
) -> Result<(), StorageError> {
    let dialect = database.dialect();
    // One statement: of two instances acknowledging at once, the further position stays.
    let statement = format!(
        "INSERT INTO _omnera_outbox_consumers (name, transaction_id, sequence, acknowledged_at) \
         VALUES ({}, {}, {}, {}) ON CONFLICT (name) DO UPDATE SET transaction_id = excluded.transaction_id, \
         sequence = excluded.sequence, acknowledged_at = excluded.acknowledged_at \
         WHERE (_omnera_outbox_consumers.transaction_id, _omnera_outbox_consumers.sequence) \
         < (excluded.transaction_id, excluded.sequence)",
        dialect.placeholder(1),
        as_transaction_id(dialect, 2),
        dialect.placeholder(3),
        dialect.placeholder(4)
    );
    let params = [
        SqlValue::Text(consumer.to_owned()),
        SqlValue::Integer(through.transaction),
        SqlValue::Integer(through.sequence),
        SqlValue::Timestamp(now()),
    ];
    let mut transaction = database.begin_write().await?;
    transaction.execute(&statement, &params).await.map_err(unavailable)?;
    transaction.commit().await.map_err(unavailable)
}

pub(crate) async fn prune(database: &Database, older_than: Duration) -> Result<u64, StorageError> {
    let dialect = database.dialect();
    let age = chrono::Duration::from_std(older_than).unwrap_or(chrono::Duration::MAX);
    let Some(cutoff) = now().checked_sub_signed(age) else { return Ok(0) };
    let statement = format!(
        "DELETE FROM _omnera_outbox WHERE created_at < {} AND NOT EXISTS (SELECT 1 FROM \
         _omnera_outbox_consumers AS c WHERE (c.transaction_id, c.sequence) \
         < (_omnera_outbox.transaction_id, _omnera_outbox.sequence))",
        dialect.placeholder(1)
    );
    let mut transaction = database.begin_write().await?;
    let pruned =
        transaction.execute(&statement, &[SqlValue::Timestamp(cutoff)]).await.map_err(unavailable)?;
    transaction.commit().await.map_err(unavailable)?;
    Ok(pruned)
}
