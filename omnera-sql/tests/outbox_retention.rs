//! An app prunes its outbox on its own: acknowledged events older than its retention go, and an
//! event a known consumer has not acknowledged stays, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use omnera_core::app::OutboxRetention;
use omnera_core::backend::{Caller, OutboxPosition, Storage};
use omnera_core::record::RecordDraft;
use omnera_core::{App, Config};
use omnera_sql::SqlStorage;

const CONFIG: &str = r#"{"name": "Notes", "tables": [{"id": 1, "name": "notes",
    "fields": [{"id": 1, "name": "body", "type": "long-text"}]}]}"#;

/// Waits until `done` holds, for at most ten seconds.
async fn eventually(mut done: impl AsyncFnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

async fn pruned_by_the_app(url: &str) {
    let storage = SqlStorage::connect(url).await.unwrap();
    // Known from its first acknowledgement, before anything was written.
    storage.outbox_acknowledge("slow", &OutboxPosition::START).await.unwrap();
    let retention = OutboxRetention::keeping(Duration::ZERO).checked_every(Duration::from_millis(20));
    let app = App::from_config(Config::from_json_str(CONFIG).unwrap())
        .with_storage(storage.clone())
        .with_outbox_retention(retention)
        .build()
        .await
        .unwrap();
    let mut draft = RecordDraft::new();
    draft.set("body", "hello");
    app.records(Caller::system("test", ["admin"])).create("notes", draft).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let kept = storage.outbox_read("reader", 10).await.unwrap();
    assert_eq!(kept.len(), 1, "the slow consumer has not acknowledged it: it stays");
    storage.outbox_acknowledge("slow", &kept[0].position).await.unwrap();
    assert!(
        eventually(async || storage.outbox_read("reader", 10).await.unwrap().is_empty()).await,
        "once every known consumer has it, the app prunes it"
    );
    app.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_prunes_acknowledged_events_on_sqlite() {
    pruned_by_the_app(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_prunes_acknowledged_events_on_postgres() {
    omnera_sql::testing::on_postgres("outbox retention", async |url| pruned_by_the_app(&url).await).await;
}
