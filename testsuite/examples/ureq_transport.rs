//! Plugging callkit into an HTTP stack you already have: a blocking ureq 3 agent becomes a
//! `BlockingTransport` through a closure, each of its errors wrapped in a
//! `transport::Failed` that says what happened to the request (not sent, timed out, body
//! over the cap, maybe sent): the client retries a request that was not sent, on any
//! endpoint, and never one that may have reached the service.
//!
//! The example serves a tiny JSON handler on a loopback HTTPS server (self-signed
//! certificate, trusted by the agent as an extra root) and sends it one request through
//! code that only knows the `BlockingTransport` trait.
//!
//! Run: `cargo run --example ureq_transport`

use std::sync::Arc;
use std::time::Duration;

use callkit::redact_url;
use callkit::server::LoopbackServer;
use callkit::transport::{BlockingTransport, Failed, HttpRequest, HttpResponse};

/// Caps the response body, as the bundled transports do.
const MAX_BODY_BYTES: u64 = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(10);

/// The user's ureq agent, wrapped as a callkit transport.
fn ureq_transport(
    root_der: &[u8],
) -> impl Fn(HttpRequest) -> Result<HttpResponse, Failed> + Clone + Send + Sync {
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
        let response = agent.run(request).map_err(what_happened)?;
        let (parts, mut body) = response.into_parts();
        let bytes = body
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
            .map_err(what_happened)?;
        Ok(http::Response::from_parts(parts, bytes))
    }
}

/// What a ureq error means for the request.
fn what_happened(error: ureq::Error) -> Failed {
    // ureq's messages may quote the URL, whose query carries the UserSig.
    let message = redact_url(&error.to_string());
    match error {
        // Nothing was written before the name resolved and the connection (TCP + TLS)
        // was up.
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::Rustls(_)
        | ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
            Failed::not_sent(message)
        }
        ureq::Error::Timeout(_) => Failed::timed_out(message),
        ureq::Error::BodyExceedsLimit(_) => Failed::body_too_large(message),
        ureq::Error::RequireHttpsOnly(_) | ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
            Failed::refused(message)
        }
        // An I/O error says itself whether anything left (refused, unreachable...).
        ureq::Error::Io(io) => Failed::new(callkit::transport::Failure::kind(&io), message),
        _ => Failed::maybe_sent(message),
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
