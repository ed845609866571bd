//! [`SqlStorage`]: the [`Storage`] of SQLite and PostgreSQL.

use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use omnera_core::Schema;
use omnera_core::backend::{
    ApplyOptions, BatchOutcome, ChangeKind, FileChange, ListQuery, MigrationPlan, NewFile, OutboxEvent,
    Record, RecordBatch, RecordPage, RecordValues, Storage, StorageError, StoredFile,
};

use crate::database::Database;
use crate::dialect::Dialect;
use crate::error::unavailable;
use crate::group_commit::CreateQueue;
use crate::physical::ColumnType;
use crate::sql_value::SqlValue;
use crate::store::{
    TableLayout, attach, delete_one, detach, ensure_within, fetch_one, insert_many, record_files, update_one,
};

/// Records in SQLite or PostgreSQL. Cheap to clone; clones share the pools.
#[derive(Debug, Clone)]
pub struct SqlStorage {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    url: String,
    database: RwLock<Database>,
    schema: RwLock<Option<Schema>>,
    /// Creates on SQLite go through group commit (see `group_commit`).
    creates: Option<CreateQueue>,
}

impl SqlStorage {
    /// Connects by URL (`sqlite://FILE`, `sqlite::memory:`, `postgres://..`) and brings the
    /// engine's system tables up to date.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let database = Database::connect(url).await?;
        crate::system::migrate(&database).await?;
        let grouped = database.dialect() == Dialect::Sqlite;
        let inner = Arc::new_cyclic(|inner| Inner {
            url: url.to_owned(),
            database: RwLock::new(database),
            schema: RwLock::new(None),
            creates: grouped.then(|| CreateQueue::start(inner.clone())),
        });
        Ok(Self { inner })
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// Creates records in a transaction of their own.
    pub(crate) async fn insert_now(
        &self,
        table: &str,
        records: Vec<RecordValues>,
    ) -> Result<Vec<Record>, StorageError> {
        let schema = self.schema()?;
        let dialect = self.database().dialect();
        let mut transaction = self.database().begin_write().await?;
        let inserted = insert_many(&mut transaction, dialect, &schema, table, records).await?;
        transaction.commit().await.map_err(unavailable)?;
        Ok(inserted)
    }

    /// Creates several callers' records in one transaction, one multi-row insert per table;
    /// returns each caller's records, in order.
    pub(crate) async fn insert_together(
        &self,
        creates: Vec<(&str, Vec<RecordValues>)>,
    ) -> Result<Vec<Vec<Record>>, StorageError> {
        let schema = self.schema()?;
        let dialect = self.database().dialect();
        let mut tables: Vec<&str> = creates.iter().map(|(table, _)| *table).collect();
        tables.sort_unstable();
        tables.dedup();
        let mut created: Vec<Vec<Record>> = vec![Vec::new(); creates.len()];
        let mut transaction = self.database().begin_write().await?;
        for table in tables {
            let callers: Vec<usize> = (0..creates.len()).filter(|index| creates[*index].0 == table).collect();
            let drafts: Vec<RecordValues> =
                callers.iter().flat_map(|index| creates[*index].1.iter().cloned()).collect();
            // insert_many returns the records in the order of the drafts.
            let mut records =
                insert_many(&mut transaction, dialect, &schema, table, drafts).await?.into_iter();
            for index in callers {
                created[index] = records.by_ref().take(creates[index].1.len()).collect();
            }
        }
        transaction.commit().await.map_err(unavailable)?;
        Ok(created)
    }

