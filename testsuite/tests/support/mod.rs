//! Shared by the transport tests: the echo handler, servers, and the behaviours every
//! async transport must show, written once against the `Transport` trait.
#![allow(dead_code)] // each test binary uses a different subset

pub mod connect_proxy;
pub mod ureq_closure;

// The end-to-end rigs need every transport and the emulator.
#[cfg(all(feature = "emulator", feature = "async-std", feature = "surf"))]
pub mod e2e;

/// The `callkit` binary of the `callkit-cli` package (`cli/`). `cargo test` from the root
/// (or with `--workspace`) builds it before any test runs, next to the test binaries'
/// directory; a run of this package alone may find it missing or stale, hence the message.
pub fn callkit_bin() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/<test> -> target/<profile>/callkit
    let bin = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("the target directory")
        .join(format!("callkit{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test --workspace` (or first \
         `cargo build -p callkit-cli`)",
        bin.display()
    );
    bin
}

// A real redis-server for the fleet tests.
#[cfg(feature = "redis")]
pub mod redis_server;

use std::time::Duration;

use callkit::TransportError;
use callkit::server::{BodyFraming, LoopbackServer};
use callkit::transport::{HttpRequest, HttpResponse, Transport};

/// How long a test waits for the server to report a closed connection before failing.
pub const CLOSE_WAIT: Duration = Duration::from_secs(10);
/// The short client timeout of the timeout tests, and the server delay that trips it.
pub const SHORT_TIMEOUT: Duration = Duration::from_millis(300);
pub const SERVER_DELAY: Duration = Duration::from_secs(3);
/// Slack for scheduling on a loaded 2-core CI machine; still far below SERVER_DELAY.
pub const TIMEOUT_MARGIN: Duration = Duration::from_millis(1500);
/// The body cap of the body-cap tests, and the size the server sends past it.
pub const SMALL_CAP: usize = 64 * 1024;
pub const OVERSIZED: usize = 256 * 1024;

/// Echoes the request body, and reports method and path in headers.
pub fn echo(request: HttpRequest) -> HttpResponse {
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let method = request.method().to_string();
    http::Response::builder()
        .header("content-type", "application/json")
        .header("x-echo-path", path)
        .header("x-echo-method", method)
        .body(request.into_body())
        .expect("static response parts are valid")
}

pub fn https_server() -> LoopbackServer {
    LoopbackServer::builder()
        .https(true)
        .serve(echo)
        .expect("loopback HTTPS server starts")
}

pub fn http_server() -> LoopbackServer {
    LoopbackServer::builder()
        .serve(echo)
        .expect("loopback HTTP server starts")
}

pub fn cert_pem(server: &LoopbackServer) -> String {
    server
        .certificate()
        .expect("HTTPS server has a certificate")
        .pem()
        .to_owned()
}

pub fn post(url: &str, body: &str) -> HttpRequest {
    http::Request::post(url)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .expect("valid request")
}

/// A POST round trip: status, echoed body and path (with its query) arrive intact.
pub async fn round_trip<T: Transport>(transport: &T, server: &LoopbackServer) {
    let url = server.url("/v4/callkit/config?sdkappid=1400000000&random=42");
    let response = transport
        .send(post(
            &url,
            r#"{"CallbackUrl":"https://example.invalid/hook"}"#,
        ))
        .await
        .unwrap_or_else(|e| panic!("round trip failed: {e}"));
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.body(),
        br#"{"CallbackUrl":"https://example.invalid/hook"}"#
    );
    assert_eq!(
        response.headers()["x-echo-path"],
        "/v4/callkit/config?sdkappid=1400000000&random=42"
    );
    assert_eq!(response.headers()["x-echo-method"], "POST");
    assert_eq!(server.control().requests_received(), 1);
}

