//! The engine's own tables (`_omnera_*`), created and upgraded by versioned migrations.

use omnera_core::backend::StorageError;

use crate::connection::Transaction;
use crate::database::Database;
use crate::dialect::Dialect;
use crate::error::{single_integer, unavailable};
use crate::physical::ColumnType;
use crate::sql_value::{SqlValue, now};

/// A key for PostgreSQL's advisory lock, so that instances starting together migrate one by one.
pub(crate) const MIGRATION_LOCK: i64 = 0x6f6d_6e65_7261;

/// One system migration: its version and its statements.
struct SystemMigration {
    version: i64,
    statements: fn(Dialect) -> Vec<String>,
}

/// Every system migration, oldest first. A released migration never changes; new ones are added.
const MIGRATIONS: [SystemMigration; 12] = [
    SystemMigration { version: 1, statements: schema_versions_and_outbox },
    SystemMigration { version: 2, statements: files },
    SystemMigration { version: 3, statements: users_and_sessions },
    SystemMigration { version: 4, statements: api_keys },
    SystemMigration { version: 5, statements: one_time_tokens_and_sign_in_failures },
    SystemMigration { version: 6, statements: external_sign_ins },
    SystemMigration { version: 7, statements: api_key_scopes },
    SystemMigration { version: 8, statements: outbox_consumers },
    SystemMigration { version: 9, statements: files_by_ids },
    SystemMigration { version: 10, statements: secrets },
    SystemMigration { version: 11, statements: rate_limits },
    SystemMigration { version: 12, statements: jobs },
];

fn schema_versions_and_outbox(dialect: Dialect) -> Vec<String> {
    let id = dialect.id_column();
    let timestamp = dialect.timestamp_type();
    let json = dialect.column_type(ColumnType::Json);
    vec![
        format!(
            "CREATE TABLE _omnera_schema_versions (version {id}, hash TEXT NOT NULL, physical {json} NOT NULL, \
             plan {json} NOT NULL, applied_at {timestamp} NOT NULL)"
        ),
        format!(
            "CREATE TABLE _omnera_outbox (sequence {id}, table_name TEXT NOT NULL, record_id BIGINT NOT NULL, \
             kind TEXT NOT NULL, before_change {json}, after_change {json}, created_at {timestamp} NOT NULL)"
        ),
    ]
}

