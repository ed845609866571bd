//! Health checks of the config's connections: a live check on demand, and the last result of
//! each, kept by this instance. Storage connections are checked through their blob stores, mail
//! connections through their mailers ([`Mailer::check`](crate::backend::Mailer::check)), the
//! others (`http`, `stripe`, `oauth`) by the host's [`ConnectionChecks`] (omnera-automation's
//! `LiveChecks`).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::App;
use crate::backend::BlobError;
use crate::fields::AttachmentOptions;
use crate::secrets::Secrets;

/// The blob a storage check looks for: it need not exist, the answer proves the bucket answers.
const PROBE: &str = "omnera-health-check/probe";

/// What a live check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HealthStatus {
    /// The service answered as it should, with the connection's credentials.
    Healthy,
    /// The service did not answer, or refused the credentials.
    Unhealthy,
    /// This kind of connection has no live check (OAuth providers are checked by signing in).
    NotChecked,
}

impl HealthStatus {
    /// The status as the API writes it: `healthy`, `unhealthy`, `not-checked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Unhealthy => "unhealthy",
            Self::NotChecked => "not-checked",
        }
    }
}

/// The result of a live check of a connection. Its detail never holds a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionHealth {
    /// What the check found.
    pub status: HealthStatus,
    /// What was checked, or why it failed, for an admin.
    pub detail: String,
    /// When the check ran.
    pub checked_at: DateTime<Utc>,
}

impl ConnectionHealth {
    /// A result found now.
    pub fn new(status: HealthStatus, detail: impl Into<String>) -> Self {
        Self { status, detail: detail.into(), checked_at: Utc::now() }
    }
}

/// Runs live checks of the connections that neither keep files nor send email (the app checks
/// those itself): `http`, `stripe`, `oauth`. omnera-automation ships one (`LiveChecks`).
///
/// ```
/// use omnera_core::App;
/// use omnera_core::app::{ConnectionChecks, ConnectionHealth, HealthStatus};
///
/// struct NothingToCheck;
///
/// #[async_trait::async_trait]
/// impl ConnectionChecks for NothingToCheck {
///     async fn check(&self, _: &App, _: &str) -> ConnectionHealth {
///         ConnectionHealth::new(HealthStatus::NotChecked, "this host checks nothing")
///     }
/// }
/// ```
#[async_trait]
pub trait ConnectionChecks: Send + Sync + 'static {
    /// Checks the connection `name` of `app` now (its config in `app.schema()`, its secrets in
    /// `app.secrets()`).
    async fn check(&self, app: &App, name: &str) -> ConnectionHealth;
}

/// The last result of each connection's check, by name.
#[derive(Default)]
pub(crate) struct LastHealth {
    results: Mutex<HashMap<String, ConnectionHealth>>,
}

impl App {
    /// Checks the connection `name` now and keeps the result as its last health; `None` when
    /// the config has no such connection.
    ///
    /// ```
    /// use omnera_core::app::HealthStatus;
    /// use omnera_core::{App, Config};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let config = Config::from_json_str(r#"{"name": "Hub", "connections": [{"name": "google",
    ///     "type": "oauth", "provider": "google", "clientId": "id", "clientSecret": {"env": "GOOGLE_SECRET"}}]}"#).unwrap();
    /// let app = App::from_config(config).build().await.unwrap();
    /// // Without the host's checks, only storage and mail connections can be checked.
    /// assert_eq!(app.check_connection("google").await.unwrap().status, HealthStatus::NotChecked);
    /// assert_eq!(app.last_health("google").unwrap().status, HealthStatus::NotChecked);
    /// assert!(app.check_connection("slack").await.is_none());
    /// # });
    /// ```
    pub async fn check_connection(&self, name: &str) -> Option<ConnectionHealth> {
        let connection = self.schema().connection(name)?;
        let health = if connection.stores_files() {
            self.check_storage(name).await
        } else if connection.sends_email() {
            self.check_mail(name).await
        } else if let Some(checks) = &self.inner.connection_checks {
            checks.check(self, name).await
        } else {
            ConnectionHealth::new(HealthStatus::NotChecked, "this app was built without connection checks")
        };
        self.inner
            .last_health
            .results
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_owned(), health.clone());
        Some(health)
    }

    /// The last result of the check of connection `name` on this instance, if it was checked.
    pub fn last_health(&self, name: &str) -> Option<ConnectionHealth> {
        self.inner.last_health.results.lock().unwrap_or_else(PoisonError::into_inner).get(name).cloned()
    }

    /// A mail connection's mailer checks its transport (SMTP: EHLO and NOOP; the mail APIs: an
    /// authenticated read).
    async fn check_mail(&self, name: &str) -> ConnectionHealth {
        let checked = match self.mailer_for(Some(name)) {
            Ok(mailer) => mailer.check().await,
            Err(error) => Err(error),
        };
        match checked {
            Ok(Some(detail)) => ConnectionHealth::new(HealthStatus::Healthy, detail),
            Ok(None) => ConnectionHealth::new(HealthStatus::NotChecked, "its mailer has nothing to check"),
            Err(error) => {
                ConnectionHealth::new(HealthStatus::Unhealthy, without_secrets(&error, self.secrets()))
            }
        }
    }

    /// A storage connection answers when asking for a blob that need not exist gets an answer.
    async fn check_storage(&self, name: &str) -> ConnectionHealth {
        let options = AttachmentOptions {
            connection: Some(name.to_owned()),
            bucket: None,
            max_size: 0,
            allowed_types: Vec::new(),
        };
        let store = match self.blob_store_for(&options) {
            Ok(store) => store,
            Err(error) => {
                return ConnectionHealth::new(
                    HealthStatus::Unhealthy,
                    without_secrets(&error, self.secrets()),
                );
            }
        };
        match store.head(PROBE).await {
            Ok(_) | Err(BlobError::NotFound { .. }) => {
                ConnectionHealth::new(HealthStatus::Healthy, "the bucket answered a read")
            }
            Err(error) => {
                ConnectionHealth::new(HealthStatus::Unhealthy, without_secrets(&error, self.secrets()))
            }
        }
    }
}

/// `error`'s message with every vault value blotted out.
fn without_secrets(error: &impl std::fmt::Display, secrets: &Secrets) -> String {
    let mut text = error.to_string();
    for value in secrets.values().filter(|value| !value.is_empty()) {
        text = text.replace(value, "[secret]");
    }
    text
}
