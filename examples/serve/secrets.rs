//! `serve secrets …`: the secret vault of an app's database, and the key that opens it.
//!
//! The key is the host's: `OMNERA_SECRET_KEY` (base64 or hex), or a file named by
//! `OMNERA_SECRET_KEY_FILE`. Values are read from standard input, never from the command line
//! (where other users of the machine could see them), and never printed.

use std::io::Read as _;
use std::process::ExitCode;

use clap::Subcommand;
use omnera::secrets::{SecretKey, Vault};
use omnera::sql::SqlStorage;

/// The environment variable holding the vault's key.
pub(crate) const KEY_VARIABLE: &str = "OMNERA_SECRET_KEY";
/// The environment variable naming a file that holds the vault's key.
pub(crate) const KEY_FILE_VARIABLE: &str = "OMNERA_SECRET_KEY_FILE";

/// What to do with the vault.
#[derive(Subcommand)]
pub(crate) enum SecretsCommand {
    /// Print a new random key, for OMNERA_SECRET_KEY or a key file.
    GenerateKey,
    /// Set a secret to the value read from standard input (one line, or everything piped in).
    Set {
        /// The secret's name, as the config refers to it: {"secret": "NAME"}.
        name: String,
        #[command(flatten)]
        database: Database,
    },
    /// List the secrets' names and when each was set; never their values.
    List {
        #[command(flatten)]
        database: Database,
    },
    /// Delete a secret.
    Delete {
        /// The secret's name.
        name: String,
        #[command(flatten)]
        database: Database,
    },
    /// Seal every secret again with a new key (all or none); then give the app the new key.
    RotateKey {
        /// The file holding the new key (make one with generate-key).
        #[arg(long)]
        new_key_file: std::path::PathBuf,
        #[command(flatten)]
        database: Database,
    },
}

/// Which database holds the vault.
#[derive(clap::Args)]
pub(crate) struct Database {
    /// The config file, whose name gives the default SQLite database.
    config: std::path::PathBuf,
    /// The database URL: sqlite://FILE or postgres://..
    #[arg(long, env = "OMNERA_DATABASE_URL")]
    database: Option<String>,
}

/// The host's key, if it gave one: `Err` with a message when it gave one that is not a key.
pub(crate) fn host_key() -> Result<Option<SecretKey>, String> {
    if let Ok(text) = std::env::var(KEY_VARIABLE) {
        return SecretKey::parse(&text).map(Some).map_err(|error| format!("{KEY_VARIABLE}: {error}"));
    }
    match std::env::var_os(KEY_FILE_VARIABLE) {
        Some(path) => SecretKey::from_file(path.as_ref())
            .map(Some)
            .map_err(|error| format!("{KEY_FILE_VARIABLE}: {error}")),
        None => Ok(None),
    }
}

pub(crate) async fn run(command: SecretsCommand) -> ExitCode {
    let opened = async |database: &Database| match open(database).await {
        Ok(opened) => Ok(opened),
        Err(message) => Err(fail(&message)),
    };
    let done = match command {
        SecretsCommand::GenerateKey => SecretKey::generate()
            .map(|key| println!("{}", key.to_base64()))
            .map_err(|error| error.to_string()),
        SecretsCommand::Set { name, database } => match opened(&database).await {
            Ok((vault, url)) => set(&vault, &name).await.map(|()| println!("set the secret {name} in {url}")),
            Err(code) => return code,
        },
        SecretsCommand::List { database } => match opened(&database).await {
            Ok((vault, _)) => list(&vault).await,
            Err(code) => return code,
        },
        SecretsCommand::Delete { name, database } => match opened(&database).await {
            Ok((vault, url)) => match vault.delete(&name).await {
                Ok(true) => {
                    println!("deleted the secret {name} from {url}");
                    Ok(())
                }
                Ok(false) => return fail(&format!("{url} has no secret named {name}; nothing changed")),
                Err(error) => Err(error.to_string()),
            },
            Err(code) => return code,
        },
        SecretsCommand::RotateKey { new_key_file, database } => match opened(&database).await {
            Ok((vault, _)) => rotate(&vault, &new_key_file).await,
            Err(code) => return code,
        },
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&format!("{error}; nothing changed")),
    }
}

/// The vault of the database `database` names, opened with the host's key.
async fn open(database: &Database) -> Result<(Vault, String), String> {
    let key = host_key()?.ok_or_else(|| {
        format!(
            "the vault needs its key: set {KEY_VARIABLE} or {KEY_FILE_VARIABLE} (make one with `serve secrets generate-key`)"
        )
    })?;
    let url = database.database.clone().unwrap_or_else(|| super::default_database_url(&database.config));
    let storage = SqlStorage::connect(&url).await.map_err(|error| format!("{url}: {error}"))?;
    Ok((Vault::new(key, storage), url))
}

async fn set(vault: &Vault, name: &str) -> Result<(), String> {
    let mut value = String::new();
    std::io::stdin()
        .read_to_string(&mut value)
        .map_err(|error| format!("cannot read the value from standard input: {error}"))?;
    let value =
        value.strip_suffix('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).unwrap_or(&value);
    if value.is_empty() {
        return Err("the value read from standard input is empty".to_owned());
    }
    vault.set(name, value).await.map_err(|error| error.to_string())
}

async fn list(vault: &Vault) -> Result<(), String> {
    for entry in vault.list().await.map_err(|error| error.to_string())? {
        let other_key = if entry.sealed_with_this_key { "" } else { "  (sealed with another key)" };
        println!("{}  set {}{other_key}", entry.name, entry.updated_at.format("%Y-%m-%d %H:%M:%S UTC"));
    }
    Ok(())
}

async fn rotate(vault: &Vault, new_key_file: &std::path::Path) -> Result<(), String> {
    let new_key = SecretKey::from_file(new_key_file).map_err(|error| error.to_string())?;
    let (rotated, count) = vault.rotate(new_key).await.map_err(|error| error.to_string())?;
    println!(
        "sealed {count} secret(s) with the key {}; start the app with that key from now on",
        rotated.key_fingerprint()
    );
    Ok(())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("{message}");
    ExitCode::FAILURE
}
