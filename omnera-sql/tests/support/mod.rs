//! What several of this crate's tests share: a ledger of accounts with a unique email, applied
//! to a fresh storage.

#![allow(clippy::unwrap_used, unreachable_pub)]

use std::sync::Arc;

use omnera_core::backend::{ApplyOptions, Storage};
use omnera_core::{Config, Schema};
use omnera_sql::SqlStorage;

/// `accounts`: a required, unique `email` and an integer `balance`.
fn ledger_schema() -> Schema {
    Config::from_json_str(
        r#"{"name": "Ledger", "tables": [{"id": 1, "name": "accounts", "fields": [
            {"id": 1, "name": "email", "type": "email", "required": true, "unique": true},
            {"id": 2, "name": "balance", "type": "integer"}]}]}"#,
    )
    .unwrap()
    .validate()
    .unwrap()
}

/// A storage at `url` with the ledger (`accounts`: a required, unique `email` and an integer
/// `balance`) applied.
pub async fn ledger_storage(url: &str) -> (Arc<SqlStorage>, Schema) {
    let storage = Arc::new(SqlStorage::connect(url).await.unwrap());
    let schema = ledger_schema();
    storage.apply_schema(&schema, &ApplyOptions::default()).await.unwrap();
    (storage, schema)
}
