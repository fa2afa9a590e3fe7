//! An HTTP/HTTPS server for a pure handler, on its own background thread.
//!
//! The emulator, webhook receivers and the transport tests all need the same thing: serve
//! `Fn(HttpRequest) -> HttpResponse` on 127.0.0.1 by default (any address with
//! [`ServerBuilder::bind`]), over plain HTTP or HTTPS with a fresh self-signed certificate, usable from sync code and from any async runtime. The server
//! runs hyper 1.x on a smol executor in a thread of its own and counts connections and
//! requests. With the `test-util` feature a test reads those counts and injects faults
//! (delays, oversized bodies, idle closes) through [`LoopbackServer::control`]; without
//! it the server has no fault injection at all.
//!
//! The handler is called on the thread that polls its connection: a quick handler costs
//! no hand-off to another thread. It may still be slow or block (on a lock, a channel, a
//! file, or a request of its own to this same server): when every serving thread has been
//! inside one handler call for a few milliseconds, the server starts one more thread
//! ([`ServerBuilder::workers`] at most, default 8), which serves the other connections
//! meanwhile, and lets it go once it is no longer needed. So a slow handler holds up only
//! its own request (the others for at most 10 ms, the first time), and the thread count
//! never grows beyond the limit: when every one of them is stuck, further requests wait
//! for the next free one. A handler that panics costs its request a `500`. Tasks of
//! your own (say, the one taking what the handler sends into a channel) run beside the
//! connections with [`LoopbackServer::spawn`].
//!
//! # Facing the internet
//!
//! A webhook receiver listens on `0.0.0.0`, where clients are slow, silent or hostile.
//! The server defends itself with limits, each configurable on the [`ServerBuilder`]:
//!
//! | limit | default | beyond it |
//! |---|---|---|
//! | [TLS handshake](ServerBuilder::tls_handshake_timeout) | 10 s | connection dropped |
//! | [request head](ServerBuilder::header_timeout), from the connection's start or the request's first byte | 10 s | connection dropped |
//! | [request body](ServerBuilder::body_timeout), from its head | 30 s | `408`, connection closed |
//! | [keep-alive idle](ServerBuilder::idle_timeout) between requests | 60 s | connection closed |
//! | [body size](ServerBuilder::max_request_body_bytes) | 1 MiB | `413`, connection closed |
//! | [open connections](ServerBuilder::max_connections) | 1024 | new ones wait in the kernel's backlog |
//!
//! Broken body framing (a bad chunk size, a truncated chunk) is a `400`. Beyond the
//! connection cap the server simply stops accepting, rather than answering `503`:
//! accepting only to refuse would spend the very descriptors the cap protects, and a
//! connection waiting in the backlog is served as soon as a slot frees (or times out on
//! the client's side). An accept error (the descriptor table full: EMFILE/ENFILE; a
//! connection aborted in the backlog) pauses accepting for 10 ms, doubling up to 1 s,
//! while the open connections keep being served; accepting resumes by itself.
//!
//! ```
//! use callkit::server::LoopbackServer;
//!
//! let server = LoopbackServer::builder()
//!     .https(true)
//!     .serve(|request| http::Response::new(request.into_body()))?;
//! assert!(server.base_url().starts_with("https://127.0.0.1:"));
//! let pem = server.certificate().map(|c| c.pem().to_owned());
//! assert!(pem.is_some_and(|pem| pem.starts_with("-----BEGIN CERTIFICATE-----")));
//! # Ok::<(), callkit::server::ServerError>(())
//! ```

mod accept;
mod cert;
mod connection;
mod control;
#[cfg(feature = "test-util")]
mod faults;
mod runners;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use smol::channel::{Receiver, Sender};

pub use self::cert::SelfSignedCertificate;
#[cfg(not(feature = "test-util"))]
use self::control::ServerControl;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use self::{control::ServerControl, faults::BodyFraming};
use crate::runtime::{Runtime, default_runtime};
use crate::transport::{HttpRequest, HttpResponse};

/// The handler a server serves: a function from request to response. It may block (see
/// the [module docs](self)).
pub type Handler = dyn Fn(HttpRequest) -> HttpResponse + Send + Sync + 'static;

