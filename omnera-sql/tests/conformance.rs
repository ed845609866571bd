//! The storage conformance suite of `omnera-core` on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use omnera_core::backend::Storage;
use omnera_core::testing::run_storage_conformance;
use omnera_sql::SqlStorage;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_storage_conformance_suite() {
    run_storage_conformance(|| async {
        Arc::new(SqlStorage::connect(&omnera_sql::testing::sqlite_url()).await.unwrap()) as Arc<dyn Storage>
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
    let Some(admin) = omnera_sql::testing::postgres_admin_url("the storage conformance suite") else {
        return;
    };
    let admin_for_cases = admin.clone();
    run_storage_conformance(move || {
        let admin = admin_for_cases.clone();
        async move {
            Arc::new(
                SqlStorage::connect(&omnera_sql::testing::postgres_database(&admin).await).await.unwrap(),
            ) as Arc<dyn Storage>
        }
    })
    .await;
    omnera_sql::testing::drop_postgres_databases(&admin).await;
}
