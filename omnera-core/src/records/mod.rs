//! The records service: the one way to read and write records, whoever calls.
//!
//! The REST API, pages, forms, automation actions, the admin UI and host code all call it with a
//! [`Caller`](crate::backend::Caller), through [`App::records`](crate::App::records). For each
//! call it applies, in order:
//! 1. the policy: whether the caller may take the action on the table, and the rows it may take
//!    it on (a permission's `where`, composed as a filter AST), also on related records reached
//!    through `expand`, filter paths and the references a draft makes;
//! 2. the before-hooks, which may change the draft or refuse it;
//! 3. validation: the field modules check and normalise every value, all problems at once;
//! 4. one transaction in the storage: the rows, and an outbox event per changed record;
//! 5. after commit: the after-hooks, and the blobs of files the write let go of are deleted.
//!
//! No transport keeps a rule of a write; each parses its input, calls the service and renders
//! the result (or [`RecordsError::kind`]).

mod access;
mod batch_ids;
mod error;
mod files;
mod id_filters;
mod list_parameters;
mod policy;
mod read;
mod related_expansions;
mod related_filters;
mod service;
mod visible_references;
mod write;

pub use error::RecordsError;
pub use list_parameters::{DEFAULT_LIMIT, ListRequest, MAX_LIMIT, list_request, positive};
pub use policy::ConfigPolicy;
pub use service::Records;
pub use write::{BatchDraft, BatchWritten, RecordChange};