/// Put in a handler's response extensions, asks the server to wait this long before
/// sending that response. The wait happens on the connection's task, after the handler
/// returned (so a handler never sleeps while holding a lock, nor occupies a pool thread
/// while it waits), and shutdown cuts it short. Only the emulator's delay fault uses it,
/// so a server built without the emulator has no way to delay a reply.
#[cfg(feature = "emulator")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReplyDelay(pub Duration);

/// Default cap on request bodies (larger ones get 413).
pub const DEFAULT_MAX_REQUEST_BODY_BYTES: usize = 1024 * 1024;

/// Default limits of a server (see the [module docs](self#facing-the-internet)).
pub mod defaults {
    use std::time::Duration;

    /// How long a client may take for its TLS handshake.
    pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
    /// How long a request head may take.
    pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    /// How long a request body may take after its head.
    pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
    /// How long a keep-alive connection may sit idle between requests.
    pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
    /// How many connections are served at once.
    pub const MAX_CONNECTIONS: usize = 1024;
    /// How many threads may serve at once (see [`ServerBuilder::workers`](super::ServerBuilder::workers)).
    pub const WORKERS: usize = 8;
    /// How long shutdown waits for requests in flight.
    pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The port could not be bound.
    #[error("cannot listen on port {port}: {source}")]
    Bind {
        /// The requested port (0 = any).
        port: u16,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The self-signed certificate or the TLS configuration could not be made.
    #[error("cannot set up the server certificate: {0}")]
    Certificate(String),
    /// The server thread could not be started.
    #[error("cannot start the server thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// Configures a [`LoopbackServer`].
#[derive(Clone)]
#[must_use]
pub struct ServerBuilder {
    port: u16,
    https: bool,
    max_request_body_bytes: usize,
    ip: IpAddr,
    timeouts: connection::Timeouts,
    max_connections: usize,
    workers: usize,
    shutdown_grace: Duration,
    runtime: Option<Arc<dyn Runtime>>,
}

impl std::fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("port", &self.port)
            .field("https", &self.https)
            .field("max_request_body_bytes", &self.max_request_body_bytes)
            .field("ip", &self.ip)
            .field("timeouts", &self.timeouts)
            .field("max_connections", &self.max_connections)
            .field("workers", &self.workers)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("runtime", &self.runtime)
            .finish()
    }
}

impl ServerBuilder {
    /// The port to listen on (default 0: any free port; see [`LoopbackServer::local_addr`]).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serve HTTPS with a fresh self-signed certificate (default: plain HTTP).
    pub fn https(mut self, enabled: bool) -> Self {
        self.https = enabled;
        self
    }

    /// Request bodies larger than this get `413 Payload Too Large` (default 1 MiB).
    pub fn max_request_body_bytes(mut self, limit: usize) -> Self {
        self.max_request_body_bytes = limit;
        self
    }

    /// Listen on `ip` instead of 127.0.0.1, e.g. `0.0.0.0` for a webhook receiver that
    /// CallKit must reach. The HTTPS certificate still names only `localhost`/127.0.0.1.
    pub fn bind(mut self, ip: IpAddr) -> Self {
        self.ip = ip;
        self
    }

