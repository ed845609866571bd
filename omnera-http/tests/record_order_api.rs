//! Records show `id` first, then their fields in the order of the config, then `created_at` and
//! `updated_at`, as PocketBase orders them, wherever a record is shown: one record, a list, an
//! embedded record, a batch and a create of many.
//!
//! `serde_json::Map` sorts its keys (the crate's `preserve_order` feature is off in this
//! workspace), so the order is read from the body text with a visitor of its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;
use std::fmt;

use omnera_core::{App, Config};
use omnera_sql::SqlStorage;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::json;
use serde_json::value::RawValue;

// Field names out of alphabetical order, so that either order shows.
const APP: &str = r#"{"name": "Order", "tables": [
  {"id": 1, "name": "companies", "fields": [
    {"id": 1, "name": "name", "type": "single-line-text", "required": true},
    {"id": 2, "name": "city", "type": "single-line-text"},
    {"id": 3, "name": "active", "type": "checkbox"}]},
  {"id": 2, "name": "contacts", "fields": [
    {"id": 1, "name": "email", "type": "email", "required": true},
    {"id": 2, "name": "company", "type": "relationship", "relatedTable": "companies"},
    {"id": 3, "name": "partners", "type": "relationship", "relatedTable": "companies", "relationType": "many-to-many"},
    {"id": 4, "name": "age", "type": "integer"}]}
]}"#;

const COMPANY: [&str; 6] = ["id", "name", "city", "active", "created_at", "updated_at"];
const CONTACT: [&str; 7] = ["id", "email", "company", "partners", "age", "created_at", "updated_at"];

/// The keys of a JSON object, in the order its text has them.
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Keys;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(Keys(keys))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// The keys, in order, of the object at `path` (object keys and array indexes) in `body`.
fn keys_at(body: &str, path: &[&str]) -> Vec<String> {
    let mut text = body.to_owned();
    for step in path {
        let inner: Box<RawValue> = match step.parse::<usize>() {
            Ok(index) => serde_json::from_str::<Vec<Box<RawValue>>>(&text).unwrap().swap_remove(index),
            Err(_) => serde_json::from_str::<BTreeMap<String, Box<RawValue>>>(&text)
                .unwrap()
                .remove(*step)
                .unwrap_or_else(|| panic!("no {step} in {text}")),
        };
        text = inner.get().to_owned();
    }
    serde_json::from_str::<Keys>(&text).unwrap_or_else(|error| panic!("{error}: {text}")).0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_show_id_then_the_config_order_then_the_timestamps() {
    let app = App::from_config(Config::from_json_str(APP).unwrap())
        .with_storage(SqlStorage::connect(&omnera_sql::testing::sqlite_url()).await.unwrap())
        .build()
        .await
        .unwrap();
    let base = support::serve_app(app).await;
    let client = reqwest::Client::new();
    let companies = format!("{base}/api/tables/companies/records");
    let contacts = format!("{base}/api/tables/contacts/records");
    let send = async |request: reqwest::RequestBuilder, status: u16| {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status);
        response.text().await.unwrap()
    };

    let created = send(client.post(&companies).json(&json!({"name": "Acme", "city": "Oslo"})), 201).await;
    assert_eq!(keys_at(&created, &[]), COMPANY, "a created record: {created}");
    let many =
        send(client.post(&companies).json(&json!([{"name": "Globex"}, {"name": "Initech"}])), 201).await;
    assert_eq!(keys_at(&many, &["data", "1"]), COMPANY, "a create of many: {many}");
    let read = send(client.get(format!("{companies}/1")), 200).await;
    assert_eq!(keys_at(&read, &[]), COMPANY, "a record read: {read}");
    let patched = send(client.patch(format!("{companies}/1")).json(&json!({"active": true})), 200).await;
    assert_eq!(keys_at(&patched, &[]), COMPANY, "a changed record: {patched}");
    let list = send(client.get(&companies), 200).await;
    assert_eq!(keys_at(&list, &["data", "0"]), COMPANY, "a list: {list}");
    let picked = send(client.get(format!("{companies}?fields=active,name")), 200).await;
    assert_eq!(keys_at(&picked, &["data", "0"]), ["id", "name", "active"], "named fields: {picked}");

    let contact = json!({"age": 41, "partners": [2], "company": 1, "email": "ann@example.com"});
    let created = send(client.post(&contacts).json(&contact), 201).await;
    assert_eq!(keys_at(&created, &[]), CONTACT, "{created}");
    let expanded = send(client.get(format!("{contacts}?expand=company,partners")), 200).await;
    assert_eq!(keys_at(&expanded, &["data", "0"]), CONTACT, "{expanded}");
    assert_eq!(keys_at(&expanded, &["data", "0", "company"]), COMPANY, "an embedded record: {expanded}");
    assert_eq!(keys_at(&expanded, &["data", "0", "partners", "0"]), COMPANY, "embedded many: {expanded}");

    let batch =
        json!({"create": [{"name": "Umbrella"}], "update": [{"id": 2, "city": "Rome"}], "delete": [3]});
    let done = send(client.post(format!("{companies}/batch")).json(&batch), 200).await;
    assert_eq!(keys_at(&done, &[]), ["created", "updated", "deleted"]);
    assert_eq!(keys_at(&done, &["created", "0"]), COMPANY, "a batch's created record: {done}");
    assert_eq!(keys_at(&done, &["updated", "0"]), COMPANY, "a batch's updated record: {done}");
}