/// 100 calls one after another travel over a single kept-alive connection.
pub async fn sequential_calls_share_one_connection<T: Transport>(
    transport: &T,
    server: &LoopbackServer,
) {
    for i in 0..100 {
        let body = format!("{{\"n\":{i}}}");
        let response = transport
            .send(post(&server.url("/seq"), &body))
            .await
            .unwrap_or_else(|e| panic!("call {i}: {e}"));
        assert_eq!(response.body(), body.as_bytes());
    }
    assert_eq!(server.control().requests_received(), 100);
    assert_eq!(server.control().connections_accepted(), 1);
}

/// 50 calls in flight at once all succeed, each with its own answer.
pub async fn concurrent_calls_all_succeed<T: Transport + Sync>(
    transport: &T,
    server: &LoopbackServer,
) {
    let executor = smol::LocalExecutor::new();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let request = post(
                &server.url(&format!("/concurrent/{i}")),
                &format!("{{\"n\":{i}}}"),
            );
            executor.spawn(async move { (i, transport.send(request).await) })
        })
        .collect();
    executor
        .run(async {
            for task in tasks {
                let (i, result) = task.await;
                let response = result.unwrap_or_else(|e| panic!("concurrent call {i}: {e}"));
                assert_eq!(response.status(), 200);
                assert_eq!(response.body(), format!("{{\"n\":{i}}}").as_bytes());
            }
        })
        .await;
    assert_eq!(server.control().requests_received(), 50);
}

/// A response delayed past the request timeout fails with the timeout error, soon after
/// the timeout (the server would have answered only after SERVER_DELAY).
/// Asserts `error` is a timeout of `what` after `after`, whose message names no secret.
pub fn assert_timed_out(error: &TransportError, what: callkit::TimeoutKind, after: Duration) {
    assert!(
        matches!(
            error,
            TransportError::Timeout { what: w, after: a, .. } if *w == what && *a == after
        ),
        "expected a {what:?} timeout after {after:?}, got {error:?}"
    );
    assert!(!error.to_string().contains("SECRET"), "{error}");
}

/// A slow answer (the server holds it 3 s of real time) times out on `runtime`'s clock:
/// `send` runs on its own thread, and the test moves the time past `timeout` once the
/// deadline is armed, so the error can only come from the runtime's timer. A timeout of
/// the connect phase, if the transport has one, must be longer than `timeout`.
pub fn slow_response_times_out_on<E>(
    runtime: &callkit::testing::ManualRuntime,
    timeout: Duration,
    server: &LoopbackServer,
    send: impl FnOnce(HttpRequest) -> Result<HttpResponse, E> + Send + 'static,
) -> E
where
    E: std::fmt::Debug + Send + 'static,
{
    server.control().delay_next(1, SERVER_DELAY);
    let request = post(&server.url("/slow?usersig=SECRET"), "{}");
    let pending = std::thread::spawn(move || send(request));
    runtime.wait_for_timers(1);
    runtime.advance(timeout);
    pending.join().unwrap().expect_err("must time out")
}

/// A body past the cap fails with the cap named, whether announced by Content-Length or
/// only discovered while streaming; the transport keeps working afterwards.
pub async fn oversized_body_is_refused<T: Transport<Error = TransportError>>(
    transport: &T,
    server: &LoopbackServer,
) {
    for framing in [BodyFraming::ContentLength, BodyFraming::Chunked] {
        refuse_oversized(transport, server, framing).await;
    }
    let after = transport
        .send(post(&server.url("/small"), "{}"))
        .await
        .expect("a normal body still passes");
    assert_eq!(after.body(), b"{}");
}

/// One oversized response, framed as `framing`, fails with `BodyTooLarge`.
pub async fn refuse_oversized<T: Transport<Error = TransportError>>(
    transport: &T,
    server: &LoopbackServer,
    framing: BodyFraming,
) {
    server.control().oversize_next(1, OVERSIZED, framing);
    let error = transport
        .send(post(&server.url("/big"), "{}"))
        .await
        .expect_err("must refuse the body");
    match &error {
        TransportError::BodyTooLarge { limit, .. } => assert_eq!(*limit, SMALL_CAP),
        other => panic!("{framing:?}: expected BodyTooLarge, got {other:?}"),
    }
    assert!(
        error
            .to_string()
            .contains(&format!("cap of {SMALL_CAP} bytes")),
        "{error}"
    );
}

