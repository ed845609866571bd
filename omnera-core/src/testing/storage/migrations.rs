//! Cases for schema sync: idempotence, renames, refused data loss, and many schema pairs.

use std::sync::Arc;

use serde_json::{Value, json};

use super::StorageCase;
use super::fixture::{FIXTURE, applied, create, schema_of, value};
use crate::backend::{ApplyOptions, ListQuery, Storage, StorageError, WriteOptions};
use crate::query::parse_filter;

pub(super) fn cases() -> Vec<StorageCase> {
    named_cases![
        applying_the_same_schema_twice_changes_nothing,
        a_rename_keeps_the_data,
        a_change_that_loses_data_is_refused_unless_allowed,
        a_required_field_without_values_is_refused,
        a_plan_shows_the_steps_without_running_them,
        a_new_precision_rescales_the_stored_decimals,
        many_schema_pairs_migrate_and_keep_records,
    ]
}

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).unwrap()
}

fn edited(edit: impl FnOnce(&mut Value)) -> crate::Schema {
    let mut document = fixture();
    edit(&mut document);
    schema_of(&document.to_string())
}

async fn applying_the_same_schema_twice_changes_nothing(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let again = storage.apply_schema(&schema, &ApplyOptions::default()).await.unwrap();
    assert!(again.is_empty(), "second apply ran {:?}", again.steps);
    assert!(storage.plan_schema(&schema).await.unwrap().is_empty());
}

async fn a_rename_keeps_the_data(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let company = create(&*storage, &schema, "companies", json!({"name": "Acme", "size": 3})).await;
    let renamed = edited(|document| {
        document["tables"][0]["name"] = json!("firms");
        document["tables"][0]["fields"][2]["name"] = json!("headcount");
        for table in document["tables"].as_array_mut().unwrap() {
            for field in table["fields"].as_array_mut().unwrap() {
                if field["relatedTable"] == "companies" {
                    field["relatedTable"] = json!("firms");
                }
            }
        }
    });
    let plan = storage.apply_schema(&renamed, &ApplyOptions::default()).await.unwrap();
    assert!(plan.steps.iter().all(|step| !step.loses_data), "{:?}", plan.steps);
    let firm = storage.get("firms", company.id).await.unwrap();
    assert_eq!((value(&firm, "name"), value(&firm, "headcount")), (json!("Acme"), json!(3)));
    assert!(matches!(storage.get("companies", company.id).await, Err(StorageError::UnknownTable { .. })));
}

async fn a_change_that_loses_data_is_refused_unless_allowed(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let person =
        create(&*storage, &schema, "people", json!({"email": "d@example.com", "bio": "keep me"})).await;
    let without_bio = edited(|document| {
        document["tables"][1]["fields"].as_array_mut().unwrap().retain(|field| field["name"] != "bio");
    });
    match storage.apply_schema(&without_bio, &ApplyOptions::default()).await {
        Err(StorageError::DataLossRefused { steps }) => {
            assert!(steps.iter().any(|step| step.contains("people.bio")), "{steps:?}");
        }
        other => panic!("expected DataLossRefused, got {other:?}"),
    }
    storage.apply_schema(&schema, &ApplyOptions::default()).await.unwrap();
    assert_eq!(
        value(&storage.get("people", person.id).await.unwrap(), "bio"),
        json!("keep me"),
        "the refused change changed nothing"
    );
    let allowed = ApplyOptions { allow_data_loss: true };
    storage.apply_schema(&without_bio, &allowed).await.unwrap();
    assert!(!storage.get("people", person.id).await.unwrap().values.contains_key("bio"));
}

async fn a_required_field_without_values_is_refused(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    create(&*storage, &schema, "people", json!({"email": "e@example.com"})).await;
    let required_age = edited(|document| document["tables"][1]["fields"][4]["required"] = json!(true));
    match storage.apply_schema(&required_age, &ApplyOptions::default()).await {
        Err(StorageError::DataLossRefused { steps }) => {
            assert!(steps.iter().any(|step| step.contains("people.age")), "{steps:?}");
        }
        other => panic!("expected DataLossRefused, got {other:?}"),
    }
    let person = create(&*storage, &schema, "people", json!({"email": "f@example.com"})).await;
    assert!(person.id > 0, "the storage still works after a refused change");
}

