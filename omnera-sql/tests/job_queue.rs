//! The job queue on SQLite and PostgreSQL: a key makes a job once, a lease keeps a job to one
//! worker until it runs out, retries wait for their time and end dead when the attempts are
//! spent, dead jobs can be replayed, and workers of two instances claiming at once never take
//! the same job.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use omnera_core::backend::{JobOutcome, JobQueue, JobState, NewJob};
use omnera_sql::SqlStorage;
use serde_json::json;

const LEASE: Duration = Duration::from_secs(30);

async fn leases_retries_and_replays(url: &str) {
    let queue = SqlStorage::connect(url).await.unwrap();
    let now = Utc::now();
    let later = |seconds| now + TimeDelta::seconds(seconds);

    // A key makes one job, however often it is delivered.
    let first =
        queue.enqueue(NewJob::new("run", json!({"n": 1})).with_key("welcome:7").at(now)).await.unwrap();
    let again =
        queue.enqueue(NewJob::new("run", json!({"n": 2})).with_key("welcome:7").at(now)).await.unwrap();
    assert!(first.created && !again.created);
    assert_eq!(first.id, again.id);

    // One worker holds it while its lease lasts, and longer when it beats.
    let claimed = queue.claim("a", 10, LEASE, now).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        (claimed[0].state, claimed[0].attempts, &claimed[0].payload),
        (JobState::Running, 1, &json!({"n": 1}))
    );
    assert!(queue.claim("b", 10, LEASE, later(10)).await.unwrap().is_empty(), "leased to a");
    assert!(queue.heartbeat(first.id, "a", LEASE, later(20)).await.unwrap());
    assert!(queue.claim("b", 10, LEASE, later(40)).await.unwrap().is_empty(), "the heartbeat extended it");

    // Once the lease runs out (a's process died), another worker takes it, as a second attempt.
    let taken = queue.claim("b", 10, LEASE, later(51)).await.unwrap();
    assert_eq!((taken.len(), taken[0].attempts, taken[0].worker.as_deref()), (1, 2, Some("b")));
    assert!(!queue.heartbeat(first.id, "a", LEASE, later(52)).await.unwrap(), "a no longer holds it");
    assert!(!queue.finish(first.id, "a", JobOutcome::Succeeded).await.unwrap());
    assert!(queue.finish(first.id, "b", JobOutcome::Succeeded).await.unwrap());
    assert_eq!(queue.job(first.id).await.unwrap().unwrap().state, JobState::Succeeded);

    // A retry waits for its time; the last failed attempt makes the job dead; a replay revives it.
    let job = queue.enqueue(NewJob::new("run", json!({})).with_max_attempts(2).at(now)).await.unwrap().id;
    queue.claim("a", 10, LEASE, now).await.unwrap();
    let retry = |at| JobOutcome::Retry { at, error: "the API answered 503".to_owned() };
    assert!(queue.finish(job, "a", retry(later(60))).await.unwrap());
    assert!(queue.claim("a", 10, LEASE, later(59)).await.unwrap().is_empty(), "not before its time");
    assert_eq!(queue.claim("a", 10, LEASE, later(60)).await.unwrap()[0].attempts, 2);
    assert!(queue.finish(job, "a", retry(later(120))).await.unwrap());
    let dead = queue.job(job).await.unwrap().unwrap();
    assert_eq!((dead.state, dead.last_error.as_deref()), (JobState::Dead, Some("the API answered 503")));
    assert!(queue.claim("a", 10, LEASE, later(500)).await.unwrap().is_empty(), "dead jobs do not run");
    assert!(queue.replay(job, later(500)).await.unwrap());
    assert!(!queue.replay(job, later(500)).await.unwrap(), "only dead jobs are replayed");
    assert_eq!(queue.claim("a", 10, LEASE, later(500)).await.unwrap()[0].attempts, 1);

    // A worker that shuts down gives its job back without spending the attempt.
    assert!(queue.release(job, "a").await.unwrap());
    let back = queue.claim("c", 10, LEASE, later(501)).await.unwrap();
    assert_eq!((back[0].id, back[0].attempts), (job, 1));
    // Failed ends a job too.
    assert!(queue.finish(job, "c", JobOutcome::Failed { error: "bad template".to_owned() }).await.unwrap());
    assert_eq!(queue.job(job).await.unwrap().unwrap().state, JobState::Failed);

    // A worker that vanishes on the last attempt leaves a dead job, with the reason.
    let last =
        queue.enqueue(NewJob::new("run", json!({})).with_max_attempts(1).at(later(600))).await.unwrap().id;
    assert_eq!(
        queue.claim("d", 10, LEASE, later(600)).await.unwrap().iter().map(|job| job.id).collect::<Vec<_>>(),
        [last]
    );
    assert!(queue.claim("e", 10, LEASE, later(700)).await.unwrap().iter().all(|job| job.id != last));
    let lost = queue.job(last).await.unwrap().unwrap();
    assert_eq!(lost.state, JobState::Dead);
    assert!(lost.last_error.unwrap().contains("lease ran out"));
}

async fn two_instances_never_claim_one_job(url: &str) {
    let instances = [SqlStorage::connect(url).await.unwrap(), SqlStorage::connect(url).await.unwrap()];
    let now = Utc::now();
    for n in 0..200 {
        instances[n % 2].enqueue(NewJob::new("run", json!({"n": n})).at(now)).await.unwrap();
    }
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..4 {
        let queue = instances[worker % 2].clone();
        workers.spawn(async move {
            let name = format!("worker-{worker}");
            let mut done = Vec::new();
            loop {
                let jobs = queue.claim(&name, 7, LEASE, now).await.unwrap();
                if jobs.is_empty() {
                    return done;
                }
                for job in jobs {
                    assert!(queue.finish(job.id, &name, JobOutcome::Succeeded).await.unwrap());
                    done.push(job.id);
                }
            }
        });
    }
    let mut times_claimed: HashMap<i64, usize> = HashMap::new();
    for id in workers.join_all().await.into_iter().flatten() {
        *times_claimed.entry(id).or_default() += 1;
    }
    assert_eq!(times_claimed.len(), 200, "every job was run");
    assert!(times_claimed.values().all(|count| *count == 1), "no job was claimed twice");
}

/// A worker waiting with a 60-second poll is woken by an enqueue of `enqueuer` (another instance
/// on PostgreSQL, a clone in this process on SQLite) within seconds.
async fn an_enqueue_wakes_a_waiting_worker(waiter: SqlStorage, enqueuer: SqlStorage) {
    let waiting = tokio::spawn(async move { waiter.wait_for_jobs(Duration::from_secs(60)).await });
    let start = std::time::Instant::now();
    // Enqueued again until the waiter wakes: the first may come before its listener listens.
    while !waiting.is_finished() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no wake-up: only the 60 s poll would end the wait"
        );
        enqueuer.enqueue(NewJob::new("run", json!({}))).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_on_sqlite() {
    let url = omnera_sql::testing::sqlite_url();
    leases_retries_and_replays(&url).await;
    two_instances_never_claim_one_job(&url).await;
    let storage = SqlStorage::connect(&url).await.unwrap();
    an_enqueue_wakes_a_waiting_worker(storage.clone(), storage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_on_postgres() {
    omnera_sql::testing::on_postgres("job queue", async |url| {
        leases_retries_and_replays(&url).await;
        two_instances_never_claim_one_job(&url).await;
        let (waiter, enqueuer) =
            (SqlStorage::connect(&url).await.unwrap(), SqlStorage::connect(&url).await.unwrap());
        an_enqueue_wakes_a_waiting_worker(waiter, enqueuer).await;
    })
    .await;
}
