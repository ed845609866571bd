//! Extending the engine: plugins (such as the automation runtime) and actions.

use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::{Mailer, Storage};
use crate::Schema;

/// What a plugin gets when the app starts: the schema, the backends, and a token that is
/// cancelled when the app shuts down (every task a plugin spawns must stop on it).
#[derive(Clone)]
#[non_exhaustive]
pub struct PluginContext {
    /// The checked schema.
    pub schema: Schema,
    /// The record store.
    pub storage: Option<Arc<dyn Storage>>,
    /// The app's mailer.
    pub mailer: Option<Arc<dyn Mailer>>,
    /// The actions the host registered, for `custom` steps.
    pub actions: Arc<[Arc<dyn Action>]>,
    /// Cancelled when the app shuts down.
    pub shutdown: CancellationToken,
}

impl std::fmt::Debug for PluginContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginContext").field("app", &self.schema.name()).finish_non_exhaustive()
    }
}

/// Why a plugin could not start or an action failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The plugin needs something the app does not have.
    #[error("plugin {plugin} needs {needs}")]
    Missing {
        /// The plugin.
        plugin: String,
        /// What it needs.
        needs: String,
    },
    /// The plugin failed.
    #[error("plugin {plugin} failed: {source}")]
    Failed {
        /// The plugin.
        plugin: String,
        /// Its error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A part of the platform that runs beside the API, such as the automation runtime.
///
/// ```
/// use omnera_core::backend::{Plugin, PluginContext, PluginError};
///
/// struct Heartbeat;
///
/// #[async_trait::async_trait]
/// impl Plugin for Heartbeat {
///     fn name(&self) -> &str {
///         "heartbeat"
///     }
///     async fn start(&self, context: PluginContext) -> Result<(), PluginError> {
///         tokio::spawn(async move { context.shutdown.cancelled().await });
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait Plugin: Send + Sync + 'static {
    /// The plugin's name, for errors and logs.
    fn name(&self) -> &str;
    /// Whether the plugin runs the config's automations.
    fn runs_automations(&self) -> bool {
        false
    }
    /// Starts the plugin; tasks it spawns stop when `context.shutdown` is cancelled.
    async fn start(&self, context: PluginContext) -> Result<(), PluginError>;
}

/// The input of a `custom` step: its `input` with templates rendered, and the run it belongs to.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ActionInput {
    /// The automation.
    pub automation: String,
    /// The run's id.
    pub run_id: i64,
    /// The step's rendered input.
    pub input: serde_json::Value,
}

/// Why a custom action failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// Worth another attempt (a timeout, a 503).
    #[error("{message} (will retry)")]
    Retryable {
        /// What happened.
        message: String,
    },
    /// Another attempt would fail the same way.
    #[error("{message}")]
    Permanent {
        /// What happened.
        message: String,
    },
}

/// An action the host writes in Rust and the config runs by name in a `custom` step.
///
/// ```
/// use omnera_core::backend::{Action, ActionError, ActionInput};
///
/// struct Shout;
///
/// #[async_trait::async_trait]
/// impl Action for Shout {
///     fn name(&self) -> &str {
///         "shout"
///     }
///     async fn run(&self, input: ActionInput) -> Result<serde_json::Value, ActionError> {
///         let text = input.input["text"].as_str().unwrap_or_default().to_uppercase();
///         Ok(serde_json::json!({"text": text}))
///     }
/// }
/// ```
#[async_trait]
pub trait Action: Send + Sync + 'static {
    /// The name `custom` steps use.
    fn name(&self) -> &str;
    /// Runs the action; its output is `steps.<name>.output` for later steps.
    async fn run(&self, input: ActionInput) -> Result<serde_json::Value, ActionError>;
}
