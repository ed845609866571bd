//! Cases for the record store: round trips, defaults, constraints, concurrency, the outbox.

use std::sync::Arc;

use serde_json::json;

use super::StorageCase;
use super::fixture::{applied, create, document, draft, shown, value};
use crate::backend::{ChangeKind, NewFile, RecordBatch, RecordUpdate, Storage, StorageError, WriteOptions};
use crate::record::DraftMode;

pub(super) fn cases() -> Vec<StorageCase> {
    named_cases![
        every_field_type_round_trips,
        defaults_fill_absent_fields,
        a_missing_required_value_is_refused,
        a_taken_unique_value_names_its_field,
        concurrent_creates_fail_only_their_own,
        a_reference_to_nothing_names_its_field,
        restrict_refuses_a_delete_and_names_the_referencing_table,
        set_null_and_cascade_follow_on_delete,
        many_to_many_links_round_trip,
        a_patch_changes_only_its_fields_and_bumps_the_version,
        a_stale_version_is_a_conflict,
        insert_many_is_all_or_nothing,
        a_batch_is_all_or_nothing,
        every_write_leaves_an_outbox_event,
        a_missing_record_is_not_found,
        attachments_are_kept_replaced_limited_and_forgotten,
        writes_answer_with_the_files_they_let_go_of,
    ]
}

async fn every_field_type_round_trips(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let company = create(
        &*storage,
        &schema,
        "companies",
        json!({"name": "Acme", "website": "https://acme.test", "size": 12}),
    )
    .await;
    let written = json!({
        "email": "Ann@Example.COM", "full_name": "Ann Lee", "bio": "line one\nline two", "phone": "+1 (555) 010-9999",
        "age": 41, "salary": "1234567890123.45", "budget": 99.5, "discount": 12.25, "born": "1983-02-28",
        "last_seen": "2024-05-01T15:00:00.123+02:00", "wakes_at": "06:30:00", "active": true, "stage": "customer",
        "tags": ["partner", "vip"], "company": company.id, "website": "https://ann.test/x?y=1"
    });
    let created = create(&*storage, &schema, "people", written).await;
    let read = storage.get("people", created.id).await.unwrap();
    assert_eq!(read, created, "a record reads back as it was written");
    let expected = [
        ("email", json!("Ann@example.com")),
        ("bio", json!("line one\nline two")),
        ("age", json!(41)),
        ("salary", json!(1234567890123.45)),
        ("budget", json!(99.5)),
        ("discount", json!(12.2)),
        ("born", json!("1983-02-28")),
        ("last_seen", json!("2024-05-01T13:00:00.123Z")),
        ("wakes_at", json!("06:30:00")),
        ("active", json!(true)),
        ("tags", json!(["vip", "partner"])),
        ("company", json!(company.id)),
        ("projects", json!([])),
    ];
    for (field, wanted) in expected {
        assert_eq!(value(&read, field), wanted, "field {field}");
    }
    let salary = read.values.get("salary").unwrap().to_json();
    assert_eq!(salary.to_string(), "1234567890123.45", "decimals keep every digit");
    assert_eq!(read.version, 1);
    assert!(read.created_at == read.updated_at && read.id > 0);
}

async fn defaults_fill_absent_fields(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let person = create(&*storage, &schema, "people", json!({"email": "a@example.com"})).await;
    assert_eq!(value(&person, "stage"), json!("lead"), "the default applies");
    assert_eq!(value(&person, "active"), json!(false), "an absent checkbox is false");
    assert_eq!(value(&person, "tags"), json!([]), "an absent multi-select is empty");
    assert_eq!(value(&person, "age"), json!(null));
}

async fn a_missing_required_value_is_refused(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let values = draft(&schema, "people", &json!({"full_name": "No Email"}), DraftMode::Patch);
    match storage.insert("people", vec![values], &WriteOptions::default()).await {
        Err(StorageError::MissingValue { table, field }) => {
            assert_eq!((table.as_str(), field.as_str()), ("people", "email"));
        }
        other => panic!("expected MissingValue, got {other:?}"),
    }
}

async fn a_taken_unique_value_names_its_field(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    create(&*storage, &schema, "people", json!({"email": "taken@example.com"})).await;
    let values = draft(&schema, "people", &json!({"email": "taken@example.com"}), DraftMode::Create);
    match storage.insert("people", vec![values], &WriteOptions::default()).await {
        Err(StorageError::UniqueViolation { table, field }) => {
            assert_eq!((table.as_str(), field.as_str()), ("people", "email"));
        }
        other => panic!("expected UniqueViolation, got {other:?}"),
    }
}

