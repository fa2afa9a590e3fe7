//! Separate `callkit` CLI processes sharing one rate budget through a real Redis
//! (`--redis` via `CALLKIT_REDIS_URL`), against the emulator's real 10/s v1 limit. A test
//! binary of its own, so that no other test competes with its thirty processes for the CPU
//! (their arrival times are what the emulator counts).
#![cfg(all(feature = "redis", feature = "emulator"))]

mod support;

use callkit::SecretKey;
use callkit::core::callback::{V1Action, V1CallbackConfig, V1GetCallback};
use callkit::core::endpoint::Endpoint;
use callkit::emulator::EmulatorServer;
use support::redis_server::RedisServer;

const APP: u32 = 1400000000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

#[test]
fn separate_cli_processes_with_redis_share_one_budget() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
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
    const PROCESSES: usize = 30;
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            std::process::Command::new(support::callkit_bin())
                .args(["callback", "get", "--sdkappid", &APP.to_string()])
                .args(["--base-url", emulator.base_url(), "--allow-http"])
                .env("CALLKIT_SECRET_KEY", KEY)
                .env("CALLKIT_REDIS_URL", redis.url())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("the callkit binary runs")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Every process's one request was served at the first attempt: none was answered 70005
    // (a refused one would have been retried and counted again).
    let served = emulator.with_emulator(|e| e.app_requests_for(APP, V1GetCallback::PATH));
    assert_eq!(served, PROCESSES as u64);
}
