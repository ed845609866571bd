//! The sample apps validate, and the shipped JSON Schema equals the generated one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

const SAMPLES: [&str; 3] = ["crm.json", "helpdesk.yaml", "inventory.toml"];

#[test]
fn every_sample_app_validates() {
    for sample in SAMPLES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/apps").join(sample);
        if let Err(errors) = omnera::load_schema(&path) {
            panic!("{sample} has problems:\n{errors}");
        }
    }
}

#[test]
fn the_crm_sample_has_what_its_description_promises() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/apps/crm.json");
    let schema = omnera::load_schema(path).unwrap();
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
