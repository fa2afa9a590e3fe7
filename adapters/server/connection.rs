//! One accepted connection: optional TLS, hyper's HTTP/1.1 server, faults, and the
//! deadlines that keep a slow or silent client from holding it open.
//!
//! hyper's own `header_read_timeout` starts when hyper begins waiting for a request head,
//! which on a keep-alive connection is right after the previous response: it would cut
//! idle connections at the header limit. So the deadlines are kept here instead, with a
//! [`Watched`] stream telling when the first byte of a request arrives and the service
//! telling when a request starts and when its response is ready:
//!
//! * before the first request, and from the first byte of each later one: the head must
//!   be complete within the header timeout;
//! * between requests, a connection with no byte in flight closes after the idle timeout;
//! * the body must be complete within the body timeout of its head (else `408`).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use futures_lite::io::{AsyncRead, AsyncWrite};
use http_body_util::{BodyExt, Either, Full, LengthLimitError, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use smol::channel::Receiver;
use smol::net::TcpStream;
use smol_hyper::rt::FuturesIo;

use super::Handler;
#[cfg(feature = "emulator")]
use super::ReplyDelay;
use super::accept::closed;
use super::control::{ServerControl, lock};
use super::runners::Runners;
use crate::hyper_client::maybe_tls::MaybeTls;
use crate::runtime::{Runtime, Sleep};
use crate::transport::{HttpRequest, HttpResponse};

/// How long a client may take over each part of an exchange.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// The TLS handshake.
    pub(crate) tls_handshake: Duration,
    /// A request head: from the connection's start, or from the first byte of a later request.
    pub(crate) header: Duration,
    /// A request body, from its head.
    pub(crate) body: Duration,
    /// A keep-alive connection between requests.
    pub(crate) idle: Duration,
}

/// What every connection of one server shares.
pub(crate) struct Context {
    pub(crate) handler: Box<Handler>,
    pub(crate) control: ServerControl,
    pub(crate) tls: Option<futures_rustls::TlsAcceptor>,
    pub(crate) max_request_body_bytes: usize,
    pub(crate) timeouts: Timeouts,
    /// The threads that run the connections and call the handler.
    pub(crate) runners: Runners,
    /// Closed (never sent on) when the server shuts down.
    pub(crate) shutdown: Receiver<()>,
    /// The clock and timers of every deadline.
    pub(crate) runtime: Arc<dyn Runtime>,
}

type ChunkStream = futures_lite::stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, Infallible>>>;
pub(super) type ResponseBody = Either<Full<Bytes>, StreamBody<ChunkStream>>;

/// An accepted connection, plain or TLS.
type Stream = MaybeTls<Watched, futures_rustls::server::TlsStream<Watched>>;

/// Where the connection stands, as far as its header and idle deadlines care. The stream
/// (a request's first byte) and the service (a request started, its response ready) write
/// it; the connection loop reads it. All three run inside the connection's one task (the
/// service and the stream are polled by hyper, which the loop polls), so the loop sees
/// every change the next time it gets control back from hyper, without being woken for
/// it: a request wakes nothing but that task, for its own I/O. The lock is never
/// contended (one task); it is there only because the state is shared.
struct Progress(Mutex<Phase>);

#[derive(Debug, Clone, Copy)]
enum Phase {
    /// The TLS handshake: its bytes are not a request's.
    Handshake,
    /// Between requests, or before the first.
    Waiting(Waiting),
    /// A request is being served: no header or idle deadline (its body has its own).
    Serving,
}

impl Progress {
    /// Bytes were read: the first since the connection started waiting marks the start
    /// of a request head.
    fn bytes_read(&self, runtime: &dyn Runtime) {
        if let Phase::Waiting(waiting) = &mut *lock(&self.0)
            && waiting.first_byte.is_none()
        {
            waiting.first_byte = Some(runtime.now());
        }
    }

    /// hyper read a request head and called the service.
    fn started(&self) {
        *lock(&self.0) = Phase::Serving;
    }

    /// Waiting for a request head since `since`, the connection's first or a later one.
    fn waiting(&self, since: Duration, first_request: bool) {
        *lock(&self.0) = Phase::Waiting(Waiting {
            since,
            first_request,
            first_byte: None,
        });
    }

    /// When the connection is to be closed unless a request head arrives first; `idle`
    /// is asked only when the idle timeout is the one that applies.
    fn deadline(&self, timeouts: &Timeouts, idle: impl FnOnce() -> Duration) -> Option<Duration> {
        match *lock(&self.0) {
            Phase::Waiting(waiting) => Some(waiting.deadline(timeouts, idle)),
            Phase::Handshake | Phase::Serving => None,
        }
    }
}

