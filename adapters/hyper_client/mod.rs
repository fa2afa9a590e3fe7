//! The hyper 1.x client shared by the smol and async-std transports.
//!
//! hyper's low-level HTTP/1.1 connections (`hyper::client::conn::http1`) over async-io
//! sockets and futures-rustls, with a small keep-alive [`pool`] of callkit's own. The
//! runtime only spawns connection tasks, sleeps and resolves names ([`Runtime`]).
//! hyper-util's pooled client is not used: it would pull tokio's `net` feature (mio) into
//! every build, and its pool cannot tell a connection the server closed while idle from a
//! live one until the connection task has run.

pub(crate) mod connect;
pub(crate) mod facade;
pub(crate) mod maybe_tls;
pub(crate) mod pool;
pub(crate) mod proxy;
mod tls;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_rustls::TlsConnector;
use http::header::{CONTENT_LENGTH, HOST};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use smol_hyper::rt::FuturesIo;

use self::connect::Endpoint;
use self::pool::{Conn, Pool};
use crate::error::{TimeoutKind, TransportError};
use crate::runtime::Runtime;
use crate::transport::{HttpRequest, HttpResponse};

/// Defaults: Tencent answers within 3 s, so 10 s means something is wrong.
pub(crate) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default for TCP connect plus TLS handshake.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// CallKit responses are a few KiB at most.
pub(crate) const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_MAX_IDLE_PER_HOST: usize = 32;

/// Everything a builder collects. Root certificate errors are kept until `build()`, so
/// the builder methods can chain.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) allow_http: bool,
    pub(crate) webpki_roots: bool,
    pub(crate) extra_roots: Vec<Vec<u8>>,
    pub(crate) pem_error: Option<String>,
    pub(crate) max_idle_per_host: usize,
    pub(crate) idle_timeout: Duration,
    /// `None`: read the environment when the transport is built.
    pub(crate) proxies: Option<proxy::Proxies>,
    /// Host names answered without DNS (`resolve`): (host, port, address).
    pub(crate) resolve: Vec<(String, u16, std::net::SocketAddr)>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            allow_http: false,
            webpki_roots: true,
            extra_roots: Vec::new(),
            pem_error: None,
            max_idle_per_host: DEFAULT_MAX_IDLE_PER_HOST,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            proxies: None,
            resolve: Vec::new(),
        }
    }
}

impl Settings {
    /// Adds every certificate of a PEM bundle; remembers the first error for `build()`.
    pub(crate) fn add_root_pem(&mut self, pem: &[u8]) {
        match tls::certificates_from_pem(pem) {
            Ok(ders) => self.extra_roots.extend(ders),
            Err(e) => {
                self.pem_error.get_or_insert(e);
            }
        }
    }
}

struct Inner {
    settings: Settings,
    proxies: proxy::Proxies,
    tls: TlsConnector,
    pool: Pool,
    runtime: Arc<dyn Runtime>,
}

/// A keep-alive HTTPS client on a [`Runtime`]. Cloning shares the pool.
#[derive(Clone)]
pub(crate) struct HyperTransport {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.inner.settings;
        f.debug_struct("HyperTransport")
            .field("connect_timeout", &s.connect_timeout)
            .field("request_timeout", &s.request_timeout)
            .field("max_body_bytes", &s.max_body_bytes)
            .field("allow_http", &s.allow_http)
            .field("extra_roots", &s.extra_roots.len())
            .field("proxies", &self.inner.proxies)
            .field("runtime", &self.inner.runtime)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    pub(crate) fn new(
        settings: Settings,
        runtime: Arc<dyn Runtime>,
    ) -> Result<Self, TransportError> {
        if let Some(reason) = &settings.pem_error {
            return Err(TransportError::Config {
                reason: reason.clone(),
            });
        }
        let tls = tls::connector(&settings)?;
        let pool = Pool::new(settings.max_idle_per_host, settings.idle_timeout);
        let proxies = match &settings.proxies {
            Some(proxies) => proxies.clone(),
            None => proxy::Proxies::from_env()?,
        };
        Ok(HyperTransport {
            inner: Arc::new(Inner {
                settings,
                proxies,
                tls,
                pool,
                runtime,
            }),
        })
    }

