//! Opening a connection: resolve, TCP connect, optional TLS, as one hyper-ready stream.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_io::Async;
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
#[derive(Clone)]
pub(crate) struct SharedTcp(pub(crate) Arc<Async<TcpStream>>);

impl SharedTcp {
    /// True if the peer has neither closed the socket nor sent anything: an idle HTTP/1.1
    /// connection must receive nothing, so EOF, an error or stray bytes (a TLS
    /// close_notify) all mean "do not reuse".
    pub(crate) fn looks_alive(&self) -> bool {
        let mut probe = [0u8; 1];
        // The socket is non-blocking (async-io sets it so): no data means WouldBlock.
        matches!(self.0.get_ref().peek(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }
}

impl AsyncRead for SharedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for SharedTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_flush(cx)
    }
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_close(cx)
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
    let mut tcp = SharedTcp(Arc::new(tcp));
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
        (SharedTcp(Arc::new(Async::new(ours).unwrap())), peer)
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
        futures_lite::future::block_on(ours.0.readable()).unwrap();
        assert!(!ours.looks_alive());
    }

    #[test]
    fn stray_bytes_on_an_idle_connection_mean_do_not_reuse() {
        let (ours, mut peer) = pair();
        peer.write_all(b"\x15\x03\x03").unwrap(); // the start of a TLS alert record
        futures_lite::future::block_on(ours.0.readable()).unwrap();
        assert!(!ours.looks_alive());
    }
}
