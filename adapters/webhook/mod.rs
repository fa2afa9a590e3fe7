//! Receiving CallKit's callbacks (webhooks): a ready HTTP handler and, with the `server`
//! feature, a server for it.
//!
//! This module re-exports everything in [`callkit_core::webhook`] (parsing, checks, typed
//! [`Event`]s, replies) and adds the parts that need the standard library: the time (a
//! [`Runtime`]),
//! logging, and a socket.
//!
//! * [`WebhookHandler`] (or the shortcut [`handler`]) turns an
//!   `http::Request<Vec<u8>>` into the `http::Response<Vec<u8>>` CallKit expects: the
//!   generation's acknowledgement (v1 `{"ErrorCode":0,"ErrorMessage":"Success"}`, v4
//!   `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`) after handing the event to your
//!   code, the core's rejection (400/401/403/405/413 with a JSON body in the sender's
//!   shape), or a 500 when your code could not handle the event (so that it is
//!   delivered again; see [`WebhookHandler`]). Rejections are logged with `log::warn!` (the reason only: never the token, the
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
//! With [`serve`], `on_event` runs on the server thread that serves the request, before
//! the acknowledgement is sent, with no hand-off to another thread. A slow callback delays
//! only its own request's acknowledgement: while it runs, the server starts another thread
//! for the other connections (see [`crate::server`]). Still keep it well under CallKit's
//! callback timeout, since an unacknowledged v1 callback is retried. If it returns an error
//! or panics, the request gets a 500 and CallKit delivers it again (v1 retries on any HTTP
//! error). The server's limits (timeouts, connection cap, workers) are described in
//! [`crate::server`]; set them with [`WebhookHandler::serve_on`].
//!
//! The quickest callback puts the event in a channel. Take the events from it in a task
//! on the server ([`LoopbackServer::spawn`](crate::server::LoopbackServer::spawn)): the
//! send then wakes no thread, and the receiver stays within a few percent of bare hyper's
//! requests per second. A thread of your own blocked on a channel is woken by every event
//! instead, a system call and a context switch per request, which on a virtual machine
//! can cost more than the rest of the request (BENCHMARKS.md has the figures). When the
//! server stops, the task takes every event still in the channel before the stop returns.
//!
//! ```
//! # #[cfg(feature = "server")] {
//! use callkit::webhook::{self, WebhookConfig};
//!
//! let (tx, rx) = smol::channel::unbounded();
//! let server = webhook::serve(
//!     "127.0.0.1:0".parse()?,
//!     false,
//!     WebhookConfig::new(1400000000),
//!     // A failed send (the task below has ended) answers 500: the event comes again.
//!     move |event| tx.try_send(event).map_err(|_| "the event queue is closed"),
//! )?;
//! server.spawn(async move {
//!     while let Ok(event) = rx.recv().await {
//!         println!("{}", event.command()); // store it, forward it, ...
//!     }
//! });
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ```
//! use callkit::webhook::{self, Payload, WebhookConfig};
//!
//! let (tx, rx) = std::sync::mpsc::channel();
//! // A failed send (the receiver is gone) answers 500: the event comes again.
//! let on_event = move |event| tx.send(event);
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

mod dedup;

pub use dedup::{Claim, DedupStore, MemoryDedupStore, StoreError, StoreFuture};

use std::fmt;
use std::future::Future;
use std::io::{self, Write};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::runtime::{Runtime, default_runtime};
use crate::transport::{HttpRequest, HttpResponse};

/// Why the application could not handle an event: its callback's error, as text.
type Outcome = Result<(), String>;
type BlockingFn = dyn Fn(Event) -> Outcome + Send + Sync;
type OutcomeFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;
type AsyncFn = dyn Fn(Event) -> OutcomeFuture + Send + Sync;
type RejectedFn = dyn Fn(&WebhookError) + Send + Sync;

/// The application's event callback, in either form.
enum OnEvent {
    Blocking(Box<BlockingFn>),
    Async(Box<AsyncFn>),
}

/// A webhook endpoint: the configuration, your event callback, an optional rejection
/// hook, an optional deduplication store, and the runtime whose Unix time `RequestTime`
/// is checked against.
///
/// # Delivery: at least once
///
/// The callback returns `Result<(), E>`. `Ok` acknowledges the event. An `Err` (say, the
/// database is down) or a panic answers `500` with a failure body in the sender's shape
/// ([`not_handled`]) and logs the reason with `log::error!`, so that the sender delivers
/// the event again: v1 retries on any HTTP error, after 0, 1, 1, 2, 3 and 5 s (spec
/// §6.1). For v4 the spec states no retry policy; the Chat rules the `Call.*` callbacks
/// reuse retry "after" callbacks only on a timeout and only when enabled in the console
/// (§6.3), so a v4 event refused this way may be lost: log it, or store it before
/// answering.
///
/// With [`dedup`](Self::dedup), a redelivery of an event already handled successfully is
/// acknowledged without calling the callback again (see [`EventKey`] for what identifies
/// an event, and [`MemoryDedupStore`]).
///
/// ```
/// use std::time::Duration;
/// use callkit::testing::ManualRuntime;
/// use callkit::webhook::{CallbackToken, WebhookConfig, WebhookHandler, sign};
///
/// let config = WebhookConfig::new(1).with_token(CallbackToken::new("xxxxyyyy"));
/// let runtime = ManualRuntime::new(Duration::from_secs(1_669_872_112));
/// let handler = WebhookHandler::new(config, |_event| Ok::<(), std::convert::Infallible>(()))
///     .on_rejected(|error| assert_eq!(error.status(), 403))
///     .runtime(runtime.shared());
///
/// let body = br#"{"CallId":"c1","UserId":"u1"}"#.to_vec();
/// let sign = sign(&CallbackToken::new("xxxxyyyy"), "1669872112");
/// let url = format!("/?sdkappid=1&command=cancel&RequestTime=1669872112&Sign={sign}");
/// let ok = http::Request::post(url).body(body.clone())?;
/// assert_eq!(handler.handle(&ok).status(), 200);
///
/// let forged = http::Request::post("/?sdkappid=1&command=cancel&RequestTime=1669872112&Sign=00")
///     .body(body)?;
/// assert_eq!(handler.handle(&forged).status(), 403);
/// # Ok::<(), http::Error>(())
/// ```
#[must_use]
pub struct WebhookHandler {
    config: WebhookConfig,
    on_event: OnEvent,
    on_rejected: Option<Box<RejectedFn>>,
    dedup: Option<Box<dyn DedupStore>>,
    runtime: Arc<dyn Runtime>,
}

