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
//! | `sqlite` (default) | `sql::SqlStorage` on SQLite files and memory (`omnera-sql` with sqlx's SQLite driver and rusqlite only) |
//! | `postgres` | `sql::SqlStorage` on PostgreSQL (`omnera-sql` with sqlx's PostgreSQL driver only); with `sqlite` too, the URL picks the database |
//! | `http` (default) | `http`: the REST API, files, auth, the OpenAPI document and `serve` (`omnera-http`); pages are not built yet |
//! | `automation` (default) | `automation`: mail connections (`automation::MailConnections` for `AppBuilder::with_connection_mailers`; the Resend, SendGrid and Postmark APIs over HTTPS); the triggers, actions and worker are not built yet, so `build()` refuses an app with automations unless the host calls `without_automations()` |
//! | `smtp` | `smtp` connections: email through an SMTP server (lettre, pooled; `tls`, required `starttls` or `none`), with `automation` |
//! | `s3` | `http::S3Settings` and `s3` connections: attachments in S3-compatible storage |
//! | `gcs` | `http::GcsSettings` and `gcs` connections: attachments in Google Cloud Storage |
//! | `azure` | `http::AzureSettings` and `azure` connections: attachments in Azure Blob Storage |
//! | `yaml`, `toml` (default) | configs in YAML or TOML (`Config::from_text`, `.yaml`/`.yml`/`.toml` files in `Config::from_path`); JSON is always read |
//! | `testing` | `backend::RecordingMailer` and the conformance suites (`testing`) |
//! | `full` | every feature above but `testing` |

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
pub use omnera_core::{
    accounts, app, backend, config, fields, query, record, records, schema, secrets, validate,
};

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
