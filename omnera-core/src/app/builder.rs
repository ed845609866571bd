//! Building an [`App`]: backends in, checks, schema applied, plugins started.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::capabilities::{MissingCapability, Provided, missing_capabilities};
use super::mailers::{OpenedMailers, open_auth_connection};
use super::outbox_retention::start_pruning;
use super::{
    App, AppParts, ConnectionBlobStores, ConnectionChecks, ConnectionMailers, Hooks, OutboxRetention,
};
use crate::backend::{
    AccountStore, Action, ApplyOptions, BlobStore, IdentityProvider, MailError, Mailer, Plugin,
    PluginContext, PluginError, Policy, Storage, StorageError,
};
use crate::records::ConfigPolicy;
use crate::secrets::{Secrets, Vault, VaultError, vault_references};
use crate::{Config, ConfigErrors};

/// Why an app could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The config has problems; every one is listed.
    #[error("the config has {count} problem(s):\n{0}", count = .0.len())]
    InvalidConfig(#[from] ConfigErrors),
    /// The schema needs backends the builder was not given; every one is listed.
    #[error("the app is missing {}:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    MissingCapabilities(Vec<MissingCapability>),
    /// The storage could not apply the schema.
    #[error("the schema could not be applied: {0}")]
    Storage(#[from] StorageError),
    /// The vault secrets the config refers to could not be read.
    #[error("the config's secrets could not be read: {0}")]
    Vault(#[from] VaultError),
    /// A plugin could not start.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The mail connection of `auth.emailConnection` could not be opened (an unset
    /// environment variable, a host that is not valid).
    #[error("the mail connection `{name}` (auth.emailConnection) could not be opened: {source}")]
    MailConnection {
        /// The connection's name.
        name: String,
        /// Why it could not be opened.
        #[source]
        source: MailError,
    },
}

/// Wires a config to its backends. Setters never fail; [`AppBuilder::build`] reports every
/// problem at once.
///
/// ```
/// use omnera_core::app::BuildError;
/// use omnera_core::{App, Config};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let config = Config::from_json_str(r#"{"name": "Docs", "tables": [{"id": 1, "name": "documents",
///     "fields": [{"id": 1, "name": "scan", "type": "single-attachment"}]}]}"#).unwrap();
/// let Err(BuildError::MissingCapabilities(missing)) = App::from_config(config).build().await else {
///     panic!("a table with attachments needs storage and a blob store");
/// };
/// let missing: Vec<&str> = missing.iter().map(|capability| capability.capability.as_str()).collect();
/// assert_eq!(missing, ["a storage", "a blob store"]);
/// # });
/// ```
#[must_use]
pub struct AppBuilder {
    config: Config,
    storage: Option<Arc<dyn Storage>>,
    blob_store: Option<Arc<dyn BlobStore>>,
    connection_stores: Option<Arc<dyn ConnectionBlobStores>>,
    connection_mailers: Option<Arc<dyn ConnectionMailers>>,
    mailer: Option<Arc<dyn Mailer>>,
    identity: Option<Arc<dyn IdentityProvider>>,
    policy: Option<Arc<dyn Policy>>,
    accounts: Option<Arc<dyn AccountStore>>,
    plugins: Vec<Arc<dyn Plugin>>,
    actions: Vec<Arc<dyn Action>>,
    hooks: Hooks,
    vault: Option<Vault>,
    connection_checks: Option<Arc<dyn ConnectionChecks>>,
    apply_options: ApplyOptions,
    automations_disabled: bool,
    outbox_retention: OutboxRetention,
}

impl AppBuilder {
    pub(super) fn new(config: Config) -> Self {
        Self {
            config,
            storage: None,
            blob_store: None,
            connection_stores: None,
            connection_mailers: None,
            mailer: None,
            identity: None,
            policy: None,
            accounts: None,
            plugins: Vec::new(),
            actions: Vec::new(),
            hooks: Hooks::default(),
            vault: None,
            connection_checks: None,
            apply_options: ApplyOptions::default(),
            automations_disabled: false,
            outbox_retention: OutboxRetention::default(),
        }
    }

    /// The record store (needed when the config has tables).
    pub fn with_storage(mut self, storage: impl Storage) -> Self {
        self.storage = Some(Arc::new(storage));
        self
    }

    /// The blob store for attachments kept locally (needed by attachment fields).
    pub fn with_blob_store(mut self, store: impl BlobStore) -> Self {
        self.blob_store = Some(Arc::new(store));
        self
    }

    /// Opens the blob stores of storage connections (needed by attachment fields that name a
    /// connection), such as omnera-http's `StorageConnections`.
    pub fn with_connection_blob_stores(mut self, stores: impl ConnectionBlobStores) -> Self {
        self.connection_stores = Some(Arc::new(stores));
        self
    }

    /// Opens the mailers of mail connections (needed when `auth.emailConnection` names one),
    /// such as omnera-automation's `MailConnections`. See [`App::mailer_for`].
    pub fn with_connection_mailers(mut self, mailers: impl ConnectionMailers) -> Self {
        self.connection_mailers = Some(Arc::new(mailers));
        self
    }

    /// The mailer for emails without a connection of their own (auth emails too, unless the
    /// config names an `auth.emailConnection`).
    pub fn with_mailer(mut self, mailer: impl Mailer) -> Self {
        self.mailer = Some(Arc::new(mailer));
        self
    }

    /// The secret vault that `{"secret": "name"}` references are read from when the app is
    /// built (needed when the config has such references).
    pub fn with_vault(mut self, vault: Vault) -> Self {
        self.vault = Some(vault);
        self
    }

    /// Runs the live checks of the connections that are not storage (`App::check_connection`),
    /// such as omnera-automation's `LiveChecks`.
    pub fn with_connection_checks(mut self, checks: impl ConnectionChecks) -> Self {
        self.connection_checks = Some(Arc::new(checks));
        self
    }

    /// The host's own identity provider instead of the engine's users.
    pub fn with_identity_provider(mut self, identity: impl IdentityProvider) -> Self {
        self.identity = Some(Arc::new(identity));
        self
    }

    /// The host's own policy instead of the config's `auth` section.
    pub fn with_policy(mut self, policy: impl Policy) -> Self {
        self.policy = Some(Arc::new(policy));
        self
    }

    /// The account store for users and sessions.
    pub fn with_accounts(mut self, accounts: impl AccountStore) -> Self {
        self.accounts = Some(Arc::new(accounts));
        self
    }

    /// A plugin, such as the automation runtime; started by `build`.
    pub fn with_plugin(mut self, plugin: impl Plugin) -> Self {
        self.plugins.push(Arc::new(plugin));
        self
    }

    /// An action that `custom` steps run by its name.
    pub fn with_action(mut self, action: impl Action) -> Self {
        self.actions.push(Arc::new(action));
        self
    }

    /// Hooks registered before the app starts (more can be added to `App::hooks` later).
    pub fn with_hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// Runs the app without its automations: `build` then needs no automation runtime, and no
    /// mailer or custom actions for them. For hosts that want the API only.
    pub fn without_automations(mut self) -> Self {
        self.automations_disabled = true;
        self
    }

    /// How long acknowledged outbox events are kept (default: seven days, pruned hourly, by a
    /// task that stops with [`App::shutdown`]).
    pub fn with_outbox_retention(mut self, retention: OutboxRetention) -> Self {
        self.outbox_retention = retention;
        self
    }

    /// Lets schema changes that lose data run (dropping columns or tables, narrowing types).
    pub fn allow_data_loss(mut self, allow: bool) -> Self {
        self.apply_options.allow_data_loss = allow;
        self
    }

    /// Validates the config, checks that every capability it needs was given, applies the
    /// schema to the storage and starts the plugins.
    pub async fn build(self) -> Result<App, BuildError> {
        let schema = self.config.validate()?;
        let provided = Provided {
            storage: self.storage.is_some(),
            blob_store: self.blob_store.is_some(),
            connection_stores: self.connection_stores.is_some(),
            connection_mailers: self.connection_mailers.is_some(),
            accounts: self.accounts.is_some() || self.identity.is_some(),
            vault: self.vault.is_some(),
            mailer: self.mailer.is_some(),
            automation_runtime: self.plugins.iter().any(|plugin| plugin.runs_automations()),
            automations_disabled: self.automations_disabled,
            actions: &self.actions,
        };
        let missing = missing_capabilities(&schema, &provided);
        if !missing.is_empty() {
            return Err(BuildError::MissingCapabilities(missing));
        }
        let secrets = match &self.vault {
            Some(vault) => {
                let references = vault_references(&schema);
                let names: Vec<&str> = references.iter().map(|reference| reference.name.as_str()).collect();
                vault.read(&names).await?
            }
            None => Secrets::none(),
        };
        let opened_mailers = OpenedMailers::default();
        open_auth_connection(&schema, self.connection_mailers.as_ref(), &secrets, &opened_mailers).map_err(
            |source| BuildError::MailConnection {
                name: schema.auth().email_connection().unwrap_or_default().to_owned(),
                source,
            },
        )?;
        if let Some(storage) = &self.storage {
            storage.apply_schema(&schema, &self.apply_options).await?;
        }
        let shutdown = CancellationToken::new();
        let actions: Arc<[Arc<dyn Action>]> = self.actions.into();
        let context = PluginContext {
            schema: schema.clone(),
            storage: self.storage.clone(),
            mailer: self.mailer.clone(),
            actions: Arc::clone(&actions),
            shutdown: shutdown.clone(),
        };
        for plugin in &self.plugins {
            if let Err(error) = plugin.start(context.clone()).await {
                shutdown.cancel();
                return Err(error.into());
            }
        }
        if let Some(storage) = &self.storage {
            start_pruning(Arc::clone(storage), self.outbox_retention, shutdown.clone());
        }
        let policy = self.policy.unwrap_or_else(|| Arc::new(ConfigPolicy::new(schema.clone())));
        Ok(App {
            inner: Arc::new(AppParts {
                schema,
                storage: self.storage,
                blob_store: self.blob_store,
                mailer: self.mailer,
                identity: self.identity,
                policy,
                accounts: self.accounts,
                actions,
                hooks: self.hooks,
                connection_stores: self.connection_stores,
                opened_stores: Default::default(),
                connection_mailers: self.connection_mailers,
                opened_mailers,
                secrets,
                vault: self.vault,
                connection_checks: self.connection_checks,
                last_health: Default::default(),
                shutdown,
            }),
        })
    }
}
