//! SurfTransport against the loopback server.
//!
//! The surf client here uses surf's `h1-client-no-tls` backend (a dev-dependency; callkit
//! itself enables no surf backend). surf's TLS backends need OpenSSL (native-tls) or
//! rustls 0.18 / ring 0.16 / webpki 0.21 (advisories), so these tests run over plain
//! loopback HTTP, and TLS with surf (round trip over HTTPS, untrusted certificate) is not
//! covered here: it is the surf backend's business, not the adapter's.
#![cfg(all(feature = "server", feature = "surf"))]

mod support;

use callkit::SurfTransport;
use callkit::server::BodyFraming;
use support::*;

fn surf_client() -> surf::Client {
    // Without TCP_NODELAY, surf's h1 backend waits ~40 ms on delayed ACKs per request.
    surf::Config::new()
        .set_tcp_no_delay(true)
        .try_into()
        .expect("surf client from the config")
}

fn transport() -> callkit::SurfTransportBuilder {
    SurfTransport::builder(surf_client()).allow_http(true)
}

#[test]
fn round_trip_over_http() {
    let server = http_server();
    async_std::task::block_on(round_trip(&transport().build(), &server));
}

#[test]
fn sequential_calls_reuse_one_connection() {
    let server = http_server();
    async_std::task::block_on(sequential_calls_share_one_connection(
        &transport().build(),
        &server,
    ));
}

#[test]
fn fifty_concurrent_calls() {
    let server = http_server();
    async_std::task::block_on(concurrent_calls_all_succeed(&transport().build(), &server));
}

#[test]
fn the_request_deadline_is_the_runtimes_timer() {
    let server = http_server();
    let runtime = callkit::testing::ManualRuntime::new(std::time::Duration::ZERO);
    let timeout = std::time::Duration::from_secs(10);
    let transport = transport()
        .request_timeout(timeout)
        .runtime(runtime.shared())
        .build();
    let error = slow_response_times_out_on(&runtime, timeout, &server, move |request| {
        async_std::task::block_on(callkit::transport::Transport::send(&transport, request))
    });
    assert_timed_out(&error, callkit::TimeoutKind::Request, timeout);
}

/// Each framing on its own client: surf's h1 backend puts a connection back in its pool
/// even when the body was not read to the end, so after a refused body the next request
/// on the same client may read the leftover bytes as its response head and fail (an Http
/// error, "Head byte length should be less than 8kb"). That is a gap of the backend which
/// the adapter cannot close without reading the oversized body.
#[test]
fn body_cap() {
    let server = http_server();
    for framing in [BodyFraming::ContentLength, BodyFraming::Chunked] {
        let transport = transport().max_body_bytes(SMALL_CAP).build();
        async_std::task::block_on(refuse_oversized(&transport, &server, framing));
    }
}

#[test]
fn idle_connection_closed_by_server_is_replaced() {
    let server = http_server();
    async_std::task::block_on(idle_closed_connection_is_replaced(
        &transport().build(),
        &server,
    ));
}

#[test]
fn http_only_when_allowed() {
    let server = http_server();
    async_std::task::block_on(plain_http_refused(
        &SurfTransport::new(surf_client()),
        &server,
    ));
}
