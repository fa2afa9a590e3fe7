//! A caller-supplied blocking transport: a closure over a ureq 3 agent, mapping ureq's
//! errors onto callkit's `TransportError` (the closure double of the transport tests).

use std::sync::Arc;
use std::time::Duration;

use callkit::transport::{Failure, FailureKind, HttpRequest, HttpResponse};
use callkit::{TimeoutKind, TransportError, redact_url};

/// How the test agent is set up.
pub struct UreqSettings {
    pub root_der: Option<Vec<u8>>,
    pub timeout: Duration,
    pub max_body: usize,
    pub https_only: bool,
}

impl Default for UreqSettings {
    fn default() -> Self {
        UreqSettings {
            root_der: None,
            timeout: Duration::from_secs(10),
            max_body: 1024 * 1024,
            https_only: true,
        }
    }
}

/// `Fn(HttpRequest) -> Result<HttpResponse, TransportError>`: a `BlockingTransport`.
pub fn ureq_transport(
    settings: UreqSettings,
) -> impl Fn(HttpRequest) -> Result<HttpResponse, TransportError> + Clone + Send + Sync + 'static {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(der) = &settings.root_der {
        let root = ureq::tls::Certificate::from_der(der).to_owned();
        tls = tls.root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls.build())
        .timeout_global(Some(settings.timeout))
        .https_only(settings.https_only)
        // Every status is a response for callkit to interpret.
        .http_status_as_error(false)
        .build()
        .into();
    let (timeout, max_body) = (settings.timeout, settings.max_body);
    move |request: HttpRequest| {
        let target = redact_url(&request.uri().to_string());
        let authority = request
            .uri()
            .authority()
            .map_or_else(String::new, |a| a.to_string());
        let response = agent
            .run(request)
            .map_err(|e| map_error(e, &target, &authority, timeout, max_body))?;
        let (parts, mut body) = response.into_parts();
        let bytes = body
            .with_config()
            .limit(max_body as u64)
            .read_to_vec()
            .map_err(|e| map_error(e, &target, &authority, timeout, max_body))?;
        Ok(http::Response::from_parts(parts, bytes))
    }
}

fn map_error(
    error: ureq::Error,
    target: &str,
    authority: &str,
    timeout: Duration,
    max_body: usize,
) -> TransportError {
    let is_tls = |e: &std::io::Error| e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>());
    match error {
        // Resolving and connecting (TCP + TLS) happen before any byte of the request.
        ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
            TransportError::Timeout {
                what: TimeoutKind::Connect,
                target: authority.to_owned(),
                after: timeout,
            }
        }
        ureq::Error::Timeout(_) => TransportError::Timeout {
            what: TimeoutKind::Request,
            target: target.to_owned(),
            after: timeout,
        },
        ureq::Error::BodyExceedsLimit(_) => TransportError::BodyTooLarge {
            target: target.to_owned(),
            limit: max_body,
        },
        ureq::Error::RequireHttpsOnly(_) => TransportError::InsecureScheme {
            target: target.to_owned(),
        },
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => TransportError::Connect {
            target: authority.to_owned(),
            source: std::io::Error::other(error.to_string()),
        },
        ureq::Error::Rustls(e) => TransportError::Tls {
            target: authority.to_owned(),
            source: std::io::Error::other(e),
        },
        ureq::Error::Io(e) if is_tls(&e) => TransportError::Tls {
            target: authority.to_owned(),
            source: e,
        },
        // An I/O error that says nothing left (refused, unreachable) is a connect
        // failure; any other may have happened mid-exchange.
        ureq::Error::Io(e) if Failure::kind(&e) == FailureKind::NotSent => {
            TransportError::Connect {
                target: authority.to_owned(),
                source: e,
            }
        }
        ureq::Error::Io(e) => TransportError::Http {
            target: target.to_owned(),
            source: Box::new(e),
        },
        other => TransportError::Http {
            target: target.to_owned(),
            source: redact_message(&other.to_string()).into(),
        },
    }
}

/// ureq may quote the URL in its messages; the query (the UserSig) must not survive.
fn redact_message(message: &str) -> String {
    match message.find('?') {
        Some(at) => format!("{}?<redacted>", &message[..at]),
        None => message.to_owned(),
    }
}