/// Many creates at once (which a store may commit together): each gets its own answer, and the
/// one with a taken value fails alone.
async fn concurrent_creates_fail_only_their_own(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let creates = (0..24).map(|index| {
        let storage = Arc::clone(&storage);
        // Creates 5 and 17 want the same address.
        let email = format!("person{}@example.com", if index == 17 { 5 } else { index });
        let values = draft(&schema, "people", &json!({"email": email}), DraftMode::Create);
        tokio::spawn(async move { storage.insert("people", vec![values], &WriteOptions::default()).await })
    });
    let mut created = Vec::new();
    let mut taken = 0;
    for create in creates.collect::<Vec<_>>() {
        match create.await.unwrap() {
            Ok(records) => created.extend(records.into_iter().map(|record| value(&record, "email"))),
            Err(StorageError::UniqueViolation { field, .. }) if field == "email" => taken += 1,
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    created.sort_by_key(|email| email.to_string());
    created.dedup();
    assert_eq!((created.len(), taken), (23, 1), "23 distinct addresses created, one refused");
    let listed = storage.list("people", &crate::backend::ListQuery::default()).await.unwrap();
    assert_eq!(listed.total, Some(23), "the refused create left nothing behind");
}

async fn a_reference_to_nothing_names_its_field(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let values =
        draft(&schema, "people", &json!({"email": "b@example.com", "company": 999}), DraftMode::Create);
    match storage.insert("people", vec![values], &WriteOptions::default()).await {
        Err(StorageError::MissingReference { field, .. }) => assert_eq!(field, "company"),
        other => panic!("expected MissingReference, got {other:?}"),
    }
    let values =
        draft(&schema, "people", &json!({"email": "c@example.com", "projects": [998]}), DraftMode::Create);
    match storage.insert("people", vec![values], &WriteOptions::default()).await {
        Err(StorageError::MissingReference { field, .. }) => assert_eq!(field, "projects"),
        other => panic!("expected MissingReference, got {other:?}"),
    }
    let page = storage.list("people", &Default::default()).await.unwrap();
    assert!(page.records.is_empty(), "nothing half-written stays behind");
}

async fn restrict_refuses_a_delete_and_names_the_referencing_table(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let mentor = create(&*storage, &schema, "people", json!({"email": "mentor@example.com"})).await;
    create(&*storage, &schema, "people", json!({"email": "pupil@example.com", "mentor": mentor.id})).await;
    match storage.delete("people", mentor.id, &WriteOptions::default()).await {
        Err(StorageError::StillReferenced { referencing_table, id, .. }) => {
            assert_eq!((referencing_table.as_str(), id), ("people", mentor.id));
        }
        other => panic!("expected StillReferenced, got {other:?}"),
    }
    assert!(storage.get("people", mentor.id).await.is_ok(), "the refused delete changed nothing");
}

async fn set_null_and_cascade_follow_on_delete(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let company = create(&*storage, &schema, "companies", json!({"name": "Gone Inc"})).await;
    let person =
        create(&*storage, &schema, "people", json!({"email": "p@example.com", "company": company.id})).await;
    let project =
        create(&*storage, &schema, "projects", json!({"title": "Moonshot", "sponsor": company.id})).await;
    storage.delete("companies", company.id, &WriteOptions::default()).await.unwrap();
    let person = storage.get("people", person.id).await.unwrap();
    assert_eq!(value(&person, "company"), json!(null), "set-null clears the reference");
    assert!(
        matches!(storage.get("projects", project.id).await, Err(StorageError::NotFound { .. })),
        "cascade deletes"
    );
}

async fn many_to_many_links_round_trip(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let first = create(&*storage, &schema, "projects", json!({"title": "One"})).await;
    let second = create(&*storage, &schema, "projects", json!({"title": "Two"})).await;
    let person = create(
        &*storage,
        &schema,
        "people",
        json!({"email": "m@example.com", "projects": [second.id, first.id]}),
    )
    .await;
    assert_eq!(value(&person, "projects"), json!([second.id, first.id]), "links keep their order");
    let changed = draft(&schema, "people", &json!({"projects": [first.id]}), DraftMode::Patch);
    let person = storage.update("people", person.id, changed, &WriteOptions::default()).await.unwrap().record;
    assert_eq!(value(&person, "projects"), json!([first.id]));
    storage.delete("projects", first.id, &WriteOptions::default()).await.unwrap();
    let person = storage.get("people", person.id).await.unwrap();
    assert_eq!(
        value(&person, "projects"),
        json!([]),
        "deleting a linked record removes the link, not the person"
    );
}

async fn a_patch_changes_only_its_fields_and_bumps_the_version(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let person = create(
        &*storage,
        &schema,
        "people",
        json!({"email": "v@example.com", "age": 30, "full_name": "Vee"}),
    )
    .await;
    let changed = draft(&schema, "people", &json!({"age": 31}), DraftMode::Patch);
    let options = WriteOptions::default().if_version(person.version);
    let updated = storage.update("people", person.id, changed, &options).await.unwrap().record;
    assert_eq!(value(&updated, "age"), json!(31));
    assert_eq!(value(&updated, "full_name"), json!("Vee"));
    assert_eq!(updated.version, person.version + 1);
    assert!(updated.updated_at >= person.updated_at && updated.created_at == person.created_at);
}

async fn a_stale_version_is_a_conflict(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let person = create(&*storage, &schema, "people", json!({"email": "s@example.com"})).await;
    let first = draft(&schema, "people", &json!({"age": 1}), DraftMode::Patch);
    storage
        .update("people", person.id, first, &WriteOptions::default().if_version(person.version))
        .await
        .unwrap();
    let stale = draft(&schema, "people", &json!({"age": 2}), DraftMode::Patch);
    assert!(matches!(
        storage.update("people", person.id, stale, &WriteOptions::default().if_version(person.version)).await,
        Err(StorageError::Conflict { .. })
    ));
    assert!(matches!(
        storage.delete("people", person.id, &WriteOptions::default().if_version(person.version)).await,
        Err(StorageError::Conflict { .. })
    ));
    assert_eq!(value(&storage.get("people", person.id).await.unwrap(), "age"), json!(1));
}

async fn insert_many_is_all_or_nothing(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let good = draft(&schema, "people", &json!({"email": "one@example.com"}), DraftMode::Create);
    let duplicate = draft(&schema, "people", &json!({"email": "one@example.com"}), DraftMode::Create);
    assert!(storage.insert("people", vec![good.clone(), duplicate], &WriteOptions::default()).await.is_err());
    assert_eq!(
        storage.list("people", &Default::default()).await.unwrap().total,
        Some(0),
        "the first record was not kept"
    );
    let other = draft(&schema, "people", &json!({"email": "two@example.com"}), DraftMode::Create);
    assert_eq!(storage.insert("people", vec![good, other], &WriteOptions::default()).await.unwrap().len(), 2);
}

async fn a_batch_is_all_or_nothing(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let kept = create(&*storage, &schema, "people", json!({"email": "kept@example.com", "age": 1})).await;
    let gone = create(&*storage, &schema, "people", json!({"email": "gone@example.com"})).await;
    let new = draft(&schema, "people", &json!({"email": "new@example.com"}), DraftMode::Create);
    let change = draft(&schema, "people", &json!({"age": 2}), DraftMode::Patch);
    let failing = RecordBatch::new(
        vec![new.clone()],
        vec![RecordUpdate::new(kept.id, change.clone())],
        vec![gone.id, 4242],
    );
    assert!(matches!(
        storage.batch("people", failing, &WriteOptions::default()).await,
        Err(StorageError::NotFound { id: 4242, .. })
    ));
    assert_eq!(
        storage.list("people", &Default::default()).await.unwrap().total,
        Some(2),
        "nothing of the failed batch stays"
    );
    assert_eq!(value(&storage.get("people", kept.id).await.unwrap(), "age"), json!(1));
    let batch = RecordBatch::new(vec![new], vec![RecordUpdate::new(kept.id, change)], vec![gone.id]);
    let outcome = storage.batch("people", batch, &WriteOptions::default()).await.unwrap();
    assert_eq!(
        (outcome.created.len(), value(&outcome.updated[0].record, "age"), outcome.deleted[0].previous.id),
        (1, json!(2), gone.id)
    );
    assert_eq!(value(&outcome.updated[0].previous, "age"), json!(1), "the update says what it changed");
}

async fn every_write_leaves_an_outbox_event(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let person = create(&*storage, &schema, "people", json!({"email": "o@example.com", "age": 5})).await;
    let changed = draft(&schema, "people", &json!({"age": 6}), DraftMode::Patch);
    storage.update("people", person.id, changed, &WriteOptions::default()).await.unwrap();
    storage.delete("people", person.id, &WriteOptions::default()).await.unwrap();
    let events = storage.outbox_read("suite", 10).await.unwrap();
    let kinds: Vec<ChangeKind> = events.iter().map(|event| event.kind).collect();
    assert_eq!(kinds, [ChangeKind::Created, ChangeKind::Updated, ChangeKind::Deleted]);
    assert!(events.iter().all(|event| event.table == "people" && event.record_id == person.id));
    assert_eq!(document(events[0].after.as_deref())["age"], json!(5));
    assert_eq!(document(events[1].before.as_deref())["age"], json!(5));
    assert_eq!(document(events[1].after.as_deref())["age"], json!(6));
    assert!(events[2].after.is_none() && events[2].before.is_some());
    assert!(events.windows(2).all(|pair| pair[0].position < pair[1].position));
}

async fn a_missing_record_is_not_found(storage: Arc<dyn Storage>) {
    applied(&*storage).await;
    assert!(matches!(storage.get("people", 4242).await, Err(StorageError::NotFound { id: 4242, .. })));
    assert!(matches!(
        storage.delete("people", 4242, &WriteOptions::default()).await,
        Err(StorageError::NotFound { .. })
    ));
    assert!(matches!(storage.get("nobody", 1).await, Err(StorageError::UnknownTable { .. })));
}

async fn attachments_are_kept_replaced_limited_and_forgotten(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let person = create(&*storage, &schema, "people", json!({"email": "files@example.com"})).await;
    assert_eq!((value(&person, "avatar"), value(&person, "documents")), (json!(null), json!([])));
    let file = |location: &str| NewFile::new(location, format!("{location}.png"), 42, "image/png");
    let options = WriteOptions::default();
    let first =
        storage.attach_files("people", person.id, "avatar", vec![file("a1")], &options).await.unwrap();
    assert!(first.removed.is_empty());
    let second =
        storage.attach_files("people", person.id, "avatar", vec![file("a2")], &options).await.unwrap();
    assert_eq!(
        second.removed.iter().map(|file| file.location.as_str()).collect::<Vec<_>>(),
        ["a1"],
        "a single attachment replaces"
    );
    let documents = storage
        .attach_files("people", person.id, "documents", vec![file("d1"), file("d2")], &options)
        .await
        .unwrap();
    assert!(matches!(
        storage.attach_files("people", person.id, "documents", vec![file("d3")], &options).await,
        Err(StorageError::TooManyFiles { max: 2, .. })
    ));
    let read = shown(&schema, "people", &storage.get("people", person.id).await.unwrap());
    assert_eq!(read["avatar"]["name"], "a2.png");
    assert_eq!(read["avatar"]["mimeType"], "image/png");
    assert_eq!(read["documents"].as_array().map(Vec::len), Some(2));
    let document_id = read["documents"][0]["id"].as_i64().unwrap();
    assert_eq!(document_id, documents.added[0].id, "a record shows its files by the ids attaching gave");
    assert_eq!(
        (documents.added[0].table.as_str(), documents.added[0].field.as_str()),
        ("people", "documents")
    );
    let detached =
        storage.detach_file("people", person.id, "documents", document_id, &options).await.unwrap();
    assert_eq!(detached.location, "d1");
    assert!(matches!(
        storage.detach_file("people", person.id, "documents", document_id, &options).await,
        Err(StorageError::FileNotFound { .. })
    ));
    assert_eq!(storage.record_files("people", person.id).await.unwrap().len(), 2);
    storage.delete("people", person.id, &WriteOptions::default()).await.unwrap();
    assert!(
        storage.record_files("people", person.id).await.unwrap().is_empty(),
        "a deleted record's files are forgotten"
    );
}

/// An update answers with the record before and after and the files of the attachments it
/// wrote empty; a delete with the record and all its files. Nothing needs reading beforehand.
async fn writes_answer_with_the_files_they_let_go_of(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    let person = create(&*storage, &schema, "people", json!({"email": "r@example.com", "age": 1})).await;
    let options = WriteOptions::default();
    let file = |location: &str| NewFile::new(location, format!("{location}.png"), 42, "image/png");
    storage.attach_files("people", person.id, "avatar", vec![file("face")], &options).await.unwrap();
    storage
        .attach_files("people", person.id, "documents", vec![file("cv"), file("id")], &options)
        .await
        .unwrap();
    let emptied = draft(&schema, "people", &json!({"avatar": null, "age": 2}), DraftMode::Patch);
    let updated = storage.update("people", person.id, emptied, &options).await.unwrap();
    let locations = |files: &[crate::backend::StoredFile]| {
        let mut locations: Vec<String> = files.iter().map(|file| file.location.clone()).collect();
        locations.sort();
        locations
    };
    assert_eq!(locations(&updated.released_files), ["face"], "only the emptied attachment's files");
    assert_eq!((value(&updated.previous, "age"), value(&updated.record, "age")), (json!(1), json!(2)));
    assert_eq!(value(&updated.record, "avatar"), json!(null));
    let deleted = storage.delete("people", person.id, &options).await.unwrap();
    assert_eq!(locations(&deleted.released_files), ["cv", "id"]);
    assert_eq!((deleted.previous.id, value(&deleted.previous, "age")), (person.id, json!(2)));
}
