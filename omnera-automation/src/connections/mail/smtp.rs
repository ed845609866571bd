//! SMTP through lettre: a pooled async transport, built once per connection and kept.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use omnera_core::backend::{Email, MailError, Mailer};
use omnera_core::config::SmtpSecurity;

use super::message::prepare;
use super::redact::{transport_error, with_sources};

/// Where and how an [`SmtpMailer`] sends. Its `Debug` form leaves out the password.
///
/// ```
/// use std::time::Duration;
/// use omnera_automation::connections::mail::SmtpSettings;
/// use omnera_core::config::SmtpSecurity;
///
/// let settings = SmtpSettings::new("smtp.example.com", "CRM <crm@example.com>")
///     .with_security(SmtpSecurity::Tls)
///     .with_credentials("crm", "hunter2")
///     .with_timeout(Duration::from_secs(10));
/// assert!(!format!("{settings:?}").contains("hunter2"));
/// ```
#[derive(Clone)]
#[must_use]
pub struct SmtpSettings {
    host: String,
    port: Option<u16>,
    security: SmtpSecurity,
    credentials: Option<(String, String)>,
    from: String,
    timeout: Duration,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port())
            .field("security", &self.security)
            .field("username", &self.credentials.as_ref().map(|(username, _)| username))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SmtpSettings {
    /// The server `host`, required STARTTLS on port 587, no sign-in, a 30-second timeout;
    /// emails without a sender of their own come from `from`.
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port: None,
            security: SmtpSecurity::Starttls,
            credentials: None,
            from: from.into(),
            timeout: Duration::from_secs(30),
        }
    }

    /// The port (default: 465 with `tls`, 587 with `starttls`, 25 with `none`).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// TLS from the first byte, required STARTTLS, or none (for a server on loopback only).
    pub fn with_security(mut self, security: SmtpSecurity) -> Self {
        self.security = security;
        self
    }

    /// Signs in with this user name and password.
    pub fn with_credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((username.into(), password.into()));
        self
    }

    /// How long the server may take to answer a command.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::None => 25,
        })
    }
}

/// Sends email through an SMTP server over a pool of connections, opened as needed and reused.
/// Cheap to clone (the clones share the pool); its `Debug` form leaves out the password.
///
/// ```
/// use omnera_automation::connections::mail::{SmtpMailer, SmtpSettings};
/// use omnera_core::config::SmtpSecurity;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let mailer = SmtpMailer::new(
///     SmtpSettings::new("127.0.0.1", "crm@example.com").with_port(2525).with_security(SmtpSecurity::None),
/// )
/// .unwrap();
/// assert_eq!(format!("{mailer:?}"), "SmtpMailer { server: \"127.0.0.1:2525\", security: None, from: \"crm@example.com\", .. }");
/// # });
/// ```
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    server: String,
    security: SmtpSecurity,
    from: String,
    password: String,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SmtpMailer>();
};

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("server", &self.server)
            .field("security", &self.security)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// The mailer of these settings; no connection is opened until the first email.
    pub fn new(settings: SmtpSettings) -> Result<Self, MailError> {
        let port = settings.port();
        let server = format!("{}:{port}", settings.host);
        let builder = match settings.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host),
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host),
            SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)),
        }
        .map_err(|error| transport_error(&format!("smtp server {server}: {}", with_sources(&error)), &[]))?;
        let mut builder = builder.port(port).timeout(Some(settings.timeout));
        let mut password = String::new();
        if let Some((username, secret)) = settings.credentials {
            password.clone_from(&secret);
            builder = builder.credentials(Credentials::new(username, secret));
        }
        Ok(Self {
            transport: builder.build(),
            server,
            security: settings.security,
            from: settings.from,
            password,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let outgoing = prepare(email, &self.from)?;
        let mailbox = |text: &str| {
            text.parse::<Mailbox>().map_err(|error| MailError::Invalid {
                reason: format!("`{text}` is not an email address: {error}"),
            })
        };
        let mut builder = Message::builder()
            .from(mailbox(outgoing.from)?)
            .subject(email.subject.clone())
            .message_id(Some(outgoing.message_id.clone()));
        for to in &email.to {
            builder = builder.to(mailbox(to)?);
        }
        for cc in &email.cc {
            builder = builder.cc(mailbox(cc)?);
        }
        for bcc in &email.bcc {
            builder = builder.bcc(mailbox(bcc)?);
        }
        let message = match (&email.text, &email.html) {
            (Some(text), Some(html)) => {
                builder.multipart(MultiPart::alternative_plain_html(text.clone(), html.clone()))
            }
            (None, Some(html)) => builder.header(ContentType::TEXT_HTML).body(html.clone()),
            (text, None) => builder.header(ContentType::TEXT_PLAIN).body(text.clone().unwrap_or_default()),
        }
        .map_err(|error| MailError::Invalid { reason: error.to_string() })?;
        self.transport.send(message).await.map(drop).map_err(|error| {
            let why = format!("smtp server {} did not take the email: {}", self.server, with_sources(&error));
            transport_error(&why, &[&self.password])
        })
    }

    /// Connects, greets (EHLO, STARTTLS and AUTH as configured) and sends NOOP.
    async fn check(&self) -> Result<Option<String>, MailError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(Some(format!("smtp server {} answered EHLO and NOOP", self.server))),
            Ok(false) => {
                Err(transport_error(&format!("smtp server {} did not answer NOOP", self.server), &[]))
            }
            Err(error) => {
                let why = format!("smtp server {}: {}", self.server, with_sources(&error));
                Err(transport_error(&why, &[&self.password]))
            }
        }
    }
}
