//! One accepted connection: optional TLS, hyper's HTTP/1.1 server, faults, idle close.

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use smol::channel::{Receiver, Sender};
use smol::net::TcpStream;
use smol_hyper::rt::FuturesIo;

use super::control::{BodyFraming, ServerControl};
use super::{Handler, ReplyDelay};
use crate::hyper_client::maybe_tls::MaybeTls;
use crate::transport::{HttpRequest, HttpResponse};

/// How long a client may take for its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Oversized bodies are streamed in chunks of this size.
const CHUNK: usize = 16 * 1024;

/// What every connection of one server shares.
pub(crate) struct Context {
    pub(crate) handler: Box<Handler>,
    /// Requests whose handler call stays on the I/O thread (none when `None`).
    pub(crate) inline: Option<Arc<super::InlineFn>>,
    pub(crate) control: ServerControl,
    pub(crate) tls: Option<futures_rustls::TlsAcceptor>,
    pub(crate) max_request_body_bytes: usize,
    /// Closed (never sent on) when the server shuts down.
    pub(crate) shutdown: Receiver<()>,
}

type ChunkStream = futures_lite::stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, Infallible>>>;
type ResponseBody = Either<Full<Bytes>, StreamBody<ChunkStream>>;

/// An accepted connection, plain or TLS.
type Stream = MaybeTls<TcpStream, futures_rustls::server::TlsStream<TcpStream>>;

/// Counts the connection as closed when dropped, i.e. after its socket is gone.
struct ClosedOnDrop(ServerControl);

impl Drop for ClosedOnDrop {
    fn drop(&mut self) {
        self.0.connection_closed();
    }
}

/// What the connection loop is woken by.
enum Event {
    /// hyper finished the connection (client closed, error, or graceful shutdown done).
    Finished,
    /// A response was produced for the `n`th request of this connection.
    Served(u64),
    /// The idle-close deadline passed.
    IdleDeadline,
    /// The server is shutting down.
    Shutdown,
}