async fn a_plan_shows_the_steps_without_running_them(storage: Arc<dyn Storage>) {
    let schema = schema_of(FIXTURE);
    let plan = storage.plan_schema(&schema).await.unwrap();
    let described: Vec<&str> = plan.steps.iter().map(|step| step.description.as_str()).collect();
    assert!(described.contains(&"create table people"), "{described:?}");
    assert!(described.iter().any(|step| step.starts_with("create link table")), "{described:?}");
    let plan_again = storage.plan_schema(&schema).await.unwrap();
    assert_eq!(plan, plan_again, "planning applies nothing");
}

async fn a_new_precision_rescales_the_stored_decimals(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let mut people = Vec::new();
    for (position, salary) in ["12.34", "-0.05", "0.15", "-2.25", "9999999999999999.99"].iter().enumerate() {
        let person = json!({"email": format!("p{position}@example.com"), "salary": salary});
        people.push(create(&*storage, &schema, "people", person).await.id);
    }
    let precision =
        |digits: u32| edited(|document| document["tables"][1]["fields"][5]["precision"] = json!(digits));
    let allowed = ApplyOptions { allow_data_loss: true };

    // A finer precision leaves no room for the largest value's digits: refused, even when
    // allowed, and nothing changes.
    match storage.apply_schema(&precision(3), &allowed).await {
        Err(StorageError::DataLossRefused { steps }) => {
            assert!(
                steps.iter().any(|step| step.contains("people.salary") && step.contains("18 digits")),
                "{steps:?}"
            );
        }
        other => panic!("9999999999999999.990 has 19 digits, yet: {other:?}"),
    }
    let largest = people.pop().unwrap();
    assert_eq!(
        salaries(&*storage, &[largest]).await,
        ["9999999999999999.99"],
        "the refused change changed nothing"
    );
    storage.delete("people", largest, &WriteOptions::default()).await.unwrap();

    let plan = storage.apply_schema(&precision(3), &ApplyOptions::default()).await.unwrap();
    assert!(plan.steps.iter().all(|step| !step.loses_data), "{:?}", plan.steps);
    assert_eq!(salaries(&*storage, &people).await, ["12.340", "-0.050", "0.150", "-2.250"]);

    // A coarser one loses digits: refused unless allowed, then rounded half away from zero.
    assert!(matches!(
        storage.apply_schema(&precision(1), &ApplyOptions::default()).await,
        Err(StorageError::DataLossRefused { .. })
    ));
    storage.apply_schema(&precision(1), &allowed).await.unwrap();
    assert_eq!(salaries(&*storage, &people).await, ["12.3", "-0.1", "0.2", "-2.3"]);
    let query = ListQuery { filter: Some(parse_filter("salary > 0.15").unwrap()), ..ListQuery::default() };
    assert_eq!(storage.list("people", &query).await.unwrap().records.len(), 2, "12.3 and 0.2");

    // Through text and back, every digit of the scale stays.
    let field = |definition: Value| edited(|document| document["tables"][1]["fields"][5] = definition);
    storage
        .apply_schema(&field(json!({"id": 6, "name": "salary", "type": "single-line-text"})), &allowed)
        .await
        .unwrap();
    assert_eq!(salaries(&*storage, &people).await, ["12.3", "-0.1", "0.2", "-2.3"]);
    storage.apply_schema(&precision(1), &allowed).await.unwrap();
    assert_eq!(salaries(&*storage, &people).await, ["12.3", "-0.1", "0.2", "-2.3"]);

    let whole = edited(|document| {
        document["tables"][1]["fields"][5] = json!({"id": 6, "name": "salary", "type": "integer"});
    });
    storage.apply_schema(&whole, &allowed).await.unwrap();
    assert_eq!(salaries(&*storage, &people).await, ["12", "0", "0", "-2"]);
}

/// The salaries of `people`, exactly: decimals with every digit of their scale.
async fn salaries(storage: &dyn Storage, people: &[i64]) -> Vec<String> {
    let mut found = Vec::new();
    for id in people {
        found.push(match storage.get("people", *id).await.unwrap().values.get("salary") {
            Some(crate::FieldValue::Decimal(number)) => number.to_string(),
            Some(crate::FieldValue::Integer(number)) => number.to_string(),
            Some(crate::FieldValue::Text(text)) => text.clone(),
            other => format!("{other:?}"),
        });
    }
    found
}

