//! Fleets over a real Redis: separate clients (as separate processes would) share one rate
//! budget against the emulator's real 10/s limit; the limiter survives Redis going away and
//! uses it again when it is back; two receivers sharing Redis hand a callback to the
//! application once.
#![cfg(all(feature = "redis", feature = "emulator"))]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use callkit::core::callback::{V1Action, V1CallbackConfig};
use callkit::core::endpoint::RateClass;
use callkit::core::region::{BaseUrl, Server};
use callkit::emulator::EmulatorServer;
use callkit::fleet::{RedisDedupStore, RedisRateLimiter};
use callkit::webhook::{WebhookConfig, WebhookHandler};
use callkit::{Client, Error, SecretKey, SmolTransport};
use support::redis_server::RedisServer;

const APP: u32 = 1400000000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn key() -> SecretKey {
    SecretKey::new(KEY).unwrap()
}

fn emulator() -> EmulatorServer {
    EmulatorServer::builder().app(APP, key()).start().unwrap()
}

/// A limiter of its own, as another process would have, for one of four instances.
fn limiter(redis: &RedisServer) -> Arc<RedisRateLimiter> {
    Arc::new(
        RedisRateLimiter::new(&redis.url())
            .unwrap()
            .instances(4)
            .margin(Duration::from_millis(250)),
    )
}

/// A client of its own (its own transport and limiter, as another process would have),
/// drawing from the Redis budget, allowed one attempt so that any 70005 is a failure.
///
/// The margin is wider than the default: the emulator counts arrivals, and on a loaded
/// 2-core CI machine a task can be scheduled 100 ms or more after its slot.
fn client(emulator: &EmulatorServer, limiter: Arc<RedisRateLimiter>) -> Client<SmolTransport> {
    let server = Server::custom(BaseUrl::parse_allow_http(emulator.base_url()).unwrap());
    Client::builder(APP, key(), server)
        .max_attempts(1)
        .rate_limiter(limiter)
        .build(SmolTransport::builder().allow_http(true).build().unwrap())
        .unwrap()
}

fn configure(client: &Client<SmolTransport>) {
    let config = V1CallbackConfig {
        address: "https://app.example.com/callkit".into(),
        actions: vec![V1Action::NormalEnd],
    };
    smol::block_on(client.v1_set_callback(&config)).unwrap();
}

#[test]
fn four_clients_with_their_own_limiters_share_one_budget_and_none_is_refused() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let emulator = emulator();
    let limiters: Vec<_> = (0..4).map(|_| limiter(&redis)).collect();
    let clients: Vec<_> = limiters
        .iter()
        .map(|limiter| client(&emulator, Arc::clone(limiter)))
        .collect();
    configure(&clients[0]);

    let results: Vec<Result<_, Error>> = smol::block_on(async {
        let calls = clients.iter().flat_map(|client| {
            (0..25).map(move |_| {
                let client = client.clone();
                smol::spawn(async move { client.v1_get_callback().await })
            })
        });
        let tasks: Vec<_> = calls.collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await);
        }
        results
    });
    let failures: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        limiters.iter().all(|l| l.is_shared()),
        "a limiter fell back to local pacing"
    );
    // With one attempt each, a 70005 (the emulator's count of more than 10 in a second)
    // would be a failure here.
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );
    assert_eq!(results.len(), 100);
    // The budget really lives in Redis.
    let limiter = RedisRateLimiter::new(&redis.url()).unwrap();
    let key = limiter.key(APP, RateClass::V1CallbackConfig);
    assert_ne!(redis.query(&["EXISTS", &key]), redis::Value::Int(0));
}

#[test]
fn without_redis_the_limiter_paces_locally_and_returns_to_redis_when_it_is_back() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let limiter = RedisRateLimiter::new(&redis.url())
        .unwrap()
        .instances(4)
        .timeout(Duration::from_millis(300))
        // Try Redis again on every call, so the test needs no clock to pass.
        .retry_after(Duration::ZERO);
    let class = RateClass::V1CallbackConfig;
    let reserve = || smol::block_on(limiter.reserve(APP, class));

    assert!(reserve().is_zero());
    assert!(limiter.is_shared());
    let port = redis.stop();

    // Redis is gone: 10/s across 4 instances is 2 per window here, never a burst above.
    let waits: Vec<Duration> = (0..3).map(|_| reserve()).collect();
    assert!(!limiter.is_shared());
    assert!(waits[0].is_zero() && waits[1].is_zero(), "{waits:?}");
    assert!(waits[2] >= Duration::from_secs(1), "{waits:?}");

    let redis = RedisServer::start_on(port).expect("redis-server starts again");
    reserve();
    assert!(limiter.is_shared(), "back on Redis once it answers");
    let key = limiter.key(APP, class);
    assert_eq!(redis.query(&["ZCARD", &key]), redis::Value::Int(1));
}