    /// Sends one request under the request timeout.
    pub(crate) async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let target = redacted_target(request.uri());
        let after = self.inner.settings.request_timeout;
        let timed_out = || TransportError::Timeout {
            what: TimeoutKind::Request,
            target: target.clone(),
            after,
        };
        // Boxed: the exchange's state is over 2 KiB, and a caller's `block_on` moves the
        // future it is given before polling it (async-std's several times over:
        // `Builder::blocking`, its task-locals wrapper, `async_global_executor::block_on`,
        // `Executor::run`, async-io's `block_on`); one allocation per request costs less
        // than those copies of a `send` (and a `Client` call) future this size.
        let exchange = Box::pin(self.exchange(request, &target));
        let timer = self.inner.runtime.sleep(after);
        let deadline = async {
            timer.await;
            Err(timed_out())
        };
        futures_lite::future::or(exchange, deadline).await
    }

    async fn exchange(
        &self,
        request: HttpRequest,
        target: &str,
    ) -> Result<HttpResponse, TransportError> {
        let endpoint = self.endpoint_of(request.uri(), target)?;
        let mut request = into_hyper_request(request, &endpoint)?;
        let http_error = |source: hyper::Error| TransportError::Http {
            target: target.to_owned(),
            source: Box::new(source),
        };
        loop {
            let mut conn = match self.inner.pool.take(&endpoint, self.inner.runtime.now()) {
                Some(conn) => conn,
                // Boxed: opening a connection (TLS handshake state) would double the size
                // of every exchange, although it happens once per connection.
                None => Box::pin(self.connect(&endpoint, target)).await?,
            };
            // A pooled connection may still be finishing its previous exchange.
            if let Err(e) = conn.sender.ready().await {
                if conn.reused {
                    continue;
                }
                return Err(http_error(e));
            }
            match conn.sender.try_send_request(request).await {
                Ok(response) => return self.finish(&endpoint, conn, response, target).await,
                Err(mut e) => match e.take_message() {
                    // hyper never wrote it (the connection closed first): safe to resend on
                    // another connection, whatever the method.
                    Some(unsent) if conn.reused => request = unsent,
                    _ => return Err(http_error(e.into_error())),
                },
            }
            // Each retry consumes one pooled connection, and a fresh one never retries,
            // so this loop ends.
        }
    }

    /// Reads the body under the cap; the connection goes back to the pool only when the
    /// exchange completed.
    async fn finish(
        &self,
        endpoint: &Endpoint,
        conn: Conn,
        response: http::Response<hyper::body::Incoming>,
        target: &str,
    ) -> Result<HttpResponse, TransportError> {
        let limit = self.inner.settings.max_body_bytes;
        let too_large = || TransportError::BodyTooLarge {
            target: target.to_owned(),
            limit,
        };
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(too_large());
        }
        let (parts, body) = response.into_parts();
        let collected = Limited::new(body, limit).collect().await.map_err(|e| {
            if e.is::<LengthLimitError>() {
                too_large()
            } else {
                TransportError::Http {
                    target: target.to_owned(),
                    source: e,
                }
            }
        })?;
        self.inner
            .pool
            .put(endpoint, conn, self.inner.runtime.now());
        Ok(http::Response::from_parts(
            parts,
            collected.to_bytes().to_vec(),
        ))
    }

    async fn connect(&self, endpoint: &Endpoint, target: &str) -> Result<Conn, TransportError> {
        let after = self.inner.settings.connect_timeout;
        let timer = self.inner.runtime.sleep(after);
        let deadline = async {
            timer.await;
            Err(TransportError::Timeout {
                what: TimeoutKind::Connect,
                target: target.to_owned(),
                after,
            })
        };
        let proxy = self.inner.proxies.for_endpoint(endpoint);
        let (stream, tcp) = futures_lite::future::or(
            connect::open(
                &*self.inner.runtime,
                endpoint,
                proxy,
                &self.inner.settings.resolve,
                &self.inner.tls,
            ),
            deadline,
        )
        .await?;
        let (sender, connection) = hyper::client::conn::http1::handshake(FuturesIo::new(stream))
            .await
            .map_err(|e| TransportError::Http {
                target: target.to_owned(),
                source: Box::new(e),
            })?;
        // The connection task owns the socket; it ends when the sender is dropped or the
        // server closes, and its error (if any) reaches the caller through the sender.
        self.inner.runtime.spawn(Box::pin(async move {
            let _ = connection.await;
        }));
        Ok(Conn {
            sender,
            tcp,
            reused: false,
        })
    }

    fn endpoint_of(&self, uri: &http::Uri, target: &str) -> Result<Endpoint, TransportError> {
        let tls = match uri.scheme_str() {
            Some("https") => true,
            Some("http") if self.inner.settings.allow_http => false,
            Some("http") => {
                return Err(TransportError::InsecureScheme {
                    target: target.to_owned(),
                });
            }
            _ => {
                return Err(TransportError::InvalidRequest {
                    reason: format!("{target} is not an absolute http(s) URL"),
                });
            }
        };
        let host = uri.host().ok_or_else(|| TransportError::InvalidRequest {
            reason: format!("{target} has no host"),
        })?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        Ok(Endpoint { tls, host, port })
    }
}