/// The TCP stream, telling [`Progress`] about every read that got bytes.
struct Watched {
    tcp: TcpStream,
    progress: Arc<Progress>,
    runtime: Arc<dyn Runtime>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let read = Pin::new(&mut this.tcp).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(n)) if n > 0) {
            this.progress.bytes_read(&*this.runtime);
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }
    fn poll_flush(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }
    fn poll_close(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_close(cx)
    }
}

/// The connection between requests: since when, whether a request was served yet, and
/// when the next one's first byte arrived.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    since: Duration,
    first_request: bool,
    first_byte: Option<Duration>,
}

impl Waiting {
    /// When the connection is closed unless a request head arrives first.
    fn deadline(&self, timeouts: &Timeouts, idle: impl FnOnce() -> Duration) -> Duration {
        match self.first_byte {
            Some(at) => at + timeouts.header,
            None if self.first_request => self.since + timeouts.header,
            None => self.since + idle(),
        }
    }
}

/// Waits for `future`, or gives `None` once `limit` has passed.
///
/// A future that is ready at once (a small body that came with its head) gets no timer:
/// arming and dropping one is a round trip to the reactor (a lock and a wake-up of the
/// thread that polls it), on every request otherwise.
pub(crate) async fn within<T>(
    runtime: &dyn Runtime,
    limit: Duration,
    future: impl Future<Output = T>,
) -> Option<T> {
    let mut future = std::pin::pin!(future);
    if let Some(ready) = futures_lite::future::poll_once(future.as_mut()).await {
        return Some(ready);
    }
    let timer = runtime.sleep(limit);
    smol::future::or(async { Some(future.await) }, async {
        timer.await;
        None
    })
    .await
}

/// Why the connection loop stopped.
enum End {
    /// hyper finished the connection (client closed, error, or graceful shutdown done).
    Finished,
    /// The header or idle deadline passed.
    Deadline,
    /// The server is shutting down.
    Shutdown,
}

