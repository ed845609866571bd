//! Start-up with a config of 200 tables (17 fields each, every field type): the time from
//! reading the config to a built app, on an empty database (every table created) and on one
//! already migrated (the usual restart), and the process's resident memory once built.
//!
//! ```sh
//! cargo bench --bench startup
//! OMNERA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench startup
//! ```
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::time::{Duration, Instant};

use omnera::http::ObjectStoreBlobs;
use omnera::sql::SqlStorage;
use omnera::{App, Config};

const TABLES: usize = 200;

/// The process's resident memory in MiB, from `/proc/self/status`.
fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// Reads the config, connects, migrates and builds the app; returns the time taken and the app.
async fn start(config: &str, url: &str) -> (Duration, App) {
    let began = Instant::now();
    let config = Config::from_json_str(config).unwrap();
    let storage = SqlStorage::connect(url).await.unwrap();
    let blobs = ObjectStoreBlobs::local(std::env::temp_dir().join("omnera_startup_files")).unwrap();
    let app = App::from_config(config)
        .with_storage(storage)
        .with_blob_store(blobs)
        .without_automations()
        .build()
        .await
        .unwrap();
    (began.elapsed(), app)
}

async fn bench(label: &str, config: &str, url: &str) {
    let before = resident_mib();
    let (cold, app) = start(config, url).await;
    let built = resident_mib();
    drop(app);
    let (warm, _app) = start(config, url).await;
    println!(
        "| {label} | {:.0} ms | {:.0} ms | {:.1} MiB (+{:.1} MiB for the app) |",
        cold.as_secs_f64() * 1000.0,
        warm.as_secs_f64() * 1000.0,
        built,
        built - before
    );
}

#[tokio::main]
async fn main() {
    let config = support::config_with_tables(TABLES);
    println!("| {TABLES} tables | first start (creates them) | restart (migrated) | resident memory |");
    println!("|---|---|---|---|");
    let file = std::env::temp_dir().join(format!("omnera_startup_{}.db", std::process::id()));
    bench("SQLite (file, WAL)", &config, &format!("sqlite://{}", file.display())).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    match std::env::var("OMNERA_BENCH_POSTGRES_URL") {
        Ok(url) => {
            let database = omnera_sql::testing::postgres_database(&url).await;
            bench("PostgreSQL", &config, &database).await;
            omnera_sql::testing::drop_postgres_databases(&url).await;
        }
        Err(_) => println!("\n(PostgreSQL skipped: set OMNERA_BENCH_POSTGRES_URL to include it)"),
    }
}
