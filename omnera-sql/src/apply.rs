//! Applying a schema: plan against the last applied version, refuse data loss unless allowed,
//! run the DDL in one transaction, record the version.

use omnera_core::Schema;
use omnera_core::backend::{ApplyOptions, MigrationPlan, StorageError};
use omnera_core::fields::MAX_DECIMAL_DIGITS;
use sha2::{Digest, Sha256};

use crate::connection::Transaction;
use crate::database::Database;
use crate::dialect::Dialect;
use crate::error::{Violation, corrupt, single_integer, unavailable, violation};
use crate::physical::{ColumnType, PhysicalSchema};
use crate::plan::{Change, describe, plan_changes};
use crate::sql_value::{SqlValue, now};
use crate::system::lock;

/// The physical schema applied last, if any.
pub(crate) async fn applied_schema(
    transaction: &mut Transaction,
) -> Result<Option<PhysicalSchema>, StorageError> {
    let rows = transaction
        .fetch(
            "SELECT physical FROM _omnera_schema_versions ORDER BY version DESC LIMIT 1",
            &[],
            &[ColumnType::Json],
        )
        .await
        .map_err(unavailable)?;
    match rows.into_iter().next().map(|row| row.into_iter().next()) {
        None => Ok(None),
        Some(Some(SqlValue::Json(document))) => serde_json::from_value(document).map(Some).map_err(|error| {
            corrupt("_omnera_schema_versions", format!("the applied schema does not read: {error}"))
        }),
        Some(other) => Err(corrupt("_omnera_schema_versions", format!("the applied schema is {other:?}"))),
    }
}

pub(crate) async fn plan(database: &Database, schema: &Schema) -> Result<MigrationPlan, StorageError> {
    let mut transaction = database.begin_read().await?;
    let old = applied_schema(&mut transaction).await?;
    Ok(describe(&plan_changes(old.as_ref(), &PhysicalSchema::of(schema))))
}

pub(crate) async fn apply(
    database: &Database,
    schema: &Schema,
    options: &ApplyOptions,
) -> Result<MigrationPlan, StorageError> {
    let dialect = database.dialect();
    let new = PhysicalSchema::of(schema);
    // SQLite's table rebuilds need foreign keys off, which only takes effect outside a transaction.
    database.set_sqlite_foreign_keys(false).await?;
    let outcome = apply_in_transaction(database, dialect, schema, &new, options).await;
    database.set_sqlite_foreign_keys(true).await?;
    outcome
}

async fn apply_in_transaction(
    database: &Database,
    dialect: Dialect,
    schema: &Schema,
    new: &PhysicalSchema,
    options: &ApplyOptions,
) -> Result<MigrationPlan, StorageError> {
    let mut transaction = database.begin_write().await?;
    lock(&mut transaction, dialect).await?;
    let old = applied_schema(&mut transaction).await?;
    let changes = plan_changes(old.as_ref(), new);
    let plan = describe(&changes);
    if changes.is_empty() {
        crate::files_by_name::carry_over(&mut transaction, dialect, old.as_ref(), schema).await?;
        transaction.commit().await.map_err(unavailable)?;
        return Ok(plan);
    }
    let losing: Vec<String> =
        changes.iter().filter(|change| change.loses_data()).map(Change::describe).collect();
    if !losing.is_empty() && !options.allow_data_loss {
        return Err(StorageError::DataLossRefused { steps: losing });
    }
    for statement in crate::ddl::statements(dialect, &changes, old.as_ref(), new) {
        tracing::debug!(%statement, "schema change");
        if let Err(error) = transaction.execute(&statement, &[]).await {
            return Err(match violation(&error) {
                Some(Violation::NotNull(_)) => StorageError::DataLossRefused {
                    steps: changes
                        .iter()
                        .filter(|change| matches!(change, Change::AddColumn { column, .. } | Change::AlterColumn { new: column, .. } if column.not_null))
                        .map(|change| format!("{}: existing records have no value", change.describe()))
                        .collect(),
                },
                _ => unavailable(error),
            });
        }
    }
    refuse_too_many_digits(&mut transaction, dialect, &changes).await?;
    crate::files_by_name::carry_over(&mut transaction, dialect, old.as_ref(), schema).await?;
    if dialect == Dialect::Sqlite {
        let broken = transaction
            .fetch("PRAGMA foreign_key_check", &[], &[ColumnType::Text])
            .await
            .map_err(unavailable)?;
        if let Some(row) = broken.first() {
            return Err(unavailable(format!("the schema change breaks references in {:?}", row.first())));
        }
    }
    record_version(&mut transaction, dialect, new, &plan).await?;
    transaction.commit().await.map_err(unavailable)?;
    Ok(plan)
}

/// Refuses the changes when one left a decimal with more digits than a decimal holds; the
/// transaction is then rolled back, so nothing changed.
async fn refuse_too_many_digits(
    transaction: &mut Transaction,
    dialect: Dialect,
    changes: &[Change],
) -> Result<(), StorageError> {
    let mut steps = Vec::new();
    for change in changes {
        let Some(query) = crate::ddl::too_many_digits(dialect, change) else { continue };
        let rows = transaction.fetch(&query, &[], &[ColumnType::Integer]).await.map_err(unavailable)?;
        let count = single_integer(&rows, "the changed table", "the count of decimals with too many digits")?;
        if count > 0 {
            steps.push(format!(
                "{}: {count} existing values would have more than {MAX_DECIMAL_DIGITS} digits",
                change.describe()
            ));
        }
    }
    if steps.is_empty() { Ok(()) } else { Err(StorageError::DataLossRefused { steps }) }
}

async fn record_version(
    transaction: &mut Transaction,
    dialect: Dialect,
    physical: &PhysicalSchema,
    plan: &MigrationPlan,
) -> Result<(), StorageError> {
    let document = serde_json::to_value(physical).map_err(unavailable)?;
    let hash = format!("{:x}", Sha256::digest(document.to_string().as_bytes()));
    let statement = format!(
        "INSERT INTO _omnera_schema_versions (hash, physical, plan, applied_at) VALUES ({}, {}, {}, {})",
        dialect.placeholder(1),
        dialect.placeholder(2),
        dialect.placeholder(3),
        dialect.placeholder(4)
    );
    let plan = serde_json::to_value(plan).map_err(unavailable)?;
    transaction
        .execute(
            &statement,
            &[
                SqlValue::Text(hash),
                SqlValue::Json(document),
                SqlValue::Json(plan),
                SqlValue::Timestamp(now()),
            ],
        )
        .await
        .map_err(unavailable)?;
    Ok(())
}
