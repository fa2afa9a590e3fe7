//! The seam between callkit and an HTTP stack.
//!
//! callkit never opens a socket itself: every request goes through a [`Transport`] (async)
//! or a [`BlockingTransport`]. The request and response are plain [`http`] values with the
//! body as bytes, so any HTTP client can be plugged in, and a test can plug in a closure.
//!
//! The bundled transports (`SmolTransport`, `AsyncStdTransport`, `SurfTransport`) are cheap
//! to clone (an `Arc` inside), so a client holding one stays `Clone + Send + Sync`. A
//! caller's transport that is not `Clone` can be held as `Arc<T>` and called through the
//! `Arc` (there is no blanket `impl Transport for Arc<T>`: it would overlap with the one
//! for closures, since the standard library may one day make `Arc` callable).

use std::convert::Infallible;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;

pub use callkit_core::call_loop::FailureKind;

/// A request as callkit hands it to a transport: method, absolute URL, headers, body bytes.
pub type HttpRequest = http::Request<Vec<u8>>;

/// A response as a transport hands it back: status, headers, the whole body.
pub type HttpResponse = http::Response<Vec<u8>>;

/// An asynchronous HTTP stack: sends one request, returns the whole response.
///
/// A transport returns `Ok` for every HTTP status (a 500 is a response, not a transport
/// error); `Err` means no complete response was received (connect, TLS, timeout, body
/// cap...), and its [`Failure::kind`] says whether the request may have been sent, which
/// is what the client's retries go by. Retries are the caller's business: a transport sends each request once, except
/// that it may resend on a fresh connection a request it knows was never written.
///
/// Any `Fn(HttpRequest) -> impl Future<Output = Result<HttpResponse, E>> + Send` is a
/// transport, which makes test doubles one-liners:
///
/// ```
/// use callkit::transport::{HttpRequest, HttpResponse, Transport};
///
/// // Answers every request with a canned JSON body; records nothing, needs no server.
/// let double = |request: HttpRequest| async move {
///     assert_eq!(request.method(), http::Method::POST);
///     Ok::<_, std::convert::Infallible>(HttpResponse::new(br#"{"ErrorCode":0}"#.to_vec()))
/// };
///
/// let request = http::Request::post("https://example.invalid/v4/x").body(Vec::new()).unwrap();
/// let response = futures_lite::future::block_on(double.send(request)).unwrap();
/// assert_eq!(response.body(), br#"{"ErrorCode":0}"#);
/// ```
pub trait Transport {
    /// What went wrong when no complete response could be had, and what that means
    /// ([`Failure::kind`]).
    type Error: Failure;