impl fmt::Debug for WebhookHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The config's token is redacted by its own Debug.
        f.debug_struct("WebhookHandler")
            .field("config", &self.config)
            .field("async", &matches!(self.on_event, OnEvent::Async(_)))
            .field("on_rejected", &self.on_rejected.is_some())
            .field("dedup", &self.dedup.is_some())
            .finish_non_exhaustive()
    }
}

impl WebhookHandler {
    /// A handler that passes every accepted event to `on_event`, on the
    /// [`default_runtime`]'s clock. `on_event` runs on the thread that handles the request (a server thread
    /// with [`serve`](Self::serve)); its `Err` or panic makes the sender deliver again.
    pub fn new<E: fmt::Display>(
        config: WebhookConfig,
        on_event: impl Fn(Event) -> Result<(), E> + Send + Sync + 'static,
    ) -> Self {
        let on_event = move |event| on_event(event).map_err(|error| error.to_string());
        Self::with_callback(config, OnEvent::Blocking(Box::new(on_event)))
    }

    /// A handler whose callback is async, for applications that store events with an
    /// async client (on smol, async-std, or any executor whose futures run anywhere).
    /// [`handle_async`](Self::handle_async) awaits it; [`handle`](Self::handle) (and so
    /// [`serve`](Self::serve)) drives it to completion on the request's thread.
    ///
    /// ```
    /// use callkit::webhook::{WebhookConfig, WebhookHandler};
    ///
    /// let handler = WebhookHandler::new_async(WebhookConfig::new(1), |event| async move {
    ///     // e.g. `db.insert(&event).await`
    ///     if event.command() == "cancel" { Ok(()) } else { Err("not stored") }
    /// });
    /// let request = |command: &str| {
    ///     http::Request::post(format!("/?sdkappid=1&command={command}"))
    ///         .body(br#"{"CallId":"c1","UserId":"u1"}"#.to_vec())
    /// };
    /// futures_lite::future::block_on(async {
    ///     assert_eq!(handler.handle_async(&request("cancel")?).await.status(), 200);
    ///     assert_eq!(handler.handle_async(&request("reject")?).await.status(), 500);
    ///     Ok::<(), http::Error>(())
    /// })?;
    /// # Ok::<(), http::Error>(())
    /// ```
    pub fn new_async<E, F>(
        config: WebhookConfig,
        on_event: impl Fn(Event) -> F + Send + Sync + 'static,
    ) -> Self
    where
        E: fmt::Display,
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        let on_event = move |event| -> OutcomeFuture {
            let future = on_event(event);
            Box::pin(async move { future.await.map_err(|error| error.to_string()) })
        };
        Self::with_callback(config, OnEvent::Async(Box::new(on_event)))
    }

    fn with_callback(config: WebhookConfig, on_event: OnEvent) -> Self {
        Self {
            config,
            on_event,
            on_rejected: None,
            dedup: None,
            runtime: default_runtime(),
        }
    }

    /// Also calls `hook` with every rejected request's error (after it is logged).
    pub fn on_rejected(mut self, hook: impl Fn(&WebhookError) + Send + Sync + 'static) -> Self {
        self.on_rejected = Some(Box::new(hook));
        self
    }

    /// Recognises redeliveries with `store`: an event whose [`EventKey`] the store says
    /// was handled is acknowledged without calling the callback; one being handled by
    /// another delivery right now is answered "not handled" (it comes again); a store
    /// error is answered "not handled" too. Pass an `Arc` to share one store between
    /// handlers.
    pub fn dedup(mut self, store: impl DedupStore + 'static) -> Self {
        self.dedup = Some(Box::new(store));
        self
    }

    /// Reads "now" from `runtime`'s Unix time (default [`default_runtime`]), once per
    /// request. Only the `RequestTime` check of a configured token uses it.
    pub fn runtime(mut self, runtime: Arc<dyn Runtime>) -> Self {
        self.runtime = runtime;
        self
    }

    /// The configuration requests are checked against.
    pub fn config(&self) -> &WebhookConfig {
        &self.config
    }

    /// Checks and parses one request with the core's [`handle`], hands an accepted
    /// event to the callback (blocking until an async one completes), and returns the
    /// response to send: the acknowledgement, the rejection ([`http_reply_for`]), or
    /// [`not_handled_response`] when the callback failed.
    pub fn handle(&self, request: &HttpRequest) -> HttpResponse {
        let mut handling = std::pin::pin!(self.handle_async(request));
        // A blocking callback (and no dedup store, or a synchronous one) completes on the
        // first poll. `block_on` is only for what has to wait: on its way out it wakes
        // async-io's driver thread, a system call (and a context switch) per request.
        let mut nothing_to_wake = Context::from_waker(std::task::Waker::noop());
        match handling.as_mut().poll(&mut nothing_to_wake) {
            Poll::Ready(response) => response,
            Poll::Pending => async_io::block_on(handling),
        }
    }

    /// [`handle`](Self::handle) for async servers: awaits an async callback (a blocking
    /// one is called directly, on the awaiting thread).
    pub async fn handle_async(&self, request: &HttpRequest) -> HttpResponse {
        let event = match handle(request, &self.config, self.runtime.unix_time().as_secs()) {
            Ok(event) => event,
            Err(error) => {
                // The error's Display holds the reason only (no token, Sign or query).
                log::warn!("{error}");
                if let Some(hook) = &self.on_rejected {
                    hook(&error);
                }
                return error.to_http_response();
            }
        };
        let generation = event.generation();
        let what = format!("{generation} callback {}", event.command());
        let outcome = match &self.dedup {
            None => self.deliver(event).await,
            Some(store) => {
                let key = EventKey::new(
                    self.config.sdkappid,
                    generation,
                    event.command(),
                    request.body(),
                );
                self.deliver_once(store.as_ref(), &key, event, &what).await
            }
        };
        match outcome {
            Ok(()) => {
                log::debug!("accepted {what}");
                ack_response(generation)
            }
            Err(reason) => {
                // The application's error text is its own, but may quote a URL: redacted.
                let reason = callkit_core::redact::redact_usersig(&reason);
                log::error!(
                    "{what} not handled ({reason}); answered 500 so that it is delivered again"
                );
                not_handled_response(generation)
            }
        }
    }

    /// The deduplication stage around [`deliver`](Self::deliver): claims `key`, calls
    /// the callback only for a claim, and records the outcome.
    async fn deliver_once(
        &self,
        store: &dyn DedupStore,
        key: &EventKey,
        event: Event,
        what: &str,
    ) -> Outcome {
        match store.claim(key).await {
            Ok(Claim::Claimed) => {
                let outcome = self.deliver(event).await;
                let settled = match outcome {
                    Ok(()) => store.mark_handled(key).await,
                    Err(_) => store.release(key).await,
                };
                if let Err(error) = settled {
                    log::error!("{what}: {error}");
                }
                outcome
            }
            Ok(Claim::AlreadyHandled) => {
                log::debug!("{what} {key:?} redelivered, already handled: acknowledged");
                Ok(())
            }
            Ok(Claim::InProgress) => Err(String::from(
                "a delivery of the same event is being handled",
            )),
            Err(error) => Err(error.to_string()),
        }
    }

    /// Calls the callback; a panic in it (or in its future) is an error like any other.
    async fn deliver(&self, event: Event) -> Outcome {
        match &self.on_event {
            OnEvent::Blocking(call) => std::panic::catch_unwind(AssertUnwindSafe(|| call(event)))
                .unwrap_or_else(|panic| Err(panic_reason(panic.as_ref()))),
            OnEvent::Async(call) => {
                match std::panic::catch_unwind(AssertUnwindSafe(|| call(event))) {
                    Ok(future) => CatchUnwind(future).await,
                    Err(panic) => Err(panic_reason(panic.as_ref())),
                }
            }
        }
    }

    /// This handler as the `Fn(request) -> response` a server takes.
    pub fn into_fn(self) -> impl Fn(HttpRequest) -> HttpResponse + Send + Sync + 'static {
        move |request| self.handle(&request)
    }

    /// Serves this handler on `addr` (e.g. `0.0.0.0:8080`; port 0 picks a free one) over
    /// HTTP, or over HTTPS with a self-signed certificate for local tests (see the
    /// [module docs](self#serving-in-production)), with the server's default limits.
    #[cfg(feature = "server")]
    pub fn serve(
        self,
        addr: std::net::SocketAddr,
        https: bool,
    ) -> Result<crate::server::LoopbackServer, crate::server::ServerError> {
        let server = crate::server::LoopbackServer::builder()
            .bind(addr.ip())
            .port(addr.port())
            .https(https);
        self.serve_on(server)
    }

    /// Serves this handler on a server configured by `server` (address, timeouts,
    /// connection cap, workers: see [`crate::server`]).
    ///
    /// The server reads at most one byte more than
    /// [`max_body_bytes`](WebhookConfig::max_body_bytes): a body just over the cap gets
    /// the core's JSON 413 (logged and passed to `on_rejected`); a larger one is cut off
    /// by the server itself with a plain-text 413 that this handler never sees.
    ///
    /// ```
    /// use std::time::Duration;
    /// use callkit::server::LoopbackServer;
    /// use callkit::webhook::{WebhookConfig, WebhookHandler};
    ///
    /// let server = WebhookHandler::new(WebhookConfig::new(1), |_| Ok::<_, String>(()))
    ///     .serve_on(LoopbackServer::builder().header_timeout(Duration::from_secs(5)))?;
    /// # Ok::<(), callkit::server::ServerError>(())
    /// ```
    #[cfg(feature = "server")]
    pub fn serve_on(
        self,
        server: crate::server::ServerBuilder,
    ) -> Result<crate::server::LoopbackServer, crate::server::ServerError> {
        server
            .max_request_body_bytes(self.config.max_body_bytes.saturating_add(1))
            .serve(self.into_fn())
    }
}

