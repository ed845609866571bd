//! The schema the suite runs on, and helpers to write drafts.

use serde_json::Value;

use crate::backend::{ApplyOptions, Record, RecordJson, RecordValues, Storage, WriteOptions};
use crate::record::DraftMode;
use crate::{Config, FieldValue, Schema};

/// Companies, people (every field type) and projects, with one-to-many, self and many-to-many
/// relationships and each `onDelete` behaviour.
pub(super) const FIXTURE: &str = r#"{
  "name": "Conformance",
  "tables": [
    {"id": 1, "name": "companies", "fields": [
      {"id": 1, "name": "name", "type": "single-line-text", "required": true, "unique": true},
      {"id": 2, "name": "website", "type": "url"},
      {"id": 3, "name": "size", "type": "integer", "min": 0}
    ]},
    {"id": 2, "name": "people", "fields": [
      {"id": 1, "name": "email", "type": "email", "required": true, "unique": true},
      {"id": 2, "name": "full_name", "type": "single-line-text", "indexed": true},
      {"id": 3, "name": "bio", "type": "long-text"},
      {"id": 4, "name": "phone", "type": "phone-number"},
      {"id": 5, "name": "age", "type": "integer"},
      {"id": 6, "name": "salary", "type": "decimal", "precision": 2},
      {"id": 7, "name": "budget", "type": "currency", "currency": "EUR"},
      {"id": 8, "name": "discount", "type": "percentage", "precision": 1},
      {"id": 9, "name": "born", "type": "date"},
      {"id": 10, "name": "last_seen", "type": "datetime"},
      {"id": 11, "name": "wakes_at", "type": "time"},
      {"id": 12, "name": "active", "type": "checkbox"},
      {"id": 13, "name": "stage", "type": "single-select", "options": ["lead", "customer", "churned"], "default": "lead"},
      {"id": 14, "name": "tags", "type": "multi-select", "options": ["vip", "press", "partner"]},
      {"id": 15, "name": "company", "type": "relationship", "relatedTable": "companies", "onDelete": "set-null"},
      {"id": 16, "name": "mentor", "type": "relationship", "relatedTable": "people", "onDelete": "restrict"},
      {"id": 17, "name": "projects", "type": "relationship", "relatedTable": "projects", "relationType": "many-to-many", "onDelete": "cascade"},
      {"id": 18, "name": "website", "type": "url"},
      {"id": 19, "name": "avatar", "type": "single-attachment"},
      {"id": 20, "name": "documents", "type": "multiple-attachments", "maxFiles": 2}
    ]},
    {"id": 3, "name": "projects", "fields": [
      {"id": 1, "name": "title", "type": "single-line-text", "required": true},
      {"id": 2, "name": "sponsor", "type": "relationship", "relatedTable": "companies", "onDelete": "cascade"}
    ]}
  ]
}"#;

pub(super) fn schema_of(json: &str) -> Schema {
    Config::from_json_str(json)
        .unwrap()
        .validate()
        .unwrap_or_else(|errors| panic!("fixture is invalid:\n{errors}"))
}

/// The fixture, applied.
pub(super) async fn applied(storage: &dyn Storage) -> Schema {
    let schema = schema_of(FIXTURE);
    storage.apply_schema(&schema, &ApplyOptions::default()).await.unwrap();
    schema
}

/// A checked draft of `table` from JSON.
pub(super) fn draft(schema: &Schema, table: &str, json: &Value, mode: DraftMode) -> RecordValues {
    let object = json.as_object().cloned().unwrap_or_default();
    schema
        .table(table)
        .unwrap()
        .check_draft(&object, mode)
        .unwrap_or_else(|problems| panic!("draft is invalid: {problems:?}"))
}

pub(super) async fn create(storage: &dyn Storage, schema: &Schema, table: &str, json: Value) -> Record {
    let values = draft(schema, table, &json, DraftMode::Create);
    storage.insert(table, vec![values], &WriteOptions::default()).await.unwrap().pop().unwrap()
}

/// A record of `table` as the API shows it.
pub(super) fn shown(schema: &Schema, table: &str, record: &Record) -> Value {
    serde_json::to_value(RecordJson::new(schema, schema.table(table).unwrap(), record)).unwrap()
}

pub(super) fn value(record: &Record, field: &str) -> Value {
    record.values.get(field).map_or(Value::Null, FieldValue::to_json)
}

/// An event's document as a JSON value (decimals past an `f64`'s digits blur: read those from
/// the text).
pub(super) fn document(raw: Option<&serde_json::value::RawValue>) -> Value {
    raw.map_or(Value::Null, |raw| serde_json::from_str(raw.get()).unwrap())
}
