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

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use omnera::backend::{Caller, Record};
use omnera::record::DraftMode;
use omnera::sql::{Dialect, compile_filter};
use omnera::{Config, FieldValue, Schema};
use serde_json::{Value, json};

/// The fields of every table: each writable field type once, and a relationship to the table
/// before (the first table relates to itself).
fn fields(related: &str) -> Value {
    json!([
        {"id": 1, "name": "title", "type": "single-line-text", "required": true, "maxLength": 200, "indexed": true},
        {"id": 2, "name": "body", "type": "long-text", "maxLength": 5000},
        {"id": 3, "name": "email", "type": "email", "unique": true},
        {"id": 4, "name": "site", "type": "url"},
        {"id": 5, "name": "phone", "type": "phone-number"},
        {"id": 6, "name": "count", "type": "integer", "min": 0, "max": 1000},
        {"id": 7, "name": "ratio", "type": "decimal", "precision": 3},
        {"id": 8, "name": "price", "type": "currency", "currency": "EUR", "min": 0},
        {"id": 9, "name": "share", "type": "percentage", "precision": 1},
        {"id": 10, "name": "due", "type": "date"},
        {"id": 11, "name": "seen", "type": "datetime", "timezone": "Europe/Berlin"},
        {"id": 12, "name": "opens", "type": "time"},
        {"id": 13, "name": "done", "type": "checkbox"},
        {"id": 14, "name": "status", "type": "single-select", "options": ["open", "won", "lost"], "default": "open"},
        {"id": 15, "name": "labels", "type": "multi-select", "options": ["a", "b", "c"]},
        {"id": 16, "name": "owner", "type": "relationship", "relatedTable": related, "relationType": "one-to-many"},
        {"id": 17, "name": "cover", "type": "single-attachment", "storage": {"provider": "local", "maxSize": 1048576}}
    ])
}

fn config_with_tables(count: usize) -> String {
    let tables: Vec<Value> = (1..=count)
        .map(|index| {
            let related = format!("table_{}", (index - 1).max(1));
            json!({"id": index, "name": format!("table_{index}"), "fields": fields(&related)})
        })
        .collect();
    json!({"name": "Fifty tables", "tables": tables}).to_string()
}

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
    let text = config_with_tables(50);
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
        b.iter(|| {
            let data: Vec<Value> = black_box(&page).iter().map(Record::to_json).collect();
            black_box(
                serde_json::to_vec(&json!({"data": data, "pagination": {"page": 1, "limit": 50}})).unwrap(),
            )
        });
    });
}

fn hot_paths(c: &mut Criterion) {
    config_validation(c);
    let schema = Config::from_json_str(&config_with_tables(50)).unwrap().validate().unwrap();
    filters(c, &schema);
    records(c, &schema);
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);
