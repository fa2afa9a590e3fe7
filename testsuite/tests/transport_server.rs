//! The loopback server itself: body cap, handler panics, certificate export, shutdown.
#![cfg(feature = "server")]

mod support;

use callkit::SmolTransport;
use callkit::TransportError;
use callkit::server::LoopbackServer;
use callkit::transport::Transport;
use support::*;

fn http_client() -> SmolTransport {
    SmolTransport::builder().allow_http(true).build().unwrap()
}

#[test]
fn request_bodies_over_the_cap_get_413() {
    let server = LoopbackServer::builder()
        .max_request_body_bytes(16)
        .serve(echo)
        .unwrap();
    let client = http_client();
    let refused = smol::block_on(client.send(post(&server.url("/x"), &"a".repeat(17)))).unwrap();
    assert_eq!(refused.status(), 413);
    let accepted = smol::block_on(client.send(post(&server.url("/x"), &"a".repeat(16)))).unwrap();
    assert_eq!(accepted.status(), 200);
    assert_eq!(accepted.body(), "a".repeat(16).as_bytes());
}

#[test]
fn a_panicking_handler_costs_only_its_request() {
    let server = LoopbackServer::builder()
        .serve(|request| {
            if request.uri().path() == "/boom" {
                panic!("handler bug");
            }
            echo(request)
        })
        .unwrap();
    let client = http_client();
    let failed = smol::block_on(client.send(post(&server.url("/boom"), "{}"))).unwrap();
    assert_eq!(failed.status(), 500);
    let fine = smol::block_on(client.send(post(&server.url("/ok"), "ok"))).unwrap();
    assert_eq!(fine.body(), b"ok");
}

#[test]
fn certificate_written_to_a_file_is_trusted_from_there() {
    let server = https_server();
    let path = std::env::temp_dir().join(format!(
        "callkit-loopback-{}.pem",
        server.local_addr().port()
    ));
    server.certificate().unwrap().write_pem(&path).unwrap();
    let pem = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let client = SmolTransport::builder()
        .webpki_roots(false)
        .add_root_certificate_pem(pem)
        .build()
        .unwrap();
    let response = smol::block_on(client.send(post(&server.url("/x"), "pem"))).unwrap();
    assert_eq!(response.body(), b"pem");
}

#[test]
fn der_certificate_is_trusted_too() {
    let server = https_server();
    let der = server.certificate().unwrap().der().to_vec();
    let client = SmolTransport::builder()
        .webpki_roots(false)
        .add_root_certificate_der(der)
        .build()
        .unwrap();
    assert_eq!(
        smol::block_on(client.send(post(&server.url("/x"), "der")))
            .unwrap()
            .body(),
        b"der"
    );
}

#[test]
fn base_url_is_loopback_with_the_bound_port() {
    let server = http_server();
    assert_eq!(
        server.base_url(),
        format!("http://127.0.0.1:{}", server.local_addr().port())
    );
    assert_eq!(server.url("/a?b=c"), format!("{}/a?b=c", server.base_url()));
    assert!(server.certificate().is_none());
}

#[test]
fn after_shutdown_nothing_listens() {
    let server = http_server();
    let url = server.url("/x");
    let client = http_client();
    assert_eq!(
        smol::block_on(client.send(post(&url, "1")))
            .unwrap()
            .status(),
        200
    );
    // Shutdown also closes the kept-alive connection the client holds.
    let control = server.control().clone();
    server.shutdown();
    assert_eq!(control.connections_closed(), 1);
    let error = smol::block_on(client.send(post(&url, "2"))).unwrap_err();
    assert!(matches!(error, TransportError::Connect { .. }), "{error:?}");
}

#[test]
fn shutdown_cuts_a_pending_delay_short() {
    let server = http_server();
    server
        .control()
        .delay_next(1, std::time::Duration::from_secs(60));
    let url = server.url("/slow");
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        let caller = scope.spawn(|| smol::block_on(http_client().send(post(&url, "{}"))));
        // Wait until the request is in the server (an event, not a clock).
        assert!(
            server.control().wait_for_requests(1, CLOSE_WAIT),
            "the request never arrived"
        );
        server.shutdown();
        // The delayed request is answered or dropped; either way the caller is released.
        let _ = caller.join().unwrap();
    });
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "shutdown waited for the delay"
    );
}

#[test]
fn a_blocked_handler_holds_up_only_its_own_request() {
    // The handler of `/slow` tells the test it has started, then blocks until the test
    // releases it (or 10 s pass: then it answers "not released" and the test fails).
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let started_tx = std::sync::Mutex::new(started_tx);
    let release_rx = std::sync::Mutex::new(release_rx);
    let server = LoopbackServer::builder()
        .serve(move |request| {
            if request.uri().path() != "/slow" {
                return echo(request);
            }
            let _ = started_tx.lock().unwrap().send(());
            let released = release_rx
                .lock()
                .unwrap()
                .recv_timeout(std::time::Duration::from_secs(10))
                .is_ok();
            let body = if released { "released" } else { "not released" };
            http::Response::new(body.as_bytes().to_vec())
        })
        .unwrap();

    std::thread::scope(|scope| {
        let slow = scope.spawn(|| {
            smol::block_on(http_client().send(post(&server.url("/slow"), "")))
                .unwrap()
                .into_body()
        });
        started_rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the slow handler starts");

        // Ten requests, each on a connection of its own, all answered while `/slow` blocks.
        let others: Vec<_> = (0..10)
            .map(|i| {
                let url = server.url(&format!("/fast/{i}"));
                scope.spawn(move || {
                    let response =
                        smol::block_on(http_client().send(post(&url, &i.to_string()))).unwrap();
                    response.into_body()
                })
            })
            .collect();
        for (i, other) in others.into_iter().enumerate() {
            assert_eq!(other.join().unwrap(), i.to_string().as_bytes());
        }
        assert!(
            !slow.is_finished(),
            "the slow request waits for its release"
        );

        release_tx.send(()).unwrap();
        assert_eq!(slow.join().unwrap(), b"released");
    });
    assert_eq!(server.control().connections_accepted(), 11);
    assert_eq!(server.control().requests_received(), 11);
}

#[test]
fn quick_handlers_run_on_the_server_thread_and_a_panic_costs_only_its_request() {
    let server = LoopbackServer::builder()
        .serve(|request| {
            if request.uri().path() == "/boom" {
                panic!("handler bug");
            }
            let thread = std::thread::current();
            http::Response::new(thread.name().unwrap_or("").as_bytes().to_vec())
        })
        .unwrap();
    let client = http_client();
    let thread_of = |path: &str| {
        let response = smol::block_on(client.send(post(&server.url(path), ""))).unwrap();
        (
            response.status(),
            String::from_utf8(response.into_body()).unwrap(),
        )
    };
    // No hand-off to another thread: the handler runs where the connection is served.
    let server_thread = format!("callkit-loopback-{}", server.local_addr().port());
    assert_eq!(
        thread_of("/quick"),
        (http::StatusCode::OK, server_thread.clone())
    );
    assert_eq!(thread_of("/boom").0, 500);
    assert_eq!(thread_of("/quick"), (http::StatusCode::OK, server_thread));
}
