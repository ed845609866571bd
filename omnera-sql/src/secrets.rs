//! The vault's store ([`omnera_core::backend::SecretStore`]) on `_omnera_secrets`: sealed values
//! only; sealing and opening are the vault's, in core.

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use omnera_core::backend::{SealedSecret, SecretStore, StorageError};

use crate::SqlStorage;
use crate::error::{corrupt, unavailable};
use crate::physical::ColumnType;
use crate::sql_value::SqlValue;

const TABLE: &str = "_omnera_secrets";

#[async_trait]
impl SecretStore for SqlStorage {
    async fn sealed_secrets(&self) -> Result<Vec<(String, SealedSecret)>, StorageError> {
        let database = self.database();
        let mut transaction = database.begin_read().await?;
        let rows = transaction
            .fetch(
                "SELECT name, key_fingerprint, nonce, ciphertext, updated_at FROM _omnera_secrets ORDER BY name",
                &[],
                &[ColumnType::Text, ColumnType::Text, ColumnType::Text, ColumnType::Text, ColumnType::Timestamp],
            )
            .await
            .map_err(unavailable)?;
        rows.into_iter().map(|row| sealed_from_row(&row)).collect()
    }

    async fn put_sealed_secrets(&self, secrets: Vec<(String, SealedSecret)>) -> Result<(), StorageError> {
        let database = self.database();
        let statement = format!(
            "INSERT INTO _omnera_secrets (name, key_fingerprint, nonce, ciphertext, updated_at) VALUES ({}) \
             ON CONFLICT (name) DO UPDATE SET key_fingerprint = excluded.key_fingerprint, \
             nonce = excluded.nonce, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at",
            database.dialect().placeholders(1..=5)
        );
        let mut transaction = database.begin_write().await?;
        for (name, sealed) in secrets {
            let params = [
                SqlValue::Text(name),
                SqlValue::Text(sealed.key_fingerprint),
                SqlValue::Text(STANDARD.encode(&sealed.nonce)),
                SqlValue::Text(STANDARD.encode(&sealed.ciphertext)),
                SqlValue::Timestamp(sealed.updated_at),
            ];
            transaction.execute(&statement, &params).await.map_err(unavailable)?;
        }
        transaction.commit().await.map_err(unavailable)
    }

    async fn delete_secret(&self, name: &str) -> Result<bool, StorageError> {
        let statement = format!("DELETE FROM _omnera_secrets WHERE name = {}", self.placeholder(1));
        self.changed(&statement, &[SqlValue::Text(name.to_owned())]).await
    }
}

fn sealed_from_row(row: &[SqlValue]) -> Result<(String, SealedSecret), StorageError> {
    let [
        SqlValue::Text(name),
        SqlValue::Text(fingerprint),
        SqlValue::Text(nonce),
        SqlValue::Text(ciphertext),
        updated_at,
    ] = row
    else {
        return Err(corrupt(TABLE, "a secret reads back without its name, key or value"));
    };
    let decode = |text: &str| {
        STANDARD.decode(text).map_err(|_| corrupt(TABLE, format!("the secret `{name}` is not base64")))
    };
    let updated_at = updated_at
        .as_timestamp()
        .ok_or_else(|| corrupt(TABLE, format!("the secret `{name}` has no time")))?;
    let sealed =
        SealedSecret::new(fingerprint.clone(), decode(nonce)?, decode(ciphertext)?).updated_at(updated_at);
    Ok((name.clone(), sealed))
}
