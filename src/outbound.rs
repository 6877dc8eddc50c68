//! Calls to addresses that users give (webhook endpoints, SaaS callback URLs), guarded against
//! server-side request forgery: an address is vetted once — https only (http when configured), no
//! user:password part, the host resolved once and every address it resolves to public — and the
//! call then connects to exactly that vetted address (no second lookup that DNS rebinding could
//! turn), follows no redirect, lasts at most 10 s and reads at most 64 KiB of the answer.
//!
//! Nothing here knows about events or products; workflows call `vet_url` when an address is
//! registered and `Outbound::post` each time they call it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

use crate::config::WebhooksConfig;

/// The longest a call may take, from connecting to the answer's last byte.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer is read; the rest is dropped unread.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// How much of an answer is kept to show (the delivery log, the integration test record).
pub const EXCERPT_CHARS: usize = 1000;
/// The longest the one lookup of a host may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a URL may be.
const MAX_URL_LEN: usize = 2048;

/// Which addresses may be called (`webhooks.*` in the configuration).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    pub allow_http: bool,
    pub allow_private_networks: bool,
}

impl From<&WebhooksConfig> for Policy {
    fn from(c: &WebhooksConfig) -> Policy {
        Policy {
            allow_http: c.allow_http,
            allow_private_networks: c.allow_private_networks,
        }
    }
}

/// Why an address may not be called. `code()` is the field error code the caller answers with
/// (422 on the field that carried the URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not a URL")]
    Malformed,
    #[error("the URL is longer than 2048 characters")]
    TooLong,
    #[error("the scheme is neither https nor http")]
    Scheme,
    #[error("plain http is not allowed (webhooks.allow_http)")]
    HttpNotAllowed,
    #[error("the URL carries a user name or password")]
    Userinfo,
    #[error("the host name does not resolve")]
    Unresolvable,
    #[error(
        "the host resolves to a loopback, private, link-local or otherwise non-public address"
    )]
    NonPublic,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Malformed => "url_malformed",
            Refusal::TooLong => "too_long",
            Refusal::Scheme => "url_scheme",
            Refusal::HttpNotAllowed => "url_https_required",
            Refusal::Userinfo => "url_userinfo",
            Refusal::Unresolvable => "url_unresolvable",
            Refusal::NonPublic => "url_not_public",
        }
    }

    /// The refusal as the error of the form or API field that carried the URL.
    pub fn on(self, field: &str) -> crate::domain::FieldError {
        crate::domain::FieldError::new(field, self.code())
    }
}

/// An address that passed `vet_url`: the URL and the one socket address calls connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vetted {
    url: Url,
    host: String,
    addr: SocketAddr,
}

impl Vetted {
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// The address calls connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Checks that a URL may be called under `policy`: the syntax here, then one lookup of the host
/// whose every answer must be a public address.
pub async fn vet_url(raw: &str, policy: Policy) -> Result<Vetted, Refusal> {
    let raw = raw.trim();
    if raw.len() > MAX_URL_LEN {
        return Err(Refusal::TooLong);
    }
    let url = Url::parse(raw).map_err(|_| Refusal::Malformed)?;
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        "http" => return Err(Refusal::HttpNotAllowed),
        _ => return Err(Refusal::Scheme),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Userinfo);
    }
    let port = url.port_or_known_default().ok_or(Refusal::Malformed)?;
    let (host, addrs): (String, Vec<IpAddr>) = match url.host() {
        Some(url::Host::Ipv4(ip)) => (ip.to_string(), vec![IpAddr::V4(ip)]),
        Some(url::Host::Ipv6(ip)) => (ip.to_string(), vec![IpAddr::V6(ip)]),
        Some(url::Host::Domain(name)) if !name.is_empty() => {
            let name = name.to_string();
            let found = tokio::time::timeout(
                LOOKUP_TIMEOUT,
                tokio::net::lookup_host((name.as_str(), port)),
            )
            .await
            .map_err(|_| Refusal::Unresolvable)?
            .map_err(|_| Refusal::Unresolvable)?;
            let mut ips: Vec<IpAddr> = found.map(|a| a.ip()).collect();
            ips.dedup();
            (name, ips)
        }
        _ => return Err(Refusal::Malformed),
    };
    if addrs.is_empty() {
        return Err(Refusal::Unresolvable);
    }
    // Every answer is judged: a name resolving to one public and one private address is refused,
    // since which one a later connection would use is not ours to choose.
    if addrs.iter().any(|ip| !may_call(*ip, policy)) {
        return Err(Refusal::NonPublic);
    }
    Ok(Vetted {
        url,
        host,
        addr: SocketAddr::new(addrs[0], port),
    })
}