/// Each edit is applied in turn on top of the previous schema; after each, the database must
/// match the schema (planning it again is empty) and records must still round-trip.
async fn many_schema_pairs_migrate_and_keep_records(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let person = create(
        &*storage,
        &schema,
        "people",
        json!({"email": "keep@example.com", "age": 7, "full_name": "Kay"}),
    )
    .await;
    let mut document = fixture();
    let edits: Vec<(&str, SchemaEdit)> = vec![
        (
            "add an optional field",
            Box::new(|d| push_field(d, 1, json!({"id": 30, "name": "nickname", "type": "single-line-text"}))),
        ),
        (
            "add a checkbox",
            Box::new(|d| push_field(d, 1, json!({"id": 31, "name": "vip", "type": "checkbox"}))),
        ),
        ("index a field", Box::new(|d| d["tables"][1]["fields"][4]["indexed"] = json!(true))),
        ("make a field unique", Box::new(|d| d["tables"][1]["fields"][3]["unique"] = json!(true))),
        (
            "add a composite index",
            Box::new(|d| {
                d["tables"][1]["indexes"] = json!([{"name": "by_stage_age", "fields": ["stage", "age"]}]);
            }),
        ),
        (
            "add a unique constraint",
            Box::new(|d| {
                d["tables"][0]["uniqueConstraints"] =
                    json!([{"name": "site_size", "fields": ["website", "size"]}]);
            }),
        ),
        ("rename a field", Box::new(|d| d["tables"][1]["fields"][1]["name"] = json!("display_name"))),
        ("widen integer to decimal", Box::new(|d| d["tables"][1]["fields"][4]["type"] = json!("decimal"))),
        ("make a field optional", Box::new(|d| d["tables"][0]["fields"][0]["required"] = json!(false))),
        (
            "add a table",
            Box::new(|d| {
                d["tables"].as_array_mut().unwrap().push(json!({"id": 9, "name": "notes", "fields": [
            {"id": 1, "name": "body", "type": "long-text", "required": true},
            {"id": 2, "name": "about", "type": "relationship", "relatedTable": "people", "onDelete": "cascade"},
            {"id": 3, "name": "seen_by", "type": "relationship", "relatedTable": "people", "relationType": "many-to-many"}]}));
            }),
        ),
        (
            "add a one-to-one relationship",
            Box::new(|d| {
                push_field(
                    d,
                    0,
                    json!({"id": 9, "name": "ceo", "type": "relationship", "relatedTable": "people", "relationType": "one-to-one", "onDelete": "set-null"}),
                );
            }),
        ),
        ("drop the index again", Box::new(|d| d["tables"][1]["fields"][4]["indexed"] = json!(false))),
        (
            "rename a table",
            Box::new(|d| {
                d["tables"][2]["name"] = json!("initiatives");
                for table in d["tables"].as_array_mut().unwrap() {
                    for field in table["fields"].as_array_mut().unwrap() {
                        if field["relatedTable"] == "projects" {
                            field["relatedTable"] = json!("initiatives");
                        }
                    }
                }
            }),
        ),
    ];
    for (name, edit) in edits {
        edit(&mut document);
        let schema = schema_of(&document.to_string());
        storage
            .apply_schema(&schema, &ApplyOptions::default())
            .await
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let again = storage.plan_schema(&schema).await.unwrap();
        assert!(
            again.is_empty(),
            "{name}: the database does not match the schema, planning again gives {:?}",
            again.steps
        );
        let kept = storage.get("people", person.id).await.unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(value(&kept, "email"), json!("keep@example.com"), "{name}");
        let email = format!("{}@example.com", name.replace(' ', "-"));
        create(&*storage, &schema, "people", json!({"email": email})).await;
    }
    let person = storage.get("people", person.id).await.unwrap();
    assert_eq!(value(&person, "display_name"), json!("Kay"));
    assert_eq!(value(&person, "age").as_f64(), Some(7.0), "integer widened to decimal keeps the value");
}

/// A change to the fixture document.
type SchemaEdit = Box<dyn Fn(&mut Value) + Send + Sync>;

fn push_field(document: &mut Value, table: usize, field: Value) {
    document["tables"][table]["fields"].as_array_mut().unwrap().push(field);
}
