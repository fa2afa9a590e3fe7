//! Receiving CallKit's callbacks (webhooks): a ready HTTP handler and, with the `server`
//! feature, a server for it.
//!
//! This module re-exports everything in [`callkit_core::webhook`] (parsing, checks, typed
//! [`Event`]s, replies) and adds the parts that need the standard library: the clock,
//! logging, and a socket.
//!
//! * [`WebhookHandler`] (or the shortcuts [`handler`] and [`handler_with_clock`]) turns an
//!   `http::Request<Vec<u8>>` into the `http::Response<Vec<u8>>` CallKit expects: the
//!   generation's acknowledgement (v1 `{"ErrorCode":0,"ErrorMessage":"Success"}`, v4
//!   `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`) after handing the event to your
//!   code, or the core's rejection (400/401/403/405/413 with a JSON body in the sender's
//!   shape). Rejections are logged with `log::warn!` (the reason only: never the token, the
//!   query or the path, which may carry a secret) and passed to an optional
//!   [`on_rejected`](WebhookHandler::on_rejected) hook. Any path is accepted: CallKit
//!   posts to whatever URL you configured.
//! * [`serve`] / [`WebhookHandler::serve`] (feature `server`) run it on the crate's
//!   [`LoopbackServer`](crate::server::LoopbackServer) (hyper on smol, a thread of its own).
//!
//! # Serving in production
//!
//! The server speaks plain HTTP by default. Its HTTPS mode uses a fresh **self-signed**
//! certificate for `localhost`/127.0.0.1 only, which CallKit will not trust: it is for
//! local tests. A real receiver listens on `0.0.0.0` (or an internal address) over HTTP
//! behind your TLS terminator (nginx, a cloud load balancer, …) that holds your
//! certificate, and the URL you register with CallKit is the terminator's `https://` one.
//! Alternatively, mount [`WebhookHandler::handle`] in your own HTTP server.
//!
//! With [`serve`], `on_event` runs on a thread of the server's blocking pool, before the
//! acknowledgement is sent: a slow callback delays only its own request's acknowledgement,
//! not other connections. Still keep it well under CallKit's callback timeout (e.g. send
//! the event into a channel), since an unacknowledged v1 callback is retried. If it
//! panics, the request gets a 500 and CallKit retries (v1 retries on any HTTP error).
//!
//! ```
//! use callkit::webhook::{self, Payload, WebhookConfig};
//!
//! let (tx, rx) = std::sync::mpsc::channel();
//! let on_event = move |event| {
//!     let _ = tx.send(event);
//! };
//! let handle = webhook::handler(WebhookConfig::new(1400000000), on_event);
//!
//! let request = http::Request::post(
//!     "/callkit?SdkAppid=1400000000&CallbackCommand=Call.CallbackAfterMemberChanged",
//! )
//! .body(br#"{"CallId":"c1","ChangedUserList":[{"User_Account":"u2","ActionType":"Accept"}]}"#.to_vec())?;
//! let response = handle(request);
//!
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.body(), br#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#);
//! assert!(matches!(rx.try_recv()?.payload, Payload::MemberChanged(_)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use callkit_core::webhook::*;

use std::fmt;
use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::transport::{HttpRequest, HttpResponse};

type EventFn = dyn Fn(Event) + Send + Sync;
type RejectedFn = dyn Fn(&WebhookError) + Send + Sync;
type ClockFn = dyn Fn() -> u64 + Send + Sync;

/// A webhook endpoint: the configuration, your event callback, an optional rejection
/// hook, and the clock (Unix seconds) that `RequestTime` is checked against.
///
/// ```
/// use callkit::webhook::{CallbackToken, WebhookConfig, WebhookHandler, sign};
///
/// let config = WebhookConfig::new(1).with_token(CallbackToken::new("xxxxyyyy"));
/// let handler = WebhookHandler::new(config, |_event| {})
///     .on_rejected(|error| assert_eq!(error.status(), 403))
///     .clock(|| 1_669_872_112);
///
/// let sign = sign(&CallbackToken::new("xxxxyyyy"), "1669872112");
/// let url = format!("/?sdkappid=1&command=cancel&RequestTime=1669872112&Sign={sign}");
/// let ok = http::Request::post(url).body(b"{}".to_vec())?;
/// assert_eq!(handler.handle(&ok).status(), 200);
///
/// let forged = http::Request::post("/?sdkappid=1&command=cancel&RequestTime=1669872112&Sign=00")
///     .body(b"{}".to_vec())?;
/// assert_eq!(handler.handle(&forged).status(), 403);
/// # Ok::<(), http::Error>(())
/// ```
#[must_use]
pub struct WebhookHandler {
    config: WebhookConfig,
    on_event: Box<EventFn>,
    on_rejected: Option<Box<RejectedFn>>,
    clock: Box<ClockFn>,
}

impl fmt::Debug for WebhookHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The config's token is redacted by its own Debug.
        f.debug_struct("WebhookHandler")
            .field("config", &self.config)
            .field("on_rejected", &self.on_rejected.is_some())
            .finish_non_exhaustive()
    }
}

impl WebhookHandler {
    /// A handler that passes every accepted event to `on_event`, reading the system clock.
    pub fn new(config: WebhookConfig, on_event: impl Fn(Event) + Send + Sync + 'static) -> Self {
        Self {
            config,
            on_event: Box::new(on_event),
            on_rejected: None,
            clock: Box::new(system_clock),
        }
    }

