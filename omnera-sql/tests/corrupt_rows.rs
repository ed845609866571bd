//! A row that does not read back as it was written is an error that says what is wrong with it,
//! never a default that passes for data: no size for a file whose size is not one, no empty
//! scope list for a key whose scopes do not read, no empty role list for roles that are not a list.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnera_core::backend::{
    AccountError, ApplyOptions, NewApiKey, NewFile, NewUser, Storage, StorageError, WriteOptions,
};
use omnera_core::backend::{ApiKeyStore, UserStore};
use omnera_core::record::DraftMode;
use omnera_core::{Config, Schema};
use omnera_sql::SqlStorage;
use sqlx::{Connection, SqliteConnection};

fn schema() -> Schema {
    Config::from_json_str(
        r#"{"name": "Damaged", "tables": [{"id": 1, "name": "notes", "fields": [
            {"id": 1, "name": "title", "type": "single-line-text"},
            {"id": 2, "name": "scan", "type": "single-attachment"}]}]}"#,
    )
    .unwrap()
    .validate()
    .unwrap()
}

async fn damage(url: &str, statement: &str) {
    let mut connection = SqliteConnection::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut connection).await.unwrap();
}

#[tokio::test]
async fn corrupt_rows_are_errors_that_name_what_is_wrong() {
    let url = omnera_sql::testing::sqlite_url();
    let storage = SqlStorage::connect(&url).await.unwrap();
    let schema = schema();
    storage.apply_schema(&schema, &ApplyOptions::default()).await.unwrap();
    let draft =
        schema.table("notes").unwrap().check_draft(&serde_json::Map::new(), DraftMode::Create).unwrap();
    let note = storage.insert("notes", vec![draft], &WriteOptions::default()).await.unwrap().pop().unwrap();
    let user = storage.create_user(NewUser::new("ann@example.com", None, "hash", Vec::new())).await.unwrap();
    storage.create_api_key(user.id, NewApiKey::new("ci", "key-hash")).await.unwrap();
    storage
        .attach_files(
            "notes",
            note.id,
            "scan",
            vec![NewFile::new("blob", "scan.pdf", 3, "application/pdf")],
            &WriteOptions::default(),
        )
        .await
        .unwrap();

    damage(&url, "UPDATE _omnera_files SET size = -3").await;
    match storage.get("notes", note.id).await {
        Err(StorageError::Corrupt { table, reason }) => {
            assert_eq!(table, "_omnera_files");
            assert!(reason.contains("negative size"), "{reason}");
        }
        other => panic!("a file of -3 bytes read back as {other:?}"),
    }

    damage(&url, "UPDATE _omnera_api_keys SET scopes = 'not json'").await;
    let keys = storage.api_keys(user.id).await;
    assert!(matches!(keys, Err(AccountError::Corrupt { .. })), "{keys:?}");
    let holder = storage.api_key_user("key-hash", chrono::Utc::now()).await;
    assert!(
        matches!(holder, Err(AccountError::Corrupt { .. })),
        "a key whose scopes do not read: {holder:?}"
    );

    damage(&url, "UPDATE _omnera_users SET roles = '\"admin\"'").await;
    let found = storage.user_by_email("ann@example.com").await;
    assert!(matches!(found, Err(AccountError::Corrupt { .. })), "roles that are not a list: {found:?}");
}
