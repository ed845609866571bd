//! The outbox delivers to a consumer every committed change, in order, and nothing that rolled
//! back, while writers commit out of order: a transaction held open on PostgreSQL, and many
//! concurrent writers (some failing) against one consumer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use omnera_core::Schema;
use omnera_core::backend::{
    OutboxEvent, OutboxPosition, RecordBatch, RecordUpdate, RecordValues, Storage, StorageError, WriteOptions,
};
use omnera_core::record::DraftMode;
use omnera_sql::SqlStorage;
use serde_json::json;
use sqlx::Connection;

/// How long a consumer may take to see what has committed (other tests' transactions on the
/// same server hold PostgreSQL's delivery back while they run).
const PATIENCE: Duration = Duration::from_secs(30);

mod support;

use support::ledger_storage as storage;

fn account(schema: &Schema, json: &serde_json::Value, mode: DraftMode) -> RecordValues {
    schema.table("accounts").unwrap().check_draft(json.as_object().unwrap(), mode).unwrap()
}

fn by(request: &str) -> WriteOptions {
    WriteOptions::default().for_request(request)
}

/// A consumer that checks, on every read, that positions only move forward.
struct Consumer {
    name: String,
    acknowledged: OutboxPosition,
    received: Vec<OutboxEvent>,
}

impl Consumer {
    fn new(name: &str) -> Self {
        Self { name: name.to_owned(), acknowledged: OutboxPosition::START, received: Vec::new() }
    }

    /// Reads what is deliverable now, acknowledges it, and returns how many events came.
    async fn poll(&mut self, storage: &dyn Storage) -> usize {
        let events = storage.outbox_read(&self.name, 50).await.unwrap();
        for event in &events {
            assert!(event.position > self.acknowledged, "positions only move forward: {event:?}");
            self.acknowledged = event.position;
        }
        if !events.is_empty() {
            storage.outbox_acknowledge(&self.name, &self.acknowledged).await.unwrap();
        }
        let count = events.len();
        self.received.extend(events);
        count
    }

