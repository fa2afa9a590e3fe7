//! Plugging callkit into an HTTP stack you already have: a blocking ureq 3 agent becomes a
//! `BlockingTransport` through a closure, with its errors mapped onto callkit's
//! `TransportError`.
//!
//! The example serves a tiny JSON handler on a loopback HTTPS server (self-signed
//! certificate, trusted by the agent as an extra root) and sends it one request through
//! code that only knows the `BlockingTransport` trait.
//!
//! Run: `cargo run --example ureq_transport`

use std::sync::Arc;
use std::time::Duration;

use callkit::server::LoopbackServer;
use callkit::transport::{BlockingTransport, HttpRequest, HttpResponse};
use callkit::{TimeoutKind, TransportError, redact_url};

/// Caps the response body, as the bundled transports do.
const MAX_BODY_BYTES: u64 = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(10);

/// The user's ureq agent, wrapped as a callkit transport.
fn ureq_transport(
    root_der: &[u8],
) -> impl Fn(HttpRequest) -> Result<HttpResponse, TransportError> + Clone + Send + Sync {
    let root = ureq::tls::Certificate::from_der(root_der).to_owned();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(TIMEOUT))
        .https_only(true)
        // callkit interprets every status itself.
        .http_status_as_error(false)
        .build()
        .into();
    move |request: HttpRequest| {
        // The query carries the UserSig: only the redacted URL goes into errors.
        let target = redact_url(&request.uri().to_string());
        let to_error = |error: ureq::Error| match error {
            ureq::Error::Timeout(_) => TransportError::Timeout {
                what: TimeoutKind::Request,
                target: target.clone(),
                after: TIMEOUT,
            },
            ureq::Error::BodyExceedsLimit(_) => TransportError::BodyTooLarge {
                target: target.clone(),
                limit: MAX_BODY_BYTES as usize,
            },
            other => TransportError::Http {
                target: target.clone(),
                source: other.to_string().into(),
            },
        };
        let response = agent.run(request).map_err(to_error)?;
        let (parts, mut body) = response.into_parts();
        let bytes = body
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
            .map_err(to_error)?;
        Ok(http::Response::from_parts(parts, bytes))
    }
}

/// Code written against the trait, like callkit's blocking client will be.
fn ask<T: BlockingTransport>(transport: &T, url: &str) -> Result<String, T::Error> {
    let request = http::Request::post(url)
        .header("content-type", "application/json")
        .body(br#"{"From_Account":"administrator"}"#.to_vec())
        .expect("a static request is valid");
    let response = transport.send(request)?;
    Ok(format!(
        "{} {}",
        response.status(),
        String::from_utf8_lossy(response.body())
    ))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = LoopbackServer::builder().https(true).serve(|request| {
        let answer = format!(
            r#"{{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","Received":{}}}"#,
            request.body().len()
        );
        http::Response::builder()
            .header("content-type", "application/json")
            .body(answer.into_bytes())
            .expect("a static response is valid")
    })?;
    let certificate = server
        .certificate()
        .ok_or("the HTTPS server has a certificate")?;
    let transport = ureq_transport(certificate.der());

    let url = server.url("/v4/example/echo?sdkappid=1400000000&usersig=not-a-real-sig");
    println!("POST {}", redact_url(&url));
    println!("<- {}", ask(&transport, &url)?);
    println!(
        "server saw {} connection(s), {} request(s)",
        server.control().connections_accepted(),
        server.control().requests_received()
    );
    Ok(())
}
