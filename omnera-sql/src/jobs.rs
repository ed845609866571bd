//! The job queue ([`omnera_core::backend::JobQueue`]) on `_omnera_jobs`. A claim is one `UPDATE`
//! of the due jobs it picks; on PostgreSQL the pick takes `FOR UPDATE SKIP LOCKED`, so workers
//! of many instances claim different jobs without waiting for each other; SQLite's single
//! writer does the same within its file.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use omnera_core::backend::{Enqueued, Job, JobOutcome, JobQueue, JobState, NewJob, StorageError};

use crate::SqlStorage;
use crate::dialect::Dialect;
use crate::error::{corrupt, unavailable};
use crate::physical::ColumnType;
use crate::sql_value::{SqlValue, now};

const TABLE: &str = "_omnera_jobs";
const COLUMNS: &str =
    "id, kind, job_key, payload, state, run_at, attempts, max_attempts, last_error, worker, lease_until";
const TYPES: [ColumnType; 11] = [
    ColumnType::Integer,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Json,
    ColumnType::Text,
    ColumnType::Timestamp,
    ColumnType::Integer,
    ColumnType::Integer,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Timestamp,
];
/// The error a job gets when its worker's lease ran out on its last attempt.
const LEASE_LOST: &str = "the worker stopped before it finished (its lease ran out)";

#[async_trait]
impl JobQueue for SqlStorage {
    async fn enqueue(&self, job: NewJob) -> Result<Enqueued, StorageError> {
        let database = self.database();
        let dialect = database.dialect();
        let insert = format!(
            "INSERT INTO _omnera_jobs (kind, job_key, payload, state, run_at, attempts, max_attempts, created_at) \
             VALUES ({}, 'queued', {}, 0, {}, {}) ON CONFLICT (job_key) DO NOTHING RETURNING id",
            dialect.placeholders(1..=3),
            dialect.placeholder(4),
            dialect.placeholder(5),
            dialect.placeholder(6),
        );
        let key = job.key.clone().map_or(SqlValue::Null(ColumnType::Text), SqlValue::Text);
        let params = [
            SqlValue::Text(job.kind),
            key.clone(),
            SqlValue::Json(job.payload),
            SqlValue::Timestamp(job.run_at),
            SqlValue::Integer(i64::from(job.max_attempts.max(1))),
            SqlValue::Timestamp(now()),
        ];
        let mut transaction = database.begin_write().await?;
        let inserted =
            transaction.fetch(&insert, &params, &[ColumnType::Integer]).await.map_err(unavailable)?;
        let enqueued = match inserted.first().and_then(|row| row[0].as_i64()) {
            Some(id) => {
                if dialect == Dialect::Postgres {
                    // Delivered when the transaction commits, to every instance's listener.
                    let notify = format!("SELECT pg_notify('{}', '')", crate::job_wakeups::CHANNEL);
                    transaction.execute(&notify, &[]).await.map_err(unavailable)?;
                }
                Enqueued { id, created: true }
            }
            None => {
                let existing =
                    format!("SELECT id FROM _omnera_jobs WHERE job_key = {}", dialect.placeholder(1));
                let found = transaction
                    .fetch(&existing, &[key], &[ColumnType::Integer])
                    .await
                    .map_err(unavailable)?;
                let id = found
                    .first()
                    .and_then(|row| row[0].as_i64())
                    .ok_or_else(|| corrupt(TABLE, "a job key conflicts with no job"))?;
                Enqueued { id, created: false }
            }
        };
        transaction.commit().await.map_err(unavailable)?;
        if enqueued.created {
            self.inner().job_wakeups.wake();
        }
        Ok(enqueued)
    }

    async fn claim(
        &self,
        worker: &str,
        limit: usize,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Job>, StorageError> {
        let database = self.database();
        let dialect = database.dialect();
        let p = |index| dialect.placeholder(index);
        // A job whose worker vanished on its last attempt has no attempt left: it is dead.
        let lost = format!(
            "UPDATE _omnera_jobs SET state = 'dead', last_error = {}, worker = NULL, lease_until = NULL \
             WHERE state = 'running' AND lease_until < {} AND attempts >= max_attempts",
            p(1),
            p(2)
        );
        let skip_locked = match dialect {
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let claim = format!(
            "UPDATE _omnera_jobs SET state = 'running', attempts = attempts + 1, worker = {worker}, lease_until = {until} \
             WHERE id IN (SELECT id FROM _omnera_jobs WHERE (state = 'queued' AND run_at <= {now}) \
             OR (state = 'running' AND lease_until < {now}) ORDER BY run_at, id LIMIT {limit}{skip_locked}) \
             RETURNING {COLUMNS}",
            worker = p(1),
            until = p(2),
            now = p(3),
            limit = p(4),
        );
        let mut transaction = database.begin_write().await?;
        let lost_params = [SqlValue::Text(LEASE_LOST.to_owned()), SqlValue::Timestamp(now)];
        transaction.execute(&lost, &lost_params).await.map_err(unavailable)?;
        let params = [
            SqlValue::Text(worker.to_owned()),
            SqlValue::Timestamp(now + delta(lease)),
            SqlValue::Timestamp(now),
            SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)),
        ];
        let rows = transaction.fetch(&claim, &params, &TYPES).await.map_err(unavailable)?;
        transaction.commit().await.map_err(unavailable)?;
        let mut jobs = rows.iter().map(|row| job_from_row(row)).collect::<Result<Vec<_>, _>>()?;
        jobs.sort_by_key(|job| (job.run_at, job.id));
        Ok(jobs)
    }

