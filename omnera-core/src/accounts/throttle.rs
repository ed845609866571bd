//! Failed sign-ins slow down further tries, per account and per client address, with delays that
//! grow with each failure: a few failures cost nothing, then each further try must wait twice as
//! long as the one before, up to a cap. Nobody is locked out, so an attacker cannot lock an
//! admin out by guessing, and the people behind one address (an office, a proxy) wait seconds,
//! not a quarter of an hour. The counts live in the account store, so every instance of a
//! scaled-out app sees the same ones.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use super::AccountsError;
use crate::backend::{AccountStore, FailedSignIns};

/// The window in which failures count.
const WINDOW: Duration = Duration::hours(1);
/// The longest a try must wait after the latest failure.
const MAX_DELAY: Duration = Duration::minutes(15);

/// How many failures a key may have in the window before further tries must wait.
#[derive(Debug, Clone, Copy)]
struct Allowance {
    free_failures: u32,
}

/// An account: a person mistyping a few times never waits.
const PER_ACCOUNT: Allowance = Allowance { free_failures: 5 };
/// A client address: it may stand for several people, or try several accounts.
const PER_ADDRESS: Allowance = Allowance { free_failures: 20 };

impl Allowance {
    /// How long after the latest failure the next try may come: nothing within the free
    /// failures, then 1 s, 2 s, 4 s … for each one past them, at most [`MAX_DELAY`].
    fn delay_after(self, failures: u32) -> Duration {
        let past_free = failures.saturating_sub(self.free_failures);
        if past_free == 0 {
            return Duration::zero();
        }
        let seconds = 1_i64.checked_shl(past_free - 1).unwrap_or(i64::MAX);
        Duration::seconds(seconds.min(MAX_DELAY.num_seconds()))
    }

    /// When the next try may come after `failures`, if that is later than `now`.
    fn next_try(self, failures: &FailedSignIns, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let next = failures.latest? + self.delay_after(failures.count);
        (next > now).then_some(next)
    }
}

/// The throttle key of an account's failed sign-ins.
pub(crate) fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

/// The throttle keys of one sign-in attempt: the account, and the client address if known.
pub(super) struct SignInAttempt {
    keys: Vec<(String, Allowance)>,
}

impl SignInAttempt {
    /// The attempt to sign in as `email` from the `client` address (the peer, or the address a
    /// trusted proxy forwarded for), when the transport knows it.
    pub(super) fn new(email: &str, client: Option<IpAddr>) -> Self {
        let mut keys = vec![(account_key(email), PER_ACCOUNT)];
        if let Some(address) = client {
            keys.push((address_key(address), PER_ADDRESS));
        }
        Self { keys }
    }

    /// [`AccountsError::TooManyAttempts`] when the account or the address must wait before
    /// trying again.
    pub(super) async fn check(&self, accounts: &dyn AccountStore) -> Result<(), AccountsError> {
        let now = Utc::now();
        for (key, allowance) in &self.keys {
            let failures = accounts.failed_sign_ins(key, now - WINDOW).await?;
            if let Some(next) = allowance.next_try(&failures, now) {
                let milliseconds = u64::try_from((next - now).num_milliseconds()).unwrap_or(1);
                return Err(AccountsError::TooManyAttempts {
                    retry_after_seconds: milliseconds.div_ceil(1000).max(1),
                });
            }
        }
        Ok(())
    }

    /// Counts a failure under every key.
    pub(super) async fn failed(&self, accounts: &dyn AccountStore) -> Result<(), AccountsError> {
        let keys: Vec<String> = self.keys.iter().map(|(key, _)| key.clone()).collect();
        Ok(accounts.record_failed_sign_in(&keys, Utc::now()).await?)
    }

    /// Forgets the account's failures after a successful sign-in.
    pub(super) async fn succeeded(&self, accounts: &dyn AccountStore) -> Result<(), AccountsError> {
        match self.keys.first() {
            Some((account, _)) => Ok(accounts.clear_failed_sign_ins(account).await?),
            None => Ok(()),
        }
    }
}

/// The throttle key of a client address: IPv6 clients are counted by their /64, which one
/// client usually holds whole.
fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => format!("address:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("address:{v4}"),
            None => {
                let segments = v6.segments();
                format!(
                    "address:{:x}:{:x}:{:x}:{:x}::/64",
                    segments[0], segments[1], segments[2], segments[3]
                )
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_double_up_to_the_cap() {
        let delays: Vec<i64> =
            (0..=8).map(|failures| PER_ACCOUNT.delay_after(failures).num_seconds()).collect();
        assert_eq!(delays, [0, 0, 0, 0, 0, 0, 1, 2, 4]);
        assert_eq!(PER_ACCOUNT.delay_after(30), MAX_DELAY);
        assert_eq!(PER_ACCOUNT.delay_after(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn the_next_try_waits_from_the_latest_failure() {
        let now = Utc::now();
        let failures = FailedSignIns::new(8, Some(now - Duration::seconds(1)));
        assert_eq!(PER_ACCOUNT.next_try(&failures, now), Some(now + Duration::seconds(3)));
        let long_ago = FailedSignIns::new(8, Some(now - Duration::seconds(10)));
        assert_eq!(PER_ACCOUNT.next_try(&long_ago, now), None);
        assert_eq!(PER_ACCOUNT.next_try(&FailedSignIns::default(), now), None);
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_prefix() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(address_key(one), address_key(other));
        assert_eq!(address_key("::ffff:192.0.2.7".parse().unwrap()), "address:192.0.2.7");
    }
}