/// Serves one connection to the end.
pub(crate) async fn serve(tcp: TcpStream, context: Arc<Context>) {
    let _ = tcp.set_nodelay(true);
    let progress = Arc::new(Progress(Mutex::new(Phase::Handshake)));
    let runtime = Arc::clone(&context.runtime);
    let watched = Watched {
        tcp,
        progress: Arc::clone(&progress),
        runtime: Arc::clone(&runtime),
    };
    let started_at = runtime.now();
    let timeouts = context.timeouts;
    let stream: Stream = match &context.tls {
        None => MaybeTls::Plain(watched),
        Some(acceptor) => {
            match within(&*runtime, timeouts.tls_handshake, acceptor.accept(watched)).await {
                Some(Ok(tls)) => MaybeTls::Tls(Box::new(tls)),
                // A silent client, or one that aborts the handshake: nothing more to do.
                _ => return,
            }
        }
    };

    let service = {
        let context = Arc::clone(&context);
        let progress = Arc::clone(&progress);
        hyper::service::service_fn(move |request: http::Request<Incoming>| {
            respond(Arc::clone(&context), request, Arc::clone(&progress))
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(FuturesIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    // The first request's header deadline counts from the connection's start; its timer
    // is armed before hyper first runs (which may already read the whole request).
    progress.waiting(started_at, true);
    let first_deadline = started_at + timeouts.header;
    #[cfg(feature = "test-util")]
    let idle = || context.control.idle_close().unwrap_or(timeouts.idle);
    #[cfg(not(feature = "test-util"))]
    let idle = || timeouts.idle;

    // One timer for the connection's life, armed no later than the current deadline. It
    // is re-armed only when a deadline earlier than the armed one appears, or when it
    // fires (then the deadline is checked and the timer re-armed if it has moved on): in
    // a steady keep-alive exchange each request only moves the deadline later, so
    // requests cost no timer registrations. The deadline is recomputed each time hyper
    // returns control (after every change to `progress`), which is a lock and a few
    // comparisons, not a wake-up.
    //
    // The first timer is polled once before hyper first runs, so that it is registered: a
    // handler called during that first poll runs on this thread, and may take long.
    let mut first = runtime.sleep(first_deadline.saturating_sub(runtime.now()));
    let (mut timer, mut armed_at): (Option<Sleep>, _) =
        match futures_lite::future::poll_once(first.as_mut()).await {
            // Already due (a zero header timeout): the loop arms a timer at once and finds
            // the deadline passed.
            Some(()) => (None, None),
            None => (Some(first), Some(first_deadline)),
        };
    let mut shutdown = std::pin::pin!(closed(&context.shutdown));
    let end = std::future::poll_fn(|cx| {
        if connection.as_mut().poll(cx).is_ready() {
            return Poll::Ready(End::Finished);
        }
        loop {
            let deadline = progress.deadline(&timeouts, idle);
            if let Some(at) = deadline
                && armed_at.is_none_or(|armed| at < armed)
            {
                timer = Some(runtime.sleep(at.saturating_sub(runtime.now())));
                armed_at = Some(at);
            }
            let Some(armed) = timer.as_mut() else { break };
            if armed.as_mut().poll(cx).is_pending() {
                break;
            }
            timer = None;
            armed_at = None;
            // Too slow or silent: drop the connection (and its socket) without a word.
            if deadline.is_some_and(|at| at <= runtime.now()) {
                return Poll::Ready(End::Deadline);
            }
            // Otherwise the deadline moved on since the timer was armed (or there is none
            // while a request is being served): re-armed on the next turn.
        }
        shutdown.as_mut().poll(cx).map(|()| End::Shutdown)
    })
    .await;
    match end {
        End::Finished | End::Deadline => {}
        End::Shutdown => {
            // Close once the current exchange (if any) is done; immediately when idle.
            connection.as_mut().graceful_shutdown();
            let _ = connection.as_mut().await;
        }
    }
}

/// Produces the response to one request, telling `progress` when it starts and when the
/// response is ready.
async fn respond(
    context: Arc<Context>,
    request: http::Request<Incoming>,
    progress: Arc<Progress>,
) -> Result<http::Response<ResponseBody>, Infallible> {
    context.control.request_received();
    progress.started();
    let response = produce(Arc::clone(&context), request).await;
    progress.waiting(context.runtime.now(), false);
    Ok(response)
}

async fn produce(
    context: Arc<Context>,
    request: http::Request<Incoming>,
) -> http::Response<ResponseBody> {
    let (parts, body) = request.into_parts();
    let limit = context.max_request_body_bytes;
    let collected = within(
        &*context.runtime,
        context.timeouts.body,
        Limited::new(body, limit).collect(),
    )
    .await;
    let body = match collected {
        Some(Ok(collected)) => collected.to_bytes().to_vec(),
        Some(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
            let message = format!("request body exceeds {limit} bytes");
            return closing(plain(http::StatusCode::PAYLOAD_TOO_LARGE, message));
        }
        // Bad chunk sizes, truncated chunks, a body cut short: the framing is broken.
        Some(Err(error)) => {
            let message = format!("malformed request body: {error}");
            return closing(plain(http::StatusCode::BAD_REQUEST, message));
        }
        None => {
            let message = format!(
                "request body not received within {:?}",
                context.timeouts.body
            );
            return closing(plain(http::StatusCode::REQUEST_TIMEOUT, message));
        }
    };

    #[cfg(feature = "test-util")]
    if let Some(reply) = super::faults::before_handler(&context).await {
        return reply;
    }

    let request: HttpRequest = http::Request::from_parts(parts, body);
    match call_handler(&context, request) {
        Ok(response) => {
            #[cfg(feature = "emulator")]
            if let Some(ReplyDelay(delay)) = response.extensions().get::<ReplyDelay>().copied() {
                wait_unless_shutdown(&context, delay).await;
            }
            response.map(|body| Either::Left(Full::new(Bytes::from(body))))
        }
        Err(_) => plain(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "handler panicked".to_owned(),
        ),
    }
}

/// Adds `Connection: close`: after a refused body the rest of the stream cannot be
/// trusted to start at a request boundary.
fn closing(mut response: http::Response<ResponseBody>) -> http::Response<ResponseBody> {
    response.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    response
}

/// Calls the handler here, on the runner thread polling this connection (see the
/// `runners` module for how a slow one is kept from holding up the others). A panicking
/// handler costs its request a 500 (the `Err`), not the server a thread.
fn call_handler(context: &Context, request: HttpRequest) -> std::thread::Result<HttpResponse> {
    context.runners.call(|| (context.handler)(request))
}

/// Sleeps `delay`; shutdown cuts it short, so dropping the server never waits for it.
#[cfg(any(feature = "emulator", feature = "test-util"))]
pub(super) async fn wait_unless_shutdown(context: &Context, delay: Duration) {
    smol::future::or(context.runtime.sleep(delay), closed(&context.shutdown)).await;
}

fn plain(status: http::StatusCode, message: String) -> http::Response<ResponseBody> {
    let mut response = http::Response::new(Either::Left(Full::new(Bytes::from(message))));
    *response.status_mut() = status;
    response
}
