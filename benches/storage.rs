//! Storage figures on SQLite and PostgreSQL: batch insert of 100k rows, a filtered and sorted
//! page of 50 with and without an index, a keyset page nine tenths deep (90,000 of 100k rows;
//! 900,000 of a million) against page 1, and 32 concurrent writers.
//!
//! ```sh
//! cargo bench --bench storage                       # SQLite only
//! OMNERA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench storage
//! OMNERA_BENCH_ROWS=20000 cargo bench --bench storage   # a quicker run
//! OMNERA_BENCH_ROWS=1000000 cargo bench --bench storage # growth: a million rows
//! ```
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use omnera::backend::{ApplyOptions, ListQuery, PageRequest, SortKey, Storage, WriteOptions};
use omnera::query::parse_filter;
use omnera::record::DraftMode;
use omnera::sql::SqlStorage;
use omnera::{Config, Schema};
use serde_json::json;

const BATCH: usize = 1000;
const WRITERS: usize = 32;
const WRITES_PER_WRITER: usize = 50;

fn items_schema(indexed: bool) -> Schema {
    let index = if indexed {
        r#", "indexes": [{"name": "by_status_active_price", "fields": ["status", "active", "price"]}]"#
    } else {
        ""
    };
    Config::from_json_str(&format!(
        r#"{{"name": "Bench", "tables": [{{"id": 1, "name": "items", "fields": [
            {{"id": 1, "name": "title", "type": "single-line-text", "required": true}},
            {{"id": 2, "name": "price", "type": "decimal", "precision": 2}},
            {{"id": 3, "name": "active", "type": "checkbox"}},
            {{"id": 4, "name": "status", "type": "single-select", "options": ["draft", "published", "archived"]}}]{index}}}]}}"#
    ))
    .unwrap()
    .validate()
    .unwrap()
}

/// A deterministic pseudo-random sequence (no rand dependency for a benchmark's seed data).
struct Seed(u64);

impl Seed {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn timed<F: AsyncFn()>(runs: usize, run: F) -> Duration {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        run().await;
        samples.push(start.elapsed());
    }
    median(samples)
}

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

async fn bench(name: &str, url: &str, rows: usize) {
    println!("\n## {name} ({rows} rows)\n");
    let storage = SqlStorage::connect(url).await.unwrap();
    let schema = items_schema(false);
    storage.apply_schema(&schema, &ApplyOptions::default()).await.unwrap();
    let table = schema.table("items").unwrap();
    let statuses = ["draft", "published", "archived"];
    let mut seed = Seed(42);
    let start = Instant::now();
    for batch in 0..rows.div_ceil(BATCH) {
        let records = (0..BATCH.min(rows - batch * BATCH))
            .map(|_| {
                let draft = json!({
                    "title": format!("item {}", seed.next() % 1_000_000),
                    "price": format!("{}.{:02}", seed.next() % 1000, seed.next() % 100),
                    "active": seed.next().is_multiple_of(2),
                    "status": statuses[(seed.next() % 3) as usize],
                });
                table.check_draft(draft.as_object().unwrap(), DraftMode::Create).unwrap()
            })
            .collect();
        storage.insert("items", records, &WriteOptions::default()).await.unwrap();
    }
    let elapsed = start.elapsed();
    println!("| batch insert, {BATCH} per transaction | {:.0} rows/s |", rows as f64 / elapsed.as_secs_f64());

    let filtered = ListQuery::default()
        .filtered(parse_filter("active = true && price > 500 && status = 'published'").unwrap())
        .sorted_by(vec![SortKey { field: "price".to_owned(), descending: true }])
        .paged(PageRequest::Offset { page: 1, limit: 50 })
        .without_total();
    let unindexed =
        timed(20, async || assert_eq!(storage.list("items", &filtered).await.unwrap().records.len(), 50))
            .await;
    println!("| filtered, sorted page of 50, no index | {} |", millis(unindexed));
    let mut with_total = filtered.clone();
    with_total.count_total = true;
    let counted = timed(20, async || drop(storage.list("items", &with_total).await.unwrap())).await;
    println!("| the same with an exact total, no index | {} |", millis(counted));
    storage.apply_schema(&items_schema(true), &ApplyOptions::default()).await.unwrap();
    let indexed =
        timed(20, async || assert_eq!(storage.list("items", &filtered).await.unwrap().records.len(), 50))
            .await;
    println!("| filtered, sorted page of 50, indexed | {} |", millis(indexed));

    let first = ListQuery::default().paged(PageRequest::After { cursor: None, limit: 50 }).without_total();
    let page_one = timed(50, async || drop(storage.list("items", &first).await.unwrap())).await;
    // Nine tenths in: page 900,000 of a million rows.
    let depth = rows * 9 / 10;
    let mut cursor = None;
    for _ in 0..depth / 1000 {
        let step = ListQuery::default()
            .paged(PageRequest::After { cursor: cursor.clone(), limit: 1000 })
            .without_total();
        cursor = storage.list("items", &step).await.unwrap().next_cursor;
    }
    let deep = ListQuery::default().paged(PageRequest::After { cursor, limit: 50 }).without_total();
    let keyset_deep = timed(50, async || drop(storage.list("items", &deep).await.unwrap())).await;
    let offset_deep_query = ListQuery::default()
        .paged(PageRequest::Offset { page: (depth / 50) as u64, limit: 50 })
        .without_total();
    let offset_deep =
        timed(20, async || drop(storage.list("items", &offset_deep_query).await.unwrap())).await;
    println!("| keyset page of 50, page 1 | {} |", millis(page_one));
    println!("| keyset page of 50 at depth {depth} | {} |", millis(keyset_deep));
    println!("| offset page of 50 at depth {depth} (for contrast) | {} |", millis(offset_deep));

    let storage = Arc::new(storage);
    let start = Instant::now();
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let storage = Arc::clone(&storage);
            let table = table.clone();
            tokio::spawn(async move {
                let mut errors = 0;
                for write in 0..WRITES_PER_WRITER {
                    let draft = json!({"title": format!("writer {writer} #{write}"), "price": "1.00", "status": "draft"});
                    let values = table.check_draft(draft.as_object().unwrap(), DraftMode::Create).unwrap();
                    if storage.insert("items", vec![values], &WriteOptions::default()).await.is_err() {
                        errors += 1;
                    }
                }
                errors
            })
        })
        .collect();
    let mut errors = 0;
    for writer in writers {
        errors += writer.await.unwrap();
    }
    let writes = WRITERS * WRITES_PER_WRITER;
    println!(
        "| {WRITERS} concurrent writers, {writes} single-record inserts | {:.0} writes/s, {errors} errors |",
        writes as f64 / start.elapsed().as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let rows: usize =
        std::env::var("OMNERA_BENCH_ROWS").ok().and_then(|rows| rows.parse().ok()).unwrap_or(100_000);
    let file = std::env::temp_dir().join(format!("omnera_bench_{}.db", std::process::id()));
    bench("SQLite (file, WAL)", &format!("sqlite://{}", file.display()), rows).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    match std::env::var("OMNERA_BENCH_POSTGRES_URL") {
        Ok(url) => {
            let database = omnera_sql::testing::postgres_database(&url).await;
            bench("PostgreSQL", &database, rows).await;
            omnera_sql::testing::drop_postgres_databases(&url).await;
        }
        Err(_) => println!("\n(PostgreSQL skipped: set OMNERA_BENCH_POSTGRES_URL to include it)"),
    }
}
