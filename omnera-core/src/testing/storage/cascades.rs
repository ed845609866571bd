//! Cases for what a delete does to other records: each record `cascade` removes gets a
//! `deleted` event and lets go of its files, each record `set-null` or a lost many-to-many link
//! changes gets an `updated` event and a new version, and a refused delete changes nothing.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::json;

use super::StorageCase;
use super::fixture::{applied, create, document, draft, schema_of, shown, value};
use crate::backend::{
    Actor, ApplyOptions, ChangeKind, NewFile, OutboxEvent, Storage, StorageError, WriteOptions,
};
use crate::record::DraftMode;

pub(super) fn cases() -> Vec<StorageCase> {
    named_cases![
        a_cascade_two_levels_deep_writes_its_events_and_frees_its_files,
        set_null_writes_an_updated_event_and_a_new_version,
        a_delete_refused_by_restrict_writes_no_event,
    ]
}

/// Accounts own projects, projects own tasks (both `cascade`); tasks have sub-tasks (`cascade`,
/// cycles allowed), notes point at tasks (`set-null`), people watch tasks (many-to-many), and
/// invoices hold on to tasks (`restrict`).
const PLANNER: &str = r#"{
  "name": "Planner",
  "tables": [
    {"id": 1, "name": "accounts", "fields": [{"id": 1, "name": "name", "type": "single-line-text"}]},
    {"id": 2, "name": "projects", "fields": [
      {"id": 1, "name": "title", "type": "single-line-text"},
      {"id": 2, "name": "account", "type": "relationship", "relatedTable": "accounts", "onDelete": "cascade"},
      {"id": 3, "name": "cover", "type": "single-attachment"}
    ]},
    {"id": 3, "name": "tasks", "fields": [
      {"id": 1, "name": "title", "type": "single-line-text"},
      {"id": 2, "name": "project", "type": "relationship", "relatedTable": "projects", "onDelete": "cascade"},
      {"id": 3, "name": "parent", "type": "relationship", "relatedTable": "tasks", "onDelete": "cascade"},
      {"id": 4, "name": "files", "type": "multiple-attachments", "maxFiles": 3}
    ]},
    {"id": 4, "name": "notes", "fields": [
      {"id": 1, "name": "text", "type": "single-line-text"},
      {"id": 2, "name": "task", "type": "relationship", "relatedTable": "tasks", "onDelete": "set-null"}
    ]},
    {"id": 5, "name": "people", "fields": [
      {"id": 1, "name": "name", "type": "single-line-text"},
      {"id": 2, "name": "watching", "type": "relationship", "relatedTable": "tasks", "relationType": "many-to-many", "onDelete": "cascade"}
    ]},
    {"id": 6, "name": "invoices", "fields": [
      {"id": 1, "name": "task", "type": "relationship", "relatedTable": "tasks", "onDelete": "restrict"}
    ]}
  ]
}"#;

/// Acknowledges every event `consumer` can read now.
async fn catch_up(storage: &dyn Storage, consumer: &str) {
    let events = storage.outbox_read(consumer, 1000).await.unwrap();
    if let Some(last) = events.last() {
        storage.outbox_acknowledge(consumer, &last.position).await.unwrap();
    }
}

fn of(events: &[OutboxEvent], table: &str, kind: ChangeKind) -> BTreeSet<i64> {
    events
        .iter()
        .filter(|event| event.table == table && event.kind == kind)
        .map(|event| event.record_id)
        .collect()
}

async fn attach(storage: &dyn Storage, table: &str, id: i64, field: &str, location: &str) {
    let file = NewFile::new(location, format!("{location}.txt"), 3, "text/plain");
    storage.attach_files(table, id, field, vec![file], &WriteOptions::default()).await.unwrap();
}

