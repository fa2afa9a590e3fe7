//! What sharing the rate budget through Redis costs and buys, against a real redis-server on
//! loopback and the emulator's real per-second limits.
//!
//! Run: `cargo bench --bench fleet --features emulator,redis` (needs `redis-server` on the
//! PATH; `.ci/run` installs it).
//!
//! It prints three figures:
//! 1. the added latency of one reservation: the Redis limiter's `reserve` (one Lua script
//!    round trip) next to the local limiter's, medians over many reservations spread over
//!    many apps so that no budget ever asks to wait;
//! 2. calls per second that one client sustains against the emulator's 10/s v1 limit, and
//!    how many were answered 70005 (one attempt per call, so a 70005 is a failure);
//! 3. the same with four clients, each with its own limiter as four processes would have,
//!    first sharing Redis, then each pacing alone (the problem the fleet feature solves).

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use callkit::core::callback::{V1Action, V1CallbackConfig};
use callkit::core::endpoint::RateClass;
use callkit::core::ratelimit::RateLimiters;
use callkit::core::region::{BaseUrl, Server};
use callkit::emulator::EmulatorServer;
use callkit::fleet::RedisRateLimiter;
use callkit::{Client, Error, SecretKey, SmolTransport};

const APP: u32 = 1400000000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn main() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut redis = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server on the PATH (apt-get install -y redis-server)");
    let url = format!("redis://127.0.0.1:{port}");
    wait_for_redis(&url);

    reservation_latency(&url);
    let emulator = EmulatorServer::builder()
        .app(APP, SecretKey::new(KEY).unwrap())
        .start()
        .unwrap();
    emulator.with_emulator(|e| {
        e.set_v1_config(
            APP,
            Some(V1CallbackConfig {
                address: "https://app.example.com/callkit".into(),
                actions: vec![V1Action::NormalEnd],
            }),
        )
    });
    run("1 client, Redis budget", &emulator, 1, 50, Some(&url));
    run("4 clients, Redis budget", &emulator, 4, 25, Some(&url));
    run("4 clients, each its own budget", &emulator, 4, 25, None);

    let _ = redis.kill();
    let _ = redis.wait();
}

fn wait_for_redis(url: &str) {
    let client = redis::Client::open(url).unwrap();
    for _ in 0..200 {
        if client.get_connection().is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("redis-server did not start");
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn reservation_latency(url: &str) {
    const SAMPLES: u32 = 5_000;
    let limiter = RedisRateLimiter::new(url).unwrap();
    // Warm up: connect, load the script.
    smol::block_on(limiter.reserve(1, RateClass::V4));
    let shared: Vec<Duration> = (0..SAMPLES)
        .map(|i| {
            let start = Instant::now();
            // 5 000 apps: each budget sees one reservation, so none ever waits.
            let wait = smol::block_on(limiter.reserve(10_000 + i, RateClass::V4));
            let took = start.elapsed();
            assert!(wait.is_zero());
            took
        })
        .collect();
    let mut local_limiters = RateLimiters::new();
    let origin = Instant::now();
    let local: Vec<Duration> = (0..SAMPLES)
        .map(|i| {
            let start = Instant::now();
            // The local limiter at a moving time, so that it never waits either.
            let now = origin.elapsed() + Duration::from_secs(u64::from(i));
            let wait = local_limiters.reserve(RateClass::V4, now);
            let took = start.elapsed();
            assert!(wait.is_zero());
            took
        })
        .collect();
    let (shared, local) = (median(shared), median(local));
    println!(
        "reserve, median of {SAMPLES}: Redis {shared:?}, local {local:?}: Redis adds {:?} per call",
        shared.saturating_sub(local)
    );
}

fn run(label: &str, emulator: &EmulatorServer, clients: usize, each: usize, redis: Option<&str>) {
    let server = Server::custom(BaseUrl::parse_allow_http(emulator.base_url()).unwrap());
    let prefix = format!("bench{}", fastrand::u64(..));
    let clients: Vec<Client<SmolTransport>> = (0..clients)
        .map(|_| {
            let mut builder =
                Client::builder(APP, SecretKey::new(KEY).unwrap(), server.clone()).max_attempts(1);
            if let Some(url) = redis {
                let limiter = RedisRateLimiter::new(url)
                    .unwrap()
                    .key_prefix(prefix.clone())
                    .margin(Duration::from_millis(250));
                builder = builder.rate_limiter(Arc::new(limiter));
            }
            builder
                .build(SmolTransport::builder().allow_http(true).build().unwrap())
                .unwrap()
        })
        .collect();
    // Start in a fresh emulator window.
    std::thread::sleep(Duration::from_millis(1100));
    let start = Instant::now();
    let results: Vec<Result<_, Error>> = smol::block_on(async {
        let tasks: Vec<_> = clients
            .iter()
            .flat_map(|client| {
                (0..each).map(move |_| {
                    let client = client.clone();
                    smol::spawn(async move { client.v1_get_callback().await })
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await);
        }
        results
    });
    let took = start.elapsed();
    let refused = results
        .iter()
        .filter(|r| {
            r.as_ref()
                .err()
                .and_then(Error::api)
                .is_some_and(|api| api.code == 70005)
        })
        .count();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    println!(
        "{label}: {ok} of {} succeeded in {took:.2?} ({:.1} calls/s), {refused} answered 70005",
        results.len(),
        ok as f64 / took.as_secs_f64()
    );
}
