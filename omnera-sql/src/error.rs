//! Classifying database errors by meaning; no sqlx error leaves this crate.

use omnera_core::backend::StorageError;

/// The database failed or could not be reached.
pub(crate) fn unavailable(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StorageError {
    StorageError::Unavailable { source: error.into() }
}

/// A row of `table` does not read back as it was written.
pub(crate) fn corrupt(table: &str, reason: impl Into<String>) -> StorageError {
    StorageError::Corrupt { table: table.to_owned(), reason: reason.into() }
}

/// The one integer of a query such as `SELECT COUNT(*) ..` (`what` names it for the log): a
/// missing row or a value that is not an integer is [`StorageError::Corrupt`], never a zero.
pub(crate) fn single_integer(
    rows: &[Vec<crate::sql_value::SqlValue>],
    table: &str,
    what: &str,
) -> Result<i64, StorageError> {
    match rows.first().map(Vec::as_slice) {
        Some([crate::sql_value::SqlValue::Integer(number)]) => Ok(*number),
        other => Err(corrupt(table, format!("{what} read back as {other:?}"))),
    }
}

/// What kind of constraint a database error broke, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Violation {
    /// A unique index; its name when the database says it, else the `table.column` list.
    Unique(String),
    ForeignKey,
    /// A NOT NULL column, by name when the database says it.
    NotNull(Option<String>),
    Check,
}

pub(crate) fn violation(error: &sqlx::Error) -> Option<Violation> {
    let sqlx::Error::Database(database) = error else { return None };
    let message = database.message();
    match database.kind() {
        sqlx::error::ErrorKind::UniqueViolation => Some(Violation::Unique(
            database
                .constraint()
                .map(str::to_owned)
                .or_else(|| message.strip_prefix("UNIQUE constraint failed: ").map(str::to_owned))
                .unwrap_or_default(),
        )),
        sqlx::error::ErrorKind::ForeignKeyViolation => Some(Violation::ForeignKey),
        sqlx::error::ErrorKind::NotNullViolation => Some(Violation::NotNull(
            message
                .strip_prefix("NOT NULL constraint failed: ")
                .and_then(|column| column.rsplit('.').next())
                .map(str::to_owned)
                .or_else(|| postgres_column(database.as_ref())),
        )),
        sqlx::error::ErrorKind::CheckViolation => Some(Violation::Check),
        _ => None,
    }
}

#[cfg(feature = "postgres")]
fn postgres_column(error: &dyn sqlx::error::DatabaseError) -> Option<String> {
    error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>().and_then(|pg| pg.column()).map(str::to_owned)
}

/// Only PostgreSQL names the column of a NOT NULL violation apart from its message.
#[cfg(not(feature = "postgres"))]
fn postgres_column(_error: &dyn sqlx::error::DatabaseError) -> Option<String> {
    None
}
