//! Stripe: requests to its API with the connection's secret key and an `Idempotency-Key` on
//! every POST, and the check of the `Stripe-Signature` header of its webhooks as Stripe documents
//! it: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed by the webhook secret>`, with
//! a tolerance on the time against replays.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use omnera_core::config::StripeConnection;
use omnera_core::schema::RetryPolicy;
use omnera_core::secrets::Secrets;
use sha2::Sha256;

use super::{ConnectionError, HttpApi, HttpApiOptions};

/// Stripe's API.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com/v1/";

/// How far a webhook's timestamp may be from now: Stripe's libraries use five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Stripe retries connect errors, 429 and 5xx safely when POSTs carry an idempotency key.
const STRIPE_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    backoff: omnera_core::config::Backoff::Exponential,
    initial_delay: Duration::from_millis(500),
    max_delay: Some(Duration::from_secs(8)),
};

/// The API of the `stripe` connection `connection` at `api_base` ([`STRIPE_API_BASE`], or a
/// stand-in for tests), with its secret key read from the environment or `secrets`.
pub fn stripe_api(
    connection: &StripeConnection,
    secrets: &Secrets,
    api_base: &str,
    options: HttpApiOptions,
) -> Result<HttpApi, ConnectionError> {
    let key = connection.secret_key.resolve(secrets).map_err(|error| ConnectionError::Unusable {
        connection: connection.name.clone(),
        reason: error.to_string(),
    })?;
    HttpApi::keyed_with_bearer(&connection.name, api_base, key, STRIPE_RETRY, options)
}

/// Why a webhook's `Stripe-Signature` was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The header is missing parts or is not `t=..,v1=..`.
    #[error("the Stripe-Signature header is malformed")]
    Malformed,
    /// The timestamp is further from now than the tolerance.
    #[error("the Stripe-Signature timestamp is outside the tolerance")]
    Expired,
    /// No `v1` signature matches the body.
    #[error("no Stripe-Signature v1 signature matches the body")]
    Mismatch,
}

/// Checks a webhook's `Stripe-Signature` `header` against its raw `body`, signed with the
/// connection's webhook `secret`, at `now`, within `tolerance`.
///
/// ```
/// use std::time::Duration;
/// use chrono::DateTime;
/// use omnera_automation::connections::{SignatureError, verify_stripe_signature};
///
/// let body = br#"{"id":"evt_1","object":"event"}"#;
/// let header = "t=1492774577,v1=654b43d3508ecadb3f8cefc4bc7d3d2bdc5ba9e03bf2c89b2d0657a8e24e4543";
/// let now = DateTime::from_timestamp(1_492_774_600, 0).unwrap();
/// let tolerance = Duration::from_secs(300);
/// assert_eq!(verify_stripe_signature(body, header, "whsec_test_secret", now, tolerance), Ok(()));
/// assert_eq!(verify_stripe_signature(body, header, "whsec_other", now, tolerance), Err(SignatureError::Mismatch));
/// ```
pub fn verify_stripe_signature(
    body: &[u8],
    header: &str,
    secret: &str,
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let age = now.timestamp().abs_diff(timestamp);
    if age > tolerance.as_secs() {
        return Err(SignatureError::Expired);
    }
    let matches = |signature: &&str| {
        let Some(expected) = decode_hex(signature) else { return false };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        // Constant time, whatever the signature.
        mac.verify_slice(&expected).is_ok()
    };
    if signatures.iter().any(matches) { Ok(()) } else { Err(SignatureError::Mismatch) }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|index| u8::from_str_radix(text.get(index..index + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Computed outside Rust (Python's hmac) with Stripe's documented scheme:
    // hex(HMAC-SHA256(secret, "1492774577." + body)).
    const BODY: &[u8] = br#"{"id":"evt_1","object":"event"}"#;
    const SIGNED_WITH_TEST_SECRET: &str = "654b43d3508ecadb3f8cefc4bc7d3d2bdc5ba9e03bf2c89b2d0657a8e24e4543";
    const SIGNED_WITH_OTHER_SECRET: &str = "f2783299b863163c989be2c558e1890b6148873ed7c8ce7e2cc77266ce5bb45e";

    fn check(header: &str, body: &[u8], at: i64) -> Result<(), SignatureError> {
        let now = DateTime::from_timestamp(at, 0).unwrap_or_default();
        verify_stripe_signature(body, header, "whsec_test_secret", now, DEFAULT_TOLERANCE)
    }

    #[test]
    fn stripe_signatures_are_checked_as_stripe_documents_them() {
        let valid = format!(
            "t=1492774577,v1={SIGNED_WITH_TEST_SECRET},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
        );
        assert_eq!(check(&valid, BODY, 1_492_774_577), Ok(()));
        assert_eq!(check(&valid, BODY, 1_492_774_577 + 300), Ok(()), "within the five minutes");
        assert_eq!(check(&valid, BODY, 1_492_774_577 + 301), Err(SignatureError::Expired));
        assert_eq!(check(&valid, BODY, 1_492_774_577 - 301), Err(SignatureError::Expired));
        assert_eq!(
            check(&valid, br#"{"id":"evt_2","object":"event"}"#, 1_492_774_577),
            Err(SignatureError::Mismatch)
        );
        let other = format!("t=1492774577,v1={SIGNED_WITH_OTHER_SECRET}");
        assert_eq!(check(&other, BODY, 1_492_774_577), Err(SignatureError::Mismatch));
        // While a webhook secret is rolled, Stripe signs with both: one match is enough.
        let both = format!("t=1492774577,v1={SIGNED_WITH_OTHER_SECRET},v1={SIGNED_WITH_TEST_SECRET}");
        assert_eq!(check(&both, BODY, 1_492_774_577), Ok(()));
        let shifted = format!("t=1492774578,v1={SIGNED_WITH_TEST_SECRET}");
        assert_eq!(
            check(&shifted, BODY, 1_492_774_578),
            Err(SignatureError::Mismatch),
            "the time is signed too"
        );
        for malformed in ["", "t=1492774577", "v1=abc", "t=soon,v1=00", "t=1492774577,v0=00"] {
            assert_eq!(
                check(malformed, BODY, 1_492_774_577),
                Err(SignatureError::Malformed),
                "{malformed:?}"
            );
        }
        assert_eq!(check("t=1492774577,v1=zz", BODY, 1_492_774_577), Err(SignatureError::Mismatch));
    }
}