    /// Sends `request` and resolves to the complete response.
    fn send(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, Self::Error>> + Send;
}

impl<F, Fut, E> Transport for F
where
    F: Fn(HttpRequest) -> Fut,
    Fut: Future<Output = Result<HttpResponse, E>> + Send,
    E: Failure,
{
    type Error = E;

    fn send(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, Self::Error>> + Send {
        self(request)
    }
}

/// The blocking twin of [`Transport`], for callers on plain threads (ureq, a sync CLI...).
///
/// Any `Fn(HttpRequest) -> Result<HttpResponse, E>` is a blocking transport, where `E`
/// is a [`Failure`] (such as [`Failed`], which says what happened in one line):
///
/// ```
/// use callkit::transport::{BlockingTransport, Failed, Failure, FailureKind, HttpRequest, HttpResponse};
///
/// let offline = |_request: HttpRequest| -> Result<HttpResponse, Failed> {
///     Err(Failed::not_sent("offline"))
/// };
/// let request = http::Request::get("https://example.invalid/").body(Vec::new()).unwrap();
/// let error = offline.send(request).unwrap_err();
/// assert_eq!(error.to_string(), "offline");
/// assert_eq!(error.kind(), FailureKind::NotSent);
/// ```
///
/// `examples/ureq_transport.rs` plugs a real blocking HTTP client in this way.
pub trait BlockingTransport {
    /// What went wrong when no complete response could be had, and what that means
    /// ([`Failure::kind`]).
    type Error: Failure;

    /// Sends `request` and blocks until the complete response has arrived.
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, Self::Error>;
}

impl<F, E> BlockingTransport for F
where
    F: Fn(HttpRequest) -> Result<HttpResponse, E>,
    E: Failure,
{
    type Error = E;

    fn send(&self, request: HttpRequest) -> Result<HttpResponse, Self::Error> {
        self(request)
    }
}

/// A transport's error that says what happened to the request ([`FailureKind`]): whether
/// it surely was not sent (retried on any endpoint), refused, or may have been sent.
///
/// Implemented for the bundled [`TransportError`](crate::TransportError), for
/// [`std::io::Error`] (by its [`io::ErrorKind`]), for [`Infallible`], and for [`Failed`],
/// the ready-made error of closure transports. Implement it for your own error type:
///
/// ```
/// use callkit::transport::{Failure, FailureKind};
///
/// #[derive(Debug, thiserror::Error)]
/// enum MyError {
///     #[error("no route to the service")]
///     NoRoute,
///     #[error("connection dropped mid-request")]
///     Dropped,
/// }
///
/// impl Failure for MyError {
///     fn kind(&self) -> FailureKind {
///         match self {
///             MyError::NoRoute => FailureKind::NotSent,
///             MyError::Dropped => FailureKind::MaybeSent,
///         }
///     }
/// }
/// ```
pub trait Failure: StdError + Send + Sync + 'static {
    /// What happened to the request.
    fn kind(&self) -> FailureKind;
}

/// The I/O error's kind, read honestly: failures that happen before a byte is written
/// (refused, unreachable, no address) are [`FailureKind::NotSent`]; `TimedOut` and
/// `WouldBlock` are [`FailureKind::TimedOut`]; `InvalidInput` and `Unsupported` are
/// [`FailureKind::Refused`]; anything else (reset, broken pipe, early end of file...)
/// may have happened after sending: [`FailureKind::MaybeSent`].
impl Failure for io::Error {
    fn kind(&self) -> FailureKind {
        use io::ErrorKind as K;
        match io::Error::kind(self) {
            K::ConnectionRefused
            | K::AddrNotAvailable
            | K::AddrInUse
            | K::HostUnreachable
            | K::NetworkUnreachable
            | K::NetworkDown
            | K::NotConnected => FailureKind::NotSent,
            K::TimedOut | K::WouldBlock => FailureKind::TimedOut,
            K::InvalidInput | K::Unsupported => FailureKind::Refused,
            _ => FailureKind::MaybeSent,
        }
    }
}

/// A transport that cannot fail (a test double).
impl Failure for Infallible {
    fn kind(&self) -> FailureKind {
        match *self {}
    }
}

/// The ready-made error of a closure transport: any error or message, with what
/// happened to the request.
///
/// ```
/// use callkit::transport::{Failed, Failure, FailureKind, HttpRequest, HttpResponse};
///
/// // A double of a service that cannot be reached: the client retries it on any endpoint.
/// let unreachable = |_: HttpRequest| async { Err::<HttpResponse, _>(Failed::not_sent("no route")) };
/// # let _ = unreachable;
/// let timed_out = Failed::timed_out(std::io::Error::from(std::io::ErrorKind::TimedOut));
/// assert_eq!(timed_out.kind(), FailureKind::TimedOut);
/// ```
pub struct Failed {
    kind: FailureKind,
    source: Box<dyn StdError + Send + Sync>,
}

impl Failed {
    /// `source` (an error or a message), with what happened.
    pub fn new(kind: FailureKind, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Failed {
            kind,
            source: source.into(),
        }
    }

    /// The request surely never left this machine ([`FailureKind::NotSent`]).
    pub fn not_sent(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Failed::new(FailureKind::NotSent, source)
    }

    /// The transport would not send it at all ([`FailureKind::Refused`]).
    pub fn refused(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Failed::new(FailureKind::Refused, source)
    }

    /// The request may have reached the service ([`FailureKind::MaybeSent`]).
    pub fn maybe_sent(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Failed::new(FailureKind::MaybeSent, source)
    }

    /// The deadline passed after the request may have been sent ([`FailureKind::TimedOut`]).
    pub fn timed_out(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Failed::new(FailureKind::TimedOut, source)
    }

    /// The reply's body is over the cap ([`FailureKind::BodyTooLarge`]).
    pub fn body_too_large(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Failed::new(FailureKind::BodyTooLarge, source)
    }

    /// The error it wraps.
    pub fn into_source(self) -> Box<dyn StdError + Send + Sync> {
        self.source
    }
}

impl fmt::Debug for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failed")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl StdError for Failed {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

impl Failure for Failed {
    fn kind(&self) -> FailureKind {
        self.kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_say_whether_the_request_left() {
        let kind = |k: io::ErrorKind| Failure::kind(&io::Error::from(k));
        assert_eq!(kind(io::ErrorKind::ConnectionRefused), FailureKind::NotSent);
        assert_eq!(kind(io::ErrorKind::HostUnreachable), FailureKind::NotSent);
        assert_eq!(kind(io::ErrorKind::TimedOut), FailureKind::TimedOut);
        assert_eq!(kind(io::ErrorKind::InvalidInput), FailureKind::Refused);
        assert_eq!(kind(io::ErrorKind::ConnectionReset), FailureKind::MaybeSent);
        assert_eq!(kind(io::ErrorKind::UnexpectedEof), FailureKind::MaybeSent);
        assert_eq!(
            Failure::kind(&io::Error::other("dns")),
            FailureKind::MaybeSent
        );
    }

    #[test]
    fn failed_keeps_its_kind_and_source() {
        let failed = Failed::maybe_sent(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(failed.kind(), FailureKind::MaybeSent);
        let source = failed.source().unwrap();
        assert_eq!(
            source.downcast_ref::<io::Error>().map(io::Error::kind),
            Some(io::ErrorKind::BrokenPipe)
        );
        assert_eq!(Failed::body_too_large("big").to_string(), "big");
    }
}
