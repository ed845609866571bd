//! Omnera's HTTP layer: the REST API of `API.md`, files, auth, OpenAPI, pages and webhooks, as an
//! axum `Router` that a host nests or merges into its own.
//!
//! Not built yet: this crate is a placeholder in the workspace so that the facade's `http`
//! feature and the crate layout of `ARCHITECTURE.md` are in place.
