//! Cases for writers racing on one record: a version is taken by exactly one conditional write,
//! whatever the database and however many connections race for it.

use std::sync::Arc;

use serde_json::json;

use super::StorageCase;
use super::fixture::{applied, create, draft, value};
use crate::backend::{Record, RecordBatch, RecordUpdate, Storage, StorageError, WriteOptions};
use crate::record::DraftMode;

pub(super) fn cases() -> Vec<StorageCase> {
    named_cases![
        racing_updates_on_one_version_have_one_winner,
        racing_batch_updates_on_one_version_have_one_winner,
        racing_updates_and_deletes_on_one_version_have_one_winner,
        racing_increments_lose_nothing,
    ]
}

/// How many writers race in each case: more than a connection pool's usual size, so some wait
/// for a connection while others hold the row.
const WRITERS: usize = 16;

/// How many times each race is run: a lost update needs two writers to read before either
/// writes, which one round may not bring about.
const ROUNDS: usize = 8;

async fn a_person(storage: &dyn Storage) -> (crate::Schema, Record) {
    let schema = applied(storage).await;
    let person = create(storage, &schema, "people", json!({"email": "race@example.com", "age": 0})).await;
    (schema, person)
}

/// Counts the winners of `outcomes` and checks that every loser lost to a conflict.
fn winners<T: std::fmt::Debug>(outcomes: Vec<Result<T, StorageError>>) -> usize {
    let mut won = 0;
    for outcome in outcomes {
        match outcome {
            Ok(_) => won += 1,
            Err(StorageError::Conflict { .. } | StorageError::NotFound { .. }) => {}
            Err(other) => panic!("a racing writer failed with {other}"),
        }
    }
    won
}

async fn join_all<T: Send + 'static>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    outcomes
}

async fn racing_updates_on_one_version_have_one_winner(storage: Arc<dyn Storage>) {
    let (schema, mut person) = a_person(&*storage).await;
    for _ in 0..ROUNDS {
        let tasks = (0..WRITERS)
            .map(|writer| {
                let storage = Arc::clone(&storage);
                let values = draft(&schema, "people", &json!({"age": writer + 1}), DraftMode::Patch);
                let (id, version) = (person.id, person.version);
                let options = WriteOptions::default().if_version(version);
                tokio::spawn(async move { storage.update("people", id, values, &options).await })
            })
            .collect();
        let outcomes = join_all(tasks).await;
        let winner = outcomes.iter().find_map(|outcome| outcome.as_ref().ok()).map(|won| won.record.clone());
        assert_eq!(winners(outcomes), 1, "exactly one writer takes version {}", person.version);
        let stored = storage.get("people", person.id).await.unwrap();
        assert_eq!(stored.version, person.version + 1, "the version moved once");
        assert_eq!(Some(&stored), winner.as_ref(), "the stored record is the winner's");
        person = stored;
    }
}

async fn racing_batch_updates_on_one_version_have_one_winner(storage: Arc<dyn Storage>) {
    let (schema, mut person) = a_person(&*storage).await;
    for _ in 0..ROUNDS {
        let tasks = (0..WRITERS)
            .map(|writer| {
                let storage = Arc::clone(&storage);
                let values = draft(&schema, "people", &json!({"age": writer + 1}), DraftMode::Patch);
                let update = vec![RecordUpdate::new(person.id, values).if_version(person.version)];
                let batch = RecordBatch::new(Vec::new(), update, Vec::new());
                tokio::spawn(async move { storage.batch("people", batch, &WriteOptions::default()).await })
            })
            .collect();
        assert_eq!(winners(join_all(tasks).await), 1, "exactly one batch takes version {}", person.version);
        let stored = storage.get("people", person.id).await.unwrap();
        assert_eq!(stored.version, person.version + 1);
        person = stored;
    }
}

