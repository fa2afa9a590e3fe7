//! HTTP `CONNECT` proxies: which requests go through one, and opening the tunnel.
//!
//! A corporate network often lets HTTPS out only through a proxy. The hyper transports
//! open a `CONNECT host:port` tunnel through it and run TLS with the real server inside,
//! so the proxy sees the server's name and port but none of the request (its URL carries
//! the UserSig). Plain-http targets (loopback emulators) are tunnelled the same way when
//! a proxy applies to them.
//!
//! The environment is read as curl reads it: `https_proxy` / `HTTPS_PROXY` for https
//! targets, `http_proxy` (lower case only) for http targets, `all_proxy` / `ALL_PROXY`
//! for both when the specific one is unset, and `no_proxy` / `NO_PROXY` for the hosts that
//! go direct. Proxy credentials (`http://user:password@proxy:3128`) are sent as a
//! `Proxy-Authorization: Basic` header and never appear in an error, a log line or `Debug`.

use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;
use futures_lite::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use zeroize::Zeroizing;

use super::connect::Endpoint;
use crate::error::TransportError;

/// curl's default port for a proxy URL without one.
const DEFAULT_PROXY_PORT: u16 = 1080;
/// A proxy's answer to `CONNECT` is a status line and a few headers.
const MAX_CONNECT_REPLY: usize = 8 * 1024;

/// Which proxy, if any, each request goes through.
///
/// By default the hyper transports read the environment ([`Proxies::from_env`]); set
/// [`Proxies::none`] on the builder to ignore it, or [`Proxies::all`] for an explicit proxy.
///
/// ```
/// use callkit::Proxies;
///
/// let proxies = Proxies::all("http://proxy.corp.example:3128")?
///     .no_proxy("localhost,127.0.0.1,.internal.example");
/// assert!(format!("{proxies:?}").contains("proxy.corp.example:3128"));
/// # Ok::<(), callkit::TransportError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Proxies {
    https: Option<ProxyServer>,
    http: Option<ProxyServer>,
    no_proxy: NoProxy,
}

impl Proxies {
    /// No proxy: every request connects directly.
    pub fn none() -> Self {
        Proxies::default()
    }

    /// One proxy for every request (`http://[user:password@]host[:port]`; port 1080 when
    /// left out, as curl does). Only HTTP proxies are supported: an `https://` or
    /// `socks5://` proxy URL is refused with an error that says so.
    pub fn all(proxy_url: &str) -> Result<Self, TransportError> {
        let server = ProxyServer::parse(proxy_url, "the proxy URL")?;
        Ok(Proxies {
            https: Some(server.clone()),
            http: Some(server),
            no_proxy: NoProxy::default(),
        })
    }

    /// The proxies the process environment names, as curl reads them (see the module
    /// docs). An unusable value fails, naming the variable.
    pub fn from_env() -> Result<Self, TransportError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Proxies::from_env`] over any lookup, for tests and for configuration that lives
    /// somewhere other than the process environment.
    ///
    /// ```
    /// use callkit::Proxies;
    ///
    /// let env = |name: &str| match name {
    ///     "HTTPS_PROXY" => Some("http://127.0.0.1:3128".to_owned()),
    ///     "NO_PROXY" => Some("localhost".to_owned()),
    ///     _ => None,
    /// };
    /// let proxies = Proxies::from_lookup(env)?;
    /// assert_ne!(proxies, Proxies::none());
    /// # Ok::<(), callkit::TransportError>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, TransportError> {
        // curl: an empty value is the same as an unset one.
        let first = |names: &[&'static str]| {
            names.iter().find_map(|name| {
                lookup(name)
                    .filter(|value| !value.trim().is_empty())
                    .map(|value| (*name, value))
            })
        };
        let server = |names: &[&'static str]| -> Result<Option<ProxyServer>, TransportError> {
            first(names)
                .map(|(name, value)| ProxyServer::parse(&value, name))
                .transpose()
        };
        let all = server(&["all_proxy", "ALL_PROXY"])?;
        // curl ignores upper-case HTTP_PROXY: in CGI programs it can be set by a client's
        // `Proxy:` header.
        let http = server(&["http_proxy"])?.or_else(|| all.clone());
        let https = server(&["https_proxy", "HTTPS_PROXY"])?.or(all);
        let no_proxy = first(&["no_proxy", "NO_PROXY"])
            .map(|(_, value)| NoProxy::parse(&value))
            .unwrap_or_default();
        Ok(Proxies {
            https,
            http,
            no_proxy,
        })
    }

    /// Hosts that connect directly, curl's `NO_PROXY` syntax: a comma-separated list of
    /// host names (each also covering its subdomains; a leading `.` is allowed), IP
    /// addresses, CIDR ranges (`10.0.0.0/8`), or `*` for every host. Replaces any list
    /// read from the environment.
    pub fn no_proxy(mut self, list: &str) -> Self {
        self.no_proxy = NoProxy::parse(list);
        self
    }

    /// The proxy a request to `endpoint` goes through, if any.
    pub(crate) fn for_endpoint(&self, endpoint: &Endpoint) -> Option<&ProxyServer> {
        let server = if endpoint.tls {
            self.https.as_ref()
        } else {
            self.http.as_ref()
        }?;
        (!self.no_proxy.matches(&endpoint.host)).then_some(server)
    }
}

