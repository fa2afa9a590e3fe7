//! The CLI as a new user meets it, run as the real binary against an in-process emulator:
//! errors that name the flag that fixes them, JSON on stdout for failures under `--json`,
//! warnings for risky callback addresses, and a top-level help with examples.
#![cfg(feature = "emulator")]

mod support;

use std::process::{Command, Output};

use callkit::SecretKey;
use callkit::emulator::EmulatorServer;

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const APP: &str = "1400000000";

fn emulator(https: bool) -> EmulatorServer {
    EmulatorServer::builder()
        .app(1400000000, SecretKey::new(KEY).unwrap())
        .https(https)
        .start()
        .unwrap()
}

fn run(args: &[&str]) -> Output {
    Command::new(support::callkit_bin())
        .args(args)
        .env("CALLKIT_SECRET_KEY", KEY)
        .env_remove("CALLKIT_REDIS_URL")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .expect("the callkit binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `callback ARGS... --sdkappid APP --base-url URL --allow-http`
fn against(emulator: &EmulatorServer, args: &[&str]) -> Output {
    let mut all = vec!["callback"];
    all.extend_from_slice(args);
    all.extend_from_slice(&[
        "--sdkappid",
        APP,
        "--base-url",
        emulator.base_url(),
        "--allow-http",
    ]);
    run(&all)
}

/// `callback set --address ADDRESS --action ACTION` against the emulator.
fn set(emulator: &EmulatorServer, address: &str, action: &str) -> Output {
    against(emulator, &["set", "--address", address, "--action", action])
}

#[test]
fn json_failures_are_json_on_stdout_with_the_exit_status_unchanged() {
    let emulator = emulator(false);
    // No configuration yet: the service answers 999.
    let output = against(&emulator, &["get", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let reply: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let error = &reply["error"];
    assert_eq!(error["code"], 999, "{reply}");
    assert_eq!(error["exit_code"], 1);
    assert!(
        error["request_id"].is_string() && error["random"].is_u64(),
        "{reply}"
    );
    assert!(
        text(&output.stderr).contains("999"),
        "the readable report stays on stderr"
    );

    // A usage error clap itself catches.
    let output = run(&["callback", "get", "--json", "--region", "callkit-intl"]);
    assert_eq!(output.status.code(), Some(2));
    let reply: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(reply["error"]["kind"], "usage", "{reply}");
    assert_eq!(reply["error"]["exit_code"], 2);
}

#[test]
fn a_missing_server_names_both_flags_and_the_regions() {
    let output = run(&["callback", "get", "--sdkappid", APP]);
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output.stderr);
    assert!(
        err.contains("--region") && err.contains("--base-url"),
        "{err}"
    );
    assert!(
        err.contains("callkit-intl") && err.contains("chat-singapore"),
        "{err}"
    );

    let output = run(&["callback", "get", "--sdkappid", APP, "--region", "eu"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("known: callkit-intl"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn plain_http_without_allow_http_points_to_the_flag() {
    let output = run(&[
        "callback",
        "get",
        "--sdkappid",
        APP,
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output.stderr);
    assert!(err.contains("--allow-http"), "{err}");
    assert!(!err.contains("parse_allow_http"), "{err}");
}

#[test]
fn a_non_admin_identifier_points_to_admin() {
    let emulator = emulator(false);
    let output = against(&emulator, &["get", "--admin", "bob"]);
    assert_eq!(output.status.code(), Some(1));
    let err = text(&output.stderr);
    assert!(
        err.contains("70004") && err.contains("try: sign as an app administrator: --admin"),
        "{err}"
    );
    assert!(!err.contains("ClientBuilder"), "{err}");
}

#[test]
fn an_untrusted_certificate_is_not_sent_and_points_to_ca_cert() {
    let emulator = emulator(true);
    let output = run(&[
        "callback",
        "get",
        "--sdkappid",
        APP,
        "--base-url",
        emulator.base_url(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let err = text(&output.stderr);
    assert!(err.contains("request not sent"), "{err}");
    assert!(err.contains("--ca-cert"), "{err}");
}

#[test]
fn a_v4_name_on_v1_asks_about_v4() {
    let emulator = emulator(false);
    let output = set(&emulator, "https://app.example.com/cb", "start");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("did you mean --v4?"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn risky_addresses_warn_and_credentials_are_refused() {
    let emulator = emulator(false);
    let output = set(&emulator, "http://hooks.example.com/cb#frag", "normal_end");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let err = text(&output.stderr);
    assert!(
        err.contains("warning: --address: plain http:// to a public host"),
        "{err}"
    );
    assert!(err.contains("warning: --address: the #fragment"), "{err}");

    let quiet = set(&emulator, "http://127.0.0.1:8080/cb", "normal_end");
    assert_eq!(quiet.status.code(), Some(0));
    assert!(
        !text(&quiet.stderr).contains("warning"),
        "{}",
        text(&quiet.stderr)
    );

    let output = set(
        &emulator,
        "https://u:secret@hooks.example.com/cb",
        "normal_end",
    );
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output.stderr);
    assert!(err.contains("credentials"), "{err}");
    // Nothing was stored.
    let stored = against(&emulator, &["get", "--json"]);
    assert!(!text(&stored.stdout).contains("secret"));
}

#[test]
fn the_top_level_help_says_what_the_tool_does_with_examples() {
    let output = run(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = text(&output.stdout);
    assert!(
        help.contains("call records") && help.contains("emulator"),
        "{help}"
    );
    for example in [
        "callkit emulator",
        "callkit usersig gen",
        "callkit callback set",
        "callkit records list",
        "callkit call start-robot",
        "callkit call end",
    ] {
        assert!(help.contains(example), "{example} missing from:\n{help}");
    }
}

#[test]
fn proxy_sends_the_calls_through_an_http_connect_tunnel() {
    let emulator = emulator(true);
    let dir = std::env::temp_dir().join(format!("callkit-cli-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("emulator.pem");
    emulator.write_certificate(&cert).unwrap();
    let proxy = support::connect_proxy::TestProxy::start(None);
    let output = run(&[
        "callback",
        "get",
        "--sdkappid",
        APP,
        "--base-url",
        emulator.base_url(),
        "--ca-cert",
        cert.to_str().unwrap(),
        "--proxy",
        &proxy.url(),
    ]);
    // No configuration yet: the emulator's 999 came back through the tunnel.
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("999"),
        "{}",
        text(&output.stderr)
    );
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(heads[0].starts_with("CONNECT 127.0.0.1:"), "{heads:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn with_the_key_in_the_environment_usage_does_not_ask_for_key() {
    // `run` sets CALLKIT_SECRET_KEY; a usage error must not list --key as if required.
    let output = run(&["callback", "get"]);
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output.stderr);
    let usage = err
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .unwrap_or_default();
    assert!(usage.contains("--sdkappid"), "{err}");
    assert!(!usage.contains("--key"), "{err}");
}
