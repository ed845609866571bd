//! A config with many planted problems: all are reported, and the rendered report is pinned.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnera_core::{Config, ConfigFormat, validate_text};

const MANY_PROBLEMS: &str = r#"{
  "name": "",
  "colr": "blue",
  "version": "one",
  "tables": [
    {"id": 1, "name": "Clients", "fields": [
      {"id": 1, "name": "email", "type": "emial"},
      {"id": 1, "name": "id", "type": "integer"},
      {"id": 3, "name": "tier", "type": "single-select", "options": ["gold", "silver"], "default": "bronze"},
      {"id": 4, "name": "owner", "type": "relationship", "relatedTable": "users", "maxLength": 5}
    ]},
    {"id": 2, "name": "orders", "fields": [
      {"id": 1, "name": "total", "type": "currency", "currency": "USD", "min": 10, "max": 1},
      {"id": 2, "name": "placed", "type": "date", "default": "now"}
    ]}
  ],
  "pages": [
    {"name": "orders", "path": "orders", "type": "table-view", "table": "order", "columns": ["totl"]},
    {"name": "order", "path": "/orders/view", "type": "detail-view", "table": "orders", "sections": [{"fields": ["placed", "status"]}]}
  ],
  "automations": [
    {"id": 1, "name": "digest", "trigger": {"type": "schedule", "cron": "0 8 * *", "timezone": "Europe/Lisbn"},
     "actions": [
       {"type": "send-email", "name": "mail", "to": "{{trigger.record.email}}", "subject": "{{steps.later.output}}", "text": "{{#if x}}"},
       {"type": "http-request", "name": "later", "connection": "crm-api", "method": "GET", "url": "/x"}
     ]}
  ],
  "connections": [
    {"name": "smtp", "type": "smtp", "host": "mail.example.com", "password": "hunter2", "from": "me@example.com"}
  ],
  "auth": {
    "roles": ["sales"],
    "permissions": [{"role": "support", "table": "orders", "actions": ["read"], "where": "totl > 5"}]
  }
}"#;

#[test]
fn every_planted_problem_is_reported_once_with_its_path() {
    let errors = validate_text(MANY_PROBLEMS, ConfigFormat::Json).unwrap_err();
    insta::assert_snapshot!(errors.to_string());
}

#[test]
fn the_report_serialises_as_json_with_path_code_and_message() {
    let errors = validate_text(r#"{"name": "x", "icon": "rocket"}"#, ConfigFormat::Json).unwrap_err();
    let json = serde_json::to_value(&errors).unwrap();
    assert_eq!(json[0]["path"], "icon");
    assert_eq!(json[0]["code"], "invalid_value");
    assert!(json[0]["message"].as_str().unwrap().contains("rocket"));
}

#[test]
fn a_config_round_trips_through_json_unchanged() {
    let text = include_str!("base_config.json");
    let config = Config::from_json_str(text).unwrap();
    let again = Config::from_json_str(&serde_json::to_string(&config).unwrap()).unwrap();
    assert_eq!(config, again);
    assert!(again.validate().is_ok());
}

/// YAML and TOML are features of omnera-core (on in the workspace's build, where the facade
/// turns them on).
#[cfg(all(feature = "yaml", feature = "toml"))]
#[test]
fn yaml_and_toml_documents_read_like_json() {
    let yaml = "name: Notes\ntables:\n  - id: 1\n    name: notes\n    fields:\n      - {id: 1, name: body, type: long-text}\n";
    let toml = "name = \"Notes\"\n[[tables]]\nid = 1\nname = \"notes\"\n[[tables.fields]]\nid = 1\nname = \"body\"\ntype = \"long-text\"\n";
    let from_yaml = validate_text(yaml, ConfigFormat::Yaml).unwrap();
    let from_toml = validate_text(toml, ConfigFormat::Toml).unwrap();
    assert_eq!(from_yaml, from_toml);
    let broken = validate_text("name = \"Notes\"\ntables = 3\n", ConfigFormat::Toml).unwrap_err();
    assert_eq!(broken.to_string(), "tables: expected a list, found a number [wrong_type]");
}
