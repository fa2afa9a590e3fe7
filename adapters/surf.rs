//! [`SurfTransport`]: callkit over a `surf::Client` the caller built.
//!
//! callkit enables no surf backend: surf is unmaintained and its TLS backends carry
//! advisories (native-tls pulls OpenSSL on Linux; `h1-client-rustls` pulls rustls 0.18,
//! ring 0.16 and webpki 0.21), so the choice stays with the caller, who picks the backend
//! in their own `Cargo.toml` and hands over the client:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // surf's h1 backend leaves Nagle's algorithm on by default, which costs ~40 ms per
//! // request (delayed ACKs); turn it off.
//! let client: surf::Client = surf::Config::new().set_tcp_no_delay(true).try_into()?;
//! let transport = callkit::SurfTransport::new(client);
//! # Ok(()) }
//! ```
//!
//! TLS roots, connect timeouts and pooling are the surf backend's; this adapter adds the
//! request deadline, the body cap and the https-only rule of the other transports.

use std::sync::Arc;
use std::time::Duration;

use futures_lite::AsyncReadExt;

use crate::error::{TimeoutKind, TransportError, redact_url};
use crate::runtime::{Runtime, default_runtime};
use crate::transport::{Failure, FailureKind, HttpRequest, HttpResponse, Transport};

const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// A [`Transport`] over a caller-built `surf::Client`. Cheap to clone.
#[derive(Clone)]
pub struct SurfTransport {
    client: surf::Client,
    request_timeout: Duration,
    max_body_bytes: usize,
    allow_http: bool,
    runtime: Arc<dyn Runtime>,
}

impl std::fmt::Debug for SurfTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SurfTransport")
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("allow_http", &self.allow_http)
            .finish_non_exhaustive()
    }
}

/// Configures a [`SurfTransport`].
#[derive(Debug)]
#[must_use]
pub struct SurfTransportBuilder {
    transport: SurfTransport,
}

impl SurfTransport {
    /// Wraps `client` with the defaults: 10 s request timeout, 1 MiB body cap, https only.
    pub fn new(client: surf::Client) -> Self {
        SurfTransport {
            client,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            allow_http: false,
            runtime: default_runtime(),
        }
    }

    /// Starts configuring a transport around `client`.
    pub fn builder(client: surf::Client) -> SurfTransportBuilder {
        SurfTransportBuilder {
            transport: SurfTransport::new(client),
        }
    }

    async fn exchange(
        &self,
        request: HttpRequest,
        target: &str,
    ) -> Result<HttpResponse, TransportError> {
        let invalid = |reason: String| TransportError::InvalidRequest { reason };
        match request.uri().scheme_str() {
            Some("https") => {}
            Some("http") if self.allow_http => {}
            Some("http") => {
                return Err(TransportError::InsecureScheme {
                    target: target.to_owned(),
                });
            }
            _ => return Err(invalid(format!("{target} is not an absolute http(s) URL"))),
        }
        let full_url = request.uri().to_string();
        let url = surf::Url::parse(&full_url).map_err(|e| invalid(format!("{target}: {e}")))?;
        let method: surf::http::Method = request
            .method()
            .as_str()
            .parse()
            .map_err(|_| invalid(format!("unsupported method {}", request.method())))?;
        let authority = url.port_or_known_default().map_or_else(
            || url.host_str().unwrap_or_default().to_owned(),
            |port| format!("{}:{port}", url.host_str().unwrap_or_default()),
        );
        let (parts, body) = request.into_parts();
        let mut outgoing = surf::Request::new(method, url);
        for (name, value) in &parts.headers {
            let value = value
                .to_str()
                .map_err(|_| invalid(format!("header {name} is not ASCII")))?;
            outgoing.append_header(name.as_str(), value);
        }
        outgoing.set_body(surf::Body::from_bytes(body));

        let surf_error = |e: surf::Error| {
            not_sent(&e, &authority).unwrap_or_else(|| TransportError::Http {
                target: target.to_owned(),
                source: scrub(&e.to_string(), &full_url).into(),
            })
        };
        let mut response = self.client.send(outgoing).await.map_err(surf_error)?;
        let limit = self.max_body_bytes;
        let too_large = || TransportError::BodyTooLarge {
            target: target.to_owned(),
            limit,
        };
        if response.len().is_some_and(|len| len > limit) {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        // One byte past the cap tells "exactly at the cap" from "over it".
        response
            .take_body()
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| TransportError::Http {
                target: target.to_owned(),
                source: scrub(&e.to_string(), &full_url).into(),
            })?;
        if bytes.len() > limit {
            return Err(too_large());
        }
        let mut builder = http::Response::builder().status(u16::from(response.status()));
        for (name, values) in response.iter() {
            for value in values.iter() {
                builder = builder.header(name.as_str(), value.as_str());
            }
        }
        builder.body(bytes).map_err(|e| TransportError::Http {
            target: target.to_owned(),
            source: Box::new(e),
        })
    }
}

