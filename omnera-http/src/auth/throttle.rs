//! Failed sign-ins are rate limited per account and per client address. The counts live in the
//! account store, so every instance of a scaled-out app sees the same ones.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::Extensions;
use chrono::{Duration, Utc};
use omnera_core::backend::AccountStore;

use super::store_error;
use crate::error::ApiError;

/// The window in which failures count.
const WINDOW_MINUTES: i64 = 15;
/// Failures one account may have in the window before it is locked until the oldest expires.
pub(crate) const FAILURES_PER_ACCOUNT: u32 = 5;
/// Failures one client address may have in the window (it may try several accounts).
pub(crate) const FAILURES_PER_ADDRESS: u32 = 20;

/// The throttle key of an account's failed sign-ins.
pub(super) fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

/// The throttle keys of one sign-in attempt: the account, and the client address if known.
pub(super) struct SignInAttempt {
    keys: Vec<(String, u32)>,
}

impl SignInAttempt {
    /// The attempt to sign in as `email` from the request's peer address, when the server
    /// recorded it (`into_make_service_with_connect_info`).
    pub(super) fn new(email: &str, extensions: &Extensions) -> Self {
        let mut keys = vec![(account_key(email), FAILURES_PER_ACCOUNT)];
        if let Some(ConnectInfo(address)) = extensions.get::<ConnectInfo<SocketAddr>>() {
            keys.push((format!("address:{}", address.ip()), FAILURES_PER_ADDRESS));
        }
        Self { keys }
    }

    /// A 429 with `Retry-After` when the account or the address has failed too often lately.
    pub(super) async fn check(&self, accounts: &dyn AccountStore) -> Result<(), ApiError> {
        let now = Utc::now();
        let window = Duration::minutes(WINDOW_MINUTES);
        for (key, limit) in &self.keys {
            let failures = accounts.failed_sign_ins(key, now - window).await.map_err(store_error)?;
            if failures.count >= *limit {
                let free_at = failures.oldest.unwrap_or(now) + window;
                let seconds = u64::try_from((free_at - now).num_seconds()).unwrap_or(1);
                return Err(ApiError::rate_limited("too many failed sign-ins; try again later", seconds));
            }
        }
        Ok(())
    }

    /// Counts a failure under every key.
    pub(super) async fn failed(&self, accounts: &dyn AccountStore) -> Result<(), ApiError> {
        let keys: Vec<String> = self.keys.iter().map(|(key, _)| key.clone()).collect();
        accounts.record_failed_sign_in(&keys, Utc::now()).await.map_err(store_error)
    }

    /// Forgets the account's failures after a successful sign-in.
    pub(super) async fn succeeded(&self, accounts: &dyn AccountStore) -> Result<(), ApiError> {
        match self.keys.first() {
            Some((account, _)) => accounts.clear_failed_sign_ins(account).await.map_err(store_error),
            None => Ok(()),
        }
    }
}
