//! Cases for the outbox: what an event says, and how named consumers read, acknowledge and
//! prune.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use serde_json::value::RawValue;

use super::StorageCase;
use super::fixture::{applied, create, document, draft};
use crate::backend::{
    Actor, ChangeKind, NewFile, OutboxEvent, RecordBatch, RecordJson, RecordUpdate, Storage, StorageError,
    WriteOptions,
};
use crate::record::DraftMode;

pub(super) fn cases() -> Vec<StorageCase> {
    named_cases![
        events_carry_the_actor_the_request_and_the_changed_fields,
        concurrent_creates_keep_each_callers_actor_and_request,
        event_documents_keep_every_digit_and_the_api_order,
        attaching_and_detaching_files_are_updates,
        a_rolled_back_write_leaves_no_event,
        a_consumer_reads_on_after_what_it_acknowledged,
        pruning_keeps_what_a_known_consumer_has_not_acknowledged,
    ]
}

/// Every event `consumer` has not acknowledged yet (up to a thousand).
async fn unread(storage: &dyn Storage, consumer: &str) -> Vec<OutboxEvent> {
    storage.outbox_read(consumer, 1000).await.unwrap()
}

/// Acknowledges every event `consumer` can read now.
async fn catch_up(storage: &dyn Storage, consumer: &str) {
    if let Some(last) = unread(storage, consumer).await.last() {
        storage.outbox_acknowledge(consumer, &last.position).await.unwrap();
    }
}

/// The fields of a document, each as its JSON text.
fn fields_of(raw: Option<&RawValue>) -> BTreeMap<String, String> {
    let fields: BTreeMap<String, Box<RawValue>> = serde_json::from_str(raw.unwrap().get()).unwrap();
    fields.into_iter().map(|(name, value)| (name, value.get().to_owned())).collect()
}

async fn events_carry_the_actor_the_request_and_the_changed_fields(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let values = draft(&schema, "people", &json!({"email": "e@example.com", "age": 5}), DraftMode::Create);
    let created = storage
        .insert("people", vec![values], &WriteOptions::default().by(Actor::User(7)).for_request("req-1"))
        .await
        .unwrap()
        .remove(0);
    let changed = draft(&schema, "people", &json!({"age": 6, "full_name": null}), DraftMode::Patch);
    let nightly = WriteOptions::default().by(Actor::System("nightly import".into()));
    storage.update("people", created.id, changed, &nightly).await.unwrap();
    storage.delete("people", created.id, &WriteOptions::default()).await.unwrap();
    let events = unread(&*storage, "suite").await;
    assert_eq!(events.len(), 3, "{events:?}");
    let every_field: Vec<&str> = schema.table("people").unwrap().fields().iter().map(|f| f.name()).collect();
    assert_eq!(events[0].kind, ChangeKind::Created);
    assert_eq!(events[0].changed_fields, every_field, "a create names every field, in config order");
    assert_eq!((&events[0].actor, events[0].request_id.as_deref()), (&Actor::User(7), Some("req-1")));
    assert_eq!(events[1].changed_fields, ["age"], "an update names the fields whose values differ");
    assert_eq!(
        (&events[1].actor, events[1].request_id.as_deref()),
        (&Actor::System("nightly import".into()), None)
    );
    assert_eq!(events[2].changed_fields, every_field, "a delete names every field");
    assert_eq!(events[2].actor, Actor::Anonymous);
    let ids: std::collections::HashSet<i64> = events.iter().map(|event| event.id).collect();
    assert_eq!(ids.len(), 3, "each event has its own id");
    let age = chrono::Utc::now() - events[0].at;
    assert!(age >= chrono::Duration::zero() && age < chrono::Duration::minutes(5), "written just now");
}

/// Many creates at once (which a store may commit together, as SQLite's group commit does):
/// each record's event carries its own caller's actor and request id.
async fn concurrent_creates_keep_each_callers_actor_and_request(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let creates: Vec<_> = (0..24)
        .map(|index| {
            let storage = Arc::clone(&storage);
            let values = draft(
                &schema,
                "people",
                &json!({"email": format!("p{index}@example.com")}),
                DraftMode::Create,
            );
            let options = WriteOptions::default().by(Actor::User(index)).for_request(format!("r{index}"));
            tokio::spawn(async move { storage.insert("people", vec![values], &options).await })
        })
        .collect();
    let mut callers = BTreeMap::new();
    for (index, create) in creates.into_iter().enumerate() {
        callers.insert(create.await.unwrap().unwrap()[0].id, index as i64);
    }
    let events = unread(&*storage, "suite").await;
    assert_eq!(events.len(), 24);
    for event in events {
        let index = callers[&event.record_id];
        assert_eq!(event.actor, Actor::User(index), "the event of record {}", event.record_id);
        assert_eq!(event.request_id, Some(format!("r{index}")));
    }
}

