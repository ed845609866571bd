//! Where outgoing requests may go. A request of a connection must stay under the connection's
//! `baseUrl`; a request without one must not reach this machine or its private networks (the
//! cloud metadata service at 169.254.169.254 above all) unless the host allows those networks.
//! Host names are checked after they resolve, by the resolver the client connects with, so a
//! name that resolves to a private address (DNS rebinding included) is refused too.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use url::Url;

use super::ConnectionError;

/// The networks requests without a connection may reach besides the public internet.
///
/// ```
/// use omnera_automation::connections::EgressPolicy;
///
/// let policy = EgressPolicy::public_only().allowing("10.1.0.0/16".parse().unwrap());
/// assert!(policy.allows("10.1.2.3".parse().unwrap()));
/// assert!(!policy.allows("169.254.169.254".parse().unwrap()));
/// assert!(policy.allows("93.184.215.14".parse().unwrap()));
/// ```
#[derive(Debug, Clone, Default)]
pub struct EgressPolicy {
    allowed: Vec<IpNet>,
}

impl EgressPolicy {
    /// Public addresses only: the default.
    pub fn public_only() -> Self {
        Self::default()
    }

    /// Also `network` (such as `10.1.0.0/16`, or `127.0.0.1/32` for a service on this machine).
    #[must_use]
    pub fn allowing(mut self, network: IpNet) -> Self {
        self.allowed.push(network);
        self
    }

    /// Whether a request without a connection may go to `address`.
    pub fn allows(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            IpAddr::V4(_) => address,
        };
        self.allowed.iter().any(|network| network.contains(&address)) || is_public(address)
    }

    /// Refuses `url` when its host is an address this policy does not allow (names are checked
    /// when they resolve, by [`GuardedResolver`]).
    pub(crate) fn check_literal(&self, url: &Url) -> Result<(), ConnectionError> {
        let address = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(url::Host::Domain(_)) => return Ok(()),
            None => return Err(ConnectionError::EgressRefused { host: String::new(), reason: "no host" }),
        };
        if self.allows(address) {
            Ok(())
        } else {
            Err(ConnectionError::EgressRefused { host: address.to_string(), reason: PRIVATE })
        }
    }
}

const PRIVATE: &str = "a loopback, private, link-local or otherwise non-public address";

fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                || v6.segments()[0] == 0x2001 && v6.segments()[1] == 0xdb8)
        }
    }
}

/// Resolves names for requests without a connection, keeping only the addresses the policy
/// allows; a name left with none is refused.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver {
    policy: Arc<EgressPolicy>,
}

impl GuardedResolver {
    pub(crate) fn new(policy: EgressPolicy) -> Self {
        Self { policy: Arc::new(policy) }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                found.into_iter().filter(|address| policy.allows(address.ip())).collect();
            if allowed.is_empty() {
                let refused = ConnectionError::EgressRefused { host, reason: PRIVATE };
                return Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// `target` (a path relative to the base, with or without a leading `/`, or an absolute URL)
/// as a URL under `base`; refused when it leaves the base's origin or path.
pub(crate) fn under_base(base: &Url, target: &str) -> Result<Url, ConnectionError> {
    let outside = || ConnectionError::OutsideBaseUrl { url: target.to_owned(), base: base.to_string() };
    let joined = if target.contains("://") {
        Url::parse(target).map_err(|_| outside())?
    } else {
        base.join(target.trim_start_matches('/')).map_err(|_| outside())?
    };
    let same_origin = joined.scheme() == base.scheme()
        && joined.host_str() == base.host_str()
        && joined.port_or_known_default() == base.port_or_known_default();
    if same_origin && joined.path().starts_with(base.path()) && joined.username().is_empty() {
        Ok(joined)
    } else {
        Err(outside())
    }
}

/// `text` as a base URL: its path ends with `/`, so that what is joined to it stays under it.
pub(crate) fn base_url(text: &str) -> Result<Url, String> {
    let mut base = Url::parse(text).map_err(|error| format!("`{text}` is not a URL: {error}"))?;
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.set_query(None);
    base.set_fragment(None);
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_stay_under_the_base() {
        let base = base_url("https://api.example.com/v1").unwrap();
        let under = |target: &str| under_base(&base, target).map(|url| url.to_string());
        assert_eq!(under("customers/1").unwrap(), "https://api.example.com/v1/customers/1");
        assert_eq!(under("/customers?limit=2").unwrap(), "https://api.example.com/v1/customers?limit=2");
        assert_eq!(under("https://api.example.com/v1/x").unwrap(), "https://api.example.com/v1/x");
        for outside in [
            "../admin",
            "%2e%2e/admin",
            "customers/../../admin",
            "https://api.example.com/v2/x",
            "https://api.example.com.evil.test/v1/x",
            "http://api.example.com/v1/x",
            "https://api.example.com:8443/v1/x",
            "https://user@api.example.com/v1/x",
            "http://169.254.169.254/latest/meta-data",
        ] {
            assert!(under(outside).is_err(), "{outside} must be refused");
        }
    }

    #[test]
    fn private_and_special_addresses_are_refused_unless_allowed() {
        let policy = EgressPolicy::public_only();
        for refused in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!policy.allows(refused.parse().unwrap()), "{refused}");
        }
        assert!(policy.allows("1.1.1.1".parse().unwrap()));
        assert!(policy.allows("2606:4700:4700::1111".parse().unwrap()));
        let loopback = EgressPolicy::public_only().allowing("127.0.0.0/8".parse().unwrap());
        assert!(loopback.allows("127.0.0.1".parse().unwrap()));
        assert!(!loopback.allows("169.254.169.254".parse().unwrap()));
    }
}
