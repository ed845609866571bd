//! Databases made before files were keyed by table and field ids kept them by name. System
//! migration 9 sets those rows aside; the next apply carries them over with their ids, even when
//! it renames their table, and keeps aside (and logs) the rows no schema names any more.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnera_core::backend::{ApplyOptions, NewFile, Storage};
use omnera_core::record::DraftMode;
use omnera_core::{Config, FieldValue, Schema};
use omnera_sql::SqlStorage;
use sqlx::{Connection, PgConnection, SqliteConnection};

fn schema(table: &str, avatar: &str) -> Schema {
    let config = format!(
        r#"{{"name": "Old", "tables": [{{"id": 1, "name": "{table}", "fields": [
            {{"id": 1, "name": "name", "type": "single-line-text"}},
            {{"id": 2, "name": "{avatar}", "type": "single-attachment"}},
            {{"id": 3, "name": "papers", "type": "multiple-attachments", "maxFiles": 5}}]}}]}}"#
    );
    Config::from_json_str(&config).unwrap().validate().unwrap()
}

/// Runs `statements` on the database of `url`, then returns the first column of `query`.
async fn run_sql(url: &str, statements: &[String], query: &str) -> Vec<i64> {
    if url.starts_with("sqlite:") {
        let mut connection = SqliteConnection::connect(url).await.unwrap();
        for statement in statements {
            sqlx::query(sqlx::AssertSqlSafe(statement.as_str())).execute(&mut connection).await.unwrap();
        }
        sqlx::query_scalar(sqlx::AssertSqlSafe(query)).fetch_all(&mut connection).await.unwrap()
    } else {
        let mut connection = PgConnection::connect(url).await.unwrap();
        for statement in statements {
            sqlx::query(sqlx::AssertSqlSafe(statement.as_str())).execute(&mut connection).await.unwrap();
        }
        sqlx::query_scalar(sqlx::AssertSqlSafe(query)).fetch_all(&mut connection).await.unwrap()
    }
}

/// Undoes system migration 9 on the database of `url`, as if it had been made before it, and
/// records files by name there: `a` on `avatar`, `p1` and `p2` on `papers`, `gone` on a field
/// since renamed or dropped, and `x`, since detached. Returns the ids they got, in that order.
async fn files_recorded_by_name(url: &str, record_id: i64) -> Vec<i64> {
    let mut statements = vec!["DROP TABLE _omnera_files".to_owned()];
    if url.starts_with("postgres") {
        statements.push("ALTER INDEX _omnera_files_by_name_pkey RENAME TO _omnera_files_pkey".to_owned());
        statements
            .push("ALTER SEQUENCE _omnera_files_by_name_id_seq RENAME TO _omnera_files_id_seq".to_owned());
    }
    statements.extend([
        "ALTER TABLE _omnera_files_by_name RENAME TO _omnera_files".to_owned(),
        "CREATE INDEX _omnera_files_record ON _omnera_files (table_name, record_id)".to_owned(),
        // As it was before migration 9, and without what later migrations made.
        "DROP TABLE _omnera_secrets".to_owned(),
        "DROP TABLE _omnera_rate_limits".to_owned(),
        "DROP TABLE _omnera_jobs".to_owned(),
        "DELETE FROM _omnera_system_migrations WHERE version >= 9".to_owned(),
    ]);
    for (field, location) in
        [("avatar", "a"), ("papers", "p1"), ("papers", "p2"), ("gone", "gone"), ("papers", "x")]
    {
        statements.push(format!(
            "INSERT INTO _omnera_files (table_name, field_name, record_id, location, name, size, mime_type, created_at) \
             VALUES ('people', '{field}', {record_id}, '{location}', '{location}.png', 3, 'image/png', '2025-01-02T03:04:05.000Z')"
        ));
    }
    let ids = run_sql(url, &statements, "SELECT id FROM _omnera_files ORDER BY id").await;
    run_sql(url, &["DELETE FROM _omnera_files WHERE location = 'x'".to_owned()], "SELECT CAST(1 AS BIGINT)")
        .await;
    ids
}

fn file_ids(value: Option<&FieldValue>) -> Vec<i64> {
    match value {
        Some(FieldValue::File(file)) => file.iter().map(|file| file.id).collect(),
        Some(FieldValue::Files(files)) => files.iter().map(|file| file.id).collect(),
        other => panic!("not files: {other:?}"),
    }
}

async fn files_by_name_are_carried_over(url: &str) {
    let storage = SqlStorage::connect(url).await.unwrap();
    let old = schema("people", "avatar");
    storage.apply_schema(&old, &ApplyOptions::default()).await.unwrap();
    let draft = old.table("people").unwrap().check_draft(&serde_json::Map::new(), DraftMode::Create).unwrap();
    let person = storage
        .insert("people", vec![draft], &omnera_core::backend::WriteOptions::default())
        .await
        .unwrap()
        .pop()
        .unwrap();
    drop(storage);
    let ids = files_recorded_by_name(url, person.id).await;

    // Connecting runs migration 9 (and the later ones) again; the apply that follows renames the table.
    let storage = SqlStorage::connect(url).await.unwrap();
    storage.apply_schema(&schema("contacts", "avatar"), &ApplyOptions::default()).await.unwrap();
    let contact = storage.get("contacts", person.id).await.unwrap();
    assert_eq!(file_ids(contact.values.get("avatar")), [ids[0]]);
    assert_eq!(file_ids(contact.values.get("papers")), [ids[1], ids[2]]);
    let kept = run_sql(url, &[], "SELECT id FROM _omnera_files_by_name").await;
    assert_eq!(kept, [ids[3]], "the file of a field no schema names is kept aside");

    // Keyed by ids now: a rename of the field keeps them too.
    storage.apply_schema(&schema("contacts", "photo"), &ApplyOptions::default()).await.unwrap();
    let contact = storage.get("contacts", person.id).await.unwrap();
    assert_eq!(file_ids(contact.values.get("photo")), [ids[0]]);

    // File ids go on after every id given before, the detached file's too.
    let new = NewFile::new("new", "new.png", 3, "image/png");
    let added = storage
        .attach_files(
            "contacts",
            person.id,
            "papers",
            vec![new],
            &omnera_core::backend::WriteOptions::default(),
        )
        .await
        .unwrap()
        .added;
    assert!(added[0].id > ids[4], "{} reuses an id given before ({ids:?})", added[0].id);
}

#[tokio::test]
async fn files_by_name_are_carried_over_on_sqlite() {
    files_by_name_are_carried_over(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test]
async fn files_by_name_are_carried_over_on_postgres() {
    omnera_sql::testing::on_postgres("files by name", async |url| files_by_name_are_carried_over(&url).await)
        .await;
}
