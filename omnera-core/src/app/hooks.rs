//! Record hooks: typed per event, optionally tagged with a table, ordered, and removable.
//! Before-hooks may change or refuse a write; after-hooks run only after the commit.

use std::sync::{Arc, RwLock};

use crate::backend::RecordValues;

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HookEvent {
    /// Before a record is created; may change the values or refuse.
    BeforeCreate,
    /// After a record was created and committed.
    AfterCreate,
    /// Before a record is updated; may change the values or refuse.
    BeforeUpdate,
    /// After a record was updated and committed.
    AfterUpdate,
    /// Before a record is deleted; may refuse.
    BeforeDelete,
    /// After a record was deleted and committed.
    AfterDelete,
}

impl HookEvent {
    /// Whether hooks of this event may change or refuse the write.
    pub fn is_before(self) -> bool {
        matches!(self, Self::BeforeCreate | Self::BeforeUpdate | Self::BeforeDelete)
    }
}

/// What a hook sees: the table, the record (once it has an id) and its values.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct HookContext {
    /// The event.
    pub event: HookEvent,
    /// The table.
    pub table: String,
    /// The record's id; `None` before a create.
    pub record_id: Option<i64>,
    /// The values written (before-hooks may change them).
    pub values: RecordValues,
}

impl HookContext {
    /// The context of one write.
    pub fn new(
        event: HookEvent,
        table: impl Into<String>,
        record_id: Option<i64>,
        values: RecordValues,
    ) -> Self {
        Self { event, table: table.into(), record_id, values }
    }
}

/// A before-hook's refusal; the write fails with this message and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HookRejection {
    /// Why, for the caller.
    pub message: String,
}

/// Identifies a registered hook, to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HookId(u64);

type HookFn = Arc<dyn Fn(&mut HookContext) -> Result<(), HookRejection> + Send + Sync>;

struct RegisteredHook {
    id: HookId,
    event: HookEvent,
    table: Option<String>,
    order: i32,
    run: HookFn,
}

/// The registry of record hooks. Cheap to clone; clones share the hooks.
///
/// ```
/// use omnera_core::app::{HookContext, HookEvent, HookRejection, Hooks};
/// use omnera_core::FieldValue;
///
/// let hooks = Hooks::default();
/// let id = hooks.add(HookEvent::BeforeCreate, Some("contacts"), 0, |context: &mut HookContext| {
///     match context.values.get("email") {
///         Some(FieldValue::Text(email)) if email.ends_with("@spam.test") => {
///             Err(HookRejection { message: "no spam".into() })
///         }
///         _ => Ok(()),
///     }
/// });
/// let values = [("email".to_owned(), FieldValue::Text("x@spam.test".into()))].into();
/// let mut context = HookContext::new(HookEvent::BeforeCreate, "contacts", None, values);
/// assert!(hooks.run(&mut context).is_err());
/// hooks.remove(id);
/// assert!(hooks.run(&mut context).is_ok());
/// ```
#[derive(Clone, Default)]
pub struct Hooks {
    registry: Arc<RwLock<HookRegistry>>,
}

#[derive(Default)]
struct HookRegistry {
    next_id: u64,
    hooks: Vec<RegisteredHook>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.registry.read().map(|registry| registry.hooks.len()).unwrap_or_default();
        f.debug_struct("Hooks").field("count", &count).finish()
    }
}

impl Hooks {
    /// Registers a hook for `event`, on one table or on all (`None`); lower `order` runs first,
    /// equal orders run in the order they were added.
    pub fn add<F>(&self, event: HookEvent, table: Option<&str>, order: i32, hook: F) -> HookId
    where
        F: Fn(&mut HookContext) -> Result<(), HookRejection> + Send + Sync + 'static,
    {
        let Ok(mut registry) = self.registry.write() else { return HookId(u64::MAX) };
        registry.next_id += 1;
        let id = HookId(registry.next_id);
        registry.hooks.push(RegisteredHook {
            id,
            event,
            table: table.map(str::to_owned),
            order,
            run: Arc::new(hook),
        });
        registry.hooks.sort_by_key(|hook| (hook.order, hook.id.0));
        id
    }

    /// Removes a hook; returns whether it was registered.
    pub fn remove(&self, id: HookId) -> bool {
        let Ok(mut registry) = self.registry.write() else { return false };
        let before = registry.hooks.len();
        registry.hooks.retain(|hook| hook.id != id);
        registry.hooks.len() != before
    }

    /// Runs the hooks of `context.event` for its table, in order; the first refusal stops the rest.
    pub fn run(&self, context: &mut HookContext) -> Result<(), HookRejection> {
        let matching: Vec<HookFn> = match self.registry.read() {
            Ok(registry) => registry
                .hooks
                .iter()
                .filter(|hook| hook.event == context.event)
                .filter(|hook| hook.table.as_deref().is_none_or(|table| table == context.table))
                .map(|hook| Arc::clone(&hook.run))
                .collect(),
            Err(_) => Vec::new(),
        };
        matching.iter().try_for_each(|hook| hook(context))
    }
}
