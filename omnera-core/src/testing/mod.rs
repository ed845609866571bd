//! Test support (feature `testing`): the storage conformance suite that every [`Storage`]
//! backend runs, SQLite and PostgreSQL alike; a third-party backend can run it too.
//!
//! [`Storage`]: crate::backend::Storage
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod storage;

pub use storage::{
    CaseFuture, IncrementOutcome, StorageCase, racing_increments, run_storage_conformance, storage_cases,
};
