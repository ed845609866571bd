//! Many writers at once: SQLite never surfaces "database is locked", and constraints hold.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use omnera_core::backend::{ApplyOptions, Storage, StorageError};
use omnera_core::record::DraftMode;
use omnera_core::{Config, Schema};
use omnera_sql::SqlStorage;
use serde_json::json;

const WRITERS: usize = 32;
const RECORDS_PER_WRITER: usize = 20;

fn schema() -> Schema {
    Config::from_json_str(
        r#"{"name": "Load", "tables": [{"id": 1, "name": "accounts", "fields": [
            {"id": 1, "name": "email", "type": "email", "required": true, "unique": true},
            {"id": 2, "name": "balance", "type": "integer"}]}]}"#,
    )
    .unwrap()
    .validate()
    .unwrap()
}

async fn storage(url: &str) -> (Arc<SqlStorage>, Schema) {
    let storage = Arc::new(SqlStorage::connect(url).await.unwrap());
    let schema = schema();
    storage.apply_schema(&schema, &ApplyOptions::default()).await.unwrap();
    (storage, schema)
}

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
                    storage.insert("accounts", vec![values]).await.unwrap();
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
                storage.insert("accounts", vec![values]).await
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
    let Some(admin) = omnera_sql::testing::postgres_admin_url("the concurrency test") else { return };
    every_concurrent_write_succeeds(&omnera_sql::testing::postgres_database(&admin).await).await;
    a_unique_value_is_taken_exactly_once(&omnera_sql::testing::postgres_database(&admin).await).await;
    omnera_sql::testing::drop_postgres_databases(&admin).await;
}
