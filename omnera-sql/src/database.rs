//! Connecting: SQLite (a file in WAL mode with one writer, or memory) or a PostgreSQL pool.

#[cfg(feature = "sqlite")]
use std::str::FromStr;
#[cfg(feature = "sqlite")]
use std::sync::Arc;
#[cfg(feature = "sqlite")]
use std::time::Duration;

use omnera_core::backend::StorageError;
#[cfg(feature = "postgres")]
use sqlx::postgres::{PgPool, PgPoolOptions};
#[cfg(feature = "sqlite")]
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::error::unavailable;
#[cfg(feature = "sqlite")]
use crate::inline_reads::InlineReaders;

/// How long a SQLite connection waits for a lock before giving up.
#[cfg(feature = "sqlite")]
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Readers of a SQLite file.
#[cfg(feature = "sqlite")]
const SQLITE_READERS: u32 = 8;
/// Connections of a PostgreSQL pool.
#[cfg(feature = "postgres")]
const POSTGRES_CONNECTIONS: u32 = 16;

/// The pools of one database.
#[derive(Debug, Clone)]
pub(crate) enum Database {
    /// Writes go through one connection, so writers queue in the process instead of meeting
    /// "database is locked"; reads use their own pool (WAL lets them run beside the writer).
    #[cfg(feature = "sqlite")]
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
        /// Point reads on the calling thread; `None` for an in-memory database, which only
        /// sqlx's one connection can see.
        inline: Option<Arc<InlineReaders>>,
    },
    #[cfg(feature = "postgres")]
    Postgres(PgPool),
}

impl Database {
    pub(crate) async fn connect(url: &str) -> Result<Self, StorageError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::connect_postgres(url).await;
        }
        if url.starts_with("sqlite:") {
            return Self::connect_sqlite(url).await;
        }
        Err(unavailable(format!(
            "unsupported database URL `{url}`: use sqlite://FILE, sqlite::memory: or postgres://.."
        )))
    }

    #[cfg(not(feature = "postgres"))]
    async fn connect_postgres(_url: &str) -> Result<Self, StorageError> {
        Err(unavailable("this build has no PostgreSQL support: enable omnera's `postgres` feature"))
    }

    #[cfg(not(feature = "sqlite"))]
    async fn connect_sqlite(_url: &str) -> Result<Self, StorageError> {
        Err(unavailable("this build has no SQLite support: enable omnera's `sqlite` feature"))
    }

    #[cfg(feature = "postgres")]
    async fn connect_postgres(url: &str) -> Result<Self, StorageError> {
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            // A ping before each use is a round trip per request; a broken connection fails
            // its statement instead, and the pool replaces it.
            .test_before_acquire(false)
            .connect(url)
            .await
            .map_err(unavailable)?;
        Ok(Self::Postgres(pool))
    }

    #[cfg(feature = "sqlite")]
    async fn connect_sqlite(url: &str) -> Result<Self, StorageError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(unavailable)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        if url.contains(":memory:") {
            // One connection holds the whole in-memory database; it must never be closed.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
                .map_err(unavailable)?;
            return Ok(Self::Sqlite { writer: pool.clone(), reader: pool, inline: None });
        }
        let inline = Some(Arc::new(InlineReaders::new(options.get_filename().to_path_buf())));
        let options = options.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Normal);
        // Pinging a connection before each use is a round trip to its worker thread; a local
        // file's connection does not go stale.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(unavailable)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(SQLITE_READERS)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        Ok(Self::Sqlite { writer, reader, inline })
    }

    /// The PostgreSQL pool, when this is PostgreSQL.
    #[cfg(feature = "postgres")]
    pub(crate) fn postgres_pool(&self) -> Option<&PgPool> {
        match self {
            Self::Postgres(pool) => Some(pool),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite { .. } => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => Dialect::Postgres,
        }
    }

    /// A transaction that may write: SQLite takes the write lock at once (`BEGIN IMMEDIATE`).
    pub(crate) async fn begin_write(&self) -> Result<Transaction, StorageError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite { writer, .. } => {
                Ok(Transaction::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await.map_err(unavailable)?))
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => Ok(Transaction::Postgres(pool.begin().await.map_err(unavailable)?)),
        }
    }

    /// A connection for reads in autocommit mode: each statement sees the latest committed data
    /// (as each statement of a PostgreSQL read-committed transaction would), and no round trips
    /// go to `BEGIN` and `ROLLBACK`.
    pub(crate) async fn begin_read(&self) -> Result<Transaction, StorageError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite { reader, .. } => {
                Ok(Transaction::SqliteReads(reader.acquire().await.map_err(unavailable)?))
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => {
                Ok(Transaction::PostgresReads(pool.acquire().await.map_err(unavailable)?))
            }
        }
    }

    /// A connection for a short read, such as a record by its id: on a SQLite file it runs on
    /// the calling thread (no hand-off to sqlx's connection thread); elsewhere as
    /// [`Database::begin_read`]. Never use it for a query that may scan a table.
    pub(crate) async fn begin_point_read(&self) -> Result<Transaction, StorageError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite { inline: Some(inline), .. } => {
                Ok(Transaction::SqliteInline(inline.take().map_err(unavailable)?))
            }
            _ => self.begin_read().await,
        }
    }

    /// Closes the pools, waiting for connections in use to come back.
    pub(crate) async fn close(&self) {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite { writer, reader, .. } => {
                writer.close().await;
                reader.close().await;
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => pool.close().await,
        }
    }

    /// Turns SQLite's foreign-key enforcement on or off on the writer (outside any transaction),
    /// as its table-rebuild procedure requires.
    #[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
    pub(crate) async fn set_sqlite_foreign_keys(&self, enforced: bool) -> Result<(), StorageError> {
        match self {
            #[cfg(feature = "sqlite")]
            Self::Sqlite { writer, .. } => {
                let statement =
                    if enforced { "PRAGMA foreign_keys = ON" } else { "PRAGMA foreign_keys = OFF" };
                sqlx::query(statement).execute(writer).await.map_err(unavailable)?;
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => {}
        }
        Ok(())
    }
}
