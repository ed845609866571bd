//! Record hooks: typed per event, optionally tagged with a table, ordered, and removable.
//!
//! The records service runs them on every create, update and delete of a record, alone, many at
//! once or in a batch, whoever writes (the REST API, a form, an automation, host code):
//! before-hooks after the policy allowed the write and before the values are validated, so they
//! may change the draft or refuse it; after-hooks once the transaction has committed, with the
//! committed record, the previous one and the caller. Attaching and detaching files runs no
//! hooks yet.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};

use crate::backend::{Caller, Record};
use crate::record::RecordDraft;

/// A draft about to be created: before-create hooks may change it or refuse it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PendingCreate {
    /// The table.
    pub table: String,
    /// Who is writing.
    pub caller: Caller,
    /// The values as the writer gave them; validated after the hooks.
    pub draft: RecordDraft,
}

/// A change about to be made to a record: before-update hooks may change it or refuse it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PendingUpdate {
    /// The table.
    pub table: String,
    /// Who is writing.
    pub caller: Caller,
    /// The record.
    pub id: i64,
    /// The values to write; with `replaces`, fields left out become empty.
    pub draft: RecordDraft,
    /// Whether the draft replaces the whole record (a PUT) rather than some fields.
    pub replaces: bool,
}

/// A record about to be deleted: before-delete hooks may refuse.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PendingDelete {
    /// The table.
    pub table: String,
    /// Who is deleting.
    pub caller: Caller,
    /// The record.
    pub id: i64,
}

/// A committed change, as after-hooks see it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CommittedChange {
    /// The table.
    pub table: String,
    /// Who wrote.
    pub caller: Caller,
    /// The record as committed; `None` after a delete.
    pub record: Option<Record>,
    /// The record before the change; `None` after a create.
    pub previous: Option<Record>,
}

/// A before-hook's refusal; the write fails with this message and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HookRejection {
    /// Why, for the caller.
    pub message: String,
}

impl HookRejection {
    /// A refusal saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

/// Identifies a registered hook, to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HookId(u64);

type HookFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type HookFn<In, Out> = Arc<dyn Fn(In) -> HookFuture<Out> + Send + Sync>;

/// The hook of one event, boxed.
#[derive(Clone)]
enum Hook {
    BeforeCreate(HookFn<PendingCreate, Result<PendingCreate, HookRejection>>),
    BeforeUpdate(HookFn<PendingUpdate, Result<PendingUpdate, HookRejection>>),
    BeforeDelete(HookFn<PendingDelete, Result<(), HookRejection>>),
    AfterCreate(HookFn<CommittedChange, ()>),
    AfterUpdate(HookFn<CommittedChange, ()>),
    AfterDelete(HookFn<CommittedChange, ()>),
}

struct RegisteredHook {
    id: HookId,
    table: Option<String>,
    order: i32,
    hook: Hook,
}

/// The registry of record hooks. Cheap to clone; clones share the hooks.
///
/// ```
/// use omnera_core::app::{HookRejection, Hooks, PendingCreate};
///
/// let hooks = Hooks::default();
/// let id = hooks.before_create(Some("contacts"), 0, |mut pending: PendingCreate| async move {
///     let email = pending.draft.get("email").and_then(|email| email.as_str()).unwrap_or_default();
///     if email.ends_with("@spam.test") {
///         return Err(HookRejection::new("no spam"));
///     }
///     pending.draft.set("source", "web");
///     Ok(pending)
/// });
/// assert!(hooks.remove(id));
/// assert!(!hooks.remove(id), "a hook is removed once");
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
        let count = self.registry.read().unwrap_or_else(PoisonError::into_inner).hooks.len();
        f.debug_struct("Hooks").field("count", &count).finish()
    }
}

/// Boxes an async hook function.
fn boxed<In, Out, F, Fut>(hook: F) -> HookFn<In, Out>
where
    F: Fn(In) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Out> + Send + 'static,
{
    Arc::new(move |input| Box::pin(hook(input)))
}

impl Hooks {
    /// Runs `hook` before a record is created, on `table` or every table (`None`); it may change
    /// the draft or refuse. Lower `order` runs first; equal orders run in the order added.
    pub fn before_create<F, Fut>(&self, table: Option<&str>, order: i32, hook: F) -> HookId
    where
        F: Fn(PendingCreate) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<PendingCreate, HookRejection>> + Send + 'static,
    {
        self.register(table, order, Hook::BeforeCreate(boxed(hook)))
    }

    /// Runs `hook` before a record is updated or replaced; it may change the draft or refuse.
    pub fn before_update<F, Fut>(&self, table: Option<&str>, order: i32, hook: F) -> HookId
    where
        F: Fn(PendingUpdate) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<PendingUpdate, HookRejection>> + Send + 'static,
    {
        self.register(table, order, Hook::BeforeUpdate(boxed(hook)))
    }

