//! The client on the other end of a request, as the security limits count it: the connecting
//! address, or — only when that address is a trusted proxy — the nearest address it forwarded
//! for. IPv6 clients count by their /64, the block one subscriber usually holds.

use std::net::{IpAddr, Ipv6Addr};

use ipnet::IpNet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    ip: IpAddr,
}

impl Client {
    pub fn new(ip: IpAddr) -> Client {
        Client {
            ip: ip.to_canonical(),
        }
    }

    /// The client behind `peer`: `X-Forwarded-For` is believed only from a trusted proxy, read
    /// from the right, skipping the proxies we trust; anything unreadable ends the walk.
    pub fn resolve(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> Client {
        let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
        let peer = peer.to_canonical();
        if !is_trusted(&peer) {
            return Client::new(peer);
        }
        let mut client = peer;
        for hop in forwarded_for.unwrap_or("").rsplit(',') {
            match parse_hop(hop) {
                Some(ip) => {
                    client = ip.to_canonical();
                    if !is_trusted(&client) {
                        break;
                    }
                }
                None => break,
            }
        }
        Client::new(client)
    }

    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    pub fn is_loopback(&self) -> bool {
        self.ip.is_loopback()
    }

    /// The key the limits count under.
    pub fn bucket(&self) -> String {
        match self.ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                let prefix = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        }
    }
}

/// One `X-Forwarded-For` hop: an address, or one with a port as some proxies write it
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`, `[2001:db8::1]`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = hop.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    hop.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<Ipv6Addr>().ok())
        .map(IpAddr::V6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().expect("net")).collect()
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let peer: IpAddr = "10.0.0.2".parse().expect("ip");
        let xff = Some("203.0.113.9, 198.51.100.7");
        assert_eq!(Client::resolve(peer, xff, &[]).bucket(), "10.0.0.2");
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            Client::resolve(peer, xff, &trusted).bucket(),
            "198.51.100.7"
        );
        // A chain of trusted proxies is walked through.
        let trusted = nets(&["10.0.0.0/8", "198.51.100.7/32"]);
        assert_eq!(Client::resolve(peer, xff, &trusted).bucket(), "203.0.113.9");
        // Garbage ends the walk at the last good address.
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            Client::resolve(peer, Some("1.2.3.4, not-an-ip"), &trusted).bucket(),
            "10.0.0.2"
        );
        assert_eq!(Client::resolve(peer, None, &trusted).bucket(), "10.0.0.2");
    }

    #[test]
    fn forwarded_addresses_with_ports_are_read() {
        let peer: IpAddr = "10.0.0.2".parse().expect("ip");
        let trusted = nets(&["10.0.0.0/8"]);
        for (xff, want) in [
            ("203.0.113.9:4711", "203.0.113.9"),
            ("[2001:db8:1:2::7]:4711", "2001:db8:1:2::/64"),
            ("[2001:db8:1:2::7]", "2001:db8:1:2::/64"),
            (" 198.51.100.1:80 , 10.0.0.9:1234", "198.51.100.1"),
        ] {
            assert_eq!(
                Client::resolve(peer, Some(xff), &trusted).bucket(),
                want,
                "{xff}"
            );
        }
        // Still garbage: the walk ends at the last good address.
        for bad in [
            "203.0.113.9:port",
            "[203.0.113.9]",
            "203.0.113.9:99999",
            "unknown",
        ] {
            assert_eq!(
                Client::resolve(peer, Some(bad), &trusted).bucket(),
                "10.0.0.2",
                "{bad}"
            );
        }
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a = Client::new("2001:db8:1:2:aaaa::1".parse().expect("ip"));
        let b = Client::new("2001:db8:1:2:bbbb::9".parse().expect("ip"));
        assert_eq!(a.bucket(), b.bucket());
        assert_eq!(a.bucket(), "2001:db8:1:2::/64");
        let mapped = Client::new("::ffff:192.0.2.1".parse().expect("ip"));
        assert_eq!(mapped.bucket(), "192.0.2.1");
    }
}
