//! The address of the client behind a request: the peer, or, when the peer is a reverse proxy
//! the host trusts, the address that proxy says it forwarded for. The per-address limits (failed
//! sign-ins, requests) count by it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The header a trusted proxy names the client in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2`, as nginx, Caddy, HAProxy and most load
    /// balancers send it.
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

/// The reverse proxies whose word on the client's address is believed: none by default, so a
/// client cannot choose its own address by sending the header.
///
/// ```
/// use omnera_http::{ForwardedHeader, TrustedProxies};
///
/// let proxies = TrustedProxies::new(["127.0.0.1/32", "10.0.0.0/8"]).unwrap().reading(ForwardedHeader::Forwarded);
/// assert!(TrustedProxies::new(["not a network"]).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    /// The proxies in these networks (`10.0.0.0/8`, or one address such as `127.0.0.1`), which
    /// send `X-Forwarded-For`; the first network that does not parse is the error.
    pub fn new<'n>(networks: impl IntoIterator<Item = &'n str>) -> Result<Self, String> {
        let networks = networks
            .into_iter()
            .map(|network| {
                let network = network.trim();
                network
                    .parse::<IpNet>()
                    .or_else(|_| network.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{network}` is not an address or a network such as 10.0.0.0/8"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { networks, header: ForwardedHeader::default() })
    }

    /// Whether no proxy is trusted (the default): every client is its peer.
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    /// The same proxies, naming the client in `header` instead.
    #[must_use]
    pub fn reading(mut self, header: ForwardedHeader) -> Self {
        self.header = header;
        self
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.networks.iter().any(|network| network.contains(&address))
    }

    /// The client's address: walking the forwarded hops from the nearest, the first one that
    /// is not a trusted proxy. A hop that cannot be read (`unknown`, an obfuscated name) stops
    /// the walk at the proxy that reported it.
    fn client_of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        for hop in self.hops(headers).into_iter().rev() {
            let Some(hop) = hop else { break };
            client = canonical(hop);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }

    /// The forwarded-for hops, the client first, each `None` where it is not an address.
    fn hops(&self, headers: &HeaderMap) -> Vec<Option<IpAddr>> {
        let values = headers.get_all(match self.header {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        });
        let mut hops = Vec::new();
        for value in values {
            let Ok(value) = value.to_str() else {
                hops.push(None);
                continue;
            };
            for element in value.split(',') {
                hops.push(match self.header {
                    ForwardedHeader::XForwardedFor => parse_node(element),
                    ForwardedHeader::Forwarded => element
                        .split(';')
                        .filter_map(|pair| pair.split_once('='))
                        .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                        .and_then(|(_, node)| parse_node(node)),
                });
            }
        }
        hops
    }
}

/// An address as a header writes it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, or
/// `"[2001:db8::1]:4711"`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(address) = node.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    node.strip_prefix('[').and_then(|rest| rest.split(']').next()).and_then(|inner| inner.parse().ok())
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`) as the IPv4 address it is.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

/// The client's address, set on each request whose peer the server recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddress(pub(crate) IpAddr);

/// Middleware: finds the request's [`ClientAddress`] from its peer (`ConnectInfo`) and the
/// headers of trusted proxies.
pub(crate) async fn find_client_address(
    proxies: Arc<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let client = proxies.client_of(peer.ip(), request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let spoofed = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(TrustedProxies::default().client_of(ip("198.51.100.1"), &spoofed), ip("198.51.100.1"));
    }

    #[test]
    fn the_first_untrusted_hop_from_the_nearest_is_the_client() {
        let proxies = TrustedProxies::new(["10.0.0.0/8", "127.0.0.1"]).unwrap();
        let forwarded = headers("x-forwarded-for", &["203.0.113.9, 198.51.100.7", "10.1.2.3"]);
        assert_eq!(
            proxies.client_of(ip("127.0.0.1"), &forwarded),
            ip("198.51.100.7"),
            "what the client sent itself is not believed"
        );
        assert_eq!(
            proxies.client_of(ip("192.0.2.50"), &forwarded),
            ip("192.0.2.50"),
            "an untrusted peer's header is ignored"
        );
        let unreadable = headers("x-forwarded-for", &["unknown"]);
        assert_eq!(proxies.client_of(ip("::ffff:127.0.0.1"), &unreadable), ip("127.0.0.1"));
        assert_eq!(proxies.client_of(ip("127.0.0.1"), &HeaderMap::new()), ip("127.0.0.1"));
    }

    #[test]
    fn the_forwarded_header_names_hops_by_for() {
        let proxies = TrustedProxies::new(["10.0.0.0/8"]).unwrap().reading(ForwardedHeader::Forwarded);
        let forwarded = headers("forwarded", &[r#"for="[2001:db8::1]:4711";proto=https, for=10.0.0.2:80"#]);
        assert_eq!(proxies.client_of(ip("10.0.0.1"), &forwarded), ip("2001:db8::1"));
        let ignored = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(
            proxies.client_of(ip("10.0.0.1"), &ignored),
            ip("10.0.0.1"),
            "only the chosen header counts"
        );
    }
}