/// A backend's failure to reach `authority` at all (an I/O error in its chain says the
/// connection was refused, the host or network unreachable...):
/// [`TransportError::Connect`], so the client knows the request was not sent.
///
/// Backends that hide their I/O errors (surf's `h1-client` wraps a connect failure in
/// its pool's error, which has no source) cannot tell; their errors count as maybe sent,
/// so a connect failure through them is not retried on endpoints that are not retry safe.
fn not_sent(error: &surf::Error, authority: &str) -> Option<TransportError> {
    let root: &(dyn std::error::Error + 'static) = error.as_ref();
    let io = std::iter::successors(Some(root), |e| e.source())
        .find_map(|e| e.downcast_ref::<std::io::Error>())?;
    (Failure::kind(io) == FailureKind::NotSent).then(|| TransportError::Connect {
        target: authority.to_owned(),
        source: std::io::Error::new(io.kind(), io.to_string()),
    })
}

/// A backend's message with the URL's query cut out, should the backend quote the URL.
fn scrub(message: &str, full_url: &str) -> String {
    match full_url.split_once('?') {
        Some((_, query)) if !query.is_empty() => message.replace(query, "<redacted>"),
        _ => message.to_owned(),
    }
}

impl Transport for SurfTransport {
    type Error = TransportError;

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let target = redact_url(&request.uri().to_string());
        let after = self.request_timeout;
        let timer = self.runtime.sleep(after);
        let deadline = async {
            timer.await;
            Err(TransportError::Timeout {
                what: TimeoutKind::Request,
                target: target.clone(),
                after,
            })
        };
        futures_lite::future::or(self.exchange(request, &target), deadline).await
    }
}

impl SurfTransportBuilder {
    /// The runtime whose timer enforces the request timeout (default
    /// [`default_runtime`]); a test drives it with
    /// [`ManualRuntime`](crate::testing::ManualRuntime).
    pub fn runtime(mut self, runtime: Arc<dyn Runtime>) -> Self {
        self.transport.runtime = runtime;
        self
    }

    /// Deadline for a whole request: sending and reading the full response (default 10 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.transport.request_timeout = timeout;
        self
    }

    /// Largest response body accepted, in bytes (default 1 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.transport.max_body_bytes = limit;
        self
    }

    /// Allows plain `http://` URLs. Off by default: meant for loopback tests only.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.transport.allow_http = allow;
        self
    }

    /// The configured transport.
    pub fn build(self) -> SurfTransport {
        self.transport
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backend_io_error_that_says_nothing_left_is_a_connect_failure() {
        let refused =
            surf::Error::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        let error = not_sent(&refused, "h:80").expect("refused is not sent");
        assert!(matches!(error, TransportError::Connect { .. }), "{error:?}");
        assert_eq!(error.kind(), FailureKind::NotSent);
        let reset = surf::Error::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(not_sent(&reset, "h:80").is_none());
        let opaque = surf::Error::from_str(surf::StatusCode::BadGateway, "pool failed");
        assert!(not_sent(&opaque, "h:80").is_none());
    }
}