    /// The pools (cheap to clone).
    pub(crate) fn database(&self) -> Database {
        match self.inner.database.read() {
            Ok(database) => database.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The app's tables, columns, foreign keys and indexes as the database reports them, one per
    /// line, sorted: two databases with the same structure give the same text. Useful to check
    /// that a database matches its schema.
    pub async fn describe_structure(&self) -> Result<String, StorageError> {
        crate::structure::describe(&self.database()).await
    }

    /// PostgreSQL connections cache prepared statements whose result types a schema change may
    /// alter ("cached plan must not change result type"): after a change, start from new ones.
    async fn renew_postgres_connections(&self) -> Result<(), StorageError> {
        if self.database().dialect() != Dialect::Postgres {
            return Ok(());
        }
        let fresh = Database::connect(&self.inner.url).await?;
        let old = match self.inner.database.write() {
            Ok(mut database) => std::mem::replace(&mut *database, fresh),
            Err(_) => return Err(unavailable("the storage's connection pool lock is poisoned")),
        };
        old.close().await;
        Ok(())
    }

    /// The schema applied by [`Storage::apply_schema`]. A panic elsewhere while the lock was
    /// held cannot leave it half-written (it is replaced whole), so a poisoned lock still holds
    /// the schema applied last.
    fn schema(&self) -> Result<Schema, StorageError> {
        let applied = self.inner.schema.read().unwrap_or_else(PoisonError::into_inner);
        applied.clone().ok_or_else(|| unavailable("no schema applied yet: call apply_schema first"))
    }
}

#[async_trait]
impl Storage for SqlStorage {
    async fn plan_schema(&self, schema: &Schema) -> Result<MigrationPlan, StorageError> {
        crate::apply::plan(&self.database(), schema).await
    }

    async fn apply_schema(
        &self,
        schema: &Schema,
        options: &ApplyOptions,
    ) -> Result<MigrationPlan, StorageError> {
        let plan = crate::apply::apply(&self.database(), schema, options).await?;
        if !plan.is_empty() {
            self.renew_postgres_connections().await?;
        }
        *self.inner.schema.write().unwrap_or_else(PoisonError::into_inner) = Some(schema.clone());
        Ok(plan)
    }

    async fn insert(&self, table: &str, records: Vec<RecordValues>) -> Result<Vec<Record>, StorageError> {
        match &self.inner.creates {
            Some(queue) => queue.create(table, records).await,
            None => self.insert_now(table, records).await,
        }
    }

    async fn get(&self, table: &str, id: i64) -> Result<Record, StorageError> {
        let schema = self.schema()?;
        let (layout, _) = TableLayout::of(&schema, table)?;
        let mut transaction = self.database().begin_point_read().await?;
        fetch_one(&mut transaction, self.database().dialect(), &layout, id).await
    }

    async fn update(
        &self,
        table: &str,
        id: i64,
        values: RecordValues,
        expected_version: Option<i64>,
    ) -> Result<Record, StorageError> {
        let schema = self.schema()?;
        let mut transaction = self.database().begin_write().await?;
        let record = update_one(
            &mut transaction,
            self.database().dialect(),
            &schema,
            table,
            id,
            values,
            expected_version,
        )
        .await?;
        transaction.commit().await.map_err(unavailable)?;
        Ok(record)
    }

    async fn delete(&self, table: &str, id: i64, expected_version: Option<i64>) -> Result<(), StorageError> {
        let schema = self.schema()?;
        let mut transaction = self.database().begin_write().await?;
        delete_one(&mut transaction, self.database().dialect(), &schema, table, id, expected_version).await?;
        transaction.commit().await.map_err(unavailable)
    }

    async fn batch(&self, table: &str, batch: RecordBatch) -> Result<BatchOutcome, StorageError> {
        let schema = self.schema()?;
        let dialect = self.database().dialect();
        let mut transaction = self.database().begin_write().await?;
        let mut outcome = BatchOutcome::default();
        outcome.created = insert_many(&mut transaction, dialect, &schema, table, batch.create).await?;
        for (id, values, expected_version) in batch.update {
            outcome.updated.push(
                update_one(&mut transaction, dialect, &schema, table, id, values, expected_version).await?,
            );
        }
        for id in batch.delete {
            delete_one(&mut transaction, dialect, &schema, table, id, None).await?;
            outcome.deleted.push(id);
        }
        // Dropping the transaction on an error rolls the whole batch back.
        for (check, records) in
            [(&batch.create_check, &outcome.created), (&batch.update_check, &outcome.updated)]
        {
            if let Some(check) = check {
                let ids: Vec<i64> = records.iter().map(|record| record.id).collect();
                ensure_within(&mut transaction, dialect, &schema, table, &ids, check).await?;
            }
        }
        transaction.commit().await.map_err(unavailable)?;
        Ok(outcome)
    }

    async fn list(&self, table: &str, query: &ListQuery) -> Result<RecordPage, StorageError> {
        let schema = self.schema()?;
        let mut transaction = self.database().begin_read().await?;
        crate::query::list(&mut transaction, self.database().dialect(), &schema, table, query).await
    }

    async fn attach_files(
        &self,
        table: &str,
        record_id: i64,
        field: &str,
        files: Vec<NewFile>,
    ) -> Result<FileChange, StorageError> {
        let schema = self.schema()?;
        let mut transaction = self.database().begin_write().await?;
        let change =
            attach(&mut transaction, self.database().dialect(), &schema, table, record_id, field, files)
                .await?;
        transaction.commit().await.map_err(unavailable)?;
        Ok(change)
    }

    async fn record_files(&self, table: &str, record_id: i64) -> Result<Vec<StoredFile>, StorageError> {
        let schema = self.schema()?;
        let mut transaction = self.database().begin_read().await?;
        record_files(&mut transaction, self.database().dialect(), &schema, table, record_id).await
    }

    async fn detach_file(
        &self,
        table: &str,
        record_id: i64,
        field: &str,
        file_id: i64,
    ) -> Result<StoredFile, StorageError> {
        let schema = self.schema()?;
        let mut transaction = self.database().begin_write().await?;
        let file =
            detach(&mut transaction, self.database().dialect(), &schema, table, record_id, field, file_id)
                .await?;
        transaction.commit().await.map_err(unavailable)?;
        Ok(file)
    }

    async fn outbox_after(&self, sequence: i64, limit: u32) -> Result<Vec<OutboxEvent>, StorageError> {
        let dialect = self.database().dialect();
        let mut transaction = self.database().begin_read().await?;
        let query = format!(
            "SELECT sequence, table_name, record_id, kind, before_change, after_change, created_at FROM _omnera_outbox \
             WHERE sequence > {} ORDER BY sequence LIMIT {}",
            dialect.placeholder(1),
            dialect.placeholder(2)
        );
        let columns = [
            ColumnType::Integer,
            ColumnType::Text,
            ColumnType::Integer,
            ColumnType::Text,
            ColumnType::Json,
            ColumnType::Json,
            ColumnType::Timestamp,
        ];
        let rows = transaction
            .fetch(&query, &[SqlValue::Integer(sequence), SqlValue::Integer(i64::from(limit))], &columns)
            .await
            .map_err(unavailable)?;
        rows.into_iter().map(outbox_event).collect()
    }
}

fn outbox_event(row: Vec<SqlValue>) -> Result<OutboxEvent, StorageError> {
    let mut cells = row.into_iter();
    let mut next = || cells.next().unwrap_or(SqlValue::Null(ColumnType::Text));
    let sequence = next().as_i64().unwrap_or_default();
    let SqlValue::Text(table) = next() else { return Err(unavailable("an outbox event has no table")) };
    let record_id = next().as_i64().unwrap_or_default();
    let kind = match next() {
        SqlValue::Text(kind) if kind == "created" => ChangeKind::Created,
        SqlValue::Text(kind) if kind == "updated" => ChangeKind::Updated,
        SqlValue::Text(kind) if kind == "deleted" => ChangeKind::Deleted,
        other => return Err(unavailable(format!("unknown outbox event kind {other:?}"))),
    };
    let document = |value: SqlValue| match value {
        SqlValue::Json(document) => Some(document),
        _ => None,
    };
    let before = document(next());
    let after = document(next());
    let at = next().as_timestamp().unwrap_or_default();
    Ok(OutboxEvent::new(sequence, table, record_id, kind, before, after, at))
}
