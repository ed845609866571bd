//! Omnera's storage on SQLite and PostgreSQL.
//!
//! [`SqlStorage::connect`] picks the database by URL: `sqlite://app.db` (a file in WAL mode,
//! created if missing), `sqlite::memory:`, or `postgres://user@host/db`. It implements
//! [`omnera_core::backend::Storage`]: schema sync with a migration planner that refuses steps
//! that lose data, the record store with an outbox event per change, and queries.
//!
//! ```no_run
//! use omnera_core::backend::{ApplyOptions, Storage};
//! use omnera_sql::SqlStorage;
//!
//! # async fn run(schema: omnera_core::Schema) -> Result<(), omnera_core::backend::StorageError> {
//! let storage = SqlStorage::connect("sqlite://app.db").await?;
//! let plan = storage.apply_schema(&schema, &ApplyOptions::default()).await?;
//! for step in &plan.steps {
//!     println!("{}", step.description);
//! }
//! # Ok(())
//! # }
//! ```

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("omnera-sql needs a database: enable its `sqlite` feature, its `postgres` feature, or both");

mod accounts;
mod apply;
mod connection;
mod database;
mod ddl;
mod dialect;
mod error;
mod files_by_name;
mod group_commit;
#[cfg(feature = "sqlite")]
mod inline_reads;
mod job_wakeups;
mod jobs;
mod outbox;
mod physical;
mod plan;
mod query;
mod rate_limits;
mod secrets;
mod sql_value;
mod storage;
mod store;
mod structure;
mod system;
#[cfg(feature = "testing")]
pub mod testing;

pub use dialect::Dialect;
pub use query::{CompiledFilter, compile_filter};
pub use storage::SqlStorage;