/// Whether an address may be called under `policy`.
pub fn may_call(ip: IpAddr, policy: Policy) -> bool {
    if never_a_receiver(ip) {
        return false;
    }
    policy.allow_private_networks || is_public(ip)
}

/// Unspecified, multicast and broadcast addresses: never a receiver, whatever the policy
/// (connecting to 0.0.0.0 reaches this very machine).
fn never_a_receiver(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            v4.is_unspecified() || v4.is_multicast() || v4.is_broadcast() || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => v6.is_unspecified() || v6.is_multicast(),
    }
}

/// An IPv6 address that carries an IPv4 one (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`)
/// is judged as that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible; :: and ::1 are judged as IPv6)
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail),
        [0, 0, 0, 0, 0, 0, hi, lo] if !(hi == 0 && lo <= 1) => Some(tail),
        // 64:ff9b::a.b.c.d (NAT64): the IPv4 address it reaches
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        // 2002:AABB:CCDD::/48 (6to4)
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        )),
        _ => None,
    }
}

/// The IPv4 blocks that are not the public internet (IANA special-purpose registry).
const V4_NOT_PUBLIC: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // carrier-grade NAT (Alibaba's metadata 100.100.100.200)
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local (cloud metadata 169.254.169.254)
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation TEST-NET-1
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation TEST-NET-2
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation TEST-NET-3
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, and 255.255.255.255 broadcast
];

/// The IPv6 blocks that are not the public internet.
const V6_NOT_PUBLIC: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 128), // unspecified
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1), 128), // loopback
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48), // local-use NAT64
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64), // discard-only
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // IETF protocol assignments (Teredo, …)
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation (RFC 9637)
    (Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16), // segment routing SIDs
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique-local (AWS metadata fd00:ec2::254)
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local (deprecated)
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
];

/// Whether an address is on the public internet: none of the special-purpose blocks, and for an
/// IPv6 address carrying an IPv4 one, that IPv4 address is public.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => !V4_NOT_PUBLIC.iter().any(|(net, len)| {
            Ipv4Net::new(*net, *len).is_ok_and(|n| IpNet::V4(n).contains(&IpAddr::V4(v4)))
        }),
        IpAddr::V6(v6) => !V6_NOT_PUBLIC.iter().any(|(net, len)| {
            Ipv6Net::new(*net, *len).is_ok_and(|n| IpNet::V6(n).contains(&IpAddr::V6(v6)))
        }),
    }
}

/// What a called address answered.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub latency_ms: u64,
    /// The first `MAX_ANSWER_BYTES` of the body.
    pub body: Vec<u8>,
    /// Whether the body was longer than what was read.
    pub truncated: bool,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The start of the body as text, to show.
    pub fn excerpt(&self) -> String {
        excerpt(&self.body)
    }
}

/// The start of a body as text (invalid UTF-8 replaced), at most `EXCERPT_CHARS` characters.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}

/// Why a call got no answer. `code()` is stable, for logs and records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("no answer within {} s", CALL_TIMEOUT.as_secs())]
    Timeout,
    #[error("could not connect")]
    Connect,
    #[error("the connection failed: {0}")]
    Failed(String),
}

