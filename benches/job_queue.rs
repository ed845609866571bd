//! The job queue on SQLite and PostgreSQL: jobs per second through it (enqueued, then claimed
//! ten at a time and finished by four workers of two instances), and the pickup latency from an
//! enqueue to a waiting worker's claim (p50 and p99), woken by the enqueue rather than a poll.
//!
//! ```sh
//! cargo bench --bench job_queue                     # SQLite only
//! OMNERA_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench job_queue
//! ```
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::{Duration, Instant};

use chrono::Utc;
use omnera::backend::{JobOutcome, JobQueue, NewJob};
use omnera::sql::SqlStorage;
use serde_json::json;

const JOBS: usize = 2000;
const WORKERS: usize = 4;
const PICKUPS: usize = 200;
const LEASE: Duration = Duration::from_secs(60);

/// Enqueues `JOBS` jobs, then drains them with `WORKERS` workers on two instances; jobs per
/// second for each half.
async fn throughput(url: &str) -> (f64, f64) {
    let instances = [SqlStorage::connect(url).await.unwrap(), SqlStorage::connect(url).await.unwrap()];
    let start = Instant::now();
    for n in 0..JOBS {
        instances[n % 2].enqueue(NewJob::new("bench", json!({"n": n}))).await.unwrap();
    }
    let enqueued = JOBS as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..WORKERS {
        let queue = instances[worker % 2].clone();
        workers.spawn(async move {
            let name = format!("worker-{worker}");
            loop {
                let jobs = queue.claim(&name, 10, LEASE, Utc::now()).await.unwrap();
                if jobs.is_empty() {
                    return;
                }
                for job in jobs {
                    queue.finish(job.id, &name, JobOutcome::Succeeded).await.unwrap();
                }
            }
        });
    }
    workers.join_all().await;
    (enqueued, JOBS as f64 / start.elapsed().as_secs_f64())
}

/// From an enqueue on one instance to the claim of a worker waiting on the other (a poll of a
/// minute as its fallback, so every pickup here is a wake-up); p50 and p99.
async fn pickup(url: &str, same_storage: bool) -> (Duration, Duration) {
    let worker = SqlStorage::connect(url).await.unwrap();
    let enqueuer = if same_storage { worker.clone() } else { SqlStorage::connect(url).await.unwrap() };
    // The first wait starts the listener (PostgreSQL).
    worker.wait_for_jobs(Duration::from_millis(500)).await;
    let mut samples = Vec::with_capacity(PICKUPS);
    for _ in 0..PICKUPS {
        let waiting = {
            let worker = worker.clone();
            tokio::spawn(async move {
                worker.wait_for_jobs(Duration::from_secs(60)).await;
                let claimed = worker.claim("w", 1, LEASE, Utc::now()).await.unwrap();
                let done = Instant::now();
                for job in &claimed {
                    worker.finish(job.id, "w", JobOutcome::Succeeded).await.unwrap();
                }
                (claimed.len(), done)
            })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        let sent = Instant::now();
        enqueuer.enqueue(NewJob::new("bench", json!({}))).await.unwrap();
        let (claimed, done) = waiting.await.unwrap();
        assert_eq!(claimed, 1);
        samples.push(done - sent);
    }
    samples.sort();
    (samples[PICKUPS / 2], samples[PICKUPS * 99 / 100])
}

async fn bench(name: &str, url: &str, same_storage: bool) {
    let (enqueued, drained) = throughput(url).await;
    let (p50, p99) = pickup(url, same_storage).await;
    println!(
        "{name}: enqueue {enqueued:.0} jobs/s, claim+finish {drained:.0} jobs/s ({WORKERS} workers, 2 instances); \
         pickup p50 {:.2} ms, p99 {:.2} ms",
        p50.as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("omnera_bench_jobs_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}", dir.join("jobs.db").display());
    // On SQLite, instances of one process share no wake-ups: the pickup is measured within one.
    bench("SQLite", &sqlite, true).await;
    match std::env::var("OMNERA_BENCH_POSTGRES_URL") {
        Ok(admin) => {
            let url = omnera_sql::testing::postgres_database(&admin).await;
            bench("PostgreSQL", &url, false).await;
            omnera_sql::testing::drop_postgres_databases(&admin).await;
        }
        Err(_) => println!("PostgreSQL skipped: set OMNERA_BENCH_POSTGRES_URL to include it"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
