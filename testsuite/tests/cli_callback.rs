//! `callkit callback ...` run as the built binary against an `EmulatorServer` over
//! loopback HTTPS (its certificate passed with `--ca-cert`): outputs, JSON, exit codes,
//! and that refused input never reaches the server.
#![cfg(feature = "emulator")]

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};

use callkit::SecretKey;
use callkit::emulator::EmulatorServer;
use serde_json::Value;

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const SDKAPPID: &str = "1400000000";

/// A running emulator and the file holding its certificate (removed on drop).
struct Fixture {
    emulator: EmulatorServer,
    cert: PathBuf,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.cert);
    }
}

impl Fixture {
    fn start() -> Fixture {
        let key = SecretKey::new(KEY).expect("the test key is valid");
        let emulator = EmulatorServer::builder()
            .app(1_400_000_000, key)
            .https(true)
            .start()
            .expect("the emulator starts");
        let cert = std::env::temp_dir().join(format!(
            "callkit-cli-callback-{}-{}.pem",
            std::process::id(),
            fastrand::u64(..)
        ));
        emulator
            .write_certificate(&cert)
            .expect("the PEM is written");
        Fixture { emulator, cert }
    }

    /// Runs `callkit callback <args> --sdkappid .. --base-url .. --ca-cert ..` with
    /// CALLKIT_SECRET_KEY set to `key` (or removed).
    fn run(&self, key: Option<&str>, args: &[&str]) -> Output {
        let mut command = Command::new(support::callkit_bin());
        command.arg("callback").args(args).args([
            "--sdkappid",
            SDKAPPID,
            "--base-url",
            self.emulator.base_url(),
            "--ca-cert",
        ]);
        command.arg(&self.cert);
        match key {
            Some(key) => command.env("CALLKIT_SECRET_KEY", key),
            None => command.env_remove("CALLKIT_SECRET_KEY"),
        };
        command.output().expect("the callkit binary runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(Some(KEY), args);
        assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
        stdout(&output)
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        let text = self.ok(&args);
        assert_eq!(text.lines().count(), 1, "one JSON line: {text}");
        serde_json::from_str(&text).expect("stdout is JSON")
    }

    fn requests(&self) -> u64 {
        self.emulator.control().requests_received()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

#[test]
fn v1_set_get_update_delete_readable() {
    let f = Fixture::start();
    let out = f.ok(&[
        "set",
        "--address",
        "https://a.example/cb",
        "--action",
        "normal_end,call_busy",
    ]);
    assert!(out.contains("address: https://a.example/cb"), "{out}");
    let out = f.ok(&["get"]);
    assert!(out.contains("address: https://a.example/cb"), "{out}");
    assert!(out.contains("actions: normal_end, call_busy"), "{out}");
    f.ok(&[
        "update",
        "--address",
        "https://b.example/cb",
        "--action",
        "reject",
        "--action",
        "cancel",
    ]);
    let out = f.ok(&["get"]);
    assert!(out.contains("address: https://b.example/cb"), "{out}");
    assert!(out.contains("actions: reject, cancel"), "{out}");
    let out = f.ok(&["delete"]);
    assert!(out.contains("deleted"), "{out}");
    let output = f.run(Some(KEY), &["get"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn v1_and_v4_with_json() {
    let f = Fixture::start();
    let set = f.json(&[
        "set",
        "--address",
        "https://a.example/v1",
        "--action",
        "normal_end",
    ]);
    assert_eq!(set["api"], "v1");
    assert_eq!(set["address"], "https://a.example/v1");
    let got = f.json(&["get"]);
    assert_eq!(got["address"], "https://a.example/v1");
    assert_eq!(got["actions"], serde_json::json!(["normal_end"]));
    f.json(&[
        "update",
        "--address",
        "https://b.example/v1",
        "--action",
        "cancel",
    ]);
    assert_eq!(f.json(&["get"])["address"], "https://b.example/v1");
    assert_eq!(f.json(&["delete"])["deleted"], true);

    // v4: full names and the short aliases.
    let set = f.json(&[
        "set",
        "--v4",
        "--address",
        "https://a.example/v4",
        "--action",
        "Call.CallbackAfterStartCall,end",
    ]);
    assert_eq!(set["api"], "v4");
    let got = f.json(&["get", "--v4"]);
    assert_eq!(got["address"], "https://a.example/v4");
    assert_eq!(
        got["actions"],
        serde_json::json!(["Call.CallbackAfterStartCall", "Call.CallbackAfterEndCall"])
    );
    // v1 and v4 configurations are separate: v1 is still deleted.
    assert_eq!(f.run(Some(KEY), &["get"]).status.code(), Some(1));
    assert_eq!(f.json(&["delete", "--v4"])["api"], "v4");
    let output = f.run(Some(KEY), &["get", "--v4"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("100301"), "{}", stderr(&output));
}

#[test]
fn get_before_set_shows_code_and_request_id() {
    let f = Fixture::start();
    let output = f.run(Some(KEY), &["get", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    // --json: the failure is JSON on stdout too, with the same code.
    let reply: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(reply["error"]["code"], 999, "{reply}");
    let err = stderr(&output);
    assert!(err.contains("code: 999"), "{err}");
    let request_id = err
        .lines()
        .find_map(|line| line.trim().strip_prefix("request id: "))
        .expect("a request id line");
    assert!(!request_id.is_empty() && request_id != "none", "{err}");
    assert!(err.contains("random: "), "{err}");
}

#[test]
fn wrong_key_is_a_classified_auth_error() {
    let f = Fixture::start();
    let wrong = "0000000000000000000000000000000000000000000000000000000000000000";
    let output = f.run(Some(wrong), &["get"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("code: 70002 (UserSig invalid)"), "{err}");
    assert!(!err.contains(wrong), "the key is never printed");

    let output = f.run(Some(wrong), &["get", "--v4"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("code: 70009"), "{err}");
}

#[test]
fn argument_errors_exit_2_without_a_request() {
    let f = Fixture::start();
    // (key in the environment, arguments, what stderr must say)
    let cases: [(Option<&str>, &[&str], &str); 4] = [
        (None, &["get"], "CALLKIT_SECRET_KEY"),
        (
            Some(KEY),
            &[
                "update",
                "--v4",
                "--address",
                "https://a.example",
                "--action",
                "end",
            ],
            "no update",
        ),
        (
            Some(KEY),
            &[
                "set",
                "--address",
                "ftp://a.example/cb",
                "--action",
                "normal_end",
            ],
            "nothing was sent",
        ),
        (
            Some(KEY),
            &[
                "set",
                "--address",
                "https://a.example",
                "--action",
                "no_such",
            ],
            "unknown v1 action",
        ),
    ];
    for (key, args, expected) in cases {
        let output = f.run(key, args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }

    assert_eq!(f.requests(), 0, "no request reached the emulator");
}
