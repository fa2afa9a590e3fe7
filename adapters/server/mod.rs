//! A loopback HTTP/HTTPS server for a pure handler, on its own background thread.
//!
//! The emulator, webhook receivers and the transport tests all need the same thing: serve
//! `Fn(HttpRequest) -> HttpResponse` on 127.0.0.1, over plain HTTP or HTTPS with a fresh
//! self-signed certificate, usable from sync code and from any async runtime. The server
//! runs hyper 1.x on a smol executor in a thread of its own, counts connections and
//! requests, and can inject faults (delays, oversized bodies, idle closes) through its
//! [`ServerControl`].
//!
//! The handler is called on smol's blocking thread pool (`smol::unblock`), not on the
//! server's I/O thread, so it may be slow or block (on a lock, a channel, a file, or a
//! request of its own to this same server): that holds up only its own request, while
//! every other connection keeps being served. A handler that panics costs its request a
//! `500`. Each call hops to a pool thread and back, which costs tens of microseconds per
//! request on a busy machine; a handler path known to be quick can stay on the I/O thread
//! with [`ServerBuilder::inline_when`] (the emulator does this for its REST paths).
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

mod cert;
mod connection;
mod control;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use smol::channel::{Receiver, Sender};

pub use self::cert::SelfSignedCertificate;
pub use self::control::{BodyFraming, ServerControl};
use crate::transport::{HttpRequest, HttpResponse};

/// The handler a server serves: a function from request to response, called on a
/// blocking-pool thread (see the [module docs](self)), so it may block.
pub type Handler = dyn Fn(HttpRequest) -> HttpResponse + Send + Sync + 'static;

/// Put in a handler's response extensions, asks the server to wait this long before
/// sending that response. The wait happens on the connection's task, after the handler
/// returned (so a handler never sleeps while holding a lock, nor occupies a pool thread
/// while it waits), and shutdown cuts it short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyDelay(pub Duration);

/// Default cap on request bodies (larger ones get 413).
pub const DEFAULT_MAX_REQUEST_BODY_BYTES: usize = 1024 * 1024;

/// How long shutdown waits for open connections to finish their current exchange.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

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

/// Selects the requests whose handler call stays on the I/O thread (see
/// [`ServerBuilder::inline_when`]).
type InlineFn = dyn Fn(&HttpRequest) -> bool + Send + Sync + 'static;

/// Configures a [`LoopbackServer`].
#[derive(Clone)]
#[must_use]
pub struct ServerBuilder {
    port: u16,
    https: bool,
    max_request_body_bytes: usize,
    ip: IpAddr,
    inline: Option<Arc<InlineFn>>,
}

impl std::fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("port", &self.port)
            .field("https", &self.https)
            .field("max_request_body_bytes", &self.max_request_body_bytes)
            .field("ip", &self.ip)
            .field("inline_when", &self.inline.is_some())
            .finish()
    }
}

impl ServerBuilder {
    /// The port on 127.0.0.1 (default 0: any free port; see [`LoopbackServer::local_addr`]).
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

    /// Calls the handler inline, on the server's I/O thread, for the requests `quick`
    /// selects; the others go to the blocking pool as usual. Only for handler paths that
    /// never block or take long: while one runs inline, no other connection is served.
    /// It saves the two thread hops of the pool (tens of microseconds per request on a
    /// busy 2-core machine), which matters for a fast emulator, not for a webhook. A
    /// panic in `quick` counts as "not quick".
    ///
    /// ```
    /// use callkit::server::LoopbackServer;
    ///
    /// let server = LoopbackServer::builder()
    ///     .inline_when(|request| request.uri().path() != "/slow")
    ///     .serve(|request| http::Response::new(request.into_body()))?;
    /// # Ok::<(), callkit::server::ServerError>(())
    /// ```
    pub fn inline_when(
        mut self,
        quick: impl Fn(&HttpRequest) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.inline = Some(Arc::new(quick));
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
        let context = Arc::new(connection::Context {
            handler: Box::new(handler),
            inline: self.inline,
            control: control.clone(),
            tls,
            max_request_body_bytes: self.max_request_body_bytes,
            shutdown: shutdown_rx.clone(),
        });
        let thread = std::thread::Builder::new()
            .name(format!("callkit-loopback-{}", local_addr.port()))
            .spawn(move || accept_loop(listener, context, shutdown_rx))
            .map_err(ServerError::Thread)?;
        Ok(LoopbackServer {
            base_url: format!("{scheme}://{local_addr}"),
            local_addr,
            certificate,
            control,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        })
    }
}

/// A running loopback server. Dropping it (or [`shutdown`](Self::shutdown)) stops
/// accepting, lets open connections finish their exchange (up to 2 s), and joins the
/// server thread. A handler still running after that finishes on its pool thread, and its
/// response is discarded.
#[derive(Debug)]
pub struct LoopbackServer {
    base_url: String,
    local_addr: SocketAddr,
    certificate: Option<SelfSignedCertificate>,
    control: ServerControl,
    shutdown: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LoopbackServer {
    /// Starts configuring a server: plain HTTP on a free port, 1 MiB request body cap.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            port: 0,
            https: false,
            max_request_body_bytes: DEFAULT_MAX_REQUEST_BODY_BYTES,
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            inline: None,
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

    /// Counters and fault injection.
    pub fn control(&self) -> &ServerControl {
        &self.control
    }

    /// Stops the server and waits for its thread (same as dropping it).
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        // Closing the channel is the shutdown signal every task listens for.
        drop(self.shutdown.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The server thread: accepts until shutdown, then waits (bounded) for connections.
fn accept_loop(
    listener: smol::net::TcpListener,
    context: Arc<connection::Context>,
    shutdown: Receiver<()>,
) {
    let executor = smol::Executor::new();
    smol::block_on(executor.run(async {
        let mut connections: Vec<smol::Task<()>> = Vec::new();
        loop {
            let accepted = smol::future::or(async { Some(listener.accept().await) }, async {
                let _ = shutdown.recv().await;
                None
            })
            .await;
            match accepted {
                None => break,
                Some(Ok((stream, _peer))) => {
                    context.control.connection_accepted();
                    connections.retain(|task| !task.is_finished());
                    connections
                        .push(executor.spawn(connection::serve(stream, Arc::clone(&context))));
                }
                // A failed accept (e.g. the client reset during the backlog) only
                // concerns that connection.
                Some(Err(_)) => continue,
            }
        }
        drop(listener);
        let all_done = async {
            for task in connections {
                task.await;
            }
        };
        smol::future::or(all_done, async {
            smol::Timer::after(SHUTDOWN_GRACE).await;
        })
        .await;
    }));
}
