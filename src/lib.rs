//! # Omnera
//!
//! Turn one app config into a running business application: tables in SQLite or PostgreSQL, a
//! REST API, pages, automations and connections. This facade re-exports the core and wires in the
//! backends its features enable.
//!
//! ```
//! use omnera::{App, Config};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let config = Config::from_json_str(r#"{"name": "Notes", "description": "metadata only, for now"}"#)?;
//! let app = App::from_config(config).build().await?;
//! assert_eq!(app.schema().name(), "Notes");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! | feature | adds |
//! |---|---|
//! | `sqlite` (default) | the embedded SQLite storage (`omnera-sql`) |
//! | `postgres` | PostgreSQL storage (`omnera-sql`) |
//! | `http` (default) | the REST API, files, auth and pages (`omnera-http`) |
//! | `automation` (default) | triggers, the worker and actions (`omnera-automation`) |
//! | `smtp` | email through SMTP connections |
//! | `s3` | attachments in S3-compatible storage |
//! | `yaml`, `toml` (default) | configs written in YAML or TOML |
//! | `full` | everything above |

// The headline types: what a host names to build an app, call it, and extend it.
pub use omnera_core::app::{AppBuilder, BuildError, Hooks};
pub use omnera_core::backend::{
    AccountStore, Action, BlobStore, Caller, IdentityProvider, Mailer, Plugin, Policy, Storage,
};
pub use omnera_core::record::RecordDraft;
pub use omnera_core::records::{RecordChange, Records, RecordsError};
pub use omnera_core::{App, Config, ConfigErrors, ConfigFormat, ErrorKind, FieldValue, Schema, TableSchema};

// Everything else, by namespace.
#[cfg(feature = "testing")]
pub use omnera_core::testing;
pub use omnera_core::{accounts, app, backend, config, fields, query, record, records, schema, validate};

/// The README's code blocks, compiled as doc tests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(feature = "automation")]
pub use omnera_automation as automation;
#[cfg(feature = "http")]
pub use omnera_http as http;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use omnera_sql as sql;
