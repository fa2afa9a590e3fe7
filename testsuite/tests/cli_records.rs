//! `callkit records ...` and `callkit call ...` run as the built binary against an
//! `EmulatorServer` over loopback HTTP (`--allow-http`): outputs, `--json` lines, exit
//! codes 0/1/2, and that refused input never reaches the server.
#![cfg(feature = "emulator")]

mod support;

use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use callkit::SecretKey;
use callkit::emulator::EmulatorServer;
use callkit_core::emulator::{CallOutcome, CallScenario};
use serde_json::Value;

const KEY: &str = "cli-records-test-key";
const APP: u32 = 1_400_000_009;

fn emulator() -> EmulatorServer {
    let server = EmulatorServer::builder()
        .app(APP, SecretKey::new(KEY).unwrap())
        .https(false)
        .start()
        .unwrap();
    server.with_emulator(|e| e.set_call_ids(|_, seq| format!("robot-call-{seq}")));
    server
}

fn run(server: &EmulatorServer, args: &[&str]) -> Output {
    let sdkappid = APP.to_string();
    Command::new(support::callkit_bin())
        .args(args)
        .args([
            "--sdkappid",
            &sdkappid,
            "--base-url",
            server.base_url(),
            "--allow-http",
        ])
        .env("CALLKIT_SECRET_KEY", KEY)
        .output()
        .unwrap()
}

fn ok(server: &EmulatorServer, args: &[&str]) -> String {
    let output = run(server, args);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    String::from_utf8(output.stdout).unwrap()
}

