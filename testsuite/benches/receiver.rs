//! The whole webhook receiver against a bare hyper server, side by side in one run.
//!
//! * receiver: [`WebhookHandler`] (the documented v4 `MemberChanged` example, checked and
//!   parsed, the event sent into a channel that another thread drains) served by callkit's
//!   server (`callkit::server`, hyper 1.x on its own smol thread) with its defaults, plain
//!   HTTP/1.1 on loopback.
//! * receiver, event dropped: the same, but the callback drops the event instead of
//!   sending it: what the channel and its draining thread cost, apart from the receiver.
//! * bare: hyper 1.x's `http1` server on one thread running a smol executor, a handler that
//!   collects the body and answers the v4 acknowledgement.
//!
//! The load: hyper client connections, kept alive, all driven from the bench's thread, one
//! request in flight per connection; 1 connection and 50 connections. Each round sends the
//! same number of requests to each server in turn (the order rotating between rounds), so
//! every ratio compares runs a few milliseconds apart; the median over the rounds is
//! reported, with each side's requests per second and heap allocations per request
//! (counted over every thread of the process: the client's are the same on both sides).
//!
//! Run: `cargo bench --bench receiver` (`CALLKIT_BENCH_ROUNDS`, default 30).

use std::alloc::{GlobalAlloc, Layout, System};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;
use callkit::server::LoopbackServer;
use callkit::webhook::{V4_ACK, WebhookConfig, WebhookHandler};
use callkit_testsuite::webhook_examples::{MEMBER_BODY_AS_PUBLISHED, with_comma_put_back};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use smol_hyper::rt::FuturesIo;

/// Counts heap allocations on every thread (the servers' too).
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const APP: u32 = 1400000000;
const PATH: &str = "/callkit?SdkAppid=1400000000&CallbackCommand=Call.CallbackAfterMemberChanged\
                    &contenttype=json&ClientIP=10.0.0.1&OptPlatform=Android";
/// The published §6.6 example with its one missing comma put back.
fn member_changed_body() -> Bytes {
    Bytes::from(with_comma_put_back(MEMBER_BODY_AS_PUBLISHED))
}

/// callkit's receiver with its defaults: the event goes into a channel, drained by a
/// thread of its own (or, `channel` false, is dropped by the callback).
fn receiver(channel: bool) -> LoopbackServer {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || for _event in rx {});
    let handler = WebhookHandler::new(WebhookConfig::new(APP), move |event| {
        if channel {
            tx.send(event).map_err(|_| "the event channel is closed")
        } else {
            drop(event);
            Ok(())
        }
    });
    handler
        .serve_on(LoopbackServer::builder())
        .expect("receiver starts")
}

/// Bare hyper: one thread, a smol executor, the acknowledgement for every request.
fn bare_server() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = smol::net::TcpListener::try_from(listener).unwrap();
    std::thread::spawn(move || {
        let executor = smol::Executor::new();
        smol::block_on(executor.run(async {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                stream.set_nodelay(true).unwrap();
                let service = hyper::service::service_fn(
                    |request: hyper::Request<hyper::body::Incoming>| async move {
                        let _body = request.into_body().collect().await;
                        Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                            V4_ACK,
                        ))))
                    },
                );
                executor
                    .spawn(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(FuturesIo::new(stream), service)
                            .await;
                    })
                    .detach();
            }
        }));
    });
    addr
}

/// `count` kept-alive client connections to `addr`, their tasks on `executor`.
async fn connect(
    executor: &smol::LocalExecutor<'_>,
    addr: SocketAddr,
    count: usize,
) -> Vec<SendRequest<Full<Bytes>>> {
    let mut senders = Vec::with_capacity(count);
    for _ in 0..count {
        let tcp = smol::net::TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let (sender, connection) = hyper::client::conn::http1::handshake(FuturesIo::new(tcp))
            .await
            .unwrap();
        executor
            .spawn(async move {
                let _ = connection.await;
            })
            .detach();
        senders.push(sender);
    }
    senders
}