/// Serves one connection to the end.
pub(crate) async fn serve(tcp: TcpStream, context: Arc<Context>) {
    // Declared first so it drops last, after the socket has been closed.
    let _closed = ClosedOnDrop(context.control.clone());
    let _ = tcp.set_nodelay(true);
    let stream: Stream = match &context.tls {
        None => MaybeTls::Plain(tcp),
        Some(acceptor) => {
            let handshake = async { acceptor.accept(tcp).await.ok() };
            let timeout = async {
                smol::Timer::after(TLS_HANDSHAKE_TIMEOUT).await;
                None
            };
            match smol::future::or(handshake, timeout).await {
                Some(tls) => MaybeTls::Tls(Box::new(tls)),
                // An untrusting client aborts the handshake: nothing more to do.
                None => return,
            }
        }
    };

    let served_count = Arc::new(AtomicU64::new(0));
    let (served_tx, served_rx) = smol::channel::unbounded::<u64>();
    let service = {
        let context = Arc::clone(&context);
        let served_count = Arc::clone(&served_count);
        hyper::service::service_fn(move |request: http::Request<Incoming>| {
            respond(
                Arc::clone(&context),
                request,
                Arc::clone(&served_count),
                served_tx.clone(),
            )
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(FuturesIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    let mut idle_deadline: Option<(u64, Instant)> = None;

    loop {
        let finished = async {
            let _ = connection.as_mut().await;
            Event::Finished
        };
        let served = async {
            match served_rx.recv().await {
                Ok(n) => Event::Served(n),
                // Unreachable while the service (holding the sender) lives.
                Err(_) => std::future::pending().await,
            }
        };
        let idle = async {
            match idle_deadline {
                Some((_, at)) => {
                    smol::Timer::at(at).await;
                    Event::IdleDeadline
                }
                None => std::future::pending().await,
            }
        };
        let shutdown = async {
            let _ = context.shutdown.recv().await;
            Event::Shutdown
        };
        let event = smol::future::or(
            finished,
            smol::future::or(served, smol::future::or(idle, shutdown)),
        )
        .await;
        match event {
            Event::Finished => return,
            Event::Served(n) => {
                idle_deadline = context
                    .control
                    .idle_close()
                    .map(|after| (n, Instant::now() + after));
            }
            Event::IdleDeadline => {
                let still_idle =
                    idle_deadline.is_some_and(|(n, _)| served_count.load(Ordering::SeqCst) == n);
                idle_deadline = None;
                if still_idle {
                    break;
                }
            }
            Event::Shutdown => break,
        }
    }
    // Close once the current exchange (if any) is done; immediately when idle.
    connection.as_mut().graceful_shutdown();
    let _ = connection.as_mut().await;
}

/// Produces the response to one request: body cap, faults, then the handler.
async fn respond(
    context: Arc<Context>,
    request: http::Request<Incoming>,
    served_count: Arc<AtomicU64>,
    served_tx: Sender<u64>,
) -> Result<http::Response<ResponseBody>, Infallible> {
    context.control.request_received();
    let n = served_count.fetch_add(1, Ordering::SeqCst) + 1;
    let response = produce(context, request).await;
    // The connection loop arms the idle-close deadline from here.
    let _ = served_tx.try_send(n);
    Ok(response)
}

async fn produce(
    context: Arc<Context>,
    request: http::Request<Incoming>,
) -> http::Response<ResponseBody> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, context.max_request_body_bytes)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => {
            let message = format!(
                "request body exceeds {} bytes",
                context.max_request_body_bytes
            );
            return plain(http::StatusCode::PAYLOAD_TOO_LARGE, message);
        }
    };

    if let Some(delay) = context.control.take_delay() {
        wait_unless_shutdown(&context, delay).await;
    }

    if let Some((bytes, framing)) = context.control.take_oversize() {
        return oversized(bytes, framing);
    }

    let request: HttpRequest = http::Request::from_parts(parts, body);
    match call_handler(Arc::clone(&context), request).await {
        Ok(response) => {
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

/// Runs the handler on smol's blocking thread pool, not on the server's I/O thread: a
/// handler that is slow or blocks (a webhook callback writing to disk, the emulator
/// delivering a simulated call's callbacks) then holds up only its own request, while
/// the I/O thread keeps serving every other connection.
///
/// Requests the builder's `inline_when` selects skip the pool (and its two thread hops).
/// A panicking handler costs its request a 500 (the `Err`), not the server a thread.
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
    smol::unblock(move || std::panic::catch_unwind(AssertUnwindSafe(|| (context.handler)(request))))
        .await
}

/// Sleeps `delay`; shutdown cuts it short, so dropping the server never waits for it.
async fn wait_unless_shutdown(context: &Context, delay: Duration) {
    smol::future::or(
        async {
            smol::Timer::after(delay).await;
        },
        async {
            let _ = context.shutdown.recv().await;
        },
    )
    .await;
}

fn plain(status: http::StatusCode, message: String) -> http::Response<ResponseBody> {
    let mut response = http::Response::new(Either::Left(Full::new(Bytes::from(message))));
    *response.status_mut() = status;
    response
}

fn oversized(bytes: usize, framing: BodyFraming) -> http::Response<ResponseBody> {
    match framing {
        BodyFraming::ContentLength => {
            http::Response::new(Either::Left(Full::new(Bytes::from(vec![b'x'; bytes]))))
        }
        _ => {
            let mut frames = Vec::with_capacity(bytes / CHUNK + 1);
            let mut left = bytes;
            while left > 0 {
                let size = left.min(CHUNK);
                frames.push(Ok(Frame::data(Bytes::from(vec![b'x'; size]))));
                left -= size;
            }
            http::Response::new(Either::Right(StreamBody::new(futures_lite::stream::iter(
                frames,
            ))))
        }
    }
}
