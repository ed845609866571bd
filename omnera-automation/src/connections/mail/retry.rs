//! When to try a request again: exponential backoff with full jitter, the server's
//! `Retry-After` when it sends one, and a bounded number of tries.
//!
//! The waits are `tokio::time::sleep`s, so tests run them on a paused clock.

use std::time::Duration;

/// How often and how long to wait between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Backoff {
    /// Tries in all, the first included.
    pub(super) tries: u32,
    /// The longest wait before the first retry; it doubles with each retry.
    pub(super) base: Duration,
    /// The longest wait before any retry.
    pub(super) cap: Duration,
    /// The longest `Retry-After` that is waited for; a longer one ends the tries.
    pub(super) longest_retry_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            tries: 4,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(8),
            longest_retry_after: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The wait before retry `retry` (1: the first retry) without a `Retry-After`: a random
    /// duration between zero and `min(cap, base * 2^(retry - 1))` ("full jitter").
    pub(super) fn jittered(&self, retry: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1 << retry.saturating_sub(1).min(16)).min(self.cap);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        // Without randomness the ceiling itself is waited for: slower, never faster.
        let random = getrandom::u64().unwrap_or(u64::MAX);
        Duration::from_millis(random % millis.saturating_add(1))
    }
}

/// The wait a `Retry-After` header asks for: delay-seconds, or an HTTP date (RFC 9110 10.2.3).
pub(super) fn retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some((date.with_timezone(&chrono::Utc) - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn waits_grow_and_stay_under_the_cap() {
        let backoff = Backoff::default();
        for retry in 1..=10 {
            let ceiling = (backoff.base * (1 << (retry - 1))).min(backoff.cap);
            for _ in 0..50 {
                assert!(backoff.jittered(retry) <= ceiling, "retry {retry}");
            }
        }
        let spread: std::collections::HashSet<Duration> = (0..50).map(|_| backoff.jittered(4)).collect();
        assert!(
            spread.len() > 1,
            "the waits are spread, so clients that failed together do not retry together"
        );
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now = chrono::DateTime::parse_from_rfc2822("Wed, 21 Oct 2015 07:28:00 GMT").unwrap().to_utc();
        assert_eq!(retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
    }
}