#[test]
fn client_calls_go_on_while_redis_is_away_and_use_it_again_when_it_is_back() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let emulator = emulator();
    let limiter = Arc::new(
        RedisRateLimiter::new(&redis.url())
            .unwrap()
            .instances(4)
            .timeout(Duration::from_millis(300))
            .retry_after(Duration::ZERO),
    );
    let client = client(&emulator, Arc::clone(&limiter));
    configure(&client);
    assert!(limiter.is_shared());
    let port = redis.stop();

    // Two calls fit the fallback's share (10 / 4 instances, at least 2 per window).
    for _ in 0..2 {
        let config = smol::block_on(client.v1_get_callback()).unwrap();
        assert_eq!(config.address, "https://app.example.com/callkit");
    }
    assert!(!limiter.is_shared());

    let _redis = RedisServer::start_on(port).expect("redis-server starts again");
    smol::block_on(client.v1_get_callback()).unwrap();
    assert!(limiter.is_shared(), "back on Redis once it answers");
}

#[test]
fn a_limiter_whose_redis_never_answers_still_paces() {
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let limiter = RedisRateLimiter::new(&format!("redis://127.0.0.1:{port}"))
        .unwrap()
        .timeout(Duration::from_millis(200));
    let waits: Vec<Duration> = (0..11)
        .map(|_| smol::block_on(limiter.reserve(APP, RateClass::V1CallbackConfig)))
        .collect();
    assert!(!limiter.is_shared());
    assert!(waits[..10].iter().all(Duration::is_zero), "{waits:?}");
    assert!(waits[10] >= Duration::from_secs(1), "{waits:?}");
}

#[test]
fn two_receivers_sharing_redis_hand_a_redelivered_callback_to_the_application_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let handled = Arc::new(AtomicU32::new(0));
    let receiver = || {
        let handled = Arc::clone(&handled);
        WebhookHandler::new(WebhookConfig::new(APP), move |_event| {
            handled.fetch_add(1, Ordering::SeqCst);
            Ok::<(), &str>(())
        })
        .dedup(RedisDedupStore::new(&redis.url()).unwrap())
    };
    let (first, second) = (receiver(), receiver());
    let delivery = || {
        http::Request::post("/cb?sdkappid=1400000000&command=reject&contenttype=json")
            .body(br#"{"UserId":"u2","CallId":"c1","Event":"reject_call","EventTime":1}"#.to_vec())
            .unwrap()
    };
    let a = first.handle(&delivery());
    // CallKit retried (the first ack was lost) and the load balancer chose the other one.
    let b = second.handle(&delivery());
    assert_eq!(a.status(), 200);
    assert_eq!(b.status(), 200, "the redelivery is acknowledged");
    assert_eq!(
        handled.load(Ordering::SeqCst),
        1,
        "handed to the application once"
    );

    // Another event is still handed over.
    let other = http::Request::post("/cb?sdkappid=1400000000&command=reject&contenttype=json")
        .body(br#"{"UserId":"u3","CallId":"c2","Event":"reject_call","EventTime":2}"#.to_vec())
        .unwrap();
    assert_eq!(second.handle(&other).status(), 200);
    assert_eq!(handled.load(Ordering::SeqCst), 2);
}

#[test]
fn a_failed_handling_is_released_so_the_redelivery_is_handled_elsewhere() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let attempts = Arc::new(AtomicU32::new(0));
    let receiver = |fail: bool| {
        let attempts = Arc::clone(&attempts);
        WebhookHandler::new(WebhookConfig::new(APP), move |_event| {
            attempts.fetch_add(1, Ordering::SeqCst);
            if fail { Err("database down") } else { Ok(()) }
        })
        .dedup(RedisDedupStore::new(&redis.url()).unwrap())
    };
    let delivery = || {
        http::Request::post("/cb?sdkappid=1400000000&command=reject&contenttype=json")
            .body(br#"{"UserId":"u2","CallId":"c9","Event":"reject_call","EventTime":3}"#.to_vec())
            .unwrap()
    };
    let failed = receiver(true).handle(&delivery());
    assert!(failed.status().is_server_error(), "{}", failed.status());
    let retried = receiver(false).handle(&delivery());
    assert_eq!(retried.status(), 200);
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

#[test]
fn a_store_without_redis_answers_not_handled_so_callkit_delivers_again() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let handled = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&handled);
    let receiver = WebhookHandler::new(WebhookConfig::new(APP), move |_event| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok::<(), &str>(())
    })
    .dedup(RedisDedupStore::new(&format!("redis://127.0.0.1:{port}")).unwrap());
    let reply = receiver.handle(
        &http::Request::post("/cb?sdkappid=1400000000&command=reject&contenttype=json")
            .body(br#"{"UserId":"u2","CallId":"c1","Event":"reject_call","EventTime":1}"#.to_vec())
            .unwrap(),
    );
    assert!(reply.status().is_server_error(), "{}", reply.status());
    assert_eq!(handled.load(Ordering::SeqCst), 0);
}
