//! Which mailer sends an email: the host's own ([`AppBuilder::with_mailer`]), or the mailer of
//! the mail connection the config names (`auth.emailConnection`, and later a `send-email`
//! action's `connection`), opened by the host's [`ConnectionMailers`] and kept.
//!
//! The connection of `auth.emailConnection` is opened by `build`, so that a connection that
//! cannot be opened (an unset environment variable, a bad host) fails the build with its name
//! rather than the first password reset; the others are opened on first use.
//!
//! [`AppBuilder::with_mailer`]: super::AppBuilder::with_mailer

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::backend::{MailError, Mailer};
use crate::config::ConnectionConfig;
use crate::secrets::Secrets;

use super::App;

/// Opens the mailer of a mail connection (`smtp`, `resend`, `sendgrid`, `postmark`).
/// `omnera-automation` ships one (`MailConnections`); a host may plug its own.
///
/// ```
/// use std::sync::Arc;
/// use omnera_core::app::ConnectionMailers;
/// use omnera_core::backend::{LogMailer, MailError, Mailer};
/// use omnera_core::config::ConnectionConfig;
/// use omnera_core::secrets::Secrets;
///
/// /// Every mail connection writes to the log: for a staging copy of an app.
/// struct EverythingToTheLog;
///
/// impl ConnectionMailers for EverythingToTheLog {
///     fn open(&self, _: &str, _: &ConnectionConfig, _: &Secrets) -> Result<Arc<dyn Mailer>, MailError> {
///         Ok(Arc::new(LogMailer))
///     }
/// }
/// ```
pub trait ConnectionMailers: Send + Sync + 'static {
    /// The mailer of connection `name`; the connection's `{"secret"}` references resolve from
    /// `secrets`. Called once per connection; the app keeps what it returns.
    fn open(
        &self,
        name: &str,
        connection: &ConnectionConfig,
        secrets: &Secrets,
    ) -> Result<Arc<dyn Mailer>, MailError>;
}

/// The connection mailers opened so far, by connection name.
#[derive(Default)]
pub(crate) struct OpenedMailers {
    mailers: Mutex<HashMap<String, Arc<dyn Mailer>>>,
}

impl OpenedMailers {
    fn get(&self, name: &str) -> Option<Arc<dyn Mailer>> {
        self.mailers.lock().unwrap_or_else(PoisonError::into_inner).get(name).cloned()
    }

    fn keep(&self, name: &str, mailer: &Arc<dyn Mailer>) {
        self.mailers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_owned(), Arc::clone(mailer));
    }
}

/// Opens the mailer of mail connection `name` of `schema` with `opener`.
pub(crate) fn open_connection(
    schema: &crate::Schema,
    opener: Option<&Arc<dyn ConnectionMailers>>,
    name: &str,
    secrets: &Secrets,
) -> Result<Arc<dyn Mailer>, MailError> {
    let unusable = |reason: String| MailError::Transport { source: reason.into() };
    let connection = schema
        .connection(name)
        .filter(|connection| connection.sends_email())
        .ok_or_else(|| unusable(format!("no mail connection `{name}`")))?;
    let opener = opener.ok_or_else(|| unusable(format!("the app opens no mail connections (`{name}`)")))?;
    opener.open(name, connection, secrets)
}

impl App {
    /// The mailer of an email: the app's own ([`AppBuilder::with_mailer`]) for `None`, or the
    /// mailer of the mail connection of that name, opened by the host's [`ConnectionMailers`]
    /// on first use and kept.
    ///
    /// ```
    /// use omnera_core::backend::{Email, LogMailer};
    /// use omnera_core::{App, Config};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let app = App::from_config(Config::from_json_str(r#"{"name": "Shop"}"#).unwrap())
    ///     .with_mailer(LogMailer)
    ///     .build()
    ///     .await
    ///     .unwrap();
    /// app.mailer_for(None).unwrap().send(&Email::new("ann@example.com", "Hi", "Hello")).await.unwrap();
    /// let Err(unknown) = app.mailer_for(Some("newsletter")) else { panic!("no such connection") };
    /// assert_eq!(unknown.to_string(), "mail transport failed: no mail connection `newsletter`");
    /// # });
    /// ```
    ///
    /// [`AppBuilder::with_mailer`]: super::AppBuilder::with_mailer
    pub fn mailer_for(&self, connection: Option<&str>) -> Result<Arc<dyn Mailer>, MailError> {
        let Some(name) = connection else {
            return self
                .mailer()
                .cloned()
                .ok_or_else(|| MailError::Transport { source: "the app has no mailer".into() });
        };
        if let Some(mailer) = self.inner.opened_mailers.get(name) {
            return Ok(mailer);
        }
        let mailer =
            open_connection(self.schema(), self.inner.connection_mailers.as_ref(), name, self.secrets())?;
        self.inner.opened_mailers.keep(name, &mailer);
        Ok(mailer)
    }

    /// The mailer of auth emails (verification, password reset, the notice of a sign-up with a
    /// taken address): the connection of `auth.emailConnection`, else the app's own mailer.
    pub(crate) fn auth_mailer(&self) -> Option<Arc<dyn Mailer>> {
        match self.schema().auth().email_connection() {
            Some(name) => self.inner.opened_mailers.get(name),
            None => self.mailer().cloned(),
        }
    }
}

/// Opens the connection of `auth.emailConnection`, if the schema names one, into `opened`.
pub(crate) fn open_auth_connection(
    schema: &crate::Schema,
    opener: Option<&Arc<dyn ConnectionMailers>>,
    secrets: &Secrets,
    opened: &OpenedMailers,
) -> Result<(), MailError> {
    if let Some(name) = schema.auth().email_connection() {
        let mailer = open_connection(schema, opener, name, secrets)?;
        opened.keep(name, &mailer);
    }
    Ok(())
}
