//! One accepted connection: optional TLS, hyper's HTTP/1.1 server, faults, and the
//! deadlines that keep a slow or silent client from holding it open.
//!
//! hyper's own `header_read_timeout` starts when hyper begins waiting for a request head,
//! which on a keep-alive connection is right after the previous response: it would cut
//! idle connections at the header limit. So the deadlines are kept here instead, with a
//! [`Watched`] stream telling when the first byte of a request arrives:
//!
//! * before the first request, and from the first byte of each later one: the head must
//!   be complete within the header timeout;
//! * between requests, a connection with no byte in flight closes after the idle timeout;
//! * the body must be complete within the body timeout of its head (else `408`).

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use futures_lite::io::{AsyncRead, AsyncWrite};
use http_body_util::{BodyExt, Either, Full, LengthLimitError, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use smol::channel::{Receiver, Sender};
use smol::net::TcpStream;
use smol_hyper::rt::FuturesIo;

use super::Handler;
#[cfg(feature = "emulator")]
use super::ReplyDelay;
use super::accept::closed;
use super::control::ServerControl;
use super::workers::Workers;
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
    /// Requests whose handler call stays on the I/O thread (none when `None`).
    pub(crate) inline: Option<Arc<super::InlineFn>>,
    pub(crate) control: ServerControl,
    pub(crate) tls: Option<futures_rustls::TlsAcceptor>,
    pub(crate) max_request_body_bytes: usize,
    pub(crate) timeouts: Timeouts,
    /// The threads handlers run on (unless inline).
    pub(crate) workers: Workers,
    /// Closed (never sent on) when the server shuts down.
    pub(crate) shutdown: Receiver<()>,
    /// The clock and timers of every deadline.
    pub(crate) runtime: Arc<dyn Runtime>,
}

type ChunkStream = futures_lite::stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, Infallible>>>;
pub(super) type ResponseBody = Either<Full<Bytes>, StreamBody<ChunkStream>>;

/// An accepted connection, plain or TLS.
type Stream = MaybeTls<Watched, futures_rustls::server::TlsStream<Watched>>;

/// Counts the connection as closed when dropped, i.e. after its socket is gone.
struct ClosedOnDrop(ServerControl);

impl Drop for ClosedOnDrop {
    fn drop(&mut self) {
        self.0.connection_closed();
    }
}

/// What the connection loop hears from the service and the stream.
enum Signal {
    /// hyper read a request head and called the service.
    Started,
    /// A response was produced.
    Served,
    /// The first byte since the loop armed the stream arrived at this time (the runtime's
    /// monotonic clock).
    FirstByte(Duration),
}

