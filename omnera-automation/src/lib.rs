//! Omnera's automation runtime: trigger sources (outbox, cron, webhooks, manual runs, forms),
//! conditions, templates, actions and the worker, as an `omnera_core::backend::Plugin`; and the
//! [`connections`] it talks to the outside world through.
//!
//! The runtime itself is not built yet; the connections are.

pub mod connections;
