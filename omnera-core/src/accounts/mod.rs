//! The accounts service: the rules of signing up, signing in and managing credentials, whoever
//! asks (the REST API today; pages, the admin UI and host code later).
//!
//! Passwords are hashed with Argon2id; session tokens, API keys and one-time tokens are random
//! and reach the [`AccountStore`](crate::backend::AccountStore) only as hashes. The answers never
//! tell which addresses have accounts: a sign-in for an unknown address costs the same Argon2 work
//! as a wrong password, and a sign-up with a taken address answers as a new one does (its owner
//! gets an email). Failed sign-ins slow further tries down, per account and per client address.

mod credentials;
mod error;
mod external;
mod management;
mod notices;
mod one_time;
mod rules;
mod service;
mod sign_in;
mod throttle;

pub use credentials::{new_token, token_hash};
pub use error::AccountsError;
pub use external::ExternalProfile;
pub use management::{AccountChanges, NewKey};
pub use rules::{MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, account_email, new_password_problem};
pub use service::{Accounts, ensure_admin};
pub use sign_in::{NewSession, SESSION_DAYS};