impl CallError {
    pub fn code(&self) -> &'static str {
        match self {
            CallError::Timeout => "timeout",
            CallError::Connect => "connect_failed",
            CallError::Failed(_) => "request_failed",
        }
    }
}

/// The HTTP client for vetted addresses: one connection pool, whose resolver only ever answers
/// with the address a `Vetted` pinned for its host.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    pins: Arc<Pins>,
    policy: Policy,
}

impl Outbound {
    pub fn new(policy: Policy) -> Result<Outbound, CallError> {
        let pins = Arc::new(Pins::default());
        let client = reqwest::Client::builder()
            .dns_resolver(pins.clone())
            // Environment proxies would connect elsewhere than the vetted address.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(CALL_TIMEOUT)
            .connect_timeout(CALL_TIMEOUT)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("Berth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CallError::Failed(e.to_string()))?;
        Ok(Outbound {
            client,
            pins,
            policy,
        })
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// `vet_url` under this client's policy.
    pub async fn vet(&self, raw: &str) -> Result<Vetted, Refusal> {
        vet_url(raw, self.policy).await
    }

    /// POSTs `body` to a vetted address with the given headers. A non-2xx status is an answer,
    /// not an error; only no answer at all is.
    pub async fn post(
        &self,
        vetted: &Vetted,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Answer, CallError> {
        self.post_within(vetted, headers, body, CALL_TIMEOUT).await
    }

    /// `post` with a shorter time limit (what is left of a larger budget); never more than
    /// `CALL_TIMEOUT`.
    pub async fn post_within(
        &self,
        vetted: &Vetted,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        limit: Duration,
    ) -> Result<Answer, CallError> {
        let limit = limit.min(CALL_TIMEOUT);
        self.pins.pin(&vetted.host, vetted.addr);
        let mut request = self.client.post(vetted.url.clone()).timeout(limit);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let started = Instant::now();
        let call = async {
            let mut response = request.body(body).send().await.map_err(call_error)?;
            let status = response.status().as_u16();
            let mut read = Vec::new();
            let mut truncated = false;
            while let Some(chunk) = response.chunk().await.map_err(call_error)? {
                let room = MAX_ANSWER_BYTES - read.len();
                if chunk.len() > room {
                    read.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                read.extend_from_slice(&chunk);
            }
            Ok::<_, CallError>((status, read, truncated))
        };
        // reqwest's own timeout covers the body too; this one also bounds a slow trickle.
        let (status, body, truncated) = tokio::time::timeout(limit, call)
            .await
            .map_err(|_| CallError::Timeout)??;
        Ok(Answer {
            status,
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            body,
            truncated,
        })
    }
}

fn call_error(e: reqwest::Error) -> CallError {
    if e.is_timeout() {
        CallError::Timeout
    } else if e.is_connect() {
        CallError::Connect
    } else {
        // Without the URL: it is the caller's to show, and may carry a token in its query.
        CallError::Failed(e.without_url().to_string())
    }
}

/// Host → the vetted address to connect to. A host nobody vetted does not resolve at all.
#[derive(Default)]
struct Pins(Mutex<HashMap<String, SocketAddr>>);

/// More hosts than this and the table starts afresh (each call pins its host again anyway).
const MAX_PINS: usize = 4096;

impl Pins {
    fn pin(&self, host: &str, addr: SocketAddr) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= MAX_PINS && !map.contains_key(host) {
                map.clear();
            }
            map.insert(host.to_ascii_lowercase(), addr);
        }
    }

    fn get(&self, host: &str) -> Option<SocketAddr> {
        self.0
            .lock()
            .ok()
            .and_then(|m| m.get(&host.to_ascii_lowercase()).copied())
    }
}

impl Resolve for Pins {
    fn resolve(&self, name: Name) -> Resolving {
        let found = self.get(name.as_str());
        Box::pin(async move {
            match found {
                Some(addr) => Ok(Box::new(std::iter::once(addr)) as Addrs),
                None => Err("host not vetted".into()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Policy = Policy {
        allow_http: false,
        allow_private_networks: false,
    };
    const OPEN: Policy = Policy {
        allow_http: true,
        allow_private_networks: true,
    };

    async fn refusal(url: &str, policy: Policy) -> Option<Refusal> {
        vet_url(url, policy).await.err()
    }

    #[tokio::test]
    async fn every_non_public_range_is_refused() {
        for url in [
            "https://127.0.0.1/",
            "https://127.8.9.10:8443/hook",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:10.1.2.3]/",
            "https://[::127.0.0.1]/",
            "https://[::0.0.1.2]/",
            "https://[64:ff9b::a9fe:a9fe]/",
            "https://[2002:a9fe:a9fe::1]/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fd00:ec2::254]/",
            "https://100.100.100.200/",
            "https://10.0.0.1/",
            "https://172.16.0.1/",
            "https://172.31.255.254/",
            "https://192.168.1.1/",
            "https://100.64.0.1/",
            "https://[fe80::1]/",
            "https://[fc00::1]/",
            "https://[fd12:3456::1]/",
            "https://0.0.0.0/",
            "https://0.1.2.3/",
            "https://[::]/",
            "https://255.255.255.255/",
            "https://224.0.0.1/",
            "https://[ff02::1]/",
            "https://192.0.2.10/",
            "https://198.51.100.7/",
            "https://203.0.113.99/",
            "https://198.18.0.1/",
            "https://240.0.0.1/",
            "https://[2001:db8::1]/",
            // Short and odd spellings of loopback, as URL parsers read them.
            "https://127.1/",
            "https://2130706433/",
            "https://0x7f000001/",
        ] {
            assert_eq!(
                refusal(url, STRICT).await,
                Some(Refusal::NonPublic),
                "{url}"
            );
        }
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused() {
        assert_eq!(
            refusal("https://localhost/hook", STRICT).await,
            Some(Refusal::NonPublic)
        );
        // With a trailing dot the name may not resolve at all; either way it is not called.
        assert!(refusal("https://LOCALHOST.:8443/hook", STRICT)
            .await
            .is_some());
    }

    #[tokio::test]
    async fn public_addresses_pass_and_the_address_is_pinned() {
        let v = vet_url("https://93.184.215.14/hook?x=1", STRICT)
            .await
            .expect("public");
        assert_eq!(v.addr(), "93.184.215.14:443".parse().expect("addr"));
        assert_eq!(v.url(), "https://93.184.215.14/hook?x=1");
        let v = vet_url("https://[2606:4700::1111]:8443/", STRICT)
            .await
            .expect("public v6");
        assert_eq!(v.addr().port(), 8443);
    }

    #[tokio::test]
    async fn the_shape_of_the_url_is_checked_first() {
        for (url, why) in [
            ("not a url", Refusal::Malformed),
            ("https://", Refusal::Malformed),
            ("ftp://93.184.215.14/", Refusal::Scheme),
            ("file:///etc/passwd", Refusal::Scheme),
            ("gopher://93.184.215.14/", Refusal::Scheme),
            ("http://93.184.215.14/", Refusal::HttpNotAllowed),
            ("https://user:pw@93.184.215.14/", Refusal::Userinfo),
            ("https://user@93.184.215.14/", Refusal::Userinfo),
            ("https://no-such-host.invalid/", Refusal::Unresolvable),
        ] {
            assert_eq!(refusal(url, STRICT).await, Some(why), "{url}");
        }
        let long = format!("https://93.184.215.14/{}", "a".repeat(3000));
        assert_eq!(refusal(&long, STRICT).await, Some(Refusal::TooLong));
    }

    #[tokio::test]
    async fn the_open_policy_allows_loopback_and_http_but_never_unspecified_or_multicast() {
        assert!(vet_url("http://127.0.0.1:9/", OPEN).await.is_ok());
        assert!(vet_url("http://localhost:9/", OPEN).await.is_ok());
        assert!(vet_url("https://[::1]:9/", OPEN).await.is_ok());
        assert!(vet_url("https://10.0.0.1/", OPEN).await.is_ok());
        for url in [
            "http://0.0.0.0:9/",
            "http://[::]:9/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
        ] {
            assert_eq!(refusal(url, OPEN).await, Some(Refusal::NonPublic), "{url}");
        }
        let http_only = Policy {
            allow_http: true,
            allow_private_networks: false,
        };
        assert_eq!(
            refusal("http://127.0.0.1/", http_only).await,
            Some(Refusal::NonPublic)
        );
    }

    #[test]
    fn public_ranges_are_public() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.169.0.1",
            "2606:4700::1111",
            "2400:3200::1",
        ] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(is_public(ip), "{ip}");
        }
    }

    #[test]
    fn an_excerpt_is_cut_on_a_character() {
        let long = "数".repeat(EXCERPT_CHARS + 5);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt(b"{\"ok\":true}"), "{\"ok\":true}");
    }

    /// A one-shot HTTP server on loopback answering `answer` to whatever comes.
    async fn one_shot(answer: &'static [u8]) -> SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            if let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(answer).await;
                let _ = s.shutdown().await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_call_reads_the_status_and_a_capped_body_and_follows_no_redirect() {
        let out = Outbound::new(OPEN).expect("client");
        let addr = one_shot(
            b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno",
        )
        .await;
        let v = out
            .vet(&format!("http://localhost:{}/x", addr.port()))
            .await
            .expect("vetted");
        let a = out
            .post(&v, &[("content-type", "application/json")], b"{}".to_vec())
            .await
            .expect("answer");
        assert_eq!(a.status, 302);
        assert_eq!(a.excerpt(), "no");
        assert!(!a.is_success());

        static BIG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let big = BIG.get_or_init(|| {
            let mut v =
                b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n".to_vec();
            v.extend(std::iter::repeat_n(b'x', 100_000));
            v
        });
        let addr = one_shot(big).await;
        let v = out
            .vet(&format!("http://127.0.0.1:{}/", addr.port()))
            .await
            .expect("vetted");
        let a = out.post(&v, &[], Vec::new()).await.expect("answer");
        assert_eq!(a.status, 200);
        assert_eq!(a.body.len(), MAX_ANSWER_BYTES);
        assert!(a.truncated);
    }

    #[tokio::test]
    async fn a_receiver_that_never_answers_is_given_up_on_time() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        // Accepts, reads, and answers nothing.
        tokio::spawn(async move {
            if let Ok((s, _)) = listener.accept().await {
                tokio::time::sleep(Duration::from_secs(30)).await;
                drop(s);
            }
        });
        let out = Outbound::new(OPEN).expect("client");
        let v = out
            .vet(&format!("http://127.0.0.1:{port}/"))
            .await
            .expect("vetted");
        let started = Instant::now();
        let e = out
            .post_within(&v, &[], b"{}".to_vec(), Duration::from_millis(300))
            .await
            .expect_err("no answer");
        assert_eq!(e, CallError::Timeout);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_host_nobody_vetted_is_not_resolved() {
        let pins = Pins::default();
        let name: Name = "example.com".parse().expect("name");
        assert!(pins.resolve(name).await.is_err());
        pins.pin("Example.com", "93.184.215.14:443".parse().expect("addr"));
        let name: Name = "example.com".parse().expect("name");
        let found: Vec<SocketAddr> = pins.resolve(name).await.expect("pinned").collect();
        assert_eq!(found, vec!["93.184.215.14:443".parse().expect("addr")]);
    }
}
