//! Opening a connection: resolve, TCP connect, optional TLS, as one hyper-ready stream.

use std::future::Future;
use std::io::{self, IoSlice, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use async_io::{Async, ReadableOwned, WritableOwned};
use futures_lite::io::{AsyncRead, AsyncWrite};
use futures_rustls::TlsConnector;
use futures_rustls::client::TlsStream;
use rustls::pki_types::ServerName;

use super::maybe_tls::MaybeTls;
use super::proxy::ProxyServer;
use crate::error::TransportError;
use crate::runtime::Runtime;

/// Where a request goes: the pool key and what error messages name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Endpoint {
    pub(crate) tls: bool,
    /// Without IPv6 brackets.
    pub(crate) host: String,
    pub(crate) port: u16,
}

impl Endpoint {
    /// `host:port` for messages.
    pub(crate) fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// A TCP socket shared between the connection (reading and writing through it) and the
/// pool, which peeks at it to see whether the server closed it while it sat idle.
///
/// Reads and writes wait for readiness the way async-net's `TcpStream` does: a fresh
/// readiness future per wait, dropped once the operation succeeds. async-io's
/// `AsyncRead for &Async<T>` (`poll_readable`) instead remembers the last event it was
/// woken for and, on the next read that finds no data, reports that old event as
/// readiness once more: one extra `recv` (EAGAIN) after every wake-up of the connection
/// task, twice per request on a kept-alive TLS connection.
pub(crate) struct SharedTcp {
    tcp: Arc<Async<TcpStream>>,
    readable: Option<ReadableOwned<TcpStream>>,
    writable: Option<WritableOwned<TcpStream>>,
}

impl SharedTcp {
    pub(crate) fn new(tcp: Async<TcpStream>) -> Self {
        SharedTcp {
            tcp: Arc::new(tcp),
            readable: None,
            writable: None,
        }
    }

    /// True if the peer has neither closed the socket nor sent anything: an idle HTTP/1.1
    /// connection must receive nothing, so EOF, an error or stray bytes (a TLS
    /// close_notify) all mean "do not reuse".
    pub(crate) fn looks_alive(&self) -> bool {
        let mut probe = [0u8; 1];
        // The socket is non-blocking (async-io sets it so): no data means WouldBlock.
        matches!(self.tcp.get_ref().peek(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }

    /// Runs `op` until it stops saying WouldBlock, waiting for readiness in between with
    /// `wait` (kept in `slot` across polls, dropped once `op` is done).
    fn poll_io<W, R>(
        tcp: &Arc<Async<TcpStream>>,
        slot: &mut Option<W>,
        cx: &mut Context<'_>,
        wait: impl Fn(Arc<Async<TcpStream>>) -> W,
        mut op: impl FnMut(&TcpStream) -> io::Result<R>,
    ) -> Poll<io::Result<R>>
    where
        W: Future<Output = io::Result<()>> + Unpin,
    {
        loop {
            match op(tcp.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                done => {
                    *slot = None;
                    return Poll::Ready(done);
                }
            }
            let ready = slot.get_or_insert_with(|| wait(Arc::clone(tcp)));
            let result = ready!(Pin::new(ready).poll(cx));
            *slot = None;
            result?;
        }
    }
}

impl Clone for SharedTcp {
    /// Another handle on the same socket, with no wait of its own in progress.
    fn clone(&self) -> Self {
        SharedTcp {
            tcp: Arc::clone(&self.tcp),
            readable: None,
            writable: None,
        }
    }
}

impl AsyncRead for SharedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        Self::poll_io(
            &this.tcp,
            &mut this.readable,
            cx,
            Async::readable_owned,
            |mut tcp| tcp.read(buf),
        )
    }
}

impl AsyncWrite for SharedTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        Self::poll_io(
            &this.tcp,
            &mut this.writable,
            cx,
            Async::writable_owned,
            |mut tcp| tcp.write(buf),
        )
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        Self::poll_io(
            &this.tcp,
            &mut this.writable,
            cx,
            Async::writable_owned,
            |mut tcp| tcp.write_vectored(bufs),
        )
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A TCP socket has nothing of its own to flush.
        Poll::Ready(Ok(()))
    }

    /// As async-io's: a flush, no shutdown (the socket closes when its last handle drops).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A connected stream, plain or TLS.
pub(crate) type Stream = MaybeTls<SharedTcp, TlsStream<SharedTcp>>;

