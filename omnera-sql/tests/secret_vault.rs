//! The secret vault on SQLite and PostgreSQL: values are sealed at rest, open with their key
//! only, survive a key rotation, and reach the app's connections when it is built; an app whose
//! config names a secret the vault lacks is not built.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnera_core::app::BuildError;
use omnera_core::secrets::{SecretKey, Vault, VaultError};
use omnera_core::{App, Config};
use omnera_sql::SqlStorage;

const VALUE: &str = "hunter2-0123456789-never-shown";

/// An app whose SMTP connection's password is the vault secret `smtp-password`.
fn config() -> Config {
    Config::from_json_str(
        r#"{"name": "Mail", "connections": [{"name": "mail", "type": "smtp", "host": "smtp.example.com",
            "username": "crm", "password": {"secret": "smtp-password"}, "from": "crm@example.com"}]}"#,
    )
    .unwrap()
}

async fn sealed_opened_and_rotated(url: &str) {
    let storage = SqlStorage::connect(url).await.unwrap();
    let key = SecretKey::generate().unwrap();
    let vault = Vault::new(key.clone(), storage.clone());
    vault.set("smtp-password", VALUE).await.unwrap();
    vault.set("unused", "another value").await.unwrap();

    // Built with the vault, the app reads the secret its connection names.
    let app = App::from_config(config()).with_vault(vault.clone()).build().await.unwrap();
    let secrets = app.secrets();
    assert_eq!(secrets.get("smtp-password"), Some(VALUE));
    assert_eq!(secrets.get("unused"), None, "only the secrets the config refers to are read");
    assert!(!format!("{secrets:?} {vault:?} {key:?}").contains(VALUE));
    app.shutdown();

    // Another key does not open it, and says which key sealed it.
    let other = Vault::new(SecretKey::generate().unwrap(), storage.clone());
    let Err(BuildError::Vault(VaultError::WrongKey { sealed_with, .. })) =
        App::from_config(config()).with_vault(other).build().await
    else {
        panic!("another key must not open the vault");
    };
    assert_eq!(sealed_with, key.fingerprint());

    // Rotation re-seals every secret; afterwards only the new key opens them.
    let new_key = SecretKey::generate().unwrap();
    let (rotated, count) = vault.rotate(new_key.clone()).await.unwrap();
    assert_eq!(count, 2);
    assert_eq!(rotated.read(&["smtp-password"]).await.unwrap().get("smtp-password"), Some(VALUE));
    assert!(matches!(vault.read(&["smtp-password"]).await, Err(VaultError::WrongKey { .. })));
    let listed = rotated.list().await.unwrap();
    let names: Vec<&str> = listed.iter().map(|entry| entry.name.as_str()).collect();
    assert_eq!(names, ["smtp-password", "unused"]);
    assert!(listed.iter().all(|entry| entry.sealed_with_this_key));

    // A config naming a secret the vault lacks is refused, naming it.
    assert!(rotated.delete("smtp-password").await.unwrap());
    let Err(error) = App::from_config(config()).with_vault(rotated).build().await else {
        panic!("a missing secret must stop the build");
    };
    assert!(error.to_string().contains("smtp-password"), "{error}");
}

#[tokio::test]
async fn the_vault_on_sqlite() {
    let url = omnera_sql::testing::sqlite_url();
    sealed_opened_and_rotated(&url).await;
    // The database file holds no value in clear.
    let storage = SqlStorage::connect(&url).await.unwrap();
    Vault::new(SecretKey::generate().unwrap(), storage.clone()).set("plain-check", VALUE).await.unwrap();
    drop(storage);
    let path = url.trim_start_matches("sqlite://");
    let mut bytes = std::fs::read(path).unwrap();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    assert!(
        bytes.windows(11).any(|window| window == b"plain-check"),
        "the names are kept in clear: right file"
    );
    assert!(
        !bytes.windows(VALUE.len()).any(|window| window == VALUE.as_bytes()),
        "the value is on disk in clear"
    );
}

#[tokio::test]
async fn the_vault_on_postgres() {
    omnera_sql::testing::on_postgres("secret vault", async |url| sealed_opened_and_rotated(&url).await).await;
}

#[tokio::test]
async fn an_app_with_secrets_needs_a_vault() {
    let Err(BuildError::MissingCapabilities(missing)) = App::from_config(config()).build().await else {
        panic!("an app that uses secrets must not start without a vault");
    };
    assert_eq!(missing[0].capability, "a secret vault");
    assert_eq!(missing[0].needed_by, ["connections[mail].password"]);
    assert!(missing[0].hint.contains("OMNERA_SECRET_KEY"));
}