    /// How long a client may take for its TLS handshake (default 10 s); then the
    /// connection is dropped.
    pub fn tls_handshake_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.tls_handshake = limit;
        self
    }

    /// How long a request head may take (default 10 s), counted from the connection's
    /// start for its first request and from the first byte for later ones; then the
    /// connection is dropped. A client that connects and stays silent is cut off here.
    pub fn header_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.header = limit;
        self
    }

    /// How long a request body may take after its head (default 30 s); then the request
    /// gets `408 Request Timeout` and the connection is closed.
    pub fn body_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.body = limit;
        self
    }

    /// How long a keep-alive connection may sit idle between requests (default 60 s);
    /// then it is closed.
    pub fn idle_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.idle = limit;
        self
    }

    /// How many connections are served at once (default 1024, at least 1). Beyond it the
    /// server stops accepting until one closes: new connections wait in the kernel's
    /// backlog (see the [module docs](self#facing-the-internet) for why not a `503`).
    pub fn max_connections(mut self, limit: usize) -> Self {
        self.max_connections = limit;
        self
    }

    /// How many threads may serve at once (default 8, at least 1): the server's own
    /// thread, and the ones it starts while every serving thread is stuck in a slow
    /// handler (see the [module docs](self)). Those end once they are no longer needed;
    /// when all of them are stuck, further requests wait for the next free one.
    pub fn workers(mut self, count: usize) -> Self {
        self.workers = count;
        self
    }

    /// How long shutdown lets requests in flight finish (default 2 s).
    pub fn shutdown_grace(mut self, limit: Duration) -> Self {
        self.shutdown_grace = limit;
        self
    }

    /// The clock and timers of every timeout above and of the accept back-off (default
    /// [`default_runtime`]). The server keeps its own executor thread either way; a test
    /// gives a [`ManualRuntime`](crate::testing::ManualRuntime) (not an auto-advancing
    /// one, whose timers would fire at once) and moves time past a timeout by hand.
    pub fn runtime(mut self, runtime: Arc<dyn Runtime>) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// Binds the port and starts serving `handler` on a background thread.
    pub fn serve<H>(self, handler: H) -> Result<LoopbackServer, ServerError>
    where
        H: Fn(HttpRequest) -> HttpResponse + Send + Sync + 'static,
    {
        let listener =
            TcpListener::bind((self.ip, self.port)).map_err(|source| ServerError::Bind {
                port: self.port,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
            port: self.port,
            source,
        })?;
        let listener =
            smol::net::TcpListener::try_from(listener).map_err(|source| ServerError::Bind {
                port: self.port,
                source,
            })?;
        self.start(listener, local_addr, handler)
    }

    /// Starts serving `handler` on connections from `listener` (bound to `local_addr`).
    fn start<H>(
        self,
        listener: impl accept::Accept,
        local_addr: SocketAddr,
        handler: H,
    ) -> Result<LoopbackServer, ServerError>
    where
        H: Fn(HttpRequest) -> HttpResponse + Send + Sync + 'static,
    {
        let (certificate, tls) = if self.https {
            let (certificate, config) = cert::self_signed()?;
            (
                Some(certificate),
                Some(futures_rustls::TlsAcceptor::from(config)),
            )
        } else {
            (None, None)
        };
        let scheme = if self.https { "https" } else { "http" };
        let control = ServerControl::new();
        let (shutdown_tx, shutdown_rx) = smol::channel::bounded::<()>(1);
        let port = local_addr.port();
        let name = format!("callkit-loopback-{port}");
        let (stopped_tx, stopped) = smol::channel::bounded::<()>(1);
        let runners = runners::Runners::start(self.workers, name.clone(), stopped.clone())
            .map_err(ServerError::Thread)?;
        let context = Arc::new(connection::Context {
            handler: Box::new(handler),
            control: control.clone(),
            tls,
            max_request_body_bytes: self.max_request_body_bytes,
            timeouts: self.timeouts,
            runners: runners.clone(),
            shutdown: shutdown_rx.clone(),
            runtime: self.runtime.unwrap_or_else(default_runtime),
        });
        let (max_connections, grace) = (self.max_connections, self.shutdown_grace);
        std::thread::Builder::new()
            .name(name)
            .spawn(move || {
                accept::run(
                    listener,
                    context,
                    shutdown_rx,
                    max_connections,
                    grace,
                    stopped_tx,
                );
            })
            .map_err(ServerError::Thread)?;
        Ok(LoopbackServer {
            base_url: format!("{scheme}://{local_addr}"),
            local_addr,
            certificate,
            #[cfg(feature = "test-util")]
            control,
            shutdown: Some(shutdown_tx),
            stopped,
            runners,
        })
    }
}

/// A running server (on loopback unless [bound](ServerBuilder::bind) elsewhere). Dropping it (or [`shutdown`](Self::shutdown)) stops
/// accepting, lets requests in flight finish (up to the
/// [shutdown grace](ServerBuilder::shutdown_grace), 2 s by default), closes idle
/// connections, and returns once the port is closed, every connection has ended and the
/// tasks given to [`spawn`](Self::spawn) have ended too (they get a grace of their own). A
/// handler still running after that finishes on its thread, and its response is
/// discarded.
#[derive(Debug)]
pub struct LoopbackServer {
    base_url: String,
    local_addr: SocketAddr,
    certificate: Option<SelfSignedCertificate>,
    #[cfg(feature = "test-util")]
    control: ServerControl,
    shutdown: Option<Sender<()>>,
    /// Closed once the server has stopped.
    stopped: Receiver<()>,
    /// For [`spawn`](Self::spawn).
    runners: runners::Runners,
}