impl fmt::Debug for Proxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxies")
            .field("https", &self.https)
            .field("http", &self.http)
            .field("no_proxy", &self.no_proxy.entries)
            .finish()
    }
}

/// One HTTP proxy: where it listens and, optionally, the credentials it wants.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ProxyServer {
    pub(crate) host: String,
    pub(crate) port: u16,
    /// The whole `Proxy-Authorization` value (`Basic base64(user:password)`).
    authorization: Option<Zeroizing<String>>,
}

impl fmt::Debug for ProxyServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://")?;
        if self.authorization.is_some() {
            write!(f, "<credentials>@")?;
        }
        write!(f, "{}", self.authority())
    }
}

impl ProxyServer {
    /// Parses `[http://][user[:password]@]host[:port]`. `source` names where the value came
    /// from (a variable name) for the error; the value itself is never echoed, since it may
    /// hold a password.
    fn parse(url: &str, source: &str) -> Result<Self, TransportError> {
        let bad = |why: &str| TransportError::Config {
            reason: format!("{source}: {why}"),
        };
        let url = url.trim();
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(bad(&format!(
                    "proxy scheme {scheme:?} is not supported (only http:// proxies, which \
                     tunnel HTTPS with CONNECT)"
                )));
            }
            None => url,
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| {
            bad("expected http://[user:password@]host[:port] with a numeric port")
        })?;
        if host.is_empty() {
            return Err(bad("the proxy URL has no host"));
        }
        let authorization = userinfo.map(|userinfo| {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            let decode = |s: &str| percent_encoding::percent_decode_str(s).collect::<Vec<u8>>();
            let mut plain = Zeroizing::new(decode(user));
            plain.push(b':');
            plain.extend_from_slice(&Zeroizing::new(decode(password)));
            let encoded = base64::engine::general_purpose::STANDARD.encode(plain.as_slice());
            Zeroizing::new(format!("Basic {encoded}"))
        });
        Ok(ProxyServer {
            host: host.to_owned(),
            port: port.unwrap_or(DEFAULT_PROXY_PORT),
            authorization,
        })
    }

    /// `host:port` (brackets around IPv6), for connecting and for messages.
    pub(crate) fn authority(&self) -> String {
        Endpoint {
            tls: false,
            host: self.host.clone(),
            port: self.port,
        }
        .authority()
    }

    /// Asks the proxy, over the connected `stream`, for a tunnel to `endpoint`. On success
    /// the stream carries the tunnel; every failure is a connect error (nothing of the
    /// request was sent) that names the proxy and never its credentials.
    pub(crate) async fn tunnel<S>(
        &self,
        stream: &mut S,
        endpoint: &Endpoint,
    ) -> Result<(), TransportError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let target = endpoint.authority();
        let fail = |reason: String| TransportError::Connect {
            target: format!("{target} (through proxy {})", self.authority()),
            source: std::io::Error::other(reason),
        };
        let mut head = Zeroizing::new(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"));
        if let Some(authorization) = &self.authorization {
            head.push_str("Proxy-Authorization: ");
            head.push_str(authorization);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        stream
            .write_all(head.as_bytes())
            .await
            .map_err(|e| fail(format!("sending CONNECT failed: {e}")))?;
        stream
            .flush()
            .await
            .map_err(|e| fail(format!("sending CONNECT failed: {e}")))?;

        // Read byte by byte up to the blank line: anything after it belongs to the tunnel
        // (the server's first TLS bytes), so nothing may be read past it.
        let mut reply = Vec::with_capacity(128);
        let mut byte = [0u8; 1];
        while !reply.ends_with(b"\r\n\r\n") {
            if reply.len() >= MAX_CONNECT_REPLY {
                return Err(fail(format!(
                    "the proxy's answer to CONNECT exceeds {MAX_CONNECT_REPLY} bytes"
                )));
            }
            match stream.read(&mut byte).await {
                Ok(0) => {
                    return Err(fail(
                        "the proxy closed the connection before answering CONNECT".to_owned(),
                    ));
                }
                Ok(_) => reply.push(byte[0]),
                Err(e) => return Err(fail(format!("reading the proxy's answer failed: {e}"))),
            }
        }
        let status_line = reply
            .split(|&b| b == b'\n')
            .next()
            .map(|line| String::from_utf8_lossy(line).trim_end().to_owned())
            .unwrap_or_default();
        match parse_status(&status_line) {
            Some(200..=299) => Ok(()),
            Some(407) => Err(fail(format!(
                "the proxy wants credentials ({status_line}): put them in the proxy URL, \
                 http://user:password@host:port{}",
                if self.authorization.is_some() {
                    " (the ones given were refused)"
                } else {
                    ""
                }
            ))),
            Some(_) => Err(fail(format!("the proxy refused the tunnel: {status_line}"))),
            None => Err(fail("the proxy's answer is not HTTP".to_owned())),
        }
    }
}

