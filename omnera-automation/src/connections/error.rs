//! Why a connection could not do what was asked. Messages never hold a credential.

/// Why a connection could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The connection cannot be used as configured (an unreadable reference, a bad URL).
    #[error("the connection {connection} cannot be used: {reason}")]
    Unusable {
        /// The connection's name.
        connection: String,
        /// Why.
        reason: String,
    },
    /// The request's URL leaves the connection's `baseUrl`.
    #[error("`{url}` is not under the connection's base URL {base}")]
    OutsideBaseUrl {
        /// The URL asked for.
        url: String,
        /// The connection's base URL.
        base: String,
    },
    /// The request would go to an address that requests without a connection may not reach.
    #[error(
        "requests may not go to {host}: {reason} (a host can allow a network with EgressPolicy::allowing)"
    )]
    EgressRefused {
        /// The host or address.
        host: String,
        /// Why.
        reason: &'static str,
    },
    /// The request could not be sent or answered in time, after every retry.
    #[error("the request to {url} failed after {attempts} attempt(s): {reason}")]
    Unreachable {
        /// The URL.
        url: String,
        /// The attempts made.
        attempts: u32,
        /// The last failure.
        reason: String,
    },
    /// The OAuth token endpoint refused or failed.
    #[error("no access token from {token_url}: {reason}")]
    Token {
        /// The token endpoint.
        token_url: String,
        /// Why.
        reason: String,
    },
    /// The shared request budget could not be read.
    #[error("the rate limit of {connection} could not be checked: {reason}")]
    RateLimit {
        /// The connection's name.
        connection: String,
        /// Why.
        reason: String,
    },
}