async fn event_documents_keep_every_digit_and_the_api_order(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    // 18 digits: more than an f64 holds.
    let json = json!({"email": "d@example.com", "salary": "9876543210987654.32", "budget": "0.10"});
    let person = create(&*storage, &schema, "people", json).await;
    let changed = draft(&schema, "people", &json!({"salary": "-1234567890123456.78"}), DraftMode::Patch);
    let updated = storage.update("people", person.id, changed, &WriteOptions::default()).await.unwrap();
    let events = unread(&*storage, "suite").await;
    let people = schema.table("people").unwrap();
    assert_eq!(
        events[0].after.as_ref().unwrap().get(),
        serde_json::to_string(&RecordJson::new(&schema, people, &person)).unwrap(),
        "the document is the record as the API writes it, keys in the same order"
    );
    let created = fields_of(events[0].after.as_deref());
    assert_eq!((created["salary"].as_str(), created["budget"].as_str()), ("9876543210987654.32", "0.10"));
    assert_eq!(fields_of(events[1].before.as_deref())["salary"], "9876543210987654.32");
    assert_eq!(fields_of(events[1].after.as_deref())["salary"], "-1234567890123456.78");
    assert_eq!(events[1].changed_fields, ["salary"]);
    assert_eq!(document(events[1].after.as_deref())["id"], json!(updated.record.id));
}

async fn attaching_and_detaching_files_are_updates(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let person = create(&*storage, &schema, "people", json!({"email": "f@example.com"})).await;
    catch_up(&*storage, "suite").await;
    let options = WriteOptions::default().by(Actor::User(3)).for_request("upload");
    let file = NewFile::new("blob-1", "scan.pdf", 10, "application/pdf");
    let change = storage.attach_files("people", person.id, "documents", vec![file], &options).await.unwrap();
    storage.detach_file("people", person.id, "documents", change.added[0].id, &options).await.unwrap();
    let events = unread(&*storage, "suite").await;
    let kinds: Vec<ChangeKind> = events.iter().map(|event| event.kind).collect();
    assert_eq!(kinds, [ChangeKind::Updated, ChangeKind::Updated]);
    assert!(
        events.iter().all(|event| event.changed_fields == ["documents"] && event.actor == Actor::User(3))
    );
    assert_eq!(document(events[0].after.as_deref())["documents"][0]["name"], json!("scan.pdf"));
    assert_eq!(document(events[1].after.as_deref())["documents"], json!([]));
    let stale = WriteOptions::default().if_version(person.version + 1);
    let file = NewFile::new("blob-2", "late.pdf", 10, "application/pdf");
    assert!(
        matches!(
            storage.attach_files("people", person.id, "documents", vec![file], &stale).await,
            Err(StorageError::Conflict { .. })
        ),
        "attaching honours the expected version"
    );
}

async fn a_rolled_back_write_leaves_no_event(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let kept = create(&*storage, &schema, "people", json!({"email": "kept@example.com"})).await;
    catch_up(&*storage, "suite").await;
    // The create is written (with its event) before the update finds no record 4242.
    let new = draft(&schema, "people", &json!({"email": "new@example.com"}), DraftMode::Create);
    let change = draft(&schema, "people", &json!({"age": 1}), DraftMode::Patch);
    let failing = RecordBatch::new(vec![new], vec![RecordUpdate::new(4242, change)], vec![kept.id]);
    assert!(storage.batch("people", failing, &WriteOptions::default()).await.is_err());
    let taken = draft(&schema, "people", &json!({"email": "kept@example.com"}), DraftMode::Create);
    assert!(storage.insert("people", vec![taken], &WriteOptions::default()).await.is_err());
    assert!(unread(&*storage, "suite").await.is_empty(), "nothing that rolled back is delivered");
}

async fn a_consumer_reads_on_after_what_it_acknowledged(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    for name in ["a", "b", "c"] {
        create(&*storage, &schema, "companies", json!({"name": name})).await;
    }
    let first = storage.outbox_read("mailer", 2).await.unwrap();
    assert_eq!(first.len(), 2);
    let again = storage.outbox_read("mailer", 2).await.unwrap();
    let ids = |events: &[OutboxEvent]| events.iter().map(|event| event.id).collect::<Vec<_>>();
    assert_eq!(ids(&again), ids(&first), "until acknowledged, the same events come again");
    storage.outbox_acknowledge("mailer", &first[1].position).await.unwrap();
    let rest = unread(&*storage, "mailer").await;
    assert_eq!(rest.len(), 1);
    assert!(rest[0].position > first[1].position);
    storage.outbox_acknowledge("mailer", &rest[0].position).await.unwrap();
    storage.outbox_acknowledge("mailer", &first[0].position).await.unwrap();
    assert!(unread(&*storage, "mailer").await.is_empty(), "a position never moves back");
    assert_eq!(unread(&*storage, "webhooks").await.len(), 3, "each consumer has its own position");
}

async fn pruning_keeps_what_a_known_consumer_has_not_acknowledged(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    for name in ["a", "b", "c"] {
        create(&*storage, &schema, "companies", json!({"name": name})).await;
    }
    let events = unread(&*storage, "mailer").await;
    storage.outbox_acknowledge("mailer", &events[1].position).await.unwrap();
    assert_eq!(storage.prune_outbox(Duration::from_secs(3600)).await.unwrap(), 0, "nothing is that old");
    // The events must be older than the moment of the prune (times are kept to the millisecond).
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(storage.prune_outbox(Duration::ZERO).await.unwrap(), 2, "what the consumer acknowledged goes");
    let left = unread(&*storage, "mailer").await;
    assert_eq!(left.iter().map(|event| event.id).collect::<Vec<_>>(), [events[2].id]);
    assert_eq!(unread(&*storage, "newcomer").await.len(), 1, "a new consumer starts at the oldest kept");
    storage.outbox_acknowledge("mailer", &left[0].position).await.unwrap();
    assert_eq!(storage.prune_outbox(Duration::ZERO).await.unwrap(), 1);
    assert!(unread(&*storage, "newcomer").await.is_empty());
}
