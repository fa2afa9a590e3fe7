//! The loopback server facing clients that are slow, silent or broken, over raw TCP on
//! loopback: header, body, idle and TLS-handshake timeouts, broken chunked framing, the
//! connection cap, and graceful shutdown with a deadline.
//!
//! The timeouts run on a [`ManualRuntime`]: a test moves the server's clock past a
//! deadline by hand and asserts on the outcome (a closed socket, a status), so no test
//! waits for a timeout to pass. Where a test checks that nothing happens (a connection
//! that must stay open), it reads with a short real timeout: it observes an absence, the
//! server's clock does not move meanwhile. The 10 s read timeout on each test socket only
//! stops a broken server from hanging the test.
#![cfg(feature = "server")]

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use callkit::runtime::Runtime;
use callkit::server::{LoopbackServer, ServerBuilder};
use callkit::testing::ManualRuntime;
use support::{CLOSE_WAIT, echo};

/// The timeout a test shortens, on the manual clock.
const SHORT: Duration = Duration::from_secs(5);
const LONG: Duration = Duration::from_secs(30);
/// Real time: how long the test watches for something that must not happen (a
/// connection closed, a shutdown returning) while the server's clock stands still.
const TINY: Duration = Duration::from_millis(50);

/// A server whose every timeout is long, to be shortened one at a time.
fn patient() -> ServerBuilder {
    LoopbackServer::builder()
        .header_timeout(LONG)
        .body_timeout(LONG)
        .idle_timeout(LONG)
        .tls_handshake_timeout(LONG)
}

/// Serves `echo` from `builder` with its deadlines on a manual clock.
fn on_manual_time(builder: ServerBuilder) -> (LoopbackServer, ManualRuntime) {
    let runtime = ManualRuntime::new(Duration::from_secs(1_700_000_000));
    let server = builder.runtime(runtime.shared()).serve(echo).unwrap();
    (server, runtime)
}

/// Moves the server's clock on by `step` until it has closed `closed` connections (a
/// deadline the server re-arms just as the test advances needs a second step).
fn advance_until_closed(
    server: &LoopbackServer,
    runtime: &ManualRuntime,
    closed: u64,
    step: Duration,
) {
    for _ in 0..5 {
        runtime.advance(step);
        if server
            .control()
            .wait_for_connections_closed(closed, Duration::from_millis(200))
        {
            return;
        }
    }
    panic!("the server kept the connection open after 5 steps of {step:?}");
}

fn connect(server: &LoopbackServer) -> TcpStream {
    let stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_read_timeout(Some(CLOSE_WAIT)).unwrap();
    stream
}

/// Reads until the server closes the connection; what it sent before closing.
/// Fails if the read times out (the server kept the connection open).
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "the server kept the connection open ({e}); got {:?}",
                String::from_utf8_lossy(&out)
            ),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one complete response whose body ends with `tail`.