/// Attachments' metadata; the blobs live in the blob store.
fn files(dialect: Dialect) -> Vec<String> {
    let id = dialect.id_column();
    let timestamp = dialect.timestamp_type();
    vec![
        format!(
            "CREATE TABLE _omnera_files (id {id}, table_name TEXT NOT NULL, field_name TEXT NOT NULL, \
             record_id BIGINT NOT NULL, location TEXT NOT NULL, name TEXT NOT NULL, size BIGINT NOT NULL, \
             mime_type TEXT NOT NULL, created_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX _omnera_files_record ON _omnera_files (table_name, record_id)".to_owned(),
    ]
}

/// Accounts and their sessions; session tokens are kept as SHA-256 hashes only.
fn users_and_sessions(dialect: Dialect) -> Vec<String> {
    let id = dialect.id_column();
    let timestamp = dialect.timestamp_type();
    let boolean = dialect.column_type(ColumnType::Boolean);
    let json = dialect.column_type(ColumnType::Json);
    let false_value = if dialect == Dialect::Sqlite { "0" } else { "false" };
    vec![
        format!(
            "CREATE TABLE _omnera_users (id {id}, email TEXT NOT NULL, name TEXT, password_hash TEXT NOT NULL, \
             roles {json} NOT NULL, disabled {boolean} NOT NULL DEFAULT {false_value}, \
             email_verified {boolean} NOT NULL DEFAULT {false_value}, created_at {timestamp} NOT NULL)"
        ),
        "CREATE UNIQUE INDEX _omnera_users_email ON _omnera_users (email)".to_owned(),
        format!(
            "CREATE TABLE _omnera_sessions (token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL \
             REFERENCES _omnera_users (id) ON DELETE CASCADE, created_at {timestamp} NOT NULL, expires_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX _omnera_sessions_user ON _omnera_sessions (user_id)".to_owned(),
    ]
}

/// API keys; kept as SHA-256 hashes only.
fn api_keys(dialect: Dialect) -> Vec<String> {
    let id = dialect.id_column();
    let timestamp = dialect.timestamp_type();
    vec![
        format!(
            "CREATE TABLE _omnera_api_keys (id {id}, user_id BIGINT NOT NULL REFERENCES _omnera_users (id) ON DELETE CASCADE, \
             name TEXT NOT NULL, key_hash TEXT NOT NULL, created_at {timestamp} NOT NULL, expires_at {timestamp}, \
             revoked_at {timestamp})"
        ),
        "CREATE UNIQUE INDEX _omnera_api_keys_hash ON _omnera_api_keys (key_hash)".to_owned(),
    ]
}

/// Password-reset and email-verification tokens (hashes only), and failed sign-ins, which every
/// instance counts together for rate limiting.
fn one_time_tokens_and_sign_in_failures(dialect: Dialect) -> Vec<String> {
    let id = dialect.id_column();
    let timestamp = dialect.timestamp_type();
    vec![
        format!(
            "CREATE TABLE _omnera_one_time_tokens (token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL \
             REFERENCES _omnera_users (id) ON DELETE CASCADE, purpose TEXT NOT NULL, created_at {timestamp} NOT NULL, \
             expires_at {timestamp} NOT NULL, used_at {timestamp})"
        ),
        "CREATE INDEX _omnera_one_time_tokens_user ON _omnera_one_time_tokens (user_id, purpose)".to_owned(),
        format!(
            "CREATE TABLE _omnera_sign_in_failures (id {id}, throttle_key TEXT NOT NULL, failed_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX _omnera_sign_in_failures_key ON _omnera_sign_in_failures (throttle_key, failed_at)"
            .to_owned(),
    ]
}

/// Sign-ins through OAuth connections: those under way (by the hash of their `state`), and the
/// provider accounts linked to users.
fn external_sign_ins(dialect: Dialect) -> Vec<String> {
    let timestamp = dialect.timestamp_type();
    vec![
        format!(
            "CREATE TABLE _omnera_pending_sign_ins (state_hash TEXT PRIMARY KEY, connection TEXT NOT NULL, \
             code_verifier TEXT NOT NULL, callback_url TEXT NOT NULL, redirect TEXT, expires_at {timestamp} NOT NULL)"
        ),
        format!(
            "CREATE TABLE _omnera_linked_accounts (connection TEXT NOT NULL, subject TEXT NOT NULL, \
             user_id BIGINT NOT NULL REFERENCES _omnera_users (id) ON DELETE CASCADE, created_at {timestamp} NOT NULL, \
             PRIMARY KEY (connection, subject))"
        ),
    ]
}

/// The tables and actions an API key is limited to, as JSON text (`NULL`: not limited).
fn api_key_scopes(_dialect: Dialect) -> Vec<String> {
    vec!["ALTER TABLE _omnera_api_keys ADD COLUMN scopes TEXT".to_owned()]
}

/// Files keyed by the ids of their table and field, so renames keep them. The rows kept by name
/// until now wait in `_omnera_files_by_name` until an applied schema names their ids (see
/// `files_by_name`); file ids go on from where they were, so no id is given twice.
fn files_by_ids(dialect: Dialect) -> Vec<String> {
    let id = dialect.id_column();
    let timestamp = dialect.timestamp_type();
    let mut statements = vec!["ALTER TABLE _omnera_files RENAME TO _omnera_files_by_name".to_owned()];
    if dialect == Dialect::Postgres {
        // The key and the id sequence keep their names through a table rename; the new table's
        // would get the next free ones (`_omnera_files_pkey1`).
        statements.push("ALTER INDEX _omnera_files_pkey RENAME TO _omnera_files_by_name_pkey".to_owned());
        statements
            .push("ALTER SEQUENCE _omnera_files_id_seq RENAME TO _omnera_files_by_name_id_seq".to_owned());
    }
    statements.extend([
        "DROP INDEX _omnera_files_record".to_owned(),
        format!(
            "CREATE TABLE _omnera_files (id {id}, table_id BIGINT NOT NULL, field_id BIGINT NOT NULL, \
             record_id BIGINT NOT NULL, location TEXT NOT NULL, name TEXT NOT NULL, size BIGINT NOT NULL, \
             mime_type TEXT NOT NULL, created_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX _omnera_files_record ON _omnera_files (table_id, record_id)".to_owned(),
    ]);
    statements.push(match dialect {
        Dialect::Sqlite => {
            "INSERT INTO sqlite_sequence (name, seq) SELECT '_omnera_files', seq FROM sqlite_sequence \
                            WHERE name = '_omnera_files_by_name'"
                .to_owned()
        }
        Dialect::Postgres => "SELECT setval(pg_get_serial_sequence('_omnera_files', 'id'), \
                              nextval('_omnera_files_by_name_id_seq'), false)"
            .to_owned(),
    });
    statements
}

/// Events that consumers can trust (see `outbox`): each keeps its writing transaction's id
/// (PostgreSQL), its changed fields, actor and request id, and its documents as written, with
/// every digit and the API's key order (`json`, not `jsonb`); each named consumer keeps its
/// position. Events written before this migration read as made by `system:unrecorded`, with no
/// changed fields, in the order they were written.
fn outbox_consumers(dialect: Dialect) -> Vec<String> {
    let timestamp = dialect.timestamp_type();
    let (transaction, transaction_default) = match dialect {
        Dialect::Postgres => ("xid8", "pg_current_xact_id()"),
        Dialect::Sqlite => ("INTEGER", "0"),
    };
    let mut statements = vec![
        format!(
            "ALTER TABLE _omnera_outbox ADD COLUMN transaction_id {transaction} NOT NULL DEFAULT {transaction_default}"
        ),
        "ALTER TABLE _omnera_outbox ADD COLUMN changed_fields TEXT NOT NULL DEFAULT '[]'".to_owned(),
        "ALTER TABLE _omnera_outbox ADD COLUMN actor TEXT NOT NULL DEFAULT 'system:unrecorded'".to_owned(),
        "ALTER TABLE _omnera_outbox ADD COLUMN request_id TEXT".to_owned(),
        "CREATE INDEX _omnera_outbox_created ON _omnera_outbox (created_at)".to_owned(),
        format!(
            "CREATE TABLE _omnera_outbox_consumers (name TEXT PRIMARY KEY, transaction_id {transaction} NOT NULL, \
             sequence BIGINT NOT NULL, acknowledged_at {timestamp} NOT NULL)"
        ),
    ];
    if dialect == Dialect::Postgres {
        statements.extend([
            "ALTER TABLE _omnera_outbox ALTER COLUMN before_change TYPE json USING before_change::json"
                .to_owned(),
            "ALTER TABLE _omnera_outbox ALTER COLUMN after_change TYPE json USING after_change::json"
                .to_owned(),
            "CREATE INDEX _omnera_outbox_delivery ON _omnera_outbox (transaction_id, sequence)".to_owned(),
        ]);
    }
    statements
}

/// The secret vault: each secret sealed (nonce and ciphertext as base64), with the fingerprint of
/// the key that sealed it. The database never holds a value in clear, nor the key.
fn secrets(dialect: Dialect) -> Vec<String> {
    let timestamp = dialect.timestamp_type();
    vec![format!(
        "CREATE TABLE _omnera_secrets (name TEXT PRIMARY KEY, key_fingerprint TEXT NOT NULL, \
         nonce TEXT NOT NULL, ciphertext TEXT NOT NULL, updated_at {timestamp} NOT NULL)"
    )]
}

/// Request budgets shared by instances: per key, the time (microseconds since the epoch) its
/// budget is next free (see `rate_limits`).
fn rate_limits(_: Dialect) -> Vec<String> {
    vec!["CREATE TABLE _omnera_rate_limits (key TEXT PRIMARY KEY, next_free BIGINT NOT NULL)".to_owned()]
}

/// The job queue (see `jobs`): a unique key per job, and an index for finding due ones.
fn jobs(dialect: Dialect) -> Vec<String> {
    let id = dialect.id_column();
    let timestamp = dialect.timestamp_type();
    let json = dialect.column_type(ColumnType::Json);
    vec![
        format!(
            "CREATE TABLE _omnera_jobs (id {id}, kind TEXT NOT NULL, job_key TEXT UNIQUE, payload {json} NOT NULL, \
             state TEXT NOT NULL, run_at {timestamp} NOT NULL, attempts BIGINT NOT NULL, max_attempts BIGINT NOT NULL, \
             last_error TEXT, worker TEXT, lease_until {timestamp}, created_at {timestamp} NOT NULL)"
        ),
        "CREATE INDEX _omnera_jobs_due ON _omnera_jobs (state, run_at)".to_owned(),
    ]
}

/// Brings the system tables to the newest version.
pub(crate) async fn migrate(database: &Database) -> Result<(), StorageError> {
    let dialect = database.dialect();
    let mut transaction = database.begin_write().await?;
    lock(&mut transaction, dialect).await?;
    let timestamp = dialect.timestamp_type();
    transaction
        .execute(
            &format!(
                "CREATE TABLE IF NOT EXISTS _omnera_system_migrations (version BIGINT PRIMARY KEY, applied_at {timestamp} NOT NULL)"
            ),
            &[],
        )
        .await
        .map_err(unavailable)?;
    let applied = transaction
        .fetch("SELECT COALESCE(MAX(version), 0) FROM _omnera_system_migrations", &[], &[ColumnType::Integer])
        .await
        .map_err(unavailable)?;
    let current = single_integer(&applied, "_omnera_system_migrations", "the last system migration")?;
    for migration in MIGRATIONS.iter().filter(|migration| migration.version > current) {
        for statement in (migration.statements)(dialect) {
            transaction.execute(&statement, &[]).await.map_err(unavailable)?;
        }
        let record = format!(
            "INSERT INTO _omnera_system_migrations (version, applied_at) VALUES ({}, {})",
            dialect.placeholder(1),
            dialect.placeholder(2)
        );
        transaction
            .execute(&record, &[SqlValue::Integer(migration.version), SqlValue::Timestamp(now())])
            .await
            .map_err(unavailable)?;
    }
    transaction.commit().await.map_err(unavailable)
}

/// Takes the migration lock for the rest of the transaction (PostgreSQL; SQLite's write lock is
/// already exclusive).
pub(crate) async fn lock(transaction: &mut Transaction, dialect: Dialect) -> Result<(), StorageError> {
    if dialect == Dialect::Postgres {
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[SqlValue::Integer(MIGRATION_LOCK)])
            .await
            .map_err(unavailable)?;
    }
    Ok(())
}
