//! Many writers at once: SQLite never surfaces "database is locked", and constraints hold.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use omnera_core::backend::{Storage, StorageError, WriteOptions};
use omnera_core::record::DraftMode;
use omnera_core::testing::racing_increments;
use omnera_sql::SqlStorage;
use serde_json::json;

const WRITERS: usize = 32;
const RECORDS_PER_WRITER: usize = 20;

mod support;

use support::ledger_storage as storage;

async fn every_concurrent_write_succeeds(url: &str) {
    let (storage, schema) = storage(url).await;
    let tasks: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let storage = Arc::clone(&storage);
            let table = schema.table("accounts").unwrap().clone();
            tokio::spawn(async move {
                for record in 0..RECORDS_PER_WRITER {
                    let draft =
                        json!({"email": format!("w{writer}-r{record}@example.com"), "balance": record});
                    let values = table.check_draft(draft.as_object().unwrap(), DraftMode::Create).unwrap();
                    storage.insert("accounts", vec![values], &WriteOptions::default()).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let page = storage.list("accounts", &Default::default()).await.unwrap();
    assert_eq!(page.total, Some((WRITERS * RECORDS_PER_WRITER) as u64));
}

async fn a_unique_value_is_taken_exactly_once(url: &str) {
    let (storage, schema) = storage(url).await;
    let tasks: Vec<_> = (0..WRITERS)
        .map(|_| {
            let storage = Arc::clone(&storage);
            let table = schema.table("accounts").unwrap().clone();
            tokio::spawn(async move {
                let draft = json!({"email": "same@example.com"});
                let values = table.check_draft(draft.as_object().unwrap(), DraftMode::Create).unwrap();
                storage.insert("accounts", vec![values], &WriteOptions::default()).await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(StorageError::UniqueViolation { field, .. }) => assert_eq!(field, "email"),
            Err(other) => panic!("a concurrent writer failed with {other}"),
        }
    }
    assert_eq!(created, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_takes_32_concurrent_writers_without_errors() {
    every_concurrent_write_succeeds(&omnera_sql::testing::sqlite_url()).await;
    a_unique_value_is_taken_exactly_once(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_takes_32_concurrent_writers_without_errors() {
    omnera_sql::testing::on_postgres("the concurrency test", async |url| {
        every_concurrent_write_succeeds(&url).await;
        a_unique_value_is_taken_exactly_once(&url).await;
    })
    .await;
}

/// The property: whatever the number of writers and increments, the final count equals the
/// number of increments that succeeded (the races of the conformance suite, in many shapes).
fn increments_equal_their_successes(url: &str) {
    use proptest::test_runner::{Config as ProptestConfig, TestRunner};
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(runtime.block_on(SqlStorage::connect(url)).unwrap());
    let config = ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = TestRunner::new(config);
    runner
        .run(&(2usize..24, 1usize..6), |(writers, times)| {
            let outcome = runtime.block_on(racing_increments(Arc::clone(&storage), writers, times));
            proptest::prop_assert_eq!(
                outcome.count,
                outcome.succeeded,
                "{} writers x {} increments",
                writers,
                times
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn sqlite_concurrent_increments_equal_their_successes() {
    increments_equal_their_successes(&omnera_sql::testing::sqlite_url());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_increments_equal_their_successes() {
    omnera_sql::testing::on_postgres("the concurrent increments", async |url| {
        tokio::task::spawn_blocking(move || increments_equal_their_successes(&url)).await.unwrap();
    })
    .await;
}
