//! The transactional outbox: events written with each change, read by named consumers.

mod consumers;
mod events;

pub(crate) use consumers::{acknowledge, prune, read};
pub(crate) use events::{RecordChange, write_events};
