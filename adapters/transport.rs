//! The seam between callkit and an HTTP stack.
//!
//! callkit never opens a socket itself: every request goes through a [`Transport`] (async)
//! or a [`BlockingTransport`]. The request and response are plain [`http`] values with the
//! body as bytes, so any HTTP client can be plugged in, and a test can plug in a closure.
//!
//! The bundled transports (`SmolTransport`, `AsyncStdTransport`, `SurfTransport`) are cheap
//! to clone (an `Arc` inside), so a client holding one stays `Clone + Send + Sync`.

use std::future::Future;

/// A request as callkit hands it to a transport: method, absolute URL, headers, body bytes.
pub type HttpRequest = http::Request<Vec<u8>>;

/// A response as a transport hands it back: status, headers, the whole body.
pub type HttpResponse = http::Response<Vec<u8>>;

/// An asynchronous HTTP stack: sends one request, returns the whole response.
///
/// A transport returns `Ok` for every HTTP status (a 500 is a response, not a transport
/// error); `Err` means no complete response was received (connect, TLS, timeout, body
/// cap...). Retries are the caller's business: a transport sends each request once, except
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
    /// What went wrong when no complete response could be had.
    type Error: std::error::Error + Send + Sync + 'static;

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
    E: std::error::Error + Send + Sync + 'static,
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
/// Any `Fn(HttpRequest) -> Result<HttpResponse, E>` is a blocking transport:
///
/// ```
/// use callkit::transport::{BlockingTransport, HttpRequest, HttpResponse};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("offline")]
/// struct Offline;
///
/// let offline = |_request: HttpRequest| -> Result<HttpResponse, Offline> { Err(Offline) };
/// let request = http::Request::get("https://example.invalid/").body(Vec::new()).unwrap();
/// assert_eq!(offline.send(request).unwrap_err().to_string(), "offline");
/// ```
///
/// `examples/ureq_transport.rs` plugs a real blocking HTTP client in this way.
pub trait BlockingTransport {
    /// What went wrong when no complete response could be had.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Sends `request` and blocks until the complete response has arrived.
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, Self::Error>;
}

impl<F, E> BlockingTransport for F
where
    F: Fn(HttpRequest) -> Result<HttpResponse, E>,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn send(&self, request: HttpRequest) -> Result<HttpResponse, Self::Error> {
        self(request)
    }
}
