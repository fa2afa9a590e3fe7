//! Shared by the `client` and `transport` benches (each includes this file with `mod
//! common;`): the bare hyper baseline connection, what callkit's numbers are compared with.
//! Not a bench of its own: cargo only discovers benches at the top of `benches/`.

use std::sync::Arc;

use bytes::Bytes;
use callkit::server::LoopbackServer;
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;
use smol_hyper::rt::FuturesIo;

/// Which runtime drives a bare-hyper baseline: its connection task and each call's
/// `block_on`, like the transport it is compared with.
#[derive(Clone, Copy)]
pub enum Rt {
    Smol,
    #[allow(dead_code)] // only the client bench has an async-std baseline
    AsyncStd,
}

impl Rt {
    pub fn spawn(self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        match self {
            Rt::Smol => smol::spawn(task).detach(),
            Rt::AsyncStd => drop(async_std::task::spawn(task)),
        }
    }

    pub fn block_on<T>(self, future: impl std::future::Future<Output = T>) -> T {
        match self {
            Rt::Smol => smol::block_on(future),
            Rt::AsyncStd => async_std::task::block_on(future),
        }
    }
}

/// One hyper HTTP/1.1 connection to `server`, no pool, no timeouts, no caps (TLS when the
/// server has a certificate, trusting only that one); its connection task on `rt`.
pub fn bare_hyper_connect(server: &LoopbackServer, rt: Rt) -> SendRequest<Full<Bytes>> {
    rt.block_on(async {
        let tcp = smol::net::TcpStream::connect(server.local_addr())
            .await
            .unwrap();
        tcp.set_nodelay(true).unwrap();
        match server.certificate() {
            Some(certificate) => {
                let mut roots = rustls::RootCertStore::empty();
                roots.add(certificate.der().to_vec().into()).unwrap();
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let config = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .unwrap()
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
                let tls = futures_rustls::TlsConnector::from(Arc::new(config))
                    .connect(name, tcp)
                    .await
                    .unwrap();
                handshake(tls, rt).await
            }
            None => handshake(tcp, rt).await,
        }
    })
}

/// The HTTP/1.1 handshake over `io`, the connection task spawned on `rt`.
async fn handshake<Io>(io: Io, rt: Rt) -> SendRequest<Full<Bytes>>
where
    Io: futures_lite::AsyncRead + futures_lite::AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(FuturesIo::new(io))
        .await
        .unwrap();
    rt.spawn(async move { drop(connection.await) });
    sender
}