/// Sends `per_connection` requests on each connection (one in flight on each); returns
/// requests per second and allocations per request.
async fn round(
    senders: &mut [SendRequest<Full<Bytes>>],
    addr: SocketAddr,
    body: &Bytes,
    per_connection: usize,
) -> (f64, f64) {
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    let start = Instant::now();
    let loops = senders.iter_mut().map(|sender| async move {
        for _ in 0..per_connection {
            sender.ready().await.unwrap();
            let request = hyper::Request::post(PATH)
                .header(hyper::header::HOST, addr.to_string())
                .header(hyper::header::CONTENT_TYPE, "application/json")
                .body(Full::new(body.clone()))
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status(), 200);
            let reply = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(reply.as_ref(), V4_ACK);
        }
    });
    join_all(loops).await;
    let elapsed = start.elapsed().as_secs_f64();
    let requests = (senders.len() * per_connection) as f64;
    let allocated = ALLOCATIONS.load(Ordering::Relaxed) - allocations;
    (requests / elapsed, allocated as f64 / requests)
}

/// Runs every future to completion, concurrently, on the current task.
async fn join_all<F: std::future::Future<Output = ()>>(futures: impl Iterator<Item = F>) {
    let mut pending: Vec<_> = futures.map(Box::pin).collect();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|future| future.as_mut().poll(cx).is_pending());
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // Skipped when cargo only lists benches (`cargo bench -- --list`) or filters others.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        println!("receiver: bench");
        return;
    }
    let rounds: usize = std::env::var("CALLKIT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let body = member_changed_body();
    let bare = bare_server();
    let with_channel = receiver(true);
    let dropping = receiver(false);
    let mut targets = vec![
        ("bare hyper", bare),
        ("receiver", with_channel.local_addr()),
        ("receiver, event dropped", dropping.local_addr()),
    ];
    // Profiling: `CALLKIT_BENCH_ONLY=1` loads only that server (0 bare, 1 receiver, 2 the
    // receiver dropping its events).
    if let Some(only) = std::env::var("CALLKIT_BENCH_ONLY")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        targets = vec![targets[only]];
    }
    println!("receiver vs bare hyper, HTTP/1.1 keep-alive on loopback, {rounds} rounds");
    println!(
        "| connections | server | requests/s (median) | allocations/request | ratio to bare (median of rounds) |"
    );
    println!("| ---: | --- | ---: | ---: | ---: |");
    for (connections, per_connection) in [(1usize, 1000usize), (50, 40)] {
        let executor = smol::LocalExecutor::new();
        smol::block_on(executor.run(async {
            let mut senders = Vec::new();
            for &(_, addr) in &targets {
                senders.push(connect(&executor, addr, connections).await);
            }
            // Warm-up: every connection used once.
            for (i, (_, addr)) in targets.iter().enumerate() {
                round(&mut senders[i], *addr, &body, 5).await;
            }
            let mut rps = vec![Vec::new(); targets.len()];
            let mut allocs = vec![Vec::new(); targets.len()];
            let mut ratios = vec![Vec::new(); targets.len()];
            for r in 0..rounds {
                let mut this = vec![0.0; targets.len()];
                for k in 0..targets.len() {
                    let i = (k + r) % targets.len();
                    let (per_second, per_request) =
                        round(&mut senders[i], targets[i].1, &body, per_connection).await;
                    this[i] = per_second;
                    rps[i].push(per_second);
                    allocs[i].push(per_request);
                }
                for i in 0..targets.len() {
                    ratios[i].push(this[i] / this[0]);
                }
            }
            for (i, (name, _)) in targets.iter().enumerate() {
                println!(
                    "| {connections} | {name} | {:.0} | {:.1} | {:.3} |",
                    median(&mut rps[i]),
                    median(&mut allocs[i]),
                    median(&mut ratios[i]),
                );
            }
        }));
    }
    drop((with_channel, dropping));
}
