//! The server's self-signed certificate (rcgen) and the rustls server configuration.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::ServerError;

/// A self-signed certificate for `localhost` and `127.0.0.1`, made when the server starts.
///
/// Clients trust it by adding it as a root: [`pem`](Self::pem) to
/// `SmolTransport::builder().add_root_certificate_pem(..)`, or [`write_pem`](Self::write_pem)
/// to a file for curl (`--cacert`) and other tools.
#[derive(Clone)]
pub struct SelfSignedCertificate {
    pem: String,
    der: Vec<u8>,
}

impl std::fmt::Debug for SelfSignedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfSignedCertificate")
            .field("der_len", &self.der.len())
            .finish()
    }
}

impl SelfSignedCertificate {
    /// The certificate as PEM text.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The certificate as DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Writes the PEM text to `path` (the private key never leaves the server).
    pub fn write_pem(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        std::fs::write(path, &self.pem)
    }
}

/// Makes a fresh certificate and the TLS configuration that serves it.
pub(crate) fn self_signed()
-> Result<(SelfSignedCertificate, Arc<rustls::ServerConfig>), ServerError> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| ServerError::Certificate(e.to_string()))?;
    let der = certified.cert.der().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(vec![CertificateDer::from(der.clone())], key)
        })
        .map_err(|e| ServerError::Certificate(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let certificate = SelfSignedCertificate {
        pem: certified.cert.pem(),
        der,
    };
    Ok((certificate, Arc::new(config)))
}