/// Exit 1 with `parts`, the request id and the random on stderr, and never the key.
fn api_failure(output: &Output, parts: &[&str]) {
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(output);
    for part in parts.iter().chain(&["request id: Id-", "random: "]) {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert!(!text.contains(KEY));
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn simulate(server: &EmulatorServer, n: u64) {
    let start = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600;
    server.with_emulator(|e| {
        for i in 0..n {
            let mut scenario = CallScenario::new("alice", ["bob"], CallOutcome::Rejected);
            scenario.call_id = Some(format!("sim-{i}"));
            e.simulate_call(APP, &scenario, Duration::from_secs(start + i));
        }
    });
}

#[test]
fn a_robot_call_from_start_to_record() {
    let server = emulator();
    let id = ok(
        &server,
        &[
            "call",
            "start-robot",
            "--robot",
            "bot",
            "--callee",
            "alice",
            "--callee",
            "bob",
            "--timeout-ms",
            "30000",
            "--media",
            "video",
            "--room-str",
            "room-1",
        ],
    );
    let id = id.trim();
    assert!(id.starts_with("robot-call-"), "{id}");

    let info = ok(&server, &["call", "info", "--call-id", id]);
    assert!(info.contains("alice Waiting"), "{info}");
    let json: Value =
        serde_json::from_str(ok(&server, &["call", "info", "--call-id", id, "--json"]).trim())
            .unwrap();
    assert_eq!(json["CallInfo"]["CallId"], id);
    assert_eq!(json["UserList"][0]["User_Account"], "bot");

    assert_eq!(
        ok(&server, &["call", "end", "--call-id", id]).trim(),
        format!("call {id} ended")
    );
    // Again: the call already ended, reported as such, exit 1 with the details.
    let again = run(&server, &["call", "end", "--call-id", id]);
    api_failure(&again, &["already ended", "code: 101004"]);

    let record: Value = serde_json::from_str(
        ok(
            &server,
            &["records", "get", "--call-id", id, "--v4", "--json"],
        )
        .trim(),
    )
    .unwrap();
    assert_eq!(record["CallResult"], "Cancel");
    assert_eq!(record["MediaType"], "Video");
    let record: Value =
        serde_json::from_str(ok(&server, &["records", "get", "--call-id", id, "--json"]).trim())
            .unwrap();
    assert_eq!(record["callResult"], "cancel");
    let text = ok(&server, &["records", "get", "--call-id", id]);
    assert!(text.starts_with(id) && text.contains("cancel"), "{text}");
}

#[test]
fn a_simulated_call_left_connected_is_live_until_ended() {
    let server = emulator();
    let sdkappid = APP.to_string();
    let output = Command::new(support::callkit_bin())
        .args(["emulator", "simulate-call", "--base-url", server.base_url()])
        .args([
            "--sdkappid",
            &sdkappid,
            "--caller",
            "alice",
            "--callee",
            "bob",
        ])
        .args(["--outcome", "connected"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let started: Value = serde_json::from_slice(&output.stdout).unwrap();
    let id = started["call_id"].as_str().unwrap().to_owned();
    // The id comes from the emulator's (injected) generator.
    assert!(id.starts_with("robot-call-"), "{id}");

    let info = ok(&server, &["call", "info", "--call-id", &id]);
    assert!(
        info.contains("alice Calling") && info.contains("bob Calling"),
        "{info}"
    );
    ok(&server, &["call", "end", "--call-id", &id]);
    let record: Value = serde_json::from_str(
        ok(
            &server,
            &["records", "get", "--call-id", &id, "--v4", "--json"],
        )
        .trim(),
    )
    .unwrap();
    assert_eq!(record["CallResult"], "NormalEnd");
}

#[test]
fn start_robot_json_and_numeric_rooms() {
    let server = emulator();
    let json: Value = serde_json::from_str(
        ok(
            &server,
            &[
                "call",
                "start-robot",
                "--robot",
                "bot",
                "--callee",
                "alice",
                "--timeout-ms",
                "10000",
                "--room-id",
                "42",
                "--user-data",
                "hi",
                "--json",
            ],
        )
        .trim(),
    )
    .unwrap();
    assert_eq!(json["callees"][0]["callee"], "alice");
    let id = json["call_id"].as_str().unwrap();
    let info: Value =
        serde_json::from_str(ok(&server, &["call", "info", "--call-id", id, "--json"]).trim())
            .unwrap();
    assert_eq!(info["CallInfo"]["RoomId"], "42");
    assert_eq!(info["CallInfo"]["RoomIdType"], 1);
}

#[test]
fn records_list_pages_and_json_lines() {
    let server = emulator();
    simulate(&server, 25);
    // v4 default page: 10 records, one JSON object a line.
    let out = ok(&server, &["records", "list", "--v4", "--json"]);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[0]["CallId"], "sim-0");
    // --page and --per-page.
    let out = ok(
        &server,
        &[
            "records",
            "list",
            "--v4",
            "--per-page",
            "10",
            "--page",
            "3",
            "--json",
        ],
    );
    assert_eq!(out.lines().count(), 5);
    // --all walks every page (here three requests of 10).
    let before = server.with_emulator(|e| e.requests_for("/v1/records/get_records_by_filter"));
    let out = ok(
        &server,
        &["records", "list", "--all", "--per-page", "10", "--json"],
    );
    assert_eq!(out.lines().count(), 25);
    let after = server.with_emulator(|e| e.requests_for("/v1/records/get_records_by_filter"));
    assert_eq!(after - before, 3);
    // Filters.
    let out = ok(
        &server,
        &["records", "list", "--result", "reject", "--type", "single"],
    );
    assert_eq!(out.lines().count(), 25);
    assert!(out.lines().all(|l| l.contains(" reject ")), "{out}");
    let out = ok(
        &server,
        &["records", "list", "--v4", "--result", "normal_end"],
    );
    assert_eq!(out, "");
}

#[test]
fn bad_arguments_exit_2_and_send_nothing() {
    let server = emulator();
    let cases: &[&[&str]] = &[
        &[
            "call",
            "start-robot",
            "--robot",
            "bot",
            "--callee",
            "a",
            "--timeout-ms",
            "5000",
        ],
        &[
            "call",
            "start-robot",
            "--robot",
            "bot",
            "--timeout-ms",
            "10000",
        ],
        &[
            "call",
            "start-robot",
            "--robot",
            "bot",
            "--callee",
            "a",
            "--timeout-ms",
            "10000",
            "--room-id",
            "1",
            "--room-str",
            "x",
        ],
        &[
            "call",
            "start-robot",
            "--robot",
            "bot",
            "--callee",
            "a",
            "--timeout-ms",
            "10000",
            "--user-data",
            &"x".repeat(1001),
        ],
        &[
            "call",
            "start-robot",
            "--robot",
            "bot",
            "--callee",
            "a",
            "--timeout-ms",
            "10000",
            "--media",
            "hologram",
        ],
        &["call", "end", "--call-id", ""],
        &["records", "get", "--call-id", ""],
        &["records", "list", "--page", "0"],
        &["records", "list", "--page", "2", "--all"],
        &["records", "list", "--since", "10", "--until", "5"],
        &["records", "list", "--result", "vanished"],
    ];
    for args in cases {
        let output = run(&server, args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(server.with_emulator(|e| e.requests_total()), 0);
    // A v1 region for a v4-only command.
    let output = Command::new(support::callkit_bin())
        .args([
            "call",
            "info",
            "--call-id",
            "x",
            "--sdkappid",
            "1",
            "--region",
            "callkit-intl",
        ])
        .env("CALLKIT_SECRET_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn an_unknown_record_exits_1_with_the_details() {
    let server = emulator();
    let output = run(&server, &["records", "get", "--call-id", "nope", "--v4"]);
    api_failure(&output, &["code: 101050", "call record does not exist"]);
}

/// `callkit emulator` (the process) serves the new endpoints: a robot call started, ended
/// and listed through the CLI against it.
#[test]
fn the_callkit_emulator_process_serves_calls_and_records() {
    use std::io::{BufRead as _, BufReader};
    use std::process::Stdio;

    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    let sdkappid = APP.to_string();
    let mut child = Command::new(support::callkit_bin())
        .args(["emulator", "--port", "0", "--sdkappid", &sdkappid])
        .env("CALLKIT_SECRET_KEY", KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _child = Killed(child);
    let mut url = String::new();
    BufReader::new(stdout).read_line(&mut url).unwrap();
    let url = url.trim();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let cli = |args: &[&str]| {
        let output = Command::new(support::callkit_bin())
            .args(args)
            .args(["--sdkappid", &sdkappid, "--base-url", url, "--allow-http"])
            .env("CALLKIT_SECRET_KEY", KEY)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let id = cli(&[
        "call",
        "start-robot",
        "--robot",
        "bot",
        "--callee",
        "alice",
        "--timeout-ms",
        "20000",
    ]);
    let id = id.trim();
    assert!(cli(&["call", "info", "--call-id", id]).contains("alice Waiting"));
    cli(&["call", "end", "--call-id", id]);
    let listed = cli(&["records", "list", "--v4", "--json"]);
    let record: Value = serde_json::from_str(listed.trim()).unwrap();
    assert_eq!(record["CallId"], id);
}