    /// Also calls `hook` with every rejected request's error (after it is logged).
    pub fn on_rejected(mut self, hook: impl Fn(&WebhookError) + Send + Sync + 'static) -> Self {
        self.on_rejected = Some(Box::new(hook));
        self
    }

    /// Reads "now" (Unix seconds) from `now` instead of the system clock, once per
    /// request. Only the `RequestTime` check of a configured token uses it.
    pub fn clock(mut self, now: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Box::new(now);
        self
    }

    /// The configuration requests are checked against.
    pub fn config(&self) -> &WebhookConfig {
        &self.config
    }

    /// Checks and parses one request with the core's [`handle`], hands an accepted event
    /// to `on_event`, and returns the response to send ([`http_reply_for`]).
    pub fn handle(&self, request: &HttpRequest) -> HttpResponse {
        let result = handle(request, &self.config, (self.clock)());
        let response = http_reply_for(&result);
        match result {
            Ok(event) => {
                log::debug!(
                    "accepted {} callback {}",
                    event.generation(),
                    event.command()
                );
                (self.on_event)(event);
            }
            Err(error) => {
                // The error's Display holds the reason only (no token, Sign or query).
                log::warn!("{error}");
                if let Some(hook) = &self.on_rejected {
                    hook(&error);
                }
            }
        }
        response
    }

    /// This handler as the `Fn(request) -> response` a server takes.
    pub fn into_fn(self) -> impl Fn(HttpRequest) -> HttpResponse + Send + Sync + 'static {
        move |request| self.handle(&request)
    }

    /// Serves this handler on `addr` (e.g. `0.0.0.0:8080`; port 0 picks a free one) over
    /// HTTP, or over HTTPS with a self-signed certificate for local tests (see the
    /// [module docs](self#serving-in-production)).
    ///
    /// The server reads at most one byte more than
    /// [`max_body_bytes`](WebhookConfig::max_body_bytes): a body just over the cap gets
    /// the core's JSON 413 (logged and passed to `on_rejected`); a larger one is cut off
    /// by the server itself with a plain-text 413 that this handler never sees.
    #[cfg(feature = "server")]
    pub fn serve(
        self,
        addr: std::net::SocketAddr,
        https: bool,
    ) -> Result<crate::server::LoopbackServer, crate::server::ServerError> {
        crate::server::LoopbackServer::builder()
            .bind(addr.ip())
            .port(addr.port())
            .https(https)
            .max_request_body_bytes(self.config.max_body_bytes.saturating_add(1))
            .serve(self.into_fn())
    }
}

/// A handler from request to response that passes each accepted event to `on_event`,
/// reading the system clock per request. See [`WebhookHandler`] for a rejection hook.
pub fn handler(
    config: WebhookConfig,
    on_event: impl Fn(Event) + Send + Sync + 'static,
) -> impl Fn(HttpRequest) -> HttpResponse + Send + Sync + 'static {
    WebhookHandler::new(config, on_event).into_fn()
}

/// [`handler`] with the clock injected: `now()` returns Unix seconds.
pub fn handler_with_clock(
    config: WebhookConfig,
    now: impl Fn() -> u64 + Send + Sync + 'static,
    on_event: impl Fn(Event) + Send + Sync + 'static,
) -> impl Fn(HttpRequest) -> HttpResponse + Send + Sync + 'static {
    WebhookHandler::new(config, on_event).clock(now).into_fn()
}

/// Serves [`handler`]`(config, on_event)` on `addr`, over HTTP or (self-signed, for local
/// tests) HTTPS; see [`WebhookHandler::serve`]. The server stops when the returned
/// handle is dropped.
///
/// ```
/// use callkit::webhook::{self, WebhookConfig};
///
/// let server = webhook::serve(
///     "127.0.0.1:0".parse()?,
///     false,
///     WebhookConfig::new(1400000000),
///     |event| println!("{}", event.command()),
/// )?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "server")]
pub fn serve(
    addr: std::net::SocketAddr,
    https: bool,
    config: WebhookConfig,
    on_event: impl Fn(Event) + Send + Sync + 'static,
) -> Result<crate::server::LoopbackServer, crate::server::ServerError> {
    WebhookHandler::new(config, on_event).serve(addr, https)
}

/// The system clock in Unix seconds (0 if it is set before 1970).
pub fn system_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// Writes `event` as one line of JSON (the core's `Serialize`) and flushes, so that a
/// reader of a pipe sees each event as it arrives.
///
/// ```
/// use callkit::webhook::{Event, Payload, write_json_line};
///
/// let event = Event::new(1, Payload::OtherV4 { command: "Call.X".into(), body: Default::default() });
/// let mut out = Vec::new();
/// write_json_line(&mut out, &event)?;
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "{\"sdkappid\":1,\"client_ip\":null,\"platform\":null,\"payload\":{\"type\":\"OtherV4\",\"command\":\"Call.X\",\"body\":null}}\n",
/// );
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_json_line(out: &mut impl Write, event: &Event) -> io::Result<()> {
    // Serialize fully first, so a failure never leaves half a line behind.
    let mut line = serde_json::to_vec(event)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}