    async fn heartbeat(
        &self,
        id: i64,
        worker: &str,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let sql = format!(
            "UPDATE _omnera_jobs SET lease_until = {} WHERE id = {} AND worker = {} AND state = 'running'",
            self.placeholder(1),
            self.placeholder(2),
            self.placeholder(3)
        );
        let params = [
            SqlValue::Timestamp(now + delta(lease)),
            SqlValue::Integer(id),
            SqlValue::Text(worker.to_owned()),
        ];
        self.changed(&sql, &params).await
    }

    async fn finish(&self, id: i64, worker: &str, outcome: JobOutcome) -> Result<bool, StorageError> {
        let (state, run_at, error) = match outcome {
            JobOutcome::Succeeded => ("'succeeded'".to_owned(), None, None),
            JobOutcome::Skipped => ("'skipped'".to_owned(), None, None),
            JobOutcome::Failed { error } => ("'failed'".to_owned(), None, Some(error)),
            JobOutcome::Retry { at, error } => (
                "CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END".to_owned(),
                Some(at),
                Some(error),
            ),
        };
        let run_at_clause =
            if run_at.is_some() { format!(", run_at = {}", self.placeholder(4)) } else { String::new() };
        let sql = format!(
            "UPDATE _omnera_jobs SET state = {state}, last_error = COALESCE({}, last_error), worker = NULL, \
             lease_until = NULL{run_at_clause} WHERE id = {} AND worker = {} AND state = 'running'",
            self.placeholder(1),
            self.placeholder(2),
            self.placeholder(3)
        );
        let mut params = vec![
            error.map_or(SqlValue::Null(ColumnType::Text), SqlValue::Text),
            SqlValue::Integer(id),
            SqlValue::Text(worker.to_owned()),
        ];
        params.extend(run_at.map(SqlValue::Timestamp));
        self.changed(&sql, &params).await
    }

    async fn release(&self, id: i64, worker: &str) -> Result<bool, StorageError> {
        let sql = format!(
            "UPDATE _omnera_jobs SET state = 'queued', attempts = attempts - 1, worker = NULL, lease_until = NULL \
             WHERE id = {} AND worker = {} AND state = 'running'",
            self.placeholder(1),
            self.placeholder(2)
        );
        self.changed(&sql, &[SqlValue::Integer(id), SqlValue::Text(worker.to_owned())]).await
    }

    async fn replay(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StorageError> {
        let sql = format!(
            "UPDATE _omnera_jobs SET state = 'queued', attempts = 0, run_at = {} WHERE id = {} AND state = 'dead'",
            self.placeholder(1),
            self.placeholder(2)
        );
        self.changed(&sql, &[SqlValue::Timestamp(now), SqlValue::Integer(id)]).await
    }

    async fn wait_for_jobs(&self, at_most: Duration) {
        self.inner().job_wakeups.wait(&self.database(), at_most).await;
    }

    async fn job(&self, id: i64) -> Result<Option<Job>, StorageError> {
        let database = self.database();
        let sql =
            format!("SELECT {COLUMNS} FROM _omnera_jobs WHERE id = {}", database.dialect().placeholder(1));
        let mut transaction = database.begin_read().await?;
        let rows = transaction.fetch(&sql, &[SqlValue::Integer(id)], &TYPES).await.map_err(unavailable)?;
        rows.first().map(|row| job_from_row(row)).transpose()
    }
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

fn job_from_row(row: &[SqlValue]) -> Result<Job, StorageError> {
    let [id, kind, key, payload, state, run_at, attempts, max_attempts, last_error, worker, lease_until] =
        row
    else {
        return Err(corrupt(TABLE, format!("a job reads back as {} columns", row.len())));
    };
    let id = id.as_i64().ok_or_else(|| corrupt(TABLE, "a job without an id"))?;
    let bad = |what: &str| corrupt(TABLE, format!("job {id} has no valid {what}"));
    let text = |value: &SqlValue| match value {
        SqlValue::Text(text) => Some(text.clone()),
        _ => None,
    };
    let count = |value: &SqlValue, what: &str| {
        value.as_i64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| bad(what))
    };
    Ok(Job {
        id,
        kind: text(kind).ok_or_else(|| bad("kind"))?,
        key: text(key),
        payload: match payload {
            SqlValue::Json(document) => document.clone(),
            _ => return Err(bad("payload")),
        },
        state: text(state).as_deref().and_then(JobState::parse).ok_or_else(|| bad("state"))?,
        run_at: run_at.as_timestamp().ok_or_else(|| bad("run_at"))?,
        attempts: count(attempts, "attempts")?,
        max_attempts: count(max_attempts, "max_attempts")?,
        last_error: text(last_error),
        worker: text(worker),
        lease_until: lease_until.as_timestamp(),
    })
}