fn read_response(stream: &mut TcpStream, tail: &str) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&out).ends_with(tail) {
        let n = stream.read(&mut buf).expect("a response");
        assert!(n > 0, "closed early: {:?}", String::from_utf8_lossy(&out));
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn post(stream: &mut TcpStream, body: &str) {
    write!(
        stream,
        "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
}

#[test]
fn a_silent_client_is_dropped_after_the_header_timeout() {
    let (server, runtime) = on_manual_time(patient().header_timeout(SHORT));
    let mut silent = connect(&server);
    runtime.wait_for_timers(1);
    runtime.advance(SHORT - Duration::from_millis(1));
    assert!(
        !server.control().wait_for_connections_closed(1, TINY),
        "closed before its deadline"
    );
    runtime.advance(Duration::from_millis(1));
    assert_eq!(read_to_close(&mut silent), "");
    assert!(server.control().wait_for_connections_closed(1, CLOSE_WAIT));
    assert_eq!(server.control().requests_received(), 0);
}

#[test]
fn a_head_sent_in_part_is_dropped_after_the_header_timeout() {
    let (server, runtime) = on_manual_time(patient().header_timeout(SHORT));
    let mut slow = connect(&server);
    slow.write_all(b"POST /x HTTP/1.1\r\nHost: t\r\n").unwrap();
    runtime.wait_for_timers(1);
    advance_until_closed(&server, &runtime, 1, SHORT);
    assert_eq!(read_to_close(&mut slow), "");
    assert_eq!(server.control().requests_received(), 0);
}

#[test]
fn an_idle_keep_alive_connection_closes_after_the_idle_timeout() {
    let (server, runtime) = on_manual_time(patient().idle_timeout(SHORT));
    let mut client = connect(&server);
    post(&mut client, "one");
    assert!(read_response(&mut client, "one").starts_with("HTTP/1.1 200"));
    advance_until_closed(&server, &runtime, 1, SHORT);
    assert_eq!(read_to_close(&mut client), "");
}

/// Asserts the server sends nothing and keeps the connection open for `span` of real
/// time (while the server's clock stands still).
fn stays_open(stream: &mut TcpStream, span: Duration) {
    stream.set_read_timeout(Some(span)).unwrap();
    let mut buf = [0u8; 64];
    match stream.read(&mut buf) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("expected an open, quiet connection, got {other:?}"),
    }
    stream.set_read_timeout(Some(CLOSE_WAIT)).unwrap();
}

#[test]
fn the_header_timeout_does_not_cut_idle_keep_alive_connections() {
    // Between requests only the idle timeout applies, not the short header timeout.
    let (server, runtime) = on_manual_time(patient().header_timeout(SHORT));
    let mut client = connect(&server);
    post(&mut client, "one");
    assert!(read_response(&mut client, "one").starts_with("HTTP/1.1 200"));
    runtime.advance(SHORT * 3);
    stays_open(&mut client, TINY * 4);
    post(&mut client, "two");
    assert!(read_response(&mut client, "two").ends_with("two"));
    assert_eq!(server.control().connections_accepted(), 1);
}

#[test]
fn a_later_head_sent_in_part_is_dropped_after_the_header_timeout() {
    // The connection's one timer sits at the idle deadline between requests (or at an
    // earlier one it re-checks): a later request's head must still be held to the
    // header timeout, counted from its first byte.
    let (server, runtime) = on_manual_time(patient().header_timeout(SHORT));
    let mut client = connect(&server);
    post(&mut client, "one");
    assert!(read_response(&mut client, "one").starts_with("HTTP/1.1 200"));
    runtime.advance(SHORT * 3);
    stays_open(&mut client, TINY * 3);
    client
        .write_all(b"POST /x HTTP/1.1\r\nHost: t\r\n")
        .unwrap();
    // Well before the idle deadline (30 s), the head's own deadline closes it.
    advance_until_closed(&server, &runtime, 1, SHORT);
    assert!(runtime.now() < LONG);
    assert_eq!(read_to_close(&mut client), "");
    assert_eq!(server.control().requests_received(), 1);
}

#[test]
fn a_body_shorter_than_its_content_length_gets_408_and_a_close() {
    let (server, runtime) = on_manual_time(patient().body_timeout(SHORT));
    let mut short = connect(&server);
    short
        .write_all(b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly ten..")
        .unwrap();
    assert!(server.control().wait_for_requests(1, CLOSE_WAIT));
    advance_until_closed(&server, &runtime, 1, SHORT);
    let reply = read_to_close(&mut short);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(
        reply.to_ascii_lowercase().contains("connection: close"),
        "{reply}"
    );
}

#[test]
fn a_silent_tls_client_is_dropped_after_the_handshake_timeout() {
    let (server, runtime) = on_manual_time(patient().https(true).tls_handshake_timeout(SHORT));
    let mut silent = connect(&server);
    runtime.wait_for_timers(1);
    advance_until_closed(&server, &runtime, 1, SHORT);
    assert_eq!(read_to_close(&mut silent), "");
}

/// Sends a chunked POST whose body (chunks and all) is `body`.
fn send_chunked(server: &LoopbackServer, body: &[u8]) -> TcpStream {
    let mut client = connect(server);
    client
        .write_all(b"POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    client.write_all(body).unwrap();
    client
}

/// [`send_chunked`], optionally half-closed, then everything until the server closes.
fn chunked(server: &LoopbackServer, body: &[u8], half_close: bool) -> String {
    let mut client = send_chunked(server, body);
    if half_close {
        client.shutdown(Shutdown::Write).unwrap();
    }
    read_to_close(&mut client)
}

#[test]
fn broken_chunked_framing_is_400_and_only_an_oversized_body_is_413() {
    let server = patient().max_request_body_bytes(16).serve(echo).unwrap();
    let bad_size = chunked(&server, b"zz\r\nabc\r\n0\r\n\r\n", false);
    assert!(bad_size.starts_with("HTTP/1.1 400"), "{bad_size}");
    assert!(bad_size.contains("malformed request body"), "{bad_size}");
    let truncated = chunked(&server, b"10\r\nabc", true);
    assert!(truncated.starts_with("HTTP/1.1 400"), "{truncated}");
    let over_cap = chunked(&server, b"11\r\n01234567890123456\r\n0\r\n\r\n", false);
    assert!(over_cap.starts_with("HTTP/1.1 413"), "{over_cap}");
    let mut client = send_chunked(&server, b"10\r\n0123456789012345\r\n0\r\n\r\n");
    let fits = read_response(&mut client, "0123456789012345");
    assert!(fits.starts_with("HTTP/1.1 200"), "{fits}");
    assert!(fits.ends_with("0123456789012345"), "{fits}");
}

#[test]
fn beyond_the_connection_cap_new_connections_wait_in_the_backlog() {
    let server = patient().max_connections(1).serve(echo).unwrap();
    let mut first = connect(&server);
    post(&mut first, "first");
    assert!(read_response(&mut first, "first").starts_with("HTTP/1.1 200"));

    let mut second = connect(&server);
    post(&mut second, "second");
    // Not served while the first connection holds the only slot.
    stays_open(&mut second, TINY * 4);
    assert_eq!(server.control().connections_accepted(), 1);

    // The slot frees: the waiting connection is accepted and served.
    drop(first);
    second.set_read_timeout(Some(CLOSE_WAIT)).unwrap();
    assert!(read_response(&mut second, "second").starts_with("HTTP/1.1 200"));
    assert_eq!(server.control().connections_accepted(), 2);
}

/// A handler that blocks each request until the test sends it a go-ahead.
fn gated() -> (
    impl Fn(callkit::transport::HttpRequest) -> callkit::transport::HttpResponse + Send + Sync,
    mpsc::Sender<()>,
) {
    let (go, gate) = mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new(gate));
    let handler = move |request: callkit::transport::HttpRequest| {
        let _ = gate.lock().unwrap().recv();
        echo(request)
    };
    (handler, go)
}

/// Waits until the server no longer accepts connections (its listener is closed).
fn until_refused(addr: std::net::SocketAddr) {
    while TcpStream::connect(addr).is_ok() {
        std::thread::yield_now();
    }
}

#[test]
fn shutdown_stops_accepting_and_lets_the_request_in_flight_finish() {
    let (handler, go) = gated();
    let server = patient().shutdown_grace(LONG).serve(handler).unwrap();
    let addr = server.local_addr();
    let mut client = connect(&server);
    post(&mut client, "in flight");
    assert!(server.control().wait_for_requests(1, CLOSE_WAIT));

    let stopping = std::thread::spawn(move || server.shutdown());
    until_refused(addr);
    go.send(()).unwrap();
    let reply = read_response(&mut client, "in flight");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    stopping.join().unwrap();
}

#[test]
fn shutdown_closes_a_connection_still_waiting_for_its_body_at_the_grace() {
    let (server, runtime) = on_manual_time(patient().shutdown_grace(SHORT));
    let mut client = connect(&server);
    // Half of the announced body: the request waits for the rest.
    client
        .write_all(b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhalf-")
        .unwrap();
    assert!(server.control().wait_for_requests(1, CLOSE_WAIT));
    let control = server.control().clone();
    let stopping = std::thread::spawn(move || server.shutdown());
    // Armed: the connection's header deadline, its body deadline and the grace.
    runtime.wait_for_timers(3);
    runtime.advance(SHORT);
    stopping.join().unwrap();
    // Cut at the grace: the client sees the close, and the connection is counted closed
    // (its task was dropped, not left queued).
    assert_eq!(read_to_close(&mut client), "");
    assert!(control.wait_for_connections_closed(1, CLOSE_WAIT));
}

#[test]
fn shutdown_gives_up_on_a_stuck_request_at_its_deadline() {
    let (handler, go) = gated();
    let runtime = ManualRuntime::new(Duration::from_secs(1_700_000_000));
    let server = patient()
        .shutdown_grace(SHORT)
        .runtime(runtime.shared())
        .serve(handler)
        .unwrap();
    let mut client = connect(&server);
    post(&mut client, "stuck");
    assert!(server.control().wait_for_requests(1, CLOSE_WAIT));
    // Shutting down waits for the stuck request until the grace has passed on the
    // server's clock: the connection's deadline and the grace are then armed.
    let (done_tx, done) = mpsc::channel();
    let stopping = std::thread::spawn(move || {
        server.shutdown();
        let _ = done_tx.send(());
    });
    runtime.wait_for_timers(2);
    runtime.advance(SHORT - Duration::from_millis(1));
    assert!(
        done.recv_timeout(TINY).is_err(),
        "shutdown returned before its grace"
    );
    runtime.advance(Duration::from_millis(1));
    // Returns although the handler never finishes; the client sees the close.
    done.recv_timeout(CLOSE_WAIT)
        .expect("shutdown returns at its grace");
    stopping.join().unwrap();
    assert_eq!(read_to_close(&mut client), "");
    drop(go);
}
