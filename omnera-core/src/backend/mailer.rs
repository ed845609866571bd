//! Sending email: one required method, a logging mailer, and a recording one for tests.

use async_trait::async_trait;

/// An email ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Email {
    /// The sender, such as `CRM <crm@example.com>`; `None`: the mailer's own.
    pub from: Option<String>,
    /// The recipients.
    pub to: Vec<String>,
    /// Copies.
    pub cc: Vec<String>,
    /// Blind copies.
    pub bcc: Vec<String>,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: Option<String>,
    /// The HTML body.
    pub html: Option<String>,
    /// A stable id of this message, set by the sender so that sending it again (a retry) is
    /// recognised as the same message: transports make the `Message-ID` `<id@sender's domain>`
    /// of it, and send it as the idempotency key of mail APIs that have one. `None`: the
    /// transport makes one per `send` call and keeps it across its own retries.
    pub id: Option<String>,
}

impl Email {
    /// An email to one recipient with a plain-text body.
    ///
    /// ```
    /// let email = omnera_core::backend::Email::new("ann@example.com", "Welcome", "Hello Ann");
    /// assert_eq!(email.to, ["ann@example.com"]);
    /// ```
    pub fn new(to: impl Into<String>, subject: impl Into<String>, text: impl Into<String>) -> Self {
        Self { to: vec![to.into()], subject: subject.into(), text: Some(text.into()), ..Self::default() }
    }

    /// The same email with a stable id (see [`Email::id`]), such as an automation run's step
    /// id, so that a send repeated after a crash or a timeout is recognised as the same message.
    ///
    /// ```
    /// let email = omnera_core::backend::Email::new("ann@example.com", "Invoice", "Attached")
    ///     .with_id("run-42-step-3");
    /// assert_eq!(email.id.as_deref(), Some("run-42-step-3"));
    /// ```
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

/// Why an email was not sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// The message itself is unusable (no recipient, a malformed address).
    #[error("invalid email: {reason}")]
    Invalid {
        /// What is wrong.
        reason: String,
    },
    /// The transport failed; the send may be retried.
    #[error("mail transport failed: {source}")]
    Transport {
        /// The transport's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Sends email. Implemented over SMTP and mail APIs by `omnera-automation`.
///
/// ```
/// use omnera_core::backend::{Email, MailError, Mailer};
///
/// struct Discard;
///
/// #[async_trait::async_trait]
/// impl Mailer for Discard {
///     async fn send(&self, _email: &Email) -> Result<(), MailError> {
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Sends one email.
    async fn send(&self, email: &Email) -> Result<(), MailError>;

    /// Checks, without sending anything, that the transport answers and takes its credentials
    /// (the health check of a mail connection): `Ok(Some(what was checked))`, `Ok(None)` when
    /// the mailer has nothing to check (the default), or why it failed.
    async fn check(&self) -> Result<Option<String>, MailError> {
        Ok(None)
    }
}

/// Writes every email to the `tracing` log instead of sending it: the embedded default.
///
/// ```
/// use omnera_core::backend::{Email, LogMailer, Mailer};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// LogMailer.send(&Email::new("ann@example.com", "Hi", "Hello")).await.unwrap();
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LogMailer;

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        check_recipients(email)?;
        tracing::info!(
            to = %email.to.join(", "),
            subject = %email.subject,
            text = email.text.as_deref().unwrap_or_default(),
            "email (not sent: LogMailer)"
        );
        Ok(())
    }
}

fn check_recipients(email: &Email) -> Result<(), MailError> {
    if email.to.is_empty() && email.cc.is_empty() && email.bcc.is_empty() {
        return Err(MailError::Invalid { reason: "no recipient".to_owned() });
    }
    Ok(())
}

/// Keeps every email it is given, for tests to inspect. Clones share one outbox.
///
/// ```
/// use omnera_core::backend::{Email, Mailer, RecordingMailer};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let mailer = RecordingMailer::default();
/// mailer.send(&Email::new("ann@example.com", "Welcome", "Hello")).await.unwrap();
/// assert_eq!(mailer.sent()[0].subject, "Welcome");
/// # });
/// ```
#[cfg(feature = "testing")]
#[derive(Debug, Clone, Default)]
pub struct RecordingMailer {
    sent: std::sync::Arc<std::sync::Mutex<Vec<Email>>>,
}

#[cfg(feature = "testing")]
impl RecordingMailer {
    /// The emails sent so far, oldest first.
    pub fn sent(&self) -> Vec<Email> {
        self.sent.lock().map(|sent| sent.clone()).unwrap_or_default()
    }
}

#[cfg(feature = "testing")]
#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        check_recipients(email)?;
        if let Ok(mut sent) = self.sent.lock() {
            sent.push(email.clone());
        }
        Ok(())
    }
}