async fn a_cascade_two_levels_deep_writes_its_events_and_frees_its_files(storage: Arc<dyn Storage>) {
    let schema = schema_of(PLANNER);
    storage.apply_schema(&schema, &ApplyOptions::default()).await.unwrap();
    let storage = &*storage;
    let gone = create(storage, &schema, "accounts", json!({"name": "Gone"})).await;
    let stays = create(storage, &schema, "accounts", json!({"name": "Stays"})).await;
    let doomed = create(storage, &schema, "projects", json!({"title": "P1", "account": gone.id})).await;
    let kept = create(storage, &schema, "projects", json!({"title": "P2", "account": stays.id})).await;
    let first = create(storage, &schema, "tasks", json!({"title": "T1", "project": doomed.id})).await;
    let second =
        create(storage, &schema, "tasks", json!({"title": "T2", "project": doomed.id, "parent": first.id}))
            .await;
    let elsewhere = create(storage, &schema, "tasks", json!({"title": "T3", "project": kept.id})).await;
    // A cycle: T1 is T2's parent and T2 is T1's.
    let parent = draft(&schema, "tasks", &json!({"parent": second.id}), DraftMode::Patch);
    storage.update("tasks", first.id, parent, &WriteOptions::default()).await.unwrap();
    let note = create(storage, &schema, "notes", json!({"text": "n", "task": second.id})).await;
    let watcher =
        create(storage, &schema, "people", json!({"name": "W", "watching": [first.id, elsewhere.id]})).await;
    attach(storage, "projects", doomed.id, "cover", "cover").await;
    attach(storage, "tasks", first.id, "files", "t1").await;
    attach(storage, "tasks", second.id, "files", "t2").await;
    attach(storage, "tasks", elsewhere.id, "files", "t3").await;
    catch_up(storage, "suite").await;

    let options = WriteOptions::default().by(Actor::User(3)).for_request("r-cascade");
    let deleted = storage.delete("accounts", gone.id, &options).await.unwrap();
    assert_eq!(deleted.previous.id, gone.id);
    let freed: BTreeSet<&str> = deleted.released_files.iter().map(|file| file.location.as_str()).collect();
    assert_eq!(freed, BTreeSet::from(["cover", "t1", "t2"]), "the files of every removed record");

    let events = storage.outbox_read("suite", 100).await.unwrap();
    assert_eq!(of(&events, "accounts", ChangeKind::Deleted), BTreeSet::from([gone.id]));
    assert_eq!(of(&events, "projects", ChangeKind::Deleted), BTreeSet::from([doomed.id]));
    assert_eq!(of(&events, "tasks", ChangeKind::Deleted), BTreeSet::from([first.id, second.id]));
    assert_eq!(of(&events, "notes", ChangeKind::Updated), BTreeSet::from([note.id]));
    assert_eq!(of(&events, "people", ChangeKind::Updated), BTreeSet::from([watcher.id]));
    assert_eq!(events.len(), 6, "one event per record, cycle or not: {events:#?}");
    assert!(
        events
            .iter()
            .all(|event| event.actor == Actor::User(3) && event.request_id.as_deref() == Some("r-cascade"))
    );
    let task = events.iter().find(|event| event.record_id == second.id && event.table == "tasks").unwrap();
    assert_eq!(document(task.before.as_deref())["title"], json!("T2"));
    assert!(task.after.is_none());
    let seen = events.iter().find(|event| event.table == "people").unwrap();
    assert_eq!(seen.changed_fields, ["watching"]);
    assert_eq!(document(seen.before.as_deref())["watching"], json!([first.id, elsewhere.id]));
    assert_eq!(document(seen.after.as_deref())["watching"], json!([elsewhere.id]));

    for (table, id) in [("projects", doomed.id), ("tasks", first.id), ("tasks", second.id)] {
        assert!(matches!(storage.get(table, id).await, Err(StorageError::NotFound { .. })), "{table} {id}");
        assert!(storage.record_files(table, id).await.unwrap().is_empty(), "{table} {id} keeps no files");
    }
    assert_eq!(storage.record_files("tasks", elsewhere.id).await.unwrap().len(), 1, "others keep theirs");
    assert_eq!(storage.get("people", watcher.id).await.unwrap().version, watcher.version + 1);
}

async fn set_null_writes_an_updated_event_and_a_new_version(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let company = create(&*storage, &schema, "companies", json!({"name": "Gone Inc"})).await;
    let person =
        create(&*storage, &schema, "people", json!({"email": "p@example.com", "company": company.id})).await;
    catch_up(&*storage, "suite").await;
    storage.delete("companies", company.id, &WriteOptions::default()).await.unwrap();
    let events = storage.outbox_read("suite", 100).await.unwrap();
    let cleared = events.iter().find(|event| event.table == "people").unwrap();
    assert_eq!((cleared.kind, cleared.record_id), (ChangeKind::Updated, person.id));
    assert_eq!(cleared.changed_fields, ["company"]);
    assert_eq!(document(cleared.before.as_deref())["company"], json!(company.id));
    assert_eq!(document(cleared.after.as_deref())["company"], json!(null));
    let now = storage.get("people", person.id).await.unwrap();
    assert_eq!((value(&now, "company"), now.version), (json!(null), person.version + 1));
    assert_eq!(document(cleared.after.as_deref()), shown(&schema, "people", &now), "after is the record now");
}

/// A `restrict` two levels down refuses the whole delete, before anything changed.
async fn a_delete_refused_by_restrict_writes_no_event(storage: Arc<dyn Storage>) {
    let schema = schema_of(PLANNER);
    storage.apply_schema(&schema, &ApplyOptions::default()).await.unwrap();
    let storage = &*storage;
    let account = create(storage, &schema, "accounts", json!({"name": "Held"})).await;
    let project = create(storage, &schema, "projects", json!({"title": "P", "account": account.id})).await;
    let task = create(storage, &schema, "tasks", json!({"title": "T", "project": project.id})).await;
    let note = create(storage, &schema, "notes", json!({"text": "n", "task": task.id})).await;
    create(storage, &schema, "invoices", json!({"task": task.id})).await;
    attach(storage, "projects", project.id, "cover", "cover").await;
    catch_up(storage, "suite").await;
    match storage.delete("accounts", account.id, &WriteOptions::default()).await {
        Err(StorageError::StillReferenced { table, id, referencing_table }) => {
            assert_eq!((table.as_str(), id, referencing_table.as_str()), ("tasks", task.id, "invoices"));
        }
        other => panic!("expected StillReferenced, got {other:?}"),
    }
    assert!(storage.outbox_read("suite", 100).await.unwrap().is_empty(), "a refused delete writes nothing");
    assert_eq!(storage.get("notes", note.id).await.unwrap(), note, "the note keeps its task and version");
    assert!(storage.get("accounts", account.id).await.is_ok() && storage.get("tasks", task.id).await.is_ok());
    assert_eq!(storage.record_files("projects", project.id).await.unwrap().len(), 1, "and its files");
}