/// `redact_url(&uri.to_string())` without formatting the (long, signed) query first.
fn redacted_target(uri: &http::Uri) -> String {
    let mut out = String::with_capacity(64);
    if let Some(scheme) = uri.scheme_str() {
        out.push_str(scheme);
        out.push_str("://");
    }
    if let Some(authority) = uri.authority() {
        out.push_str(authority.as_str());
    }
    out.push_str(uri.path());
    if uri.query().is_some() {
        out.push_str("?<redacted>");
    }
    out
}

/// The origin form (`/path?query`) of `uri`. The path and query of a parsed URI were
/// checked when it was parsed, so one that starts with `/` is reused as it is (a
/// reference-counted clone), not formatted and parsed a second time: the query carries
/// the UserSig, a few hundred bytes, and that parse was a good part of a request's cost
/// on the caller's thread. Anything else goes through the parser, as before.
fn origin_form(uri: &http::Uri) -> Result<http::Uri, TransportError> {
    let invalid = |e: &dyn std::fmt::Display| TransportError::InvalidRequest {
        reason: format!("cannot form the request path: {e}"),
    };
    match uri.path_and_query() {
        // `as_str` shows an empty path as "/": spell that one out.
        Some(pq) if pq.as_str() == "/" => Ok(http::Uri::from_static("/")),
        Some(pq) if pq.as_str().starts_with('/') => {
            let mut parts = http::uri::Parts::default();
            parts.path_and_query = Some(pq.clone());
            http::Uri::from_parts(parts).map_err(|e| invalid(&e))
        }
        other => other
            .map_or("/", http::uri::PathAndQuery::as_str)
            .parse()
            .map_err(|e| invalid(&e)),
    }
}

/// hyper's connection API wants the origin form (`/path?query`) and an explicit Host.
fn into_hyper_request(
    request: HttpRequest,
    endpoint: &Endpoint,
) -> Result<http::Request<Full<Bytes>>, TransportError> {
    let (mut parts, body) = request.into_parts();
    let origin = origin_form(&parts.uri)?;
    if !parts.headers.contains_key(HOST) {
        let default_port = if endpoint.tls { 443 } else { 80 };
        let host = if endpoint.port == default_port {
            parts.uri.host().unwrap_or_default().to_owned()
        } else {
            format!("{}:{}", parts.uri.host().unwrap_or_default(), endpoint.port)
        };
        let value =
            http::HeaderValue::from_str(&host).map_err(|e| TransportError::InvalidRequest {
                reason: format!("bad Host header: {e}"),
            })?;
        parts.headers.insert(HOST, value);
    }
    parts.uri = origin;
    parts.version = http::Version::HTTP_11;
    Ok(http::Request::from_parts(
        parts,
        Full::new(Bytes::from(body)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::redact_url;

    /// What `origin_form` replaced: format the path and query, parse them again.
    fn origin_by_parsing(uri: &http::Uri) -> Result<http::Uri, String> {
        let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
        path.parse::<http::Uri>().map_err(|e| e.to_string())
    }

    #[test]
    fn the_origin_form_is_the_parsed_path_and_query() {
        for url in [
            "https://console.tim.qq.com/v4/x/y?sdkappid=1&usersig=eJw%2Babc*-_.~&random=2",
            "http://127.0.0.1:8080/p",
            "https://[::1]:8443/a/b?q",
            "https://h",
            "https://h/",
            "https://h?only=query",
            "https://h/?",
            "https://h/a?",
            "https://h//double/slash?x=%20y",
            "/relative?usersig=SECRET",
            "/",
        ] {
            let uri: http::Uri = url.parse().unwrap();
            let ours = origin_form(&uri).map_err(|e| e.to_string());
            let theirs = origin_by_parsing(&uri);
            match (&ours, &theirs) {
                (Ok(ours), Ok(theirs)) => {
                    assert_eq!(ours, theirs, "{url}");
                    assert_eq!(ours.to_string(), theirs.to_string(), "{url}");
                    assert_eq!(ours.path_and_query(), theirs.path_and_query(), "{url}");
                    assert!(
                        ours.scheme().is_none() && ours.authority().is_none(),
                        "{url}"
                    );
                }
                (Err(_), Err(_)) => {}
                _ => panic!("{url}: {ours:?} but parsing gives {theirs:?}"),
            }
        }
    }

    #[test]
    fn the_redacted_target_is_redact_url_of_the_whole_uri() {
        for url in [
            "https://console.tim.qq.com/v4/x/y?sdkappid=1&usersig=SECRET&random=2",
            "http://127.0.0.1:8080/p",
            "https://[::1]:8443/a/b?q",
            "https://user:pw@h/p?usersig=SECRET",
            "https://h",
            "https://h?only=query",
            "/relative?usersig=SECRET",
        ] {
            let uri: http::Uri = url.parse().unwrap();
            let ours = redacted_target(&uri);
            assert_eq!(ours, redact_url(&uri.to_string()), "{url}");
            assert!(!ours.contains("SECRET"));
        }
    }
}