/// Polls a future, turning a panic inside it into an error.
struct CatchUnwind(OutcomeFuture);

impl Future for CatchUnwind {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let future = &mut self.0;
        std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx)))
            .unwrap_or_else(|panic| Poll::Ready(Err(panic_reason(panic.as_ref()))))
    }
}

/// The message of a caught panic.
fn panic_reason(panic: &(dyn std::any::Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic");
    format!("the callback panicked: {message}")
}

/// A handler from request to response that passes each accepted event to `on_event`,
/// on the [`default_runtime`]'s clock. See [`WebhookHandler`] for the rest.
pub fn handler<E: fmt::Display>(
    config: WebhookConfig,
    on_event: impl Fn(Event) -> Result<(), E> + Send + Sync + 'static,
) -> impl Fn(HttpRequest) -> HttpResponse + Send + Sync + 'static {
    WebhookHandler::new(config, on_event).into_fn()
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
///     |event| {
///         println!("{}", event.command());
///         Ok::<(), std::io::Error>(())
///     },
/// )?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "server")]
pub fn serve<E: fmt::Display>(
    addr: std::net::SocketAddr,
    https: bool,
    config: WebhookConfig,
    on_event: impl Fn(Event) -> Result<(), E> + Send + Sync + 'static,
) -> Result<crate::server::LoopbackServer, crate::server::ServerError> {
    WebhookHandler::new(config, on_event).serve(addr, https)
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
