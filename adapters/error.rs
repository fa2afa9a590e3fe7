//! The one error type of callkit's transports, and the URL redaction every message uses.

use std::time::Duration;

use crate::transport::{Failure, FailureKind};

/// Why a bundled transport got no complete response.
///
/// Messages name the target as `scheme://host:port/path` only: a CallKit URL's query
/// carries the UserSig, so it never appears in an error (see [`redact_url`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The request cannot be sent as given (relative URL, unknown scheme, bad header...).
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What is wrong with it.
        reason: String,
    },
    /// A plain `http://` URL while the transport only allows `https://`.
    #[error("refusing plain http:// to {target}: only https:// is allowed (allow_http is off)")]
    InsecureScheme {
        /// The redacted URL.
        target: String,
    },
    /// The host name did not resolve, or no address accepted a TCP connection.
    #[error("could not connect to {target}: {source}")]
    Connect {
        /// `host:port`.
        target: String,
        /// The I/O error of the last address tried.
        #[source]
        source: std::io::Error,
    },
    /// The TLS handshake failed (untrusted or mismatched certificate, protocol error...).
    #[error("TLS handshake with {target} failed: {source}")]
    Tls {
        /// `host:port`.
        target: String,
        /// The TLS error.
        #[source]
        source: std::io::Error,
    },
    /// A deadline passed.
    #[error("{what} to {target} timed out after {after:?}")]
    Timeout {
        /// Which deadline: `connect` (TCP + TLS) or `request` (the whole exchange).
        what: TimeoutKind,
        /// The redacted URL.
        target: String,
        /// The configured limit.
        after: Duration,
    },
    /// The response body is larger than the configured cap.
    #[error("response body from {target} exceeds the cap of {limit} bytes")]
    BodyTooLarge {
        /// The redacted URL.
        target: String,
        /// The cap, in bytes.
        limit: usize,
    },
    /// The HTTP exchange failed after connecting (connection reset, malformed response...).
    #[error("HTTP exchange with {target} failed: {source}")]
    Http {
        /// The redacted URL.
        target: String,
        /// The underlying client's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The transport could not be built (unreadable root certificate, TLS setup...).
    #[error("transport configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },
}

/// Which deadline a [`TransportError::Timeout`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Opening the connection: TCP connect and TLS handshake.
    Connect,
    /// The whole request: connection, sending, and reading the complete response.
    Request,
}

impl std::fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Request => "request",
        })
    }
}

impl TransportError {
    /// True for [`TransportError::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, TransportError::Timeout { .. })
    }
}

/// Connect, TLS handshake and connect timeout: not sent (no HTTP byte left this machine;
/// a hijacked name fails the handshake). An invalid request, a refused scheme or a bad
/// configuration: refused. A request timeout: timed out. The cap: body too large.
/// Anything after connecting: maybe sent.
impl Failure for TransportError {
    fn kind(&self) -> FailureKind {
        match self {
            TransportError::Connect { .. }
            | TransportError::Tls { .. }
            | TransportError::Timeout {
                what: TimeoutKind::Connect,
                ..
            } => FailureKind::NotSent,
            TransportError::InvalidRequest { .. }
            | TransportError::InsecureScheme { .. }
            | TransportError::Config { .. } => FailureKind::Refused,
            TransportError::Timeout { .. } => FailureKind::TimedOut,
            TransportError::BodyTooLarge { .. } => FailureKind::BodyTooLarge,
            TransportError::Http { .. } => FailureKind::MaybeSent,
        }
    }
}

/// `url` without its query and fragment: `https://host/path?<redacted>`.
///
/// A CallKit request URL carries the UserSig in its query string; every message and log
/// line about a request goes through this.
///
/// ```
/// let url = "https://console.tim.qq.com/v4/x?sdkappid=1&usersig=SECRET";
/// assert_eq!(callkit::redact_url(url), "https://console.tim.qq.com/v4/x?<redacted>");
/// ```
pub fn redact_url(url: &str) -> String {
    let cut = url.find(['?', '#']);
    match cut {
        Some(at) => {
            let mut out = url.get(..at).unwrap_or_default().to_owned();
            if url.get(at..).is_some_and(|rest| rest.starts_with('?')) {
                out.push_str("?<redacted>");
            }
            out
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_connect_and_handshake_failures_count_as_not_sent() {
        let refused = TransportError::Connect {
            target: "h:1".into(),
            source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        };
        assert_eq!(refused.kind(), FailureKind::NotSent);
        let handshake = TransportError::Tls {
            target: "h:443".into(),
            source: std::io::Error::other("certificate for another name"),
        };
        assert_eq!(handshake.kind(), FailureKind::NotSent);
        let timeout = |what| TransportError::Timeout {
            what,
            target: "h".into(),
            after: Duration::from_secs(1),
        };
        assert_eq!(timeout(TimeoutKind::Connect).kind(), FailureKind::NotSent);
        assert_eq!(timeout(TimeoutKind::Request).kind(), FailureKind::TimedOut);
        let insecure = TransportError::InsecureScheme {
            target: "http://h/".into(),
        };
        assert_eq!(insecure.kind(), FailureKind::Refused);
        let reset = TransportError::Http {
            target: "https://h/".into(),
            source: Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
        };
        assert_eq!(reset.kind(), FailureKind::MaybeSent);
        let big = TransportError::BodyTooLarge {
            target: "https://h/".into(),
            limit: 1,
        };
        assert_eq!(big.kind(), FailureKind::BodyTooLarge);
    }

    #[test]
    fn redaction_drops_query_and_fragment() {
        assert_eq!(
            redact_url("http://h:1/p?usersig=abc#f"),
            "http://h:1/p?<redacted>"
        );
        assert_eq!(redact_url("http://h:1/p#f"), "http://h:1/p");
        assert_eq!(redact_url("http://h:1/p"), "http://h:1/p");
        assert!(!redact_url("https://h/p?usersig=SECRET").contains("SECRET"));
    }
}