    /// Polls until `done` says the events received suffice; panics after [`PATIENCE`].
    async fn poll_until(&mut self, storage: &dyn Storage, done: impl Fn(&[OutboxEvent]) -> bool) {
        let start = Instant::now();
        while !done(&self.received) {
            assert!(start.elapsed() < PATIENCE, "still waiting; received {:#?}", self.requests());
            if self.poll(storage).await == 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    fn requests(&self) -> Vec<&str> {
        self.received.iter().filter_map(|event| event.request_id.as_deref()).collect()
    }
}

/// Makes writers whose outbox event has a request id starting with `held` wait, once the event
/// is written and before they commit, for as long as the returned connection holds advisory
/// lock `key` (server-wide: each test takes its own).
async fn hold_writers(url: &str, key: i64) -> sqlx::PgConnection {
    let mut control = sqlx::PgConnection::connect(url).await.unwrap();
    let trigger = format!(
        "CREATE FUNCTION hold_event() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN PERFORM pg_advisory_xact_lock({key}); RETURN NEW; END $$; \
         CREATE TRIGGER hold_event AFTER INSERT ON _omnera_outbox FOR EACH ROW \
         WHEN (NEW.request_id LIKE 'held%') EXECUTE FUNCTION hold_event();"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(trigger)).execute(&mut control).await.unwrap();
    // Alone, outside any transaction: the lock must not hold back delivery itself.
    sqlx::query("SELECT pg_advisory_lock($1)").bind(key).execute(&mut control).await.unwrap();
    control
}

/// Waits until a writer waits for the lock `key`.
async fn until_held(control: &mut sqlx::PgConnection, key: i64) {
    let start = Instant::now();
    loop {
        let (waiting,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1",
        )
        .bind(key)
        .fetch_one(&mut *control)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        assert!(start.elapsed() < PATIENCE, "the held writer never reached its event");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn release(control: &mut sqlx::PgConnection, key: i64) {
    sqlx::query("SELECT pg_advisory_unlock($1)").bind(key).execute(&mut *control).await.unwrap();
}

/// Writes three accounts, one after the other, that commit while the held writer is open.
async fn later_writes(storage: &SqlStorage, schema: &Schema) {
    for index in 1..=3 {
        let values =
            account(schema, &json!({"email": format!("later{index}@example.com")}), DraftMode::Create);
        storage.insert("accounts", vec![values], &by(&format!("later-{index}"))).await.unwrap();
    }
}

/// Gives the consumer a few chances to read what it must not get yet.
async fn nothing_more_comes(consumer: &mut Consumer, storage: &dyn Storage) {
    for _ in 0..5 {
        consumer.poll(storage).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_delivers_nothing_past_an_open_transaction_and_everything_once_it_commits() {
    omnera_sql::testing::on_postgres("the held outbox transaction", async |url| {
        let (storage, schema) = storage(&url).await;
        const KEY: i64 = 4_242;
        let mut control = hold_writers(&url, KEY).await;
        let first = account(&schema, &json!({"email": "first@example.com"}), DraftMode::Create);
        storage.insert("accounts", vec![first], &by("first")).await.unwrap();
        let held_values = account(&schema, &json!({"email": "held@example.com"}), DraftMode::Create);
        let held = {
            let storage = Arc::clone(&storage);
            tokio::spawn(async move { storage.insert("accounts", vec![held_values], &by("held")).await })
        };
        until_held(&mut control, KEY).await;
        later_writes(&storage, &schema).await;

        let mut consumer = Consumer::new("audit");
        consumer.poll_until(&*storage, |events| !events.is_empty()).await;
        nothing_more_comes(&mut consumer, &*storage).await;
        assert_eq!(consumer.requests(), ["first"], "nothing past the open transaction");

        release(&mut control, KEY).await;
        held.await.unwrap().unwrap();
        consumer.poll_until(&*storage, |events| events.len() == 5).await;
        assert_eq!(
            consumer.requests(),
            ["first", "held", "later-1", "later-2", "later-3"],
            "the held event comes first, in the order of the transactions"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_never_delivers_a_held_transaction_that_rolls_back() {
    omnera_sql::testing::on_postgres("the rolled-back outbox transaction", async |url| {
        let (storage, schema) = storage(&url).await;
        const KEY: i64 = 4_243;
        let mut control = hold_writers(&url, KEY).await;
        // The create writes its event (and waits there); then the update finds no record 4242.
        let doomed = {
            let storage = Arc::clone(&storage);
            let create = account(&schema, &json!({"email": "doomed@example.com"}), DraftMode::Create);
            let change = account(&schema, &json!({"balance": 1}), DraftMode::Patch);
            let batch = RecordBatch::new(vec![create], vec![RecordUpdate::new(4242, change)], Vec::new());
            tokio::spawn(async move { storage.batch("accounts", batch, &by("held-doomed")).await })
        };
        until_held(&mut control, KEY).await;
        later_writes(&storage, &schema).await;
        let mut consumer = Consumer::new("audit");
        nothing_more_comes(&mut consumer, &*storage).await;
        assert!(consumer.received.is_empty(), "nothing past the open transaction");

        release(&mut control, KEY).await;
        assert!(matches!(doomed.await.unwrap(), Err(StorageError::NotFound { id: 4242, .. })));
        consumer.poll_until(&*storage, |events| events.len() == 3).await;
        nothing_more_comes(&mut consumer, &*storage).await;
        assert_eq!(
            consumer.requests(),
            ["later-1", "later-2", "later-3"],
            "the rolled-back event never comes"
        );
    })
    .await;
}

/// One write of a writer, as the property generates it.
#[derive(Debug, Clone, Copy)]
enum Write {
    /// Creates an account of the writer's own.
    Create,
    /// Changes the writer's first account.
    Update,
    /// Creates an account, then takes a taken email: a unique violation rolls both back.
    FailingBatch,
    /// Creates an account whose email every writer wants at that step: one wins.
    Contested,
}

static CASES: AtomicUsize = AtomicUsize::new(0);

/// Runs `writers` concurrently, each its writes in order, while `consumer` reads and
/// acknowledges; then checks that it received every write that committed, once, and nothing
/// else.
async fn run_case(
    storage: Arc<SqlStorage>,
    schema: &Schema,
    writers: &[Vec<Write>],
    consumer: &mut Consumer,
) {
    let case = CASES.fetch_add(1, Ordering::Relaxed);
    let taken = account(schema, &json!({"email": format!("taken{case}@example.com")}), DraftMode::Create);
    let victim = account(schema, &json!({"email": format!("victim{case}@example.com")}), DraftMode::Create);
    let victim = storage.insert("accounts", vec![taken, victim], &by("setup")).await.unwrap()[1].id;
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (storage, stop) = (Arc::clone(&storage), Arc::clone(&stop));
        let mut reading = std::mem::replace(consumer, Consumer::new(""));
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if reading.poll(&*storage).await == 0 {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
            reading
        })
    };
    let tasks: Vec<_> = writers
        .iter()
        .enumerate()
        .map(|(writer, writes)| {
            let (storage, schema, writes) = (Arc::clone(&storage), schema.clone(), writes.clone());
            tokio::spawn(async move { write_all(&*storage, &schema, case, writer, &writes, victim).await })
        })
        .collect();
    let mut committed = HashSet::new();
    for task in tasks {
        committed.extend(task.await.unwrap());
    }
    stop.store(true, Ordering::Relaxed);
    *consumer = reader.await.unwrap();
    let prefix = format!("c{case}-");
    let ours = |events: &[OutboxEvent]| -> Vec<String> {
        events
            .iter()
            .filter_map(|event| event.request_id.clone())
            .filter(|request| request.starts_with(&prefix))
            .collect()
    };
    consumer.poll_until(&*storage, |events| ours(events).len() >= committed.len()).await;
    nothing_more_comes(consumer, &*storage).await;
    let mut delivered = ours(&consumer.received);
    delivered.sort();
    let mut expected: Vec<String> = committed.into_iter().collect();
    expected.sort();
    assert_eq!(delivered, expected, "every committed change once, nothing rolled back");
}

/// Runs one writer's writes; returns the request ids of those that committed.
async fn write_all(
    storage: &dyn Storage,
    schema: &Schema,
    case: usize,
    writer: usize,
    writes: &[Write],
    victim: i64,
) -> Vec<String> {
    let mut committed = Vec::new();
    let mut own = None;
    for (step, write) in writes.iter().enumerate() {
        let request = format!("c{case}-w{writer}-s{step}");
        let options = by(&request);
        let email = format!("{request}@example.com");
        let outcome = match (write, own) {
            (Write::Update, Some(id)) => {
                let change = account(schema, &json!({"balance": step}), DraftMode::Patch);
                storage.update("accounts", id, change, &options).await.map(|_| ())
            }
            (Write::Create | Write::Update, _) => {
                let values = account(schema, &json!({"email": email}), DraftMode::Create);
                storage
                    .insert("accounts", vec![values], &options)
                    .await
                    .map(|created| own = Some(created[0].id))
            }
            (Write::FailingBatch, _) => {
                let create = account(schema, &json!({"email": email}), DraftMode::Create);
                let taken =
                    account(schema, &json!({"email": format!("taken{case}@example.com")}), DraftMode::Patch);
                let batch =
                    RecordBatch::new(vec![create], vec![RecordUpdate::new(victim, taken)], Vec::new());
                storage.batch("accounts", batch, &options).await.map(|_| ())
            }
            (Write::Contested, _) => {
                let values = account(
                    schema,
                    &json!({"email": format!("c{case}-s{step}@example.com")}),
                    DraftMode::Create,
                );
                storage.insert("accounts", vec![values], &options).await.map(|_| ())
            }
        };
        match outcome {
            Ok(()) => committed.push(request),
            Err(StorageError::UniqueViolation { .. }) => {}
            Err(other) => panic!("{request} failed with {other}"),
        }
    }
    committed
}

/// The property: whatever the writers do and however their transactions interleave, one
/// consumer reading and acknowledging as they write receives every committed change exactly
/// once and nothing that rolled back, its positions only moving forward.
fn every_committed_change_is_delivered_once(url: &str) {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as ProptestConfig, TestRunner};
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
    let (storage, schema) = runtime.block_on(storage(url));
    let write = prop_oneof![
        3 => Just(Write::Create),
        2 => Just(Write::Update),
        1 => Just(Write::FailingBatch),
        1 => Just(Write::Contested),
    ];
    let writers = proptest::collection::vec(proptest::collection::vec(write, 1..6), 2..10);
    let config = ProptestConfig { cases: 10, failure_persistence: None, ..ProptestConfig::default() };
    let consumer = RefCell::new(Consumer::new("property"));
    let mut runner = TestRunner::new(config);
    runner
        .run(&writers, |writers| {
            runtime.block_on(run_case(Arc::clone(&storage), &schema, &writers, &mut consumer.borrow_mut()));
            Ok(())
        })
        .unwrap();
    let consumer = consumer.into_inner();
    let kinds: BTreeMap<&str, usize> = consumer.received.iter().fold(BTreeMap::new(), |mut kinds, event| {
        *kinds.entry(event.kind.as_str()).or_default() += 1;
        kinds
    });
    assert!(kinds.get("updated").is_some_and(|count| *count > 0), "updates were delivered too: {kinds:?}");
}

#[test]
fn sqlite_delivers_every_committed_change_once() {
    every_committed_change_is_delivered_once(&omnera_sql::testing::sqlite_url());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_delivers_every_committed_change_once() {
    omnera_sql::testing::on_postgres("the outbox delivery property", async |url| {
        tokio::task::spawn_blocking(move || every_committed_change_is_delivered_once(&url)).await.unwrap();
    })
    .await;
}
