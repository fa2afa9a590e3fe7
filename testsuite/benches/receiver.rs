//! The whole webhook receiver against a bare hyper server, side by side in one run.
//!
//! * receiver: [`WebhookHandler`] (the documented v4 `MemberChanged` example, checked and
//!   parsed) served by callkit's server (`callkit::server`, hyper 1.x on its own smol
//!   thread) with its defaults, plain HTTP/1.1 on loopback; the callback sends the event
//!   into a channel (`smol::channel`) that a task on the server takes from
//!   (`LoopbackServer::spawn`): the hand-off the docs recommend.
//! * receiver, channel to a thread: the same, but the event goes into a `std::sync::mpsc`
//!   channel that a thread of its own drains: each event wakes that thread.
//! * receiver, event dropped: the same, but the callback drops the event: the receiver
//!   alone.
//! * bare: hyper 1.x's `http1` server on one thread running a smol executor, a handler that
//!   collects the body and answers the v4 acknowledgement.
//!
//! The load: hyper client connections, kept alive, all driven from the bench's thread, one
//! request in flight per connection; 1 connection and 50 connections. Each round gives
//! every server a turn of the same number of requests (the order rotating between
//! rounds), so every ratio compares turns a few milliseconds apart: 20 requests a turn on
//! one connection, for 50 × `CALLKIT_BENCH_ROUNDS` rounds, and 40 on each of fifty
//! connections, for `CALLKIT_BENCH_ROUNDS` rounds. The median over the rounds is reported,
//! with each side's requests per second and heap allocations per request (counted over
//! every thread of the process: the client's are the same on both sides).
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

/// Where the receiver's callback puts each event.
#[derive(Clone, Copy)]
enum HandOff {
    /// Into a channel taken from by a task on the server.
    TaskOnTheServer,
    /// Into a channel drained by a thread of its own.
    Thread,
    /// Nowhere: dropped.
    Drop,
}

/// callkit's receiver with its defaults, handing each event off as `hand_off` says.
fn receiver(hand_off: HandOff) -> LoopbackServer {
    let server = LoopbackServer::builder();
    let config = WebhookConfig::new(APP);
    match hand_off {
        HandOff::TaskOnTheServer => {
            let (tx, rx) = smol::channel::unbounded();
            let server = WebhookHandler::new(config, move |event| {
                tx.try_send(event)
                    .map_err(|_| "the event channel is closed")
            })
            .serve_on(server)
            .expect("receiver starts");
            server.spawn(async move { while let Ok(_event) = rx.recv().await {} });
            server
        }
        HandOff::Thread => {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || for _event in rx {});
            WebhookHandler::new(config, move |event| {
                tx.send(event).map_err(|_| "the event channel is closed")
            })
            .serve_on(server)
            .expect("receiver starts")
        }
        HandOff::Drop => WebhookHandler::new(config, |event| {
            drop(event);
            Ok::<(), Infallible>(())
        })
        .serve_on(server)
        .expect("receiver starts"),
    }
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

/// One server's turn: `per_connection` requests on each connection (one in flight on
/// each); returns requests per second and allocations per request.
async fn turn(
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
    let receivers = [
        ("receiver", receiver(HandOff::TaskOnTheServer)),
        ("receiver, channel to a thread", receiver(HandOff::Thread)),
        ("receiver, event dropped", receiver(HandOff::Drop)),
    ];
    let mut targets = vec![("bare hyper", bare)];
    targets.extend(
        receivers
            .iter()
            .map(|(name, server)| (*name, server.local_addr())),
    );
    // Profiling: `CALLKIT_BENCH_ONLY=1` loads only that server, `=0,3` only those (0 bare,
    // then the receivers in the order above); ratios are to the first one listed.
    if let Ok(only) = std::env::var("CALLKIT_BENCH_ONLY") {
        let picked: Vec<usize> = only
            .split(',')
            .filter_map(|i| i.trim().parse().ok())
            .collect();
        targets = picked
            .iter()
            .filter_map(|&i| targets.get(i).copied())
            .collect();
        assert!(
            !targets.is_empty(),
            "CALLKIT_BENCH_ONLY={only}: no such server"
        );
    }
    println!("receiver vs bare hyper, HTTP/1.1 keep-alive on loopback");
    println!(
        "| connections | server | requests/s (median) | allocations/request | ratio to bare (median of rounds) |"
    );
    println!("| ---: | --- | ---: | ---: | ---: |");
    // (connections, requests on each connection per turn, rounds). One connection gets
    // short turns and fifty times the rounds (the same requests in all), so the servers
    // change places every half millisecond or so: in long turns each server kept the
    // placement of its threads on the vCPUs it started the turn with (its thread and the
    // client's on one vCPU, or on two, several times slower on a virtual machine), and the
    // ratios measured that luck rather than the servers.
    for (connections, per_connection, rounds) in [(1usize, 20usize, rounds * 50), (50, 40, rounds)]
    {
        let executor = smol::LocalExecutor::new();
        smol::block_on(executor.run(async {
            let mut senders = Vec::new();
            for &(_, addr) in &targets {
                senders.push(connect(&executor, addr, connections).await);
            }
            // Warm-up: every connection used once.
            for (i, (_, addr)) in targets.iter().enumerate() {
                turn(&mut senders[i], *addr, &body, 5).await;
            }
            let mut rps = vec![Vec::new(); targets.len()];
            let mut allocs = vec![Vec::new(); targets.len()];
            let mut ratios = vec![Vec::new(); targets.len()];
            for r in 0..rounds {
                let mut this = vec![0.0; targets.len()];
                for k in 0..targets.len() {
                    let i = (k + r) % targets.len();
                    let (per_second, per_request) =
                        turn(&mut senders[i], targets[i].1, &body, per_connection).await;
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
    drop(receivers);
}
