//! Sending email through the config's mail connections: SMTP (feature `smtp`) and the Resend,
//! SendGrid and Postmark APIs, each an [`omnera_core::backend::Mailer`].
//!
//! Every message carries a stable `Message-ID`, `<id@the sender's domain>`, where the id is the
//! email's own ([`Email::with_id`](omnera_core::backend::Email::with_id)) or one made per send and
//! kept across the transport's retries; Resend also gets it as its `Idempotency-Key`, so a
//! retried send is recognised as the same message. Errors never contain a credential, and
//! neither does the `Debug` form of a mailer.

mod api;
mod message;
mod opener;
mod postmark;
mod redact;
mod resend;
mod sendgrid;
#[cfg(feature = "smtp")]
mod smtp;

pub use api::{MailApi, MailApiMailer};
pub use opener::MailConnections;
#[cfg(feature = "smtp")]
pub use smtp::{SmtpMailer, SmtpSettings};