    /// Runs `hook` before a record is deleted; it may refuse.
    pub fn before_delete<F, Fut>(&self, table: Option<&str>, order: i32, hook: F) -> HookId
    where
        F: Fn(PendingDelete) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HookRejection>> + Send + 'static,
    {
        self.register(table, order, Hook::BeforeDelete(boxed(hook)))
    }

    /// Runs `hook` once a create has committed.
    pub fn after_create<F, Fut>(&self, table: Option<&str>, order: i32, hook: F) -> HookId
    where
        F: Fn(CommittedChange) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.register(table, order, Hook::AfterCreate(boxed(hook)))
    }

    /// Runs `hook` once an update has committed.
    pub fn after_update<F, Fut>(&self, table: Option<&str>, order: i32, hook: F) -> HookId
    where
        F: Fn(CommittedChange) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.register(table, order, Hook::AfterUpdate(boxed(hook)))
    }

    /// Runs `hook` once a delete has committed.
    pub fn after_delete<F, Fut>(&self, table: Option<&str>, order: i32, hook: F) -> HookId
    where
        F: Fn(CommittedChange) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.register(table, order, Hook::AfterDelete(boxed(hook)))
    }

    fn register(&self, table: Option<&str>, order: i32, hook: Hook) -> HookId {
        // A hook that panicked while registering left nothing half-done: the list is still valid.
        let mut registry = self.registry.write().unwrap_or_else(PoisonError::into_inner);
        registry.next_id += 1;
        let id = HookId(registry.next_id);
        registry.hooks.push(RegisteredHook { id, table: table.map(str::to_owned), order, hook });
        registry.hooks.sort_by_key(|hook| (hook.order, hook.id.0));
        id
    }

    /// Removes a hook; returns whether it was registered.
    pub fn remove(&self, id: HookId) -> bool {
        let mut registry = self.registry.write().unwrap_or_else(PoisonError::into_inner);
        let before = registry.hooks.len();
        registry.hooks.retain(|hook| hook.id != id);
        registry.hooks.len() != before
    }

    /// The hooks registered for `table`, in order.
    fn for_table(&self, table: &str) -> Vec<Hook> {
        let registry = self.registry.read().unwrap_or_else(PoisonError::into_inner);
        registry
            .hooks
            .iter()
            .filter(|hook| hook.table.as_deref().is_none_or(|only| only == table))
            .map(|hook| hook.hook.clone())
            .collect()
    }

    /// Runs the before-create hooks of the draft's table; the first refusal stops the rest.
    pub(crate) async fn run_before_create(
        &self,
        mut pending: PendingCreate,
    ) -> Result<PendingCreate, HookRejection> {
        for hook in self.for_table(&pending.table) {
            if let Hook::BeforeCreate(run) = hook {
                pending = run(pending).await?;
            }
        }
        Ok(pending)
    }

    /// Runs the before-update hooks of the change's table; the first refusal stops the rest.
    pub(crate) async fn run_before_update(
        &self,
        mut pending: PendingUpdate,
    ) -> Result<PendingUpdate, HookRejection> {
        for hook in self.for_table(&pending.table) {
            if let Hook::BeforeUpdate(run) = hook {
                pending = run(pending).await?;
            }
        }
        Ok(pending)
    }

    /// Runs the before-delete hooks of the record's table; the first refusal stops the rest.
    pub(crate) async fn run_before_delete(&self, pending: &PendingDelete) -> Result<(), HookRejection> {
        for hook in self.for_table(&pending.table) {
            if let Hook::BeforeDelete(run) = hook {
                run(pending.clone()).await?;
            }
        }
        Ok(())
    }

    /// Runs the after-hooks of a committed change: create, update or delete by which records
    /// it has.
    pub(crate) async fn run_after(&self, change: CommittedChange) {
        let hooks = self.for_table(&change.table);
        for hook in hooks {
            let ((Hook::AfterCreate(run), Some(_), None)
            | (Hook::AfterUpdate(run), Some(_), Some(_))
            | (Hook::AfterDelete(run), None, Some(_))) = (hook, &change.record, &change.previous)
            else {
                continue;
            };
            run(change.clone()).await;
        }
    }

    /// Whether any after-hook is registered for `table` (so the service need not keep what
    /// nobody will see).
    pub(crate) fn has_after_hooks(&self, table: &str) -> bool {
        self.for_table(table)
            .iter()
            .any(|hook| matches!(hook, Hook::AfterCreate(_) | Hook::AfterUpdate(_) | Hook::AfterDelete(_)))
    }
}
