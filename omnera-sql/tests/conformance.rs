//! The storage conformance suite of `omnera-core` on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use omnera_core::backend::Storage;
use omnera_core::testing::run_storage_conformance;
use omnera_sql::SqlStorage;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_storage_conformance_suite() {
    run_storage_conformance(|| async {
        Arc::new(SqlStorage::connect(&common::sqlite_url()).await.unwrap()) as Arc<dyn Storage>
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_in_memory_passes_the_storage_conformance_suite() {
    run_storage_conformance(|| async {
        Arc::new(SqlStorage::connect("sqlite::memory:").await.unwrap()) as Arc<dyn Storage>
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_storage_conformance_suite() {
    let Some(admin) = common::postgres_admin_url("the storage conformance suite") else { return };
    let admin_for_cases = admin.clone();
    run_storage_conformance(move || {
        let admin = admin_for_cases.clone();
        async move {
            Arc::new(SqlStorage::connect(&common::postgres_database(&admin).await).await.unwrap())
                as Arc<dyn Storage>
        }
    })
    .await;
    common::drop_postgres_databases(&admin).await;
}
