//! The client TLS configuration: rustls with ring, webpki-roots plus the caller's roots.

use std::sync::Arc;

use futures_rustls::TlsConnector;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::Settings;
use crate::error::TransportError;

/// Every certificate in a PEM bundle, as DER.
pub(crate) fn certificates_from_pem(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| format!("unreadable PEM root certificate: {e}"))?;
        out.push(cert.as_ref().to_vec());
    }
    if out.is_empty() {
        return Err("the PEM root certificate bundle holds no CERTIFICATE block".to_owned());
    }
    Ok(out)
}

pub(crate) fn connector(settings: &Settings) -> Result<TlsConnector, TransportError> {
    let config_error = |reason: String| TransportError::Config { reason };
    let mut roots = rustls::RootCertStore::empty();
    if settings.webpki_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for der in &settings.extra_roots {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|e| config_error(format!("root certificate rejected: {e}")))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| config_error(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}
