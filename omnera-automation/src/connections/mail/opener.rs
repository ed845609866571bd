//! [`MailConnections`]: the mailer of a mail connection of the config.

use std::sync::Arc;
use std::time::Duration;

use omnera_core::app::ConnectionMailers;
use omnera_core::backend::{MailError, Mailer};
use omnera_core::config::{ConnectionConfig, MailApiConnection};
use omnera_core::secrets::Secrets;

use super::api::{MailApi, MailApiMailer};
use super::redact::transport_error;

/// Opens the mailers of the config's mail connections: `smtp` (with the `smtp` feature),
/// `resend`, `sendgrid` and `postmark`, their `{"env"}` and `{"secret"}` references resolved
/// when opened. Give it to [`AppBuilder::with_connection_mailers`].
///
/// ```
/// use omnera_automation::MailConnections;
/// use omnera_core::app::ConnectionMailers;
/// use omnera_core::config::ConnectionConfig;
/// use omnera_core::secrets::Secrets;
///
/// let connection: ConnectionConfig = serde_json::from_str(r#"{"type": "postmark", "name": "mail",
///     "apiKey": {"secret": "postmark-token"}, "from": "Club <club@example.com>"}"#).unwrap();
/// let secrets = Secrets::from_values([("postmark-token", "server-token")]);
/// let _mailer = MailConnections::new().open("mail", &connection, &secrets).unwrap();
///
/// let Err(unset) = MailConnections::new().open("mail", &connection, &Secrets::none()) else {
///     panic!("an unset secret cannot open the connection");
/// };
/// assert!(unset.to_string().contains("the secret `postmark-token` is not in the vault"), "{unset}");
/// ```
///
/// A host gives it to the builder, and the app opens the connection that
/// `auth.emailConnection` names when it is built (the others on first use, [`App::mailer_for`]):
/// `App::from_config(config).with_connection_mailers(MailConnections::new())`.
///
/// [`App::mailer_for`]: omnera_core::App::mailer_for
/// [`AppBuilder::with_connection_mailers`]: omnera_core::app::AppBuilder::with_connection_mailers
#[derive(Debug, Clone, Copy)]
pub struct MailConnections {
    smtp_timeout: Duration,
}

impl Default for MailConnections {
    fn default() -> Self {
        Self { smtp_timeout: Duration::from_secs(30) }
    }
}

impl MailConnections {
    /// The opener, with a 30-second timeout on each SMTP command.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long an SMTP server may take to answer a command before the send fails.
    #[must_use]
    pub fn with_smtp_timeout(mut self, timeout: Duration) -> Self {
        self.smtp_timeout = timeout;
        self
    }
}

impl ConnectionMailers for MailConnections {
    fn open(
        &self,
        name: &str,
        connection: &ConnectionConfig,
        secrets: &Secrets,
    ) -> Result<Arc<dyn Mailer>, MailError> {
        let unusable = |reason: &dyn std::fmt::Display| {
            transport_error(&format!("the mail connection `{name}` cannot be opened: {reason}"), &[])
        };
        let api = |api: MailApi, settings: &MailApiConnection| -> Result<Arc<dyn Mailer>, MailError> {
            let key = settings.api_key.resolve(secrets).map_err(|error| unusable(&error))?;
            let from = settings.from.resolve(secrets).map_err(|error| unusable(&error))?;
            Ok(Arc::new(MailApiMailer::new(api, key, from)?))
        };
        match connection {
            ConnectionConfig::Resend(settings) => api(MailApi::Resend, settings),
            ConnectionConfig::Sendgrid(settings) => api(MailApi::Sendgrid, settings),
            ConnectionConfig::Postmark(settings) => api(MailApi::Postmark, settings),
            #[cfg(feature = "smtp")]
            ConnectionConfig::Smtp(smtp) => {
                let resolve = |text: &omnera_core::config::ConfigText| {
                    text.resolve(secrets).map_err(|error| unusable(&error))
                };
                let mut settings = super::SmtpSettings::new(resolve(&smtp.host)?, resolve(&smtp.from)?)
                    .with_security(smtp.security)
                    .with_timeout(self.smtp_timeout);
                if let Some(port) = smtp.port {
                    settings = settings.with_port(port);
                }
                if let Some(username) = &smtp.username {
                    let password = match &smtp.password {
                        Some(password) => password.resolve(secrets).map_err(|error| unusable(&error))?,
                        None => String::new(),
                    };
                    settings = settings.with_credentials(resolve(username)?, password);
                }
                Ok(Arc::new(super::SmtpMailer::new(settings)?))
            }
            #[cfg(not(feature = "smtp"))]
            ConnectionConfig::Smtp(_) => Err(unusable(
                &"this build sends no SMTP: enable omnera-automation's `smtp` feature (the facade's `smtp`)",
            )),
            other => Err(unusable(&format!("a connection of type {} cannot send email", other.type_name()))),
        }
    }
}
