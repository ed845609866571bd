//! Point reads on a SQLite file, run on the calling thread. sqlx gives every SQLite connection a
//! thread of its own, and each statement is a round trip to it: for a read by primary key that
//! hand-off costs more than the read. These connections (read-only, rusqlite, the same SQLite
//! library as sqlx's) serve short reads where the caller is; anything long still goes through
//! sqlx's pool, so no scan ever holds up the async runtime.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OpenFlags};

use crate::connection::parse_sqlite_text;
use crate::physical::ColumnType;
use crate::sql_value::{ScaledDecimal, SqlValue, decimal_from_count, timestamp_text};

/// How long a read waits for a lock (a checkpoint, say) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle connections kept for reuse.
const MAX_IDLE: usize = 8;

/// Read-only connections to one SQLite file, opened on demand and reused.
#[derive(Debug)]
pub(crate) struct InlineReaders {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// A connection taken from [`InlineReaders`]; it goes back when dropped.
pub(crate) struct InlineReader {
    readers: Arc<InlineReaders>,
    connection: Option<Connection>,
}

impl InlineReaders {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path, idle: Mutex::new(Vec::new()) }
    }

    /// An idle connection, or a new one.
    pub(crate) fn take(self: &Arc<Self>) -> Result<InlineReader, rusqlite::Error> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let connection = match idle {
            Some(connection) => connection,
            None => {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI;
                let connection = Connection::open_with_flags(&self.path, flags)?;
                connection.busy_timeout(BUSY_TIMEOUT)?;
                connection
            }
        };
        Ok(InlineReader { readers: Arc::clone(self), connection: Some(connection) })
    }
}

impl Drop for InlineReader {
    fn drop(&mut self) {
        if let (Some(connection), Ok(mut idle)) = (self.connection.take(), self.readers.idle.lock())
            && idle.len() < MAX_IDLE
        {
            idle.push(connection);
        }
    }
}

impl InlineReader {
    /// Runs a query; decodes each row's columns as `columns` says, as sqlx's path does.
    pub(crate) fn fetch(
        &self,
        sql: &str,
        params: &[SqlValue],
        columns: &[ColumnType],
    ) -> Result<Vec<Vec<SqlValue>>, rusqlite::Error> {
        let Some(connection) = &self.connection else { return Ok(Vec::new()) };
        let mut statement = connection.prepare_cached(sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(params.iter().map(bound)))?;
        let mut decoded = Vec::new();
        while let Some(row) = rows.next()? {
            let values = columns
                .iter()
                .enumerate()
                .map(|(index, column)| decode(row.get_ref(index)?, *column, index))
                .collect::<Result<Vec<_>, _>>()?;
            decoded.push(values);
        }
        Ok(decoded)
    }
}

/// A parameter as sqlx's SQLite path binds it.
fn bound(value: &SqlValue) -> Value {
    match value {
        SqlValue::Null(_) => Value::Null,
        SqlValue::Integer(number) => Value::Integer(*number),
        SqlValue::Bool(flag) => Value::Integer(i64::from(*flag)),
        SqlValue::Text(text) => Value::Text(text.clone()),
        SqlValue::Decimal { value, scale } => match ScaledDecimal::of(*value, *scale) {
            ScaledDecimal::Count(count) => Value::Integer(count),
            ScaledDecimal::Between(real) => Value::Real(real),
        },
        SqlValue::Date(date) => Value::Text(date.format("%Y-%m-%d").to_string()),
        SqlValue::Timestamp(moment) => Value::Text(timestamp_text(moment)),
        SqlValue::Time(time) => Value::Text(time.format("%H:%M:%S%.f").to_string()),
        SqlValue::TextList(items) => Value::Text(serde_json::to_string(items).unwrap_or_default()),
        SqlValue::Json(document) => Value::Text(document.to_string()),
    }
}

fn decode(value: ValueRef<'_>, column: ColumnType, index: usize) -> Result<SqlValue, rusqlite::Error> {
    let unfit =
        |message: String| rusqlite::Error::FromSqlConversionFailure(index, value.data_type(), message.into());
    Ok(match (value, column) {
        (ValueRef::Null, _) => SqlValue::Null(column),
        (ValueRef::Integer(number), ColumnType::Boolean) => SqlValue::Bool(number != 0),
        (ValueRef::Integer(number), ColumnType::Integer | ColumnType::Reference) => SqlValue::Integer(number),
        (ValueRef::Integer(count), ColumnType::Decimal { scale }) => {
            decimal_from_count(count, scale).map_err(unfit)?
        }
        (ValueRef::Integer(number), _) => parse_sqlite_text(column, number.to_string()).map_err(unfit)?,
        (ValueRef::Real(number), _) => parse_sqlite_text(column, number.to_string()).map_err(unfit)?,
        (ValueRef::Text(bytes) | ValueRef::Blob(bytes), _) => {
            let text = String::from_utf8(bytes.to_vec()).map_err(|error| unfit(error.to_string()))?;
            parse_sqlite_text(column, text).map_err(unfit)?
        }
    })
}
