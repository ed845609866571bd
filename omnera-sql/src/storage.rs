//! [`SqlStorage`]: the [`Storage`] of SQLite and PostgreSQL.

use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use omnera_core::Schema;
use omnera_core::backend::{
    ApplyOptions, BatchOutcome, DeletedRecord, FileChange, ListQuery, MigrationPlan, NewFile, OutboxEvent,
    OutboxPosition, Record, RecordBatch, RecordPage, RecordValues, Storage, StorageError, StoredFile,
    UpdatedRecord, WriteOptions,
};

use crate::database::Database;
use crate::dialect::Dialect;
use crate::error::unavailable;
use crate::group_commit::CreateQueue;
use crate::sql_value::SqlValue;
use crate::store::{
    TableLayout, WriteContext, attach, delete_one, detach, ensure_within, fetch_one, insert_many,
    record_files, update_one,
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
    /// Workers waiting for jobs (see `job_wakeups`).
    pub(crate) job_wakeups: crate::job_wakeups::JobWakeups,
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
            job_wakeups: Default::default(),
        });
        Ok(Self { inner })
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// Placeholder `index` of this database's dialect.
    pub(crate) fn placeholder(&self, index: usize) -> String {
        self.database().dialect().placeholder(index)
    }

    /// Runs one statement of the engine's own tables in a write transaction of its own;
    /// whether it changed a row.
    pub(crate) async fn changed(&self, sql: &str, params: &[SqlValue]) -> Result<bool, StorageError> {
        let database = self.database();
        let mut transaction = database.begin_write().await?;
        let changed = transaction.execute(sql, params).await.map_err(unavailable)?;
        transaction.commit().await.map_err(unavailable)?;
        Ok(changed > 0)
    }

    /// Creates records in a transaction of their own.
    pub(crate) async fn insert_now(
        &self,
        table: &str,
        records: Vec<RecordValues>,
        options: &WriteOptions,
    ) -> Result<Vec<Record>, StorageError> {
        let schema = self.schema()?;
        let dialect = self.database().dialect();
        let mut transaction = self.database().begin_write().await?;
        let drafts = records.into_iter().map(|values| (values, options)).collect();
        let inserted = insert_many(&mut transaction, dialect, &schema, table, drafts).await?;
        transaction.commit().await.map_err(unavailable)?;
        Ok(inserted)
    }

    /// Creates several callers' records in one transaction, one multi-row insert per table,
    /// each caller's events with its own options; returns each caller's records, in order.
    pub(crate) async fn insert_together(
        &self,
        creates: Vec<(&str, Vec<RecordValues>, &WriteOptions)>,
    ) -> Result<Vec<Vec<Record>>, StorageError> {
        let schema = self.schema()?;
        let dialect = self.database().dialect();
        let mut tables: Vec<&str> = creates.iter().map(|(table, _, _)| *table).collect();
        tables.sort_unstable();
        tables.dedup();
        let mut created: Vec<Vec<Record>> = vec![Vec::new(); creates.len()];
        let mut transaction = self.database().begin_write().await?;
        for table in tables {
            let callers: Vec<usize> = (0..creates.len()).filter(|index| creates[*index].0 == table).collect();
            let drafts: Vec<(RecordValues, &WriteOptions)> = callers
                .iter()
                .flat_map(|index| {
                    let (_, drafts, options) = &creates[*index];
                    drafts.iter().map(|values| (values.clone(), *options))
                })
                .collect();
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

    async fn insert(
        &self,
        table: &str,
        records: Vec<RecordValues>,
        options: &WriteOptions,
    ) -> Result<Vec<Record>, StorageError> {
        match &self.inner.creates {
            Some(queue) => queue.create(table, records, options).await,
            None => self.insert_now(table, records, options).await,
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
        options: &WriteOptions,
    ) -> Result<UpdatedRecord, StorageError> {
        let schema = self.schema()?;
        let context = WriteContext { dialect: self.database().dialect(), schema: &schema, options };
        let mut transaction = self.database().begin_write().await?;
        let updated =
            update_one(&mut transaction, context, table, id, values, options.expected_version).await?;
        transaction.commit().await.map_err(unavailable)?;
        Ok(updated)
    }

    async fn delete(
        &self,
        table: &str,
        id: i64,
        options: &WriteOptions,
    ) -> Result<DeletedRecord, StorageError> {
        let schema = self.schema()?;
        let context = WriteContext { dialect: self.database().dialect(), schema: &schema, options };
        let mut transaction = self.database().begin_write().await?;
        let deleted = delete_one(&mut transaction, context, table, id, options.expected_version).await?;
        transaction.commit().await.map_err(unavailable)?;
        Ok(deleted)
    }

    async fn batch(
        &self,
        table: &str,
        batch: RecordBatch,
        options: &WriteOptions,
    ) -> Result<BatchOutcome, StorageError> {
        let schema = self.schema()?;
        let dialect = self.database().dialect();
        let context = WriteContext { dialect, schema: &schema, options };
        let mut transaction = self.database().begin_write().await?;
        let mut outcome = BatchOutcome::default();
        let drafts = batch.create.into_iter().map(|values| (values, options)).collect();
        outcome.created = insert_many(&mut transaction, dialect, &schema, table, drafts).await?;
        for update in batch.update {
            outcome.updated.push(
                update_one(
                    &mut transaction,
                    context,
                    table,
                    update.id,
                    update.values,
                    update.expected_version,
                )
                .await?,
            );
        }
        for id in batch.delete {
            outcome.deleted.push(delete_one(&mut transaction, context, table, id, None).await?);
        }
        // Dropping the transaction on an error rolls the whole batch back.
        if let Some(check) = &batch.create_check {
            let ids: Vec<i64> = outcome.created.iter().map(|record| record.id).collect();
            ensure_within(&mut transaction, dialect, &schema, table, &ids, check).await?;
        }
        if let Some(check) = &batch.update_check {
            let ids: Vec<i64> = outcome.updated.iter().map(|update| update.record.id).collect();
            ensure_within(&mut transaction, dialect, &schema, table, &ids, check).await?;
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
        options: &WriteOptions,
    ) -> Result<FileChange, StorageError> {
        let schema = self.schema()?;
        let context = WriteContext { dialect: self.database().dialect(), schema: &schema, options };
        let mut transaction = self.database().begin_write().await?;
        let change = attach(&mut transaction, context, table, record_id, field, files).await?;
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
        options: &WriteOptions,
    ) -> Result<StoredFile, StorageError> {
        let schema = self.schema()?;
        let context = WriteContext { dialect: self.database().dialect(), schema: &schema, options };
        let mut transaction = self.database().begin_write().await?;
        let file = detach(&mut transaction, context, table, record_id, field, file_id).await?;
        transaction.commit().await.map_err(unavailable)?;
        Ok(file)
    }

    async fn outbox_read(&self, consumer: &str, limit: u32) -> Result<Vec<OutboxEvent>, StorageError> {
        crate::outbox::read(&self.database(), consumer, limit).await
    }

    async fn outbox_acknowledge(&self, consumer: &str, through: &OutboxPosition) -> Result<(), StorageError> {
        crate::outbox::acknowledge(&self.database(), consumer, through).await
    }

    async fn prune_outbox(&self, older_than: std::time::Duration) -> Result<u64, StorageError> {
        crate::outbox::prune(&self.database(), older_than).await
    }
}
