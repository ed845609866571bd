//! Request budgets are shared by every instance on one database: two storages on one database
//! (two app instances) draw from one budget, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use omnera_core::backend::{RateLimits, RequestBudget};
use omnera_sql::SqlStorage;

async fn one_budget_for_two_instances(url: &str) {
    let instances = [SqlStorage::connect(url).await.unwrap(), SqlStorage::connect(url).await.unwrap()];
    let budget = RequestBudget::new(5, Duration::from_secs(60)).unwrap();
    let now = Utc::now();

    // Twelve requests at once, six from each instance.
    let mut reservations = tokio::task::JoinSet::new();
    for index in 0..12 {
        let instance = instances[index % 2].clone();
        reservations.spawn(async move { instance.reserve("http:crm-api", budget, now).await.unwrap() });
    }
    let mut waits: Vec<Duration> = reservations.join_all().await;
    waits.sort();
    let expected: Vec<Duration> =
        [0, 0, 0, 0, 0, 12, 24, 36, 48, 60, 72, 84].map(Duration::from_secs).to_vec();
    assert_eq!(waits, expected, "five go at once, the rest one interval (60 s / 5) apart, whoever asks");

    // Another key has a budget of its own; once the queue has drained, the budget is whole again.
    assert_eq!(instances[0].reserve("http:other", budget, now).await.unwrap(), Duration::ZERO);
    let later = now + TimeDelta::seconds(60 + 84);
    for _ in 0..5 {
        assert_eq!(instances[1].reserve("http:crm-api", budget, later).await.unwrap(), Duration::ZERO);
    }
    assert_eq!(instances[0].reserve("http:crm-api", budget, later).await.unwrap(), Duration::from_secs(12));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_budget_on_sqlite() {
    one_budget_for_two_instances(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_budget_on_postgres() {
    omnera_sql::testing::on_postgres("rate limits", async |url| one_budget_for_two_instances(&url).await)
        .await;
}
