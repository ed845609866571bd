//! Omnera's automation runtime: trigger sources (outbox, cron, webhooks, manual runs, forms),
//! conditions, templates, actions and the worker, as an `omnera_core::backend::Plugin`.
//!
//! Built so far: the [`connections`] that send email ([`MailConnections`], SMTP behind the `smtp`
//! feature, and the Resend, SendGrid and Postmark APIs), which an app uses for its auth emails
//! (`auth.emailConnection`) through [`AppBuilder::with_connection_mailers`]. The triggers,
//! actions and the worker follow.
//!
//! [`AppBuilder::with_connection_mailers`]: omnera_core::app::AppBuilder::with_connection_mailers

pub mod connections;

pub use connections::mail::MailConnections;
