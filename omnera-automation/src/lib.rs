//! Omnera's automation runtime: trigger sources (outbox, cron, webhooks, manual runs, forms),
//! conditions, templates, actions and the worker, as an `omnera_core::backend::Plugin`; and the
//! [`connections`] it talks to the outside world through.
//!
//! Built so far: the connections. Those that send email ([`MailConnections`], SMTP behind the
//! `smtp` feature, and the Resend, SendGrid and Postmark APIs) serve an app's auth emails
//! (`auth.emailConnection`) through [`AppBuilder::with_connection_mailers`]; [`HttpApi`] sends
//! requests through `http` and `stripe` connections. The triggers, actions and the worker follow.
//!
//! [`AppBuilder::with_connection_mailers`]: omnera_core::app::AppBuilder::with_connection_mailers
//! [`HttpApi`]: connections::HttpApi

pub mod connections;

pub use connections::mail::MailConnections;