/// Resolves and connects to `endpoint` (through `proxy`'s `CONNECT` tunnel when one is
/// given), then runs the TLS handshake if it is https. Returns the stream and a handle on
/// its socket for the pool's liveness check. A (host, port) listed in `resolve` connects
/// to its address without DNS; TLS still verifies the host name.
pub(crate) async fn open(
    runtime: &dyn Runtime,
    endpoint: &Endpoint,
    proxy: Option<&ProxyServer>,
    resolve: &[(String, u16, SocketAddr)],
    tls: &TlsConnector,
) -> Result<(Stream, SharedTcp), TransportError> {
    let (host, port, shown) = match proxy {
        Some(proxy) => (
            &proxy.host,
            proxy.port,
            format!(
                "{} (through proxy {})",
                endpoint.authority(),
                proxy.authority()
            ),
        ),
        None => (&endpoint.host, endpoint.port, endpoint.authority()),
    };
    let connect_error = |source| TransportError::Connect {
        target: shown.clone(),
        source,
    };
    let fixed: Vec<SocketAddr> = resolve
        .iter()
        .filter(|(name, at, _)| name.eq_ignore_ascii_case(host) && *at == port)
        .map(|(_, _, addr)| *addr)
        .collect();
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) if !fixed.is_empty() => fixed,
        Err(_) => runtime
            .resolve(host.clone(), port)
            .await
            .map_err(connect_error)?,
    };
    let mut last_error = io::Error::new(
        io::ErrorKind::NotFound,
        "the host name resolved to no address",
    );
    let mut connected = None;
    for addr in addrs {
        match Async::<TcpStream>::connect(addr).await {
            Ok(tcp) => {
                connected = Some(tcp);
                break;
            }
            Err(e) => last_error = e,
        }
    }
    let tcp = connected.ok_or_else(|| connect_error(last_error))?;
    // Requests are small and latency matters more than segment count.
    tcp.get_ref().set_nodelay(true).map_err(connect_error)?;
    let mut tcp = SharedTcp::new(tcp);
    if let Some(proxy) = proxy {
        proxy.tunnel(&mut tcp, endpoint).await?;
    }
    if !endpoint.tls {
        return Ok((MaybeTls::Plain(tcp.clone()), tcp));
    }
    let name = ServerName::try_from(endpoint.host.clone()).map_err(|e| {
        TransportError::InvalidRequest {
            reason: format!("{:?} is not a valid TLS server name: {e}", endpoint.host),
        }
    })?;
    let stream = tls
        .connect(name, tcp.clone())
        .await
        .map_err(|source| TransportError::Tls {
            target: shown.clone(),
            source,
        })?;
    Ok((MaybeTls::Tls(Box::new(stream)), tcp))
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::TcpListener;

    use super::*;

    /// A connected pair: our side wrapped like a pooled connection, and the peer.
    fn pair() -> (SharedTcp, std::net::TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (peer, _) = listener.accept().unwrap();
        (SharedTcp::new(Async::new(ours).unwrap()), peer)
    }

    #[test]
    fn an_idle_open_connection_looks_alive() {
        let (ours, _peer) = pair();
        assert!(ours.looks_alive());
    }

    #[test]
    fn a_connection_the_peer_closed_is_not_reused() {
        let (ours, peer) = pair();
        drop(peer);
        // Wait for the FIN to arrive (a readiness event, not a clock).
        futures_lite::future::block_on(ours.tcp.readable()).unwrap();
        assert!(!ours.looks_alive());
    }

    #[test]
    fn a_read_that_waited_gets_what_arrives_later_and_writes_get_through() {
        use futures_lite::future::{block_on, poll_once};
        use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
        use std::io::Read as _;

        let (mut ours, mut peer) = pair();
        let mut buf = [0u8; 16];
        for round in 0..3u8 {
            // Nothing there yet: the read waits (its readiness wait is kept)...
            let mut read = ours.read(&mut buf);
            assert!(block_on(poll_once(&mut read)).is_none());
            // ...and gets what the peer sends afterwards.
            peer.write_all(&[b'a' + round; 5]).unwrap();
            assert_eq!(block_on(read).unwrap(), 5);
            assert_eq!(buf[..5], [b'a' + round; 5]);
            // A clone writes through the same socket.
            let mut writer = ours.clone();
            block_on(writer.write_all(b"pong")).unwrap();
            block_on(writer.flush()).unwrap();
            let mut got = [0u8; 4];
            peer.read_exact(&mut got).unwrap();
            assert_eq!(&got, b"pong");
        }
        drop(peer);
        assert_eq!(
            block_on(ours.read(&mut buf)).unwrap(),
            0,
            "EOF once the peer is gone"
        );
    }

    #[test]
    fn stray_bytes_on_an_idle_connection_mean_do_not_reuse() {
        let (ours, mut peer) = pair();
        peer.write_all(b"\x15\x03\x03").unwrap(); // the start of a TLS alert record
        futures_lite::future::block_on(ours.tcp.readable()).unwrap();
        assert!(!ours.looks_alive());
    }
}
