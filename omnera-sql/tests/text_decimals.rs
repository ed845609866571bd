//! SQLite databases made before decimals were counts of units kept them as canonical text; the
//! next apply converts them, exactly, and leaves the database as a new one would be.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnera_core::backend::{ApplyOptions, ListQuery, SortKey, Storage, WriteOptions};
use omnera_core::query::parse_filter;
use omnera_core::{Config, FieldValue, Schema};
use omnera_sql::SqlStorage;
use sqlx::{Connection, SqliteConnection};

const CONFIG: &str = r#"{"name": "Shop", "tables": [{"id": 1, "name": "items", "fields": [
  {"id": 1, "name": "title", "type": "single-line-text"},
  {"id": 2, "name": "price", "type": "decimal", "precision": 2, "indexed": true}
]}]}"#;

/// The prices as the text format kept them, by title.
const PRICES: [(&str, Option<&str>); 5] = [
    ("pen", Some("12.50")),
    ("refund", Some("-0.05")),
    ("ship", Some("1234567890123.45")),
    ("gift", Some("0.00")),
    ("unpriced", None),
];

fn schema() -> Schema {
    Config::from_json_str(CONFIG).unwrap().validate().unwrap()
}

/// A database of `url` as the text format left it: the items table's price column as TEXT
/// with an index on its value as REAL, and the applied schema naming the column's type
/// `decimal`.
async fn make_text_format_database(url: &str) {
    let storage = SqlStorage::connect(url).await.unwrap();
    let schema = schema();
    storage.apply_schema(&schema, &ApplyOptions::default()).await.unwrap();
    let drafts = PRICES
        .iter()
        .map(|(title, _)| {
            let draft = serde_json::json!({"title": title}).as_object().cloned().unwrap();
            schema
                .table("items")
                .unwrap()
                .check_draft(&draft, omnera_core::record::DraftMode::Create)
                .unwrap()
        })
        .collect();
    storage.insert("items", drafts, &WriteOptions::default()).await.unwrap();
    drop(storage);

    let mut connection = SqliteConnection::connect(url).await.unwrap();
    let sql_of = |name: &str| format!("SELECT sql FROM sqlite_master WHERE name = '{name}'");
    let table: String =
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql_of("items"))).fetch_one(&mut connection).await.unwrap();
    let index: String = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' AND sql LIKE '%\"price\"%'",
    )
    .fetch_one(&mut connection)
    .await
    .unwrap();
    assert!(table.contains("\"price\" INTEGER"), "{table}");
    let statements = [
        "ALTER TABLE items RENAME TO items_now".to_owned(),
        table.replace("\"price\" INTEGER", "\"price\" TEXT"),
        "INSERT INTO items SELECT * FROM items_now".to_owned(),
        "DROP TABLE items_now".to_owned(),
        index.replace("(\"price\")", "(CAST(\"price\" AS REAL))"),
        "UPDATE _omnera_schema_versions SET physical = \
         replace(physical, '{\"scaled_decimal\":{\"scale\":2}}', '\"decimal\"')"
            .to_owned(),
    ];
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut connection).await.unwrap();
    }
    for (title, price) in PRICES {
        sqlx::query("UPDATE items SET price = ?1 WHERE title = ?2")
            .bind(price)
            .bind(title)
            .execute(&mut connection)
            .await
            .unwrap();
    }
    let kept: Vec<Option<String>> =
        sqlx::query_scalar("SELECT price FROM items ORDER BY id").fetch_all(&mut connection).await.unwrap();
    assert_eq!(kept, PRICES.map(|(_, price)| price.map(str::to_owned)), "the text format holds the prices");
}

fn titles(records: &[omnera_core::backend::Record]) -> Vec<String> {
    records
        .iter()
        .map(|record| match record.values.get("title") {
            Some(FieldValue::Text(title)) => title.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn decimals_kept_as_text_become_counts_of_units_on_the_next_apply() {
    let url = omnera_sql::testing::sqlite_url();
    make_text_format_database(&url).await;

    let storage = SqlStorage::connect(&url).await.unwrap();
    let plan = storage.apply_schema(&schema(), &ApplyOptions::default()).await.unwrap();
    assert!(
        plan.steps.iter().any(|step| step.description.contains("items.price"))
            && plan.steps.iter().all(|step| !step.loses_data),
        "{:?}",
        plan.steps
    );
    assert!(storage.plan_schema(&schema()).await.unwrap().is_empty(), "the database now matches the schema");

    let listed = storage.list("items", &ListQuery::default()).await.unwrap();
    let prices: Vec<Option<String>> = listed
        .records
        .iter()
        .map(|record| match record.values.get("price") {
            Some(FieldValue::Decimal(price)) => Some(price.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(prices, PRICES.map(|(_, price)| price.map(str::to_owned)), "every digit is kept");

    let cheap_first = ListQuery::default()
        .filtered(parse_filter("price > -1").unwrap())
        .sorted_by(vec![SortKey { field: "price".to_owned(), descending: false }]);
    let sorted = storage.list("items", &cheap_first).await.unwrap();
    assert_eq!(titles(&sorted.records), ["refund", "gift", "pen", "ship"], "prices compare as numbers");

    let mut connection = SqliteConnection::connect(&url).await.unwrap();
    let kept: Vec<Option<i64>> =
        sqlx::query_scalar("SELECT price FROM items ORDER BY id").fetch_all(&mut connection).await.unwrap();
    assert_eq!(kept, [Some(1250), Some(-5), Some(123456789012345), Some(0), None], "counts of cents");
}
