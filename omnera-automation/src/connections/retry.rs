//! When a failed request is tried again: after the server's `Retry-After` when it gives one, else
//! after an exponential backoff with full jitter (a random delay up to
//! `min(maxDelay, initialDelay·2^n)`, so that many clients that failed together do not retry
//! together).

use std::time::Duration;

use chrono::{DateTime, Utc};
use omnera_core::config::Backoff;
use omnera_core::schema::RetryPolicy;

/// What one attempt came to.
pub(crate) enum Outcome<T, E> {
    /// Done, well or badly: no retry.
    Final(Result<T, E>),
    /// Worth another try, after `after` when the server asked for a wait; `last` is the answer
    /// when no tries are left.
    Retry {
        /// What to answer if this was the last try.
        last: Result<T, E>,
        /// The wait the server asked for (`Retry-After`).
        after: Option<Duration>,
    },
}

/// Counts the attempts of one call and waits between them:
/// `loop { let outcome = try_once(retries.attempt()).await; if let Some(answer) = retries.settle(outcome).await { break answer } }`.
pub(crate) struct Retries<'a> {
    policy: &'a RetryPolicy,
    made: u32,
}

impl<'a> Retries<'a> {
    pub(crate) fn new(policy: &'a RetryPolicy) -> Self {
        Self { policy, made: 0 }
    }

    /// Starts the next attempt; returns its number (1 for the first).
    pub(crate) fn attempt(&mut self) -> u32 {
        self.made += 1;
        self.made
    }

    /// The answer when `outcome` is final or no tries are left; otherwise waits before the next
    /// attempt and returns `None`.
    pub(crate) async fn settle<T, E>(&self, outcome: Outcome<T, E>) -> Option<Result<T, E>> {
        match outcome {
            Outcome::Final(result) => Some(result),
            Outcome::Retry { last, .. } if self.made >= self.policy.max_attempts.max(1) => Some(last),
            Outcome::Retry { after, .. } => {
                let wait = after.unwrap_or_else(|| backoff(self.policy, self.made - 1, jitter()));
                tracing::debug!(attempt = self.made, ?wait, "retrying");
                tokio::time::sleep(wait).await;
                None
            }
        }
    }
}

/// Whether an answer with this status is worth another try: 429 and every 5xx.
pub(crate) fn retryable(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// The delay before retry number `retry` (0 for the first retry), with `random` in `[0, 1)`.
pub(crate) fn backoff(policy: &RetryPolicy, retry: u32, random: f64) -> Duration {
    let ceiling = match policy.backoff {
        Backoff::Exponential => policy.initial_delay.saturating_mul(2_u32.saturating_pow(retry.min(31))),
        Backoff::Fixed => policy.initial_delay,
    };
    let ceiling = policy.max_delay.map_or(ceiling, |max| ceiling.min(max));
    ceiling.mul_f64(random.clamp(0.0, 1.0))
}

/// A random number in `[0, 1)`; 0.5 when the system has no randomness to give.
pub(crate) fn jitter() -> f64 {
    let mut bytes = [0; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    // The top 53 bits, as many as an f64 holds exactly.
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1_u64 << 53) as f64
}

/// The wait a `Retry-After` value asks for at `now`: seconds, or an HTTP date.
pub(crate) fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(at.with_timezone(&Utc).signed_duration_since(now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(backoff: Backoff, max_delay: Option<u64>) -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            backoff,
            initial_delay: Duration::from_secs(1),
            max_delay: max_delay.map(Duration::from_secs),
        }
    }

    #[test]
    fn the_ceiling_doubles_up_to_the_maximum_and_the_delay_is_drawn_below_it() {
        let exponential = policy(Backoff::Exponential, Some(5));
        let ceilings: Vec<u64> = (0..5)
            .map(|retry| backoff(&exponential, retry, 0.999_999).as_secs_f64().round() as u64)
            .collect();
        assert_eq!(ceilings, [1, 2, 4, 5, 5]);
        assert_eq!(backoff(&exponential, 2, 0.0), Duration::ZERO);
        assert_eq!(backoff(&exponential, 2, 0.5), Duration::from_secs(2));
        assert_eq!(backoff(&policy(Backoff::Fixed, None), 7, 0.5), Duration::from_millis(500));
        assert!(backoff(&policy(Backoff::Exponential, None), 400, 1.0) > Duration::from_secs(1 << 30));
    }

    /// The times (since the start) at which `with_retries` made its attempts, each answered by
    /// the next of `outcomes` (`Some(seconds)`: retry after that wait; `None`: retry, no wait
    /// asked; the last one is final).
    async fn attempt_times(policy: &RetryPolicy, waits: &[Option<u64>]) -> (Vec<Duration>, u32) {
        let start = tokio::time::Instant::now();
        let mut times = Vec::new();
        let mut retries = Retries::new(policy);
        let result = loop {
            let attempt = retries.attempt() as usize;
            times.push(start.elapsed());
            let outcome = match waits.get(attempt - 1) {
                Some(after) => {
                    Outcome::Retry { last: Err::<(), usize>(attempt), after: after.map(Duration::from_secs) }
                }
                None => Outcome::Final(Ok(())),
            };
            if let Some(result) = retries.settle(outcome).await {
                break result;
            }
        };
        let made = retries.made;
        assert_eq!(result.is_ok(), made as usize > waits.len());
        (times, made)
    }

    #[tokio::test(start_paused = true)]
    async fn retries_wait_as_the_server_asks_or_back_off_with_jitter() {
        let exponential = policy(Backoff::Exponential, Some(3));
        // Retry-After is honoured to the second.
        let (times, made) = attempt_times(&exponential, &[Some(7), Some(2)]).await;
        assert_eq!((times, made), (vec![Duration::ZERO, Duration::from_secs(7), Duration::from_secs(9)], 3));
        // Without it, each wait is drawn below 1 s, 2 s, then 3 s (the maximum), and the last
        // failure is the answer once five attempts were made.
        let (times, made) = attempt_times(&exponential, &[None; 6]).await;
        assert_eq!(made, 5);
        let gaps: Vec<Duration> = times.windows(2).map(|pair| pair[1] - pair[0]).collect();
        for (gap, ceiling) in gaps.iter().zip([1, 2, 3, 3]) {
            assert!(*gap <= Duration::from_secs(ceiling), "{gaps:?}");
        }
        assert!(gaps.iter().any(|gap| !gap.is_zero()), "{gaps:?}");
    }

    #[test]
    fn jitter_spreads_over_the_unit_interval() {
        let draws: Vec<f64> = (0..200).map(|_| jitter()).collect();
        assert!(draws.iter().all(|draw| (0.0..1.0).contains(draw)));
        assert!(draws.iter().any(|draw| *draw < 0.25) && draws.iter().any(|draw| *draw > 0.75));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc2822("Wed, 21 Oct 2015 07:28:00 GMT").unwrap().with_timezone(&Utc);
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
        assert!(retryable(429) && retryable(503) && !retryable(404) && !retryable(200));
    }
}