/// The status code of `HTTP/1.x NNN reason`.
fn parse_status(line: &str) -> Option<u16> {
    let mut parts = line.split_ascii_whitespace();
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    let code = parts.next()?;
    if code.len() != 3 {
        return None;
    }
    code.parse().ok()
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; `None` for a non-numeric port.
fn split_host_port(hostport: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = hostport.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(port) => Some((host, Some(port.parse().ok()?))),
            None if after.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match hostport.rsplit_once(':') {
        Some((host, port)) => Some((host, Some(port.parse().ok()?))),
        None => Some((hostport, None)),
    }
}

/// The hosts that bypass the proxy.
#[derive(Clone, Default, PartialEq, Eq)]
struct NoProxy {
    entries: Vec<String>,
}

impl NoProxy {
    fn parse(list: &str) -> Self {
        NoProxy {
            entries: list
                .split([',', ' '])
                .map(|entry| entry.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|entry| !entry.is_empty())
                .collect(),
        }
    }

    fn matches(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let ip = host.parse::<IpAddr>().ok();
        self.entries.iter().any(|entry| {
            if entry == "*" {
                return true;
            }
            if let (Some(ip), Some((net, bits))) = (ip, entry.split_once('/')) {
                return in_cidr(ip, net, bits);
            }
            let entry = entry.trim_end_matches('.');
            host == entry
                || (ip.is_none()
                    && host
                        .strip_suffix(entry)
                        .is_some_and(|head| head.ends_with('.')))
        })
    }
}

/// Whether `ip` lies in `net/bits`; a malformed range matches nothing.
fn in_cidr(ip: IpAddr, net: &str, bits: &str) -> bool {
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(tls: bool, host: &str) -> Endpoint {
        Endpoint {
            tls,
            host: host.to_owned(),
            port: if tls { 443 } else { 80 },
        }
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn proxy_of(proxies: &Proxies, tls: bool, host: &str) -> Option<String> {
        proxies
            .for_endpoint(&endpoint(tls, host))
            .map(ProxyServer::authority)
    }

    #[test]
    fn the_environment_is_read_as_curl_reads_it() {
        let proxies = Proxies::from_lookup(env(&[
            ("HTTPS_PROXY", "http://secure:3128"),
            ("HTTP_PROXY", "http://ignored-upper-case:1"),
            ("ALL_PROXY", "fallback:8080"),
        ]))
        .unwrap();
        assert_eq!(
            proxy_of(&proxies, true, "h").as_deref(),
            Some("secure:3128")
        );
        // Upper-case HTTP_PROXY is ignored; ALL_PROXY covers http.
        assert_eq!(
            proxy_of(&proxies, false, "h").as_deref(),
            Some("fallback:8080")
        );

        let lower_wins = Proxies::from_lookup(env(&[
            ("https_proxy", "lower:1"),
            ("HTTPS_PROXY", "upper:2"),
            ("http_proxy", "plain:3"),
        ]))
        .unwrap();
        assert_eq!(proxy_of(&lower_wins, true, "h").as_deref(), Some("lower:1"));
        assert_eq!(
            proxy_of(&lower_wins, false, "h").as_deref(),
            Some("plain:3")
        );

        let nothing = Proxies::from_lookup(env(&[("HTTPS_PROXY", "  ")])).unwrap();
        assert_eq!(nothing, Proxies::none());
        assert_eq!(proxy_of(&nothing, true, "h"), None);
    }

    #[test]
    fn no_proxy_takes_hosts_domains_ips_ranges_and_star() {
        let proxies = Proxies::all("http://p:3128")
            .unwrap()
            .no_proxy("localhost, .internal.example,10.0.0.0/8, ::1,Example.COM");
        for direct in [
            "localhost",
            "a.internal.example",
            "internal.example",
            "10.1.2.3",
            "::1",
            "example.com",
            "api.example.com",
            "EXAMPLE.com.",
        ] {
            assert_eq!(proxy_of(&proxies, true, direct), None, "{direct}");
        }
        for proxied in [
            "notexample.com",
            "example.com.evil",
            "11.0.0.1",
            "127.0.0.1",
            "console.tim.qq.com",
        ] {
            assert_eq!(
                proxy_of(&proxies, true, proxied).as_deref(),
                Some("p:3128"),
                "{proxied}"
            );
        }
        let star = Proxies::all("p:1").unwrap().no_proxy("*");
        assert_eq!(proxy_of(&star, true, "anything"), None);
        let from_env =
            Proxies::from_lookup(env(&[("ALL_PROXY", "p:1"), ("NO_PROXY", "127.0.0.0/8")]))
                .unwrap();
        assert_eq!(proxy_of(&from_env, false, "127.0.0.1"), None);
    }

    #[test]
    fn proxy_urls_parse_with_defaults_and_credentials_stay_hidden() {
        let server = ProxyServer::parse("http://us%40er:p%3Ass@proxy.example:3128/", "x").unwrap();
        assert_eq!(server.authority(), "proxy.example:3128");
        let header = server.authorization.as_deref().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(header.strip_prefix("Basic ").unwrap())
            .unwrap();
        assert_eq!(decoded, b"us@er:p:ss");
        let shown = format!(
            "{:?}",
            Proxies::all("http://user:hunter2@proxy:8080").unwrap()
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("user"),
            "{shown}"
        );
        assert!(shown.contains("<credentials>@proxy:8080"), "{shown}");

        assert_eq!(ProxyServer::parse("proxy", "x").unwrap().port, 1080);
        assert_eq!(ProxyServer::parse("[::1]:9", "x").unwrap().host, "::1");
    }

    #[test]
    fn unusable_proxy_urls_are_refused_naming_the_variable_not_the_value() {
        for (value, says) in [
            ("socks5://u:secret@p:1080", "not supported"),
            ("https://u:secret@p:443", "not supported"),
            ("http://u:secret@p:port", "numeric port"),
            ("http://u:secret@:8080", "no host"),
        ] {
            let lookup = move |name: &str| (name == "HTTPS_PROXY").then(|| value.to_owned());
            let message = Proxies::from_lookup(lookup).unwrap_err().to_string();
            assert!(
                message.contains("HTTPS_PROXY") && message.contains(says),
                "{message}"
            );
            assert!(!message.contains("secret"), "{message}");
        }
    }

    #[test]
    fn connect_replies_are_read_to_the_blank_line_and_classified() {
        let proxy = ProxyServer::parse("http://user:pw@p:1", "x").unwrap();
        let target = endpoint(true, "example.com");
        let run = |reply: &'static [u8]| {
            let mut stream = Duplex {
                input: futures_lite::io::Cursor::new(reply.to_vec()),
                output: Vec::new(),
            };
            let result = futures_lite::future::block_on(proxy.tunnel(&mut stream, &target));
            (result, stream)
        };

        let (ok, stream) = run(b"HTTP/1.1 200 Connection established\r\n\r\nTLS");
        ok.unwrap();
        let sent = String::from_utf8(stream.output).unwrap();
        assert!(sent.starts_with("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"));
        assert!(
            sent.contains("Proxy-Authorization: Basic dXNlcjpwdw==\r\n"),
            "{sent}"
        );
        // The tunnel's first bytes were left unread.
        assert_eq!(stream.input.position(), 39);

        for (reply, says) in [
            (
                &b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"[..],
                "credentials",
            ),
            (
                b"HTTP/1.1 403 Forbidden\r\n\r\n",
                "refused the tunnel: HTTP/1.1 403",
            ),
            (b"SSH-2.0-OpenSSH\r\n\r\n", "not HTTP"),
            (b"HTTP/1.1 200 OK\r\n", "closed the connection"),
        ] {
            let message = run(reply).0.unwrap_err().to_string();
            assert!(message.contains(says), "{message}");
            assert!(message.contains("through proxy p:1"), "{message}");
            assert!(
                !message.contains("dXNlcjpwdw") && !message.contains("pw"),
                "{message}"
            );
        }
    }

    /// Reads from `input`, records what is written.
    struct Duplex {
        input: futures_lite::io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl AsyncRead for Duplex {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
            buf: &mut [u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            std::pin::Pin::new(&mut self.input).poll_read(cx, buf)
        }
    }

    impl AsyncWrite for Duplex {
        fn poll_write(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            self.output.extend_from_slice(buf);
            std::task::Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
        fn poll_close(
            self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
    }
}