/// The server closes the kept-alive connection while it is idle; the next call opens a
/// new one without the caller seeing an error.
pub async fn idle_closed_connection_is_replaced<T: Transport>(
    transport: &T,
    server: &LoopbackServer,
) {
    server
        .control()
        .close_idle_after(Some(Duration::from_millis(50)));
    let first = transport
        .send(post(&server.url("/one"), "1"))
        .await
        .unwrap_or_else(|e| panic!("first call: {e}"));
    assert_eq!(first.body(), b"1");
    // Wait for the server's close event (not for a clock).
    assert!(
        server.control().wait_for_connections_closed(1, CLOSE_WAIT),
        "server never closed the idle connection"
    );
    server.control().close_idle_after(None);
    let second = transport
        .send(post(&server.url("/two"), "2"))
        .await
        .unwrap_or_else(|e| panic!("second call: {e}"));
    assert_eq!(second.body(), b"2");
    assert_eq!(server.control().connections_accepted(), 2);
}

/// A server certificate nobody added as a root fails the handshake with a TLS error.
pub async fn untrusted_certificate_fails<T: Transport<Error = TransportError>>(
    transport: &T,
    server: &LoopbackServer,
) {
    let error = transport
        .send(post(&server.url("/x"), "{}"))
        .await
        .expect_err("must not trust the server");
    assert!(
        matches!(error, TransportError::Tls { .. }),
        "expected a TLS error, got {error:?}"
    );
    assert_eq!(server.control().requests_received(), 0);
}

/// http:// is refused unless allowed; the refusal names no query.
pub async fn plain_http_refused<T: Transport<Error = TransportError>>(
    transport: &T,
    server: &LoopbackServer,
) {
    let error = transport
        .send(post(&server.url("/x?usersig=SECRET"), "{}"))
        .await
        .expect_err("http must be refused");
    assert!(
        matches!(error, TransportError::InsecureScheme { .. }),
        "got {error:?}"
    );
    assert!(!error.to_string().contains("SECRET"), "{error}");
    assert_eq!(server.control().connections_accepted(), 0);
}

/// A listener that completes TCP handshakes (the kernel's backlog) but never answers the
/// TLS ClientHello: opening a connection stalls, and the connect timeout must fire.
/// `localhost` goes through the runtime's DNS resolution (and past `::1` if it resolves
/// there first: the server listens on 127.0.0.1 only); the certificate names it.
pub async fn host_name_is_resolved<T: Transport>(transport: &T, server: &LoopbackServer) {
    let url = format!("https://localhost:{}/named", server.local_addr().port());
    let response = transport
        .send(post(&url, "by name"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.body(), b"by name");
}

/// 50 calls from 50 threads at once on one shared transport (pool under contention).
pub fn calls_from_many_threads<T: Transport + Sync>(
    transport: &T,
    server: &LoopbackServer,
    block_on: fn(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>),
) {
    std::thread::scope(|scope| {
        for i in 0..50 {
            let url = server.url(&format!("/thread/{i}"));
            scope.spawn(move || {
                block_on(Box::pin(async move {
                    let response = transport
                        .send(post(&url, &i.to_string()))
                        .await
                        .unwrap_or_else(|e| panic!("{i}: {e}"));
                    assert_eq!(response.body(), i.to_string().as_bytes());
                }))
            });
        }
    });
    assert_eq!(server.control().requests_received(), 50);
}

/// `http://127.0.0.1:PORT/v4/x` where nothing listens on PORT (bound, noted, closed).
pub fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/v4/x")
}
