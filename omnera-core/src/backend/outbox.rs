//! The outbox: an event per changed record, written in the transaction of the change, read by
//! named consumers that each keep their own position.

use chrono::{DateTime, Utc};
use serde_json::value::RawValue;

use super::Actor;

/// Where an event stands in the order consumers receive events: each event's position is
/// after those of every event delivered before it. A consumer acknowledges through a position
/// ([`super::Storage::outbox_acknowledge`]), and reads on after it.
///
/// The storage defines its parts: `omnera-sql` orders events by the writing transaction's id on
/// PostgreSQL (0 on SQLite, whose writers take turns), then by the event's sequence number.
///
/// ```
/// use omnera_core::backend::OutboxPosition;
///
/// assert!(OutboxPosition::new(7, 3) < OutboxPosition::new(8, 1), "a later transaction comes after");
/// assert!(OutboxPosition::START < OutboxPosition::new(0, 1));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct OutboxPosition {
    /// The order of the writing transaction (compared first).
    pub transaction: i64,
    /// The order of the event within it.
    pub sequence: i64,
}

impl OutboxPosition {
    /// Before every event: where a consumer that never acknowledged starts.
    pub const START: Self = Self { transaction: 0, sequence: 0 };

    /// The position of transaction `transaction`'s event `sequence`.
    pub fn new(transaction: i64, sequence: i64) -> Self {
        Self { transaction, sequence }
    }
}

/// A change to a record, written in the same transaction as the change itself.
///
/// The documents are the record as the API shows it ([`super::RecordJson`]), kept as JSON text
/// so that decimals keep every digit (a `serde_json::Value` would turn them into `f64`s):
///
/// ```
/// # fn show(event: &omnera_core::backend::OutboxEvent) -> Result<(), serde_json::Error> {
/// if let Some(after) = &event.after {
///     let fields: std::collections::BTreeMap<String, Box<serde_json::value::RawValue>> =
///         serde_json::from_str(after.get())?;
///     println!("{} {} by {}: {:?}", event.kind.as_str(), event.record_id, event.actor, fields.get("price"));
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OutboxEvent {
    /// Unique, never reused: consumers drop duplicates by it (delivery is at least once).
    pub id: i64,
    /// Where the event stands: acknowledge through it.
    pub position: OutboxPosition,
    /// The table.
    pub table: String,
    /// The record.
    pub record_id: i64,
    /// `created`, `updated` or `deleted`.
    pub kind: ChangeKind,
    /// The fields that changed, in the order of the config: for an update those whose values
    /// differ; for a create and a delete every field of the record.
    pub changed_fields: Vec<String>,
    /// The record before the change (updates, deletes), as the API shows it.
    pub before: Option<Box<RawValue>>,
    /// The record after the change (creates, updates), as the API shows it.
    pub after: Option<Box<RawValue>>,
    /// Who made the change.
    pub actor: Actor,
    /// The request the change served, if any.
    pub request_id: Option<String>,
    /// When the change was written, by the writer's clock; it committed at once after.
    pub at: DateTime<Utc>,
}

impl OutboxEvent {
    /// An event as the storage read it back, with no changed fields or documents yet, made
    /// anonymously outside any request.
    pub fn new(
        id: i64,
        position: OutboxPosition,
        table: impl Into<String>,
        record_id: i64,
        kind: ChangeKind,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            position,
            table: table.into(),
            record_id,
            kind,
            changed_fields: Vec::new(),
            before: None,
            after: None,
            actor: Actor::Anonymous,
            request_id: None,
            at,
        }
    }
}

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeKind {
    /// Created.
    Created,
    /// Updated.
    Updated,
    /// Deleted.
    Deleted,
}

impl ChangeKind {
    /// `created`, `updated` or `deleted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }

    /// The kind `text` names ([`ChangeKind::as_str`] read back).
    pub fn from_name(text: &str) -> Option<Self> {
        [Self::Created, Self::Updated, Self::Deleted].into_iter().find(|kind| kind.as_str() == text)
    }
}
