//! Fresh databases for tests (feature `testing`): a new SQLite file, or a new PostgreSQL
//! database on the server `OMNERA_TEST_POSTGRES_URL` names.
//!
//! Outside CI a missing `OMNERA_TEST_POSTGRES_URL` skips the PostgreSQL tests with one line
//! saying how to enable them; under CI (`CI=true`) it fails them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

use std::sync::atomic::{AtomicUsize, Ordering};

#[cfg(feature = "postgres")]
use sqlx::Connection;

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The URL of a new SQLite file in the temp dir.
pub fn sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name("omnera_test")));
    format!("sqlite://{}", path.display())
}

/// The admin URL of the test PostgreSQL, or `None` (with one line saying how to enable it)
/// outside CI; under CI (`CI=true`) a missing URL fails the test.
pub fn postgres_admin_url(test: &str) -> Option<String> {
    match std::env::var("OMNERA_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("{test}: OMNERA_TEST_POSTGRES_URL is not set, and CI must run the PostgreSQL tests")
        }
        _ => {
            eprintln!(
                "skipping {test} on PostgreSQL: set OMNERA_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run it"
            );
            None
        }
    }
}

/// Creates a new database on the server of `admin_url`; returns its URL.
#[cfg(feature = "postgres")]
pub async fn postgres_database(admin_url: &str) -> String {
    let name = unique_name("omnera_t");
    let mut admin =
        sqlx::PgConnection::connect(admin_url).await.expect("the test PostgreSQL must be reachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

/// Runs `test` on a new database of the test PostgreSQL, then drops that database (and only
/// that one, so tests running beside it in the same process keep theirs); skips or fails, as
/// [`postgres_admin_url`] says, when none is set.
///
/// ```no_run
/// # async fn run() {
/// omnera_sql::testing::on_postgres("my test", async |url| {
///     let _storage = omnera_sql::SqlStorage::connect(&url).await.unwrap();
/// })
/// .await;
/// # }
/// ```
#[cfg(feature = "postgres")]
pub async fn on_postgres(test: &str, run: impl AsyncFnOnce(String)) {
    let Some(admin) = postgres_admin_url(test) else { return };
    let url = postgres_database(&admin).await;
    let name = url.rsplit('/').next().unwrap_or_default().to_owned();
    run(url).await;
    drop_database(&admin, &name).await;
}

#[cfg(feature = "postgres")]
async fn drop_database(admin_url: &str, name: &str) {
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&mut admin)
        .await;
}

/// Drops every database this process created on the server of `admin_url`, those of tests still
/// running in the same process included: call it only where no other test of the process uses
/// the server (prefer [`on_postgres`]).
#[cfg(feature = "postgres")]
pub async fn drop_postgres_databases(admin_url: &str) {
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    let prefix = format!("omnera_t_{}_%", std::process::id());
    let names: Vec<(String,)> = sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE $1")
        .bind(prefix)
        .fetch_all(&mut admin)
        .await
        .unwrap();
    for (name,) in names {
        drop_database(admin_url, &name).await;
    }
}