/// The TCP stream, reporting the first byte read after [`Watched::arm`] was called.
struct Watched {
    tcp: TcpStream,
    armed: Arc<AtomicBool>,
    signals: Sender<Signal>,
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
        if matches!(read, Poll::Ready(Ok(n)) if n > 0) && this.armed.swap(false, Ordering::AcqRel) {
            let _ = this.signals.try_send(Signal::FirstByte(this.runtime.now()));
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
struct Waiting {
    since: Duration,
    first_request: bool,
    first_byte: Option<Duration>,
}

impl Waiting {
    /// When the connection is closed unless a request head arrives first.
    fn deadline(&self, timeouts: &Timeouts, idle: Duration) -> Duration {
        match self.first_byte {
            Some(at) => at + timeouts.header,
            None if self.first_request => self.since + timeouts.header,
            None => self.since + idle,
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

/// What the connection loop is woken by.
enum Event {
    /// hyper finished the connection (client closed, error, or graceful shutdown done).
    Finished,
    /// The service or the stream said something.
    Signal(Signal),
    /// The waiting deadline passed.
    Deadline,
    /// The server is shutting down.
    Shutdown,
}

/// Serves one connection to the end.
pub(crate) async fn serve(tcp: TcpStream, context: Arc<Context>) {
    // Declared first so it drops last, after the socket has been closed.
    let _closed = ClosedOnDrop(context.control.clone());
    let _ = tcp.set_nodelay(true);
    let (signal_tx, signals) = smol::channel::unbounded::<Signal>();
    // Disarmed during the TLS handshake: its bytes are not a request's.
    let armed = Arc::new(AtomicBool::new(false));
    let runtime = Arc::clone(&context.runtime);
    let watched = Watched {
        tcp,
        armed: Arc::clone(&armed),
        signals: signal_tx.clone(),
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
        hyper::service::service_fn(move |request: http::Request<Incoming>| {
            respond(Arc::clone(&context), request, signal_tx.clone())
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(FuturesIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    // The first request's header deadline counts from the connection's start.
    armed.store(true, Ordering::Release);
    let mut waiting = Some(Waiting {
        since: started_at,
        first_request: true,
        first_byte: None,
    });

    // One timer for the connection's life, armed no later than the current deadline. It
    // is re-armed only when a deadline earlier than the armed one appears, or when it
    // fires (then the deadline is checked and the timer re-armed if it has moved on): in
    // a steady keep-alive exchange each request only moves the deadline later, so
    // requests cost no timer registrations.
    let mut timer: Option<Sleep> = None;
    let mut armed_at: Option<Duration> = None;
    loop {
        #[cfg(feature = "test-util")]
        let idle = context.control.idle_close().unwrap_or(timeouts.idle);
        #[cfg(not(feature = "test-util"))]
        let idle = timeouts.idle;
        let deadline = waiting.as_ref().map(|w| w.deadline(&timeouts, idle));
        if let Some(at) = deadline
            && armed_at.is_none_or(|armed| at < armed)
        {
            timer = Some(runtime.sleep(at.saturating_sub(runtime.now())));
            armed_at = Some(at);
        }
        let finished = async {
            let _ = connection.as_mut().await;
            Event::Finished
        };
        let signal = async {
            match signals.recv().await {
                Ok(signal) => Event::Signal(signal),
                // Unreachable while the service (holding a sender) lives.
                Err(_) => std::future::pending().await,
            }
        };
        let deadline_passed = async {
            match (armed_at, timer.as_mut()) {
                (Some(_), Some(timer)) => {
                    timer.await;
                    Event::Deadline
                }
                _ => std::future::pending().await,
            }
        };
        let shutdown = async {
            closed(&context.shutdown).await;
            Event::Shutdown
        };
        let event = smol::future::or(
            finished,
            smol::future::or(signal, smol::future::or(deadline_passed, shutdown)),
        )
        .await;
        match event {
            Event::Finished => return,
            Event::Signal(Signal::Started) => {
                armed.store(false, Ordering::Release);
                waiting = None;
            }
            Event::Signal(Signal::Served) => {
                waiting = Some(Waiting {
                    since: runtime.now(),
                    first_request: false,
                    first_byte: None,
                });
                armed.store(true, Ordering::Release);
            }
            Event::Signal(Signal::FirstByte(at)) => {
                if let Some(waiting) = waiting.as_mut() {
                    waiting.first_byte.get_or_insert(at);
                }
            }
            Event::Deadline => {
                armed_at = None;
                timer = None;
                // Too slow or silent: drop the connection (and its socket) without a word.
                if deadline.is_some_and(|at| at <= runtime.now()) {
                    return;
                }
                // Otherwise the deadline moved on since the timer was armed (or there is
                // none while a request is being served): re-armed at the top of the loop.
            }
            Event::Shutdown => break,
        }
    }
    // Close once the current exchange (if any) is done; immediately when idle.
    connection.as_mut().graceful_shutdown();
    let _ = connection.as_mut().await;
}

/// Produces the response to one request, telling the connection loop when it starts
/// and when the response is ready.
async fn respond(
    context: Arc<Context>,
    request: http::Request<Incoming>,
    signals: Sender<Signal>,
) -> Result<http::Response<ResponseBody>, Infallible> {
    context.control.request_received();
    let _ = signals.try_send(Signal::Started);
    let response = produce(context, request).await;
    let _ = signals.try_send(Signal::Served);
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
    match call_handler(Arc::clone(&context), request).await {
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

/// Runs the handler on one of the server's worker threads, not on its I/O thread: a
/// handler that is slow or blocks (a webhook callback writing to disk, the emulator
/// delivering a simulated call's callbacks) then holds up only its own request, while
/// the I/O thread keeps serving every other connection.
///
/// Requests the builder's `inline_when` selects skip the workers (and their two thread
/// hops). A panicking handler costs its request a 500 (the `Err`), not the server a thread.
async fn call_handler(
    context: Arc<Context>,
    request: HttpRequest,
) -> std::thread::Result<HttpResponse> {
    let inline = context.inline.as_ref().is_some_and(|quick| {
        std::panic::catch_unwind(AssertUnwindSafe(|| quick(&request))).unwrap_or(false)
    });
    if inline {
        return std::panic::catch_unwind(AssertUnwindSafe(|| (context.handler)(request)));
    }
    let worker_context = Arc::clone(&context);
    context
        .workers
        .run(move || (worker_context.handler)(request))
        .await
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
