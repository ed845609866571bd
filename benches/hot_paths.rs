//! The engine's hot paths, with criterion: validating a 50-table config, parsing and compiling a
//! filter expression, checking and normalising a record of every writable field type, and
//! serialising a page of 50 records.
//!
//! ```sh
//! cargo bench --bench hot_paths
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]
// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use omnera::backend::{Caller, Record, RecordJson};
use omnera::record::DraftMode;
use omnera::sql::{Dialect, compile_filter};
use omnera::{Config, FieldValue, Schema};
use serde_json::{Value, json};

fn draft() -> serde_json::Map<String, Value> {
    json!({
        "title": "  Quarterly review  ", "body": "Notes\nof the meeting", "email": "Ann@Example.COM",
        "site": "https://example.com/a", "phone": "+49 30 1234567", "count": 42, "ratio": "3.142",
        "price": 1999.5, "share": 12.5, "due": "2026-11-22", "seen": "2026-11-22T10:15:00+01:00",
        "opens": "09:30:00", "done": true, "status": "won", "labels": ["b", "a"], "owner": 7
    })
    .as_object()
    .cloned()
    .unwrap()
}

fn config_validation(c: &mut Criterion) {
    let text = support::config_with_tables(50);
    c.bench_function("validate a 50-table config (parse + both passes)", |b| {
        b.iter(|| black_box(Config::from_json_str(black_box(&text)).unwrap().validate().unwrap()));
    });
}

fn filters(c: &mut Criterion, schema: &Schema) {
    let expression =
        "(status = 'open' || count >= 3) && owner.title ~ 'ann' && price > 500 && labels has 'a'";
    c.bench_function("parse a filter expression", |b| {
        b.iter(|| black_box(omnera::query::parse_filter(black_box(expression)).unwrap()));
    });
    let filter = omnera::query::parse_filter(expression).unwrap();
    let caller = Caller::anonymous();
    c.bench_function("compile a filter to SQL (with a join)", |b| {
        b.iter(|| {
            black_box(
                compile_filter(schema, "table_2", black_box(&filter), &caller, Dialect::Postgres).unwrap(),
            )
        });
    });
}

fn records(c: &mut Criterion, schema: &Schema) {
    let table = schema.table("table_2").unwrap();
    let draft = draft();
    c.bench_function("check and normalise a record of every field type", |b| {
        b.iter(|| black_box(table.check_draft(black_box(&draft), DraftMode::Create).unwrap()));
    });
    let values = table.check_draft(&draft, DraftMode::Create).unwrap();
    let now = Utc::now();
    let page: Vec<Record> = (1..=50)
        .map(|id| {
            let mut record = Record::new(id, now, now, 1);
            record.values = values.clone();
            record.values.insert("cover".into(), FieldValue::Null);
            record
        })
        .collect();
    c.bench_function("serialise a page of 50 records to JSON bytes", |b| {
        // As the list route writes them: records straight to bytes, no `Value` tree.
        b.iter(|| {
            let data: Vec<RecordJson<'_>> =
                black_box(&page).iter().map(|record| RecordJson::new(schema, table, record)).collect();
            black_box(serde_json::to_vec(&data).unwrap())
        });
    });
}

fn hot_paths(c: &mut Criterion) {
    config_validation(c);
    let schema = Config::from_json_str(&support::config_with_tables(50)).unwrap().validate().unwrap();
    filters(c, &schema);
    records(c, &schema);
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);