async fn racing_updates_and_deletes_on_one_version_have_one_winner(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    for round in 0..ROUNDS {
        let email = format!("race-{round}@example.com");
        let person = create(&*storage, &schema, "people", json!({"email": email})).await;
        let tasks = (0..WRITERS)
            .map(|writer| {
                let storage = Arc::clone(&storage);
                let replacement = json!({"email": email, "age": writer + 1});
                let values = draft(&schema, "people", &replacement, DraftMode::Replace);
                let options = WriteOptions::default().if_version(person.version);
                tokio::spawn(async move {
                    if writer % 2 == 0 {
                        storage.delete("people", person.id, &options).await.map(|_| None)
                    } else {
                        storage.update("people", person.id, values, &options).await.map(Some)
                    }
                })
            })
            .collect();
        let outcomes = join_all(tasks).await;
        let deleted = outcomes.iter().any(|outcome| matches!(outcome, Ok(None)));
        assert_eq!(winners(outcomes), 1, "one write, a replace or a delete, takes the version");
        match storage.get("people", person.id).await {
            Ok(stored) => assert!(!deleted && stored.version == person.version + 1),
            Err(StorageError::NotFound { .. }) => assert!(deleted, "the record is gone only if a delete won"),
            Err(other) => panic!("reading the raced record failed with {other}"),
        }
    }
}

/// Read-modify-write with retries, as a client with `If-Match` does it: the final count equals
/// the number of increments that succeeded.
async fn racing_increments_lose_nothing(storage: Arc<dyn Storage>) {
    let outcome = racing_increments(storage, WRITERS, 3).await;
    assert!(outcome.succeeded > 0, "some increment got through");
    assert_eq!(outcome.count, outcome.succeeded, "every successful increment counted once");
    assert_eq!(outcome.versions_moved, outcome.succeeded);
}

/// What [`racing_increments`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IncrementOutcome {
    /// How many increments were acknowledged.
    pub succeeded: i64,
    /// The count the record holds at the end.
    pub count: i64,
    /// How far the record's version moved.
    pub versions_moved: i64,
}

/// `writers` clients at once each add one to a new record's count `times` times, each by
/// reading the record and writing it back only if its version has not moved (retrying a
/// conflict up to 50 times), as a client with `If-Match` does. On a storage whose conditional
/// writes are atomic, the count at the end equals the increments that succeeded. The conformance
/// suite runs it once; a property test can run it with many shapes.
///
/// ```no_run
/// # async fn run(storage: std::sync::Arc<dyn omnera_core::backend::Storage>) {
/// let outcome = omnera_core::testing::racing_increments(storage, 8, 3).await;
/// assert_eq!(outcome.count, outcome.succeeded);
/// # }
/// ```
pub async fn racing_increments(storage: Arc<dyn Storage>, writers: usize, times: usize) -> IncrementOutcome {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let schema = applied(&*storage).await;
    let email = format!("counter-{}@example.com", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let person = create(&*storage, &schema, "people", json!({"email": email, "age": 0})).await;
    let tasks = (0..writers)
        .map(|_| {
            let storage = Arc::clone(&storage);
            let schema = schema.clone();
            tokio::spawn(async move { increment(&*storage, &schema, person.id, times).await })
        })
        .collect();
    let succeeded: i64 = join_all(tasks).await.into_iter().sum();
    let stored = storage.get("people", person.id).await.unwrap();
    let count = value(&stored, "age").as_i64().unwrap_or_default();
    IncrementOutcome { succeeded, count, versions_moved: stored.version - person.version }
}

/// Adds one to `age` of record `id`, `times` times, each by reading the record and writing it
/// back if its version has not moved, retrying a conflict; returns how many increments got
/// through.
async fn increment(storage: &dyn Storage, schema: &crate::Schema, id: i64, times: usize) -> i64 {
    const TRIES: usize = 50;
    let mut succeeded = 0;
    for _ in 0..times {
        for _ in 0..TRIES {
            let current = storage.get("people", id).await.unwrap();
            let age = value(&current, "age").as_i64().unwrap_or(0);
            let values = draft(schema, "people", &json!({"age": age + 1}), DraftMode::Patch);
            let options = WriteOptions::default().if_version(current.version);
            match storage.update("people", id, values, &options).await {
                Ok(_) => {
                    succeeded += 1;
                    break;
                }
                Err(StorageError::Conflict { .. }) => tokio::task::yield_now().await,
                Err(other) => panic!("an increment failed with {other}"),
            }
        }
    }
    succeeded
}
