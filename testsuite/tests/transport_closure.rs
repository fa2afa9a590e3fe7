//! Closures as transports: an async test double, and a blocking closure over ureq 3
//! (the caller's own HTTP stack) run through the same behaviours as the bundled ones.
#![cfg(feature = "server")]

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callkit::server::{BodyFraming, LoopbackServer};
use callkit::transport::{
    BlockingTransport, Failure, FailureKind, HttpRequest, HttpResponse, Transport,
};
use callkit::{TimeoutKind, TransportError};
use support::ureq_closure::{UreqSettings, ureq_transport};
use support::*;

/// What a future `Client<T>` needs: holding a transport keeps it `Clone + Send + Sync`.
#[derive(Clone)]
struct ClientLike<T> {
    transport: T,
}

/// (URL, body) of each request the double saw.
type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

fn assert_clone_send_sync<T: Clone + Send + Sync>(_: &T) {}

#[test]
fn async_closure_double_sees_the_request_and_answers() {
    let seen: Seen = Arc::default();
    let recorder = Arc::clone(&seen);
    let double = move |request: HttpRequest| {
        let recorder = Arc::clone(&recorder);
        async move {
            recorder
                .lock()
                .unwrap()
                .push((request.uri().to_string(), request.body().clone()));
            Ok::<_, TransportError>(
                http::Response::builder()
                    .status(200)
                    .body(b"{\"ErrorCode\":0}".to_vec())
                    .unwrap(),
            )
        }
    };
    let client = ClientLike { transport: double };
    assert_clone_send_sync(&client);
    let response = smol::block_on(
        client
            .transport
            .send(post("https://example.invalid/v4/a?x=1", "{\"a\":1}")),
    )
    .unwrap();
    assert_eq!(response.body(), b"{\"ErrorCode\":0}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0],
        (
            "https://example.invalid/v4/a?x=1".to_owned(),
            b"{\"a\":1}".to_vec()
        )
    );
}

#[test]
fn async_closure_double_errors_reach_the_caller() {
    let failing = |_: HttpRequest| async {
        Err::<HttpResponse, _>(TransportError::InvalidRequest {
            reason: "offline".into(),
        })
    };
    let error = smol::block_on(failing.send(post("https://example.invalid/", ""))).unwrap_err();
    assert_eq!(error.to_string(), "invalid request: offline");
}

#[test]
fn bundled_transports_fit_a_client() {
    let client = ClientLike {
        transport: callkit::SmolTransport::new().unwrap(),
    };
    assert_clone_send_sync(&client);
}

fn trusting(server: &LoopbackServer) -> UreqSettings {
    UreqSettings {
        root_der: Some(server.certificate().unwrap().der().to_vec()),
        ..UreqSettings::default()
    }
}

#[test]
fn ureq_round_trip_over_https() {
    let server = https_server();
    let transport = ureq_transport(trusting(&server));
    let url = server.url("/v4/callkit/config?sdkappid=1");
    let response = transport.send(post(&url, "{\"k\":1}")).unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), b"{\"k\":1}");
    assert_eq!(
        response.headers()["x-echo-path"],
        "/v4/callkit/config?sdkappid=1"
    );
}

#[test]
fn ureq_sequential_calls_reuse_one_connection() {
    let server = https_server();
    let transport = ureq_transport(trusting(&server));
    for i in 0..100 {
        let body = format!("{i}");
        assert_eq!(
            transport
                .send(post(&server.url("/seq"), &body))
                .unwrap()
                .body(),
            body.as_bytes()
        );
    }
    assert_eq!(server.control().requests_received(), 100);
    assert_eq!(server.control().connections_accepted(), 1);
}

#[test]
fn ureq_fifty_concurrent_calls() {
    let server = https_server();
    let transport = ureq_transport(trusting(&server));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let transport = transport.clone();
                let url = server.url(&format!("/c/{i}"));
                scope.spawn(move || (i, transport.send(post(&url, &i.to_string()))))
            })
            .collect();
        for handle in handles {
            let (i, result) = handle.join().unwrap();
            assert_eq!(result.unwrap().body(), i.to_string().as_bytes());
        }
    });
    assert_eq!(server.control().requests_received(), 50);
}

#[test]
fn ureq_request_timeout() {
    let server = https_server();
    let transport = ureq_transport(UreqSettings {
        timeout: SHORT_TIMEOUT,
        ..trusting(&server)
    });
    server.control().delay_next(1, SERVER_DELAY);
    let started = Instant::now();
    let error = transport
        .send(post(&server.url("/slow"), "{}"))
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(error, TransportError::Timeout { what: TimeoutKind::Request, after, .. } if after == SHORT_TIMEOUT),
        "{error:?}"
    );
    assert!(
        elapsed >= SHORT_TIMEOUT && elapsed < SHORT_TIMEOUT + TIMEOUT_MARGIN,
        "{elapsed:?}"
    );
}

#[test]
fn ureq_body_cap() {
    let server = https_server();
    let transport = ureq_transport(UreqSettings {
        max_body: SMALL_CAP,
        ..trusting(&server)
    });
    for framing in [BodyFraming::ContentLength, BodyFraming::Chunked] {
        server.control().oversize_next(1, OVERSIZED, framing);
        let error = transport.send(post(&server.url("/big"), "{}")).unwrap_err();
        assert!(
            matches!(
                error,
                TransportError::BodyTooLarge {
                    limit: SMALL_CAP,
                    ..
                }
            ),
            "{framing:?}: {error:?}"
        );
    }
    assert_eq!(
        transport
            .send(post(&server.url("/small"), "ok"))
            .unwrap()
            .body(),
        b"ok"
    );
}

#[test]
fn ureq_idle_connection_closed_by_server_is_replaced() {
    let server = https_server();
    let transport = ureq_transport(trusting(&server));
    server
        .control()
        .close_idle_after(Some(Duration::from_millis(50)));
    assert_eq!(
        transport.send(post(&server.url("/1"), "1")).unwrap().body(),
        b"1"
    );
    assert!(server.control().wait_for_connections_closed(1, CLOSE_WAIT));
    server.control().close_idle_after(None);
    assert_eq!(
        transport.send(post(&server.url("/2"), "2")).unwrap().body(),
        b"2"
    );
    assert_eq!(server.control().connections_accepted(), 2);
}

#[test]
fn ureq_untrusted_certificate() {
    let server = https_server();
    let transport = ureq_transport(UreqSettings::default());
    let error = transport.send(post(&server.url("/x"), "{}")).unwrap_err();
    assert!(matches!(error, TransportError::Tls { .. }), "{error:?}");
}

#[test]
fn ureq_closed_port_is_not_sent() {
    let transport = ureq_transport(UreqSettings {
        https_only: false,
        ..UreqSettings::default()
    });
    let error = transport.send(post(&closed_port_url(), "{}")).unwrap_err();
    assert_eq!(Failure::kind(&error), FailureKind::NotSent, "{error:?}");
}

#[test]
fn ureq_http_only_when_allowed() {
    let server = http_server();
    let strict = ureq_transport(UreqSettings::default());
    let error = strict
        .send(post(&server.url("/x?usersig=SECRET"), "{}"))
        .unwrap_err();
    assert!(
        matches!(error, TransportError::InsecureScheme { .. }),
        "{error:?}"
    );
    assert!(!format!("{error}").contains("SECRET"));
    assert_eq!(server.control().connections_accepted(), 0);
    let relaxed = ureq_transport(UreqSettings {
        https_only: false,
        ..UreqSettings::default()
    });
    assert_eq!(
        relaxed.send(post(&server.url("/x"), "y")).unwrap().body(),
        b"y"
    );
}