impl LoopbackServer {
    /// Starts configuring a server: plain HTTP on a free port, 1 MiB request body cap,
    /// and the [`defaults`] limits.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            port: 0,
            https: false,
            max_request_body_bytes: DEFAULT_MAX_REQUEST_BODY_BYTES,
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            timeouts: connection::Timeouts {
                tls_handshake: defaults::TLS_HANDSHAKE_TIMEOUT,
                header: defaults::HEADER_TIMEOUT,
                body: defaults::BODY_TIMEOUT,
                idle: defaults::IDLE_TIMEOUT,
            },
            max_connections: defaults::MAX_CONNECTIONS,
            workers: defaults::WORKERS,
            shutdown_grace: defaults::SHUTDOWN_GRACE,
            runtime: None,
        }
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (the [`bind`](ServerBuilder::bind)
    /// address if set), no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The base URL followed by `path_and_query` (which should start with `/`).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url, path_and_query)
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The self-signed certificate, when serving HTTPS.
    pub fn certificate(&self) -> Option<&SelfSignedCertificate> {
        self.certificate.as_ref()
    }

    /// Counters and fault injection (feature `test-util`).
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn control(&self) -> &ServerControl {
        &self.control
    }

    /// Runs `task` on the server's threads, beside its connections: the place for the
    /// code that takes what the handler hands over.
    ///
    /// A handler that sends into an async channel (`smol::channel`, `async-channel`,
    /// `flume`, …) whose receiving end is a task here wakes no other thread: the task runs
    /// on the same thread once the request's task yields. A thread of your own blocked on
    /// a channel is woken by every send instead, a system call and a context switch per
    /// request (the benchmarks measure both).
    ///
    /// The task shares the threads with the connections, so it should await rather than
    /// block. One that blocks anyway is treated like a blocking handler: while it holds a
    /// thread, the server starts another for the connections (up to
    /// [`workers`](ServerBuilder::workers)). A panic ends the task alone (logged with
    /// `log::error!`).
    ///
    /// When the server stops, once its connections have ended the handler is dropped
    /// (and with it the sending ends it holds), and the tasks get up to the
    /// [shutdown grace](ServerBuilder::shutdown_grace) to finish: a task draining a
    /// channel takes every event still in it and ends. Tasks still running then are
    /// dropped.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use callkit::server::LoopbackServer;
    ///
    /// let (tx, rx) = smol::channel::unbounded::<Vec<u8>>();
    /// let server = LoopbackServer::builder().serve(move |request| {
    ///     // Unbounded: never full; fails only once the task below has ended.
    ///     match tx.try_send(request.into_body()) {
    ///         Ok(()) => http::Response::new(b"queued".to_vec()),
    ///         Err(_) => {
    ///             let mut response = http::Response::new(b"not queued".to_vec());
    ///             *response.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
    ///             response
    ///         }
    ///     }
    /// })?;
    /// let bodies = Arc::new(Mutex::new(Vec::new()));
    /// let stored = Arc::clone(&bodies);
    /// server.spawn(async move {
    ///     while let Ok(body) = rx.recv().await {
    ///         stored.lock().unwrap().push(body);
    ///     }
    /// });
    ///
    /// let mut stream = std::net::TcpStream::connect(server.local_addr())?;
    /// std::io::Write::write_all(
    ///     &mut stream,
    ///     b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
    /// )?;
    /// let mut reply = String::new();
    /// std::io::Read::read_to_string(&mut stream, &mut reply)?;
    /// assert!(reply.ends_with("queued"));
    ///
    /// // Stopping lets the task take everything queued before the stop.
    /// server.shutdown();
    /// assert_eq!(*bodies.lock().unwrap(), [b"hi".to_vec()]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.runners.spawn_task(task);
    }

    /// Stops the server and waits until it has (same as dropping it).
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        // Closing the channel is the shutdown signal every task listens for.
        drop(self.shutdown.take());
        // Never sent on: closed when the accept loop ends.
        let _ = self.stopped.recv_blocking();
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Condvar, Mutex};

    use super::*;

    /// A listener that fails every accept with EMFILE while `failing` is set, as a full
    /// descriptor table does, and records when (on `runtime`'s clock) each failure
    /// happened.
    struct Exhausted {
        inner: smol::net::TcpListener,
        failing: Arc<AtomicBool>,
        failures: Arc<(Mutex<Vec<Duration>>, Condvar)>,
        runtime: Arc<dyn Runtime>,
    }

    impl accept::Accept for Exhausted {
        async fn accept(&self) -> std::io::Result<smol::net::TcpStream> {
            if self.failing.load(Ordering::SeqCst) {
                let (times, changed) = &*self.failures;
                times.lock().unwrap().push(self.runtime.now());
                changed.notify_all();
                // EMFILE, "too many open files", what a full descriptor table gives.
                return Err(std::io::Error::from_raw_os_error(24));
            }
            accept::Accept::accept(&self.inner).await
        }
    }

    fn exchange(stream: &mut std::net::TcpStream, body: &str) -> String {
        write!(
            stream,
            "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut reply = Vec::new();
        let mut buf = [0u8; 1024];
        while !String::from_utf8_lossy(&reply).ends_with(body) {
            let n = stream.read(&mut buf).unwrap();
            assert!(
                n > 0,
                "connection closed early: {:?}",
                String::from_utf8_lossy(&reply)
            );
            reply.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(reply).unwrap()
    }

    /// The accept back-off runs on the server's runtime: a manual clock shows each pause
    /// exactly, and that no accept is retried while the clock stands still.
    #[cfg(feature = "test-util")]
    #[test]
    fn accept_errors_back_off_keep_serving_open_connections_and_recover() {
        use crate::testing::ManualRuntime;

        let runtime = ManualRuntime::new(Duration::from_secs(1_700_000_000));
        let std_listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let failing = Arc::new(AtomicBool::new(false));
        let failures = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let listener = Exhausted {
            inner: smol::net::TcpListener::try_from(std_listener).unwrap(),
            failing: Arc::clone(&failing),
            failures: Arc::clone(&failures),
            runtime: runtime.shared(),
        };
        let server = LoopbackServer::builder()
            .runtime(runtime.shared())
            .start(listener, addr, |request| {
                http::Response::new(request.into_body())
            })
            .unwrap();

        // A connection opened before the table fills up.
        let mut open = std::net::TcpStream::connect(addr).unwrap();
        assert!(exchange(&mut open, "before").starts_with("HTTP/1.1 200"));

        // The table fills up. The accept loop already waits in `accept` for the next
        // client (it went back as soon as `open` came in), so one more client still gets
        // in; the accepts after it fail, and a client after that waits in the backlog.
        failing.store(true, Ordering::SeqCst);
        let _got_in = std::net::TcpStream::connect(addr).unwrap();
        let mut waiting = std::net::TcpStream::connect(addr).unwrap();
        let (times, changed) = &*failures;
        let failed = |count: usize| {
            let times = changed
                .wait_timeout_while(times.lock().unwrap(), Duration::from_secs(10), |t| {
                    t.len() < count
                })
                .unwrap()
                .0;
            assert!(times.len() >= count, "only {} accept attempts", times.len());
            times.clone()
        };
        for attempt in 1..=4 {
            failed(attempt);
            // Armed: the two connections' deadlines and the pause. While the clock stands
            // still, no accept is retried.
            runtime.wait_for_timers(3);
            assert_eq!(times.lock().unwrap().len(), attempt, "the loop spun");
            runtime.advance(Duration::from_millis(10 << (attempt - 1)));
        }
        let seen = failed(5);
        // Each retry came exactly after its back-off: 10, 20, 40, 80 ms.
        let gaps: Vec<Duration> = seen.windows(2).map(|pair| pair[1] - pair[0]).collect();
        assert_eq!(
            gaps,
            [10, 20, 40, 80].map(Duration::from_millis),
            "back-off pauses"
        );
        // The connection already open is still served meanwhile.
        assert!(exchange(&mut open, "during").starts_with("HTTP/1.1 200"));

        // Descriptors are free again: once the pause is over, the waiting client is served.
        failing.store(false, Ordering::SeqCst);
        runtime.wait_for_timers(3);
        runtime.advance(Duration::from_secs(1));
        assert!(exchange(&mut waiting, "after").starts_with("HTTP/1.1 200"));
        assert_eq!(server.control().accept_errors(), 5);
    }
}
