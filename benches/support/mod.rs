//! What the benches share: generated configs of many tables.

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

pub(crate) fn config_with_tables(count: usize) -> String {
    let tables: Vec<Value> = (1..=count)
        .map(|index| {
            let related = format!("table_{}", (index - 1).max(1));
            json!({"id": index, "name": format!("table_{index}"), "fields": fields(&related)})
        })
        .collect();
    json!({"name": "Fifty tables", "tables": tables}).to_string()
}
