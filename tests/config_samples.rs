//! The sample apps validate, and the shipped JSON Schema equals the generated one and accepts
//! what the validator accepts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

const SAMPLES: [&str; 3] = ["crm.json", "helpdesk.yaml", "inventory.toml"];

#[test]
fn every_sample_app_validates() {
    for sample in SAMPLES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/apps").join(sample);
        if let Err(errors) = omnera::config::load_schema(&path) {
            panic!("{sample} has problems:\n{errors}");
        }
    }
}

#[test]
fn the_crm_sample_has_what_its_description_promises() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/apps/crm.json");
    let schema = omnera::config::load_schema(path).unwrap();
    let types: Vec<_> =
        schema.tables().iter().flat_map(|table| table.fields()).map(|field| field.field_type()).collect();
    use omnera::config::FieldType::*;
    for wanted in [Relationship, SingleSelect, Currency, Date, SingleAttachment] {
        assert!(types.contains(&wanted), "crm.json has no {wanted} field");
    }
    let page_types: Vec<&str> = schema
        .pages()
        .iter()
        .map(|page| match page {
            omnera::config::PageConfig::Form(_) => "form",
            omnera::config::PageConfig::TableView(_) => "table-view",
            omnera::config::PageConfig::DetailView(_) => "detail-view",
            omnera::config::PageConfig::CustomHtml(_) => "custom-html",
        })
        .collect();
    for wanted in ["form", "table-view", "detail-view", "custom-html"] {
        assert!(page_types.contains(&wanted), "crm.json has no {wanted} page");
    }
    assert!(schema.automations().iter().any(|automation| automation.schedule().is_some()));
    assert!(schema.connections().iter().any(|connection| connection.type_name() == "smtp"));
}

/// Regenerate with `OMNERA_BLESS=1 cargo test --test config_samples`.
#[test]
fn the_shipped_json_schema_is_the_generated_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/omnera.schema.json");
    let generated = serde_json::to_string_pretty(&omnera::validate::format_json_schema()).unwrap() + "\n";
    if std::env::var_os("OMNERA_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(shipped == generated, "schema/omnera.schema.json is stale: rerun with OMNERA_BLESS=1");
}

/// An editor checks a document against the shipped JSON Schema; it must not mark a config that the
/// validator accepts as wrong.
#[test]
fn the_shipped_json_schema_accepts_every_valid_sample() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("schema/omnera.schema.json")).unwrap())
            .unwrap();
    let editor = jsonschema::validator_for(&schema).unwrap();
    let mut documents: Vec<(String, serde_json::Value)> = SAMPLES
        .iter()
        .map(|sample| {
            let path = root.join("examples/apps").join(sample);
            let format = omnera::ConfigFormat::from_path(&path).unwrap();
            (sample.to_string(), format.parse_value(&std::fs::read_to_string(&path).unwrap()).unwrap())
        })
        .collect();
    let with_app_version = serde_json::json!({"name": "Notes", "appVersion": "2.1.0"});
    documents.push(("a config with appVersion".to_owned(), with_app_version));
    for (name, document) in documents {
        assert!(
            omnera::validate::validate_document(document.clone()).is_ok(),
            "the validator refuses {name}"
        );
        let refusals: Vec<String> = editor
            .iter_errors(&document)
            .map(|error| format!("{}: {error}", error.instance_path()))
            .collect();
        assert!(refusals.is_empty(), "the JSON Schema refuses {name}:\n{}", refusals.join("\n"));
    }
}

#[test]
fn the_shipped_json_schema_refuses_version_and_app_version_together_as_the_validator_does() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/omnera.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let both = serde_json::json!({"name": "Notes", "version": "1.0.0", "appVersion": "2.1.0"});
    assert!(!jsonschema::is_valid(&schema, &both));
    let errors = omnera::validate::validate_document(both).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "appVersion: `appVersion` is another name for `version`; write only one of them [invalid_value]"
    );
}
