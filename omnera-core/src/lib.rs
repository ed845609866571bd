//! Omnera's core: the app config model and its validation, the checked [`Schema`], field values,
//! the query model, the traits that backends implement, and the [`App`] builder.
//!
//! This crate knows nothing of SQL, HTTP or SMTP; the `omnera` facade wires the backends in.
//!
//! ```
//! use omnera_core::{ConfigFormat, validate_text};
//!
//! let schema = validate_text(r#"{"name": "Notes", "tables": [{"id": 1, "name": "notes",
//!     "fields": [{"id": 1, "name": "body", "type": "long-text", "required": true}]}]}"#,
//!     ConfigFormat::Json)?;
//! assert!(schema.table("notes").unwrap().field("body").unwrap().is_required());
//! # Ok::<(), omnera_core::ConfigErrors>(())
//! ```

pub mod accounts;
pub mod app;
pub mod backend;
pub mod config;
mod error_kind;
pub mod fields;
pub mod query;
pub mod record;
pub mod records;
mod schedule;
pub mod schema;
pub mod secrets;
#[cfg(feature = "testing")]
pub mod testing;
pub mod validate;
mod value;

pub use app::{App, AppBuilder, BuildError};
pub use config::{Config, ConfigFormat, load_schema};
pub use error_kind::ErrorKind;
pub use fields::{FieldDefault, FieldKind};
pub use schedule::CronSchedule;
pub use schema::{Schema, TableSchema};
pub use validate::{ConfigErrors, validate_document, validate_text};
pub use value::{FieldValue, FileRef, ValueProblem};
