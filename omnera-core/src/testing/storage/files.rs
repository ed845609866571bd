//! Cases for attachments across schema changes: files belong to a table and a field by id.

use std::sync::Arc;

use serde_json::{Value, json};

use super::StorageCase;
use super::fixture::{FIXTURE, applied, create, schema_of, shown};
use crate::backend::{ApplyOptions, NewFile, Storage, WriteOptions};

pub(super) fn cases() -> Vec<StorageCase> {
    named_cases![renaming_a_table_and_its_attachment_fields_keeps_the_files]
}

async fn renaming_a_table_and_its_attachment_fields_keeps_the_files(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let person = create(&*storage, &schema, "people", json!({"email": "renamed@example.com"})).await;
    let file = |location: &str| NewFile::new(location, format!("{location}.pdf"), 7, "application/pdf");
    let avatar = storage
        .attach_files("people", person.id, "avatar", vec![file("a1")], &WriteOptions::default())
        .await
        .unwrap();
    let documents = storage
        .attach_files(
            "people",
            person.id,
            "documents",
            vec![file("d1"), file("d2")],
            &WriteOptions::default(),
        )
        .await
        .unwrap();

    // Same ids, new names: `people` becomes `contacts`, `avatar` `photo`, `documents` `papers`.
    let mut document: Value = serde_json::from_str(FIXTURE).unwrap();
    document["tables"][1]["name"] = json!("contacts");
    for field in document["tables"][1]["fields"].as_array_mut().unwrap() {
        let renamed = match field["name"].as_str() {
            Some("avatar") => "photo",
            Some("documents") => "papers",
            _ => continue,
        };
        field["name"] = json!(renamed);
    }
    for table in document["tables"].as_array_mut().unwrap() {
        for field in table["fields"].as_array_mut().unwrap() {
            if field["relatedTable"] == "people" {
                field["relatedTable"] = json!("contacts");
            }
        }
    }
    let renamed = schema_of(&document.to_string());
    let plan = storage.apply_schema(&renamed, &ApplyOptions::default()).await.unwrap();
    assert!(plan.steps.iter().all(|step| !step.loses_data), "{:?}", plan.steps);

    let read = shown(&renamed, "contacts", &storage.get("contacts", person.id).await.unwrap());
    assert_eq!(read["photo"]["id"], json!(avatar.added[0].id), "{read}");
    assert_eq!(read["photo"]["name"], "a1.pdf");
    let papers: Vec<&Value> = read["papers"].as_array().unwrap().iter().map(|file| &file["id"]).collect();
    assert_eq!(papers, [&json!(documents.added[0].id), &json!(documents.added[1].id)], "{read}");

    let files = storage.record_files("contacts", person.id).await.unwrap();
    let mut named: Vec<(&str, &str, &str)> =
        files.iter().map(|file| (file.table.as_str(), file.field.as_str(), file.location.as_str())).collect();
    named.sort_unstable();
    assert_eq!(
        named,
        [("contacts", "papers", "d1"), ("contacts", "papers", "d2"), ("contacts", "photo", "a1")],
        "files are named by the names of now"
    );

    let detached = storage
        .detach_file("contacts", person.id, "papers", documents.added[0].id, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!((detached.location.as_str(), detached.field.as_str()), ("d1", "papers"));
    let replaced = storage
        .attach_files("contacts", person.id, "photo", vec![file("a2")], &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(
        replaced.removed.iter().map(|file| file.location.as_str()).collect::<Vec<_>>(),
        ["a1"],
        "the renamed single attachment still replaces the file it had"
    );
    let read = shown(&renamed, "contacts", &storage.get("contacts", person.id).await.unwrap());
    assert_eq!(
        (read["photo"]["name"].as_str(), read["papers"].as_array().map(Vec::len)),
        (Some("a2.pdf"), Some(1))
    );

    storage.delete("contacts", person.id, &WriteOptions::default()).await.unwrap();
    assert!(
        storage.record_files("contacts", person.id).await.unwrap().is_empty(),
        "a deleted record's files are forgotten under its new name too"
    );
}
