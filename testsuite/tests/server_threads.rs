//! After a burst of concurrent slow requests, the process's thread count is back to what
//! it was before: handlers run on a fixed set of workers, never on threads grown for the
//! burst. One test alone in its binary, so no other test's threads are counted.
#![cfg(all(feature = "server", target_os = "linux"))]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};

use callkit::server::LoopbackServer;

/// Threads of this process, from `/proc/self/task`.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

fn request(addr: std::net::SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(
            b"POST /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        )
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

#[test]
fn the_thread_count_returns_to_its_base_after_a_burst() {
    const CLIENTS: usize = 200;
    const WORKERS: usize = 4;
    let server = LoopbackServer::builder()
        .workers(WORKERS)
        .serve(|request| {
            // Slow enough that the burst piles up behind the workers.
            std::thread::yield_now();
            http::Response::new(request.into_body())
        })
        .unwrap();
    let addr = server.local_addr();
    // Warm up, so that lazily started runtime threads exist before counting.
    assert!(request(addr).ends_with("ok"));
    let base = threads();

    let start = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                request(addr)
            })
        })
        .collect();
    let during = threads();
    for client in clients {
        assert!(client.join().unwrap().starts_with("HTTP/1.1 200"));
    }
    assert!(
        during >= base + CLIENTS,
        "the burst's client threads were running"
    );
    assert!(
        server
            .control()
            .wait_for_connections_closed(CLIENTS as u64 + 1, std::time::Duration::from_secs(10))
    );
    assert_eq!(threads(), base, "threads left behind by the burst");
}
