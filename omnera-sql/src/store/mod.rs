//! The record store: reads, writes with their outbox events, and queries.

mod cascade;
mod files;
mod layout;
mod read;
mod references;
mod row_check;
mod write;

pub(crate) use files::{attach, detach, record_files};
pub(crate) use layout::TableLayout;
pub(crate) use read::{complete_records, fetch_by_ids, fetch_one, record_from_row};
pub(crate) use row_check::ensure_within;
pub(crate) use write::{WriteContext, delete_one, insert_many, update_one};
