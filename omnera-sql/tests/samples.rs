//! The sample apps apply on SQLite and PostgreSQL, and applying them again changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use omnera_core::backend::{ApplyOptions, Storage};
use omnera_sql::SqlStorage;

const SAMPLES: [&str; 3] = ["crm.json", "helpdesk.yaml", "inventory.toml"];

async fn every_sample_applies_once(fresh_url: impl AsyncFn() -> String) {
    for sample in SAMPLES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/apps").join(sample);
        let schema = omnera_core::load_schema(&path).unwrap_or_else(|errors| panic!("{sample}:\n{errors}"));
        let storage = SqlStorage::connect(&fresh_url().await).await.unwrap();
        let plan = storage
            .apply_schema(&schema, &ApplyOptions::default())
            .await
            .unwrap_or_else(|error| panic!("{sample}: {error}"));
        assert!(plan.steps.len() >= schema.tables().len(), "{sample}: {:?}", plan.steps);
        assert!(
            storage.apply_schema(&schema, &ApplyOptions::default()).await.unwrap().is_empty(),
            "{sample}"
        );
    }
}

#[tokio::test]
async fn the_samples_apply_on_sqlite() {
    every_sample_applies_once(async || omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test]
async fn the_samples_apply_on_postgres() {
    let Some(admin) = omnera_sql::testing::postgres_admin_url("the sample apps") else { return };
    every_sample_applies_once(async || omnera_sql::testing::postgres_database(&admin).await).await;
    omnera_sql::testing::drop_postgres_databases(&admin).await;
}
