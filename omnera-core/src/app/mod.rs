//! The [`App`]: a checked schema wired to its backends, and the [`AppBuilder`] that makes one.

mod blob_stores;
mod builder;
mod capabilities;
mod connection_health;
mod hooks;
mod mailers;
mod outbox_retention;

use std::sync::Arc;

pub use blob_stores::ConnectionBlobStores;
pub use builder::{AppBuilder, BuildError};
pub use capabilities::MissingCapability;
pub use connection_health::{ConnectionChecks, ConnectionHealth, HealthStatus};
pub use hooks::{CommittedChange, HookId, HookRejection, Hooks, PendingCreate, PendingDelete, PendingUpdate};
pub use mailers::ConnectionMailers;
pub use outbox_retention::OutboxRetention;
use tokio_util::sync::CancellationToken;

use crate::backend::{AccountStore, Action, BlobStore, IdentityProvider, Mailer, Policy, Storage};
use crate::secrets::{Secrets, Vault};
use crate::{Config, Schema};

/// A built app: its schema and backends. Cheap to clone (`Arc` inside), `Send + Sync`.
///
/// ```
/// use omnera_core::{App, Config};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let app = App::from_config(Config::from_json_str(r#"{"name": "Empty"}"#).unwrap()).build().await.unwrap();
/// assert_eq!(app.schema().name(), "Empty");
/// app.shutdown();
/// # });
/// ```
#[derive(Clone)]
pub struct App {
    inner: Arc<AppParts>,
}

pub(crate) struct AppParts {
    pub(crate) schema: Schema,
    pub(crate) storage: Option<Arc<dyn Storage>>,
    pub(crate) blob_store: Option<Arc<dyn BlobStore>>,
    pub(crate) mailer: Option<Arc<dyn Mailer>>,
    pub(crate) identity: Option<Arc<dyn IdentityProvider>>,
    pub(crate) policy: Arc<dyn Policy>,
    pub(crate) accounts: Option<Arc<dyn AccountStore>>,
    pub(crate) actions: Arc<[Arc<dyn Action>]>,
    pub(crate) hooks: Hooks,
    pub(crate) connection_stores: Option<Arc<dyn ConnectionBlobStores>>,
    pub(crate) opened_stores: blob_stores::OpenedStores,
    pub(crate) connection_mailers: Option<Arc<dyn ConnectionMailers>>,
    pub(crate) opened_mailers: mailers::OpenedMailers,
    pub(crate) secrets: Secrets,
    pub(crate) vault: Option<Vault>,
    pub(crate) connection_checks: Option<Arc<dyn ConnectionChecks>>,
    pub(crate) last_health: connection_health::LastHealth,
    pub(crate) shutdown: CancellationToken,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<App>();
    assert_send_sync::<AppBuilder>();
};

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("name", &self.inner.schema.name()).finish_non_exhaustive()
    }
}

impl App {
    /// Starts building an app from a config; [`AppBuilder::build`] validates it.
    pub fn from_config(config: Config) -> AppBuilder {
        AppBuilder::new(config)
    }

    /// The checked schema.
    pub fn schema(&self) -> &Schema {
        &self.inner.schema
    }

    /// The secret vault, when the app was built with one: where connections keep the tokens
    /// they obtain at run time (sealed like every secret).
    pub fn vault(&self) -> Option<&Vault> {
        self.inner.vault.as_ref()
    }

    /// The values of the config's vault secrets, read when the app was built: what
    /// [`ConfigText::resolve`](crate::config::ConfigText::resolve) reads `{"secret"}` references from.
    pub fn secrets(&self) -> &Secrets {
        &self.inner.secrets
    }

    /// The record store, if the app has one.
    pub fn storage(&self) -> Option<&Arc<dyn Storage>> {
        self.inner.storage.as_ref()
    }

    /// The blob store for attachments, if the app has one.
    pub fn blob_store(&self) -> Option<&Arc<dyn BlobStore>> {
        self.inner.blob_store.as_ref()
    }

    /// The mailer, if the app has one.
    pub fn mailer(&self) -> Option<&Arc<dyn Mailer>> {
        self.inner.mailer.as_ref()
    }

    /// The host's identity provider, if it gave one (the engine's own is used otherwise).
    pub fn identity(&self) -> Option<&Arc<dyn IdentityProvider>> {
        self.inner.identity.as_ref()
    }

    /// Who may do what: the host's policy, or else the config's `auth`
    /// ([`ConfigPolicy`](crate::records::ConfigPolicy)).
    pub fn policy(&self) -> &Arc<dyn Policy> {
        &self.inner.policy
    }

    /// The account store (users and sessions), if the app has one. [`App::accounts`] applies
    /// the rules of accounts on top of it.
    pub fn account_store(&self) -> Option<&Arc<dyn AccountStore>> {
        self.inner.accounts.as_ref()
    }

    /// The actions the host registered for `custom` steps.
    pub fn actions(&self) -> &[Arc<dyn Action>] {
        &self.inner.actions
    }

    /// The record hooks.
    pub fn hooks(&self) -> &Hooks {
        &self.inner.hooks
    }

    /// A token cancelled by [`App::shutdown`]; background tasks stop on it.
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    /// Stops every background task of the app (plugins, workers, schedulers).
    pub fn shutdown(&self) {
        self.inner.shutdown.cancel();
    }
}
