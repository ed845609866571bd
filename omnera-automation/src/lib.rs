//! Omnera's automation runtime: trigger sources (outbox, cron, webhooks, manual runs, forms),
//! conditions, templates, actions and the worker, as an `omnera_core::backend::Plugin`.
//!
//! Not built yet: this crate is a placeholder in the workspace so that the facade's `automation`
//! feature and the crate layout of `ARCHITECTURE.md` are in place.
