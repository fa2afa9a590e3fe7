//! During a burst of concurrent blocking requests the server serves with at most its
//! `workers` threads, and afterwards the process's thread count is back to what it was
//! before. One test alone in its binary, so no other test's threads are counted.
#![cfg(all(feature = "server", target_os = "linux"))]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use callkit::server::LoopbackServer;

/// Threads of this process, from `/proc/self/task`.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

fn request(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

#[test]
fn a_burst_of_blocking_handlers_is_served_by_at_most_workers_threads_which_then_end() {
    const CLIENTS: usize = 200;
    const WORKERS: usize = 4;
    // Each handler blocks until WORKERS of them are inside at once: the burst is served
    // only if the server grows to WORKERS threads while the first ones are stuck.
    let together = Arc::new(Barrier::new(WORKERS));
    let inside = Arc::new(AtomicUsize::new(0));
    let most_inside = Arc::new(AtomicUsize::new(0));
    let server = {
        let (inside, most_inside) = (Arc::clone(&inside), Arc::clone(&most_inside));
        LoopbackServer::builder()
            .workers(WORKERS)
            .serve(move |request| {
                if request.uri().path() == "/together" {
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most_inside.fetch_max(now, Ordering::SeqCst);
                    together.wait();
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
                http::Response::new(request.into_body())
            })
            .unwrap()
    };
    let addr = server.local_addr();
    // Warm up, so that lazily started runtime threads exist before counting.
    assert!(request(addr, "/warm").ends_with("ok"));
    let base = threads();

    let start = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                request(addr, "/together")
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
    assert_eq!(most_inside.load(Ordering::SeqCst), WORKERS);
    assert!(
        server
            .control()
            .wait_for_connections_closed(CLIENTS as u64 + 1, Duration::from_secs(10))
    );
    // The threads started for the burst end once they are no longer needed (they look
    // twice a second); waited for as a condition, up to 10 s.
    let deadline = Instant::now() + Duration::from_secs(10);
    while threads() > base && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(threads(), base, "threads left behind by the burst");
}
