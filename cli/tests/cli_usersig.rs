//! The `callkit usersig` commands, run as the built binary: exit codes, stdout and stderr.

use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_callkit");
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const SDKAPPID: &str = "1400000000";
const NOW: u64 = 1_700_000_000;

/// Runs the binary with `args`, with CALLKIT_SECRET_KEY set to `env_key` or removed.
fn run(env_key: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args);
    match env_key {
        Some(key) => command.env("CALLKIT_SECRET_KEY", key),
        None => command.env_remove("CALLKIT_SECRET_KEY"),
    };
    command.output().expect("the callkit binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// [`NOW`] as a command-line argument.
const NOW_ARG: &str = "1700000000";

/// The arguments of `gen` for xiaojun at [`NOW`], then `extra`.
fn gen_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "usersig",
        "gen",
        "--sdkappid",
        SDKAPPID,
        "--identifier",
        "xiaojun",
        "--now",
        NOW_ARG,
    ];
    args.extend_from_slice(extra);
    args
}

/// `gen` with the key in the environment; returns the signature (stdout minus its newline).
fn gen_sig(extra: &[&str]) -> String {
    let output = run(Some(KEY), &gen_args(extra));
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    text.strip_suffix('\n')
        .expect("gen ends with a newline")
        .to_owned()
}

/// `verify` of `sig` for `identifier` at `now`, key in the environment.
fn verify(identifier: &str, sig: &str, now: u64, extra: &[&str]) -> Output {
    verify_with_key(KEY, identifier, sig, now, extra)
}

/// `verify` with `env_key` as CALLKIT_SECRET_KEY.
fn verify_with_key(env_key: &str, identifier: &str, sig: &str, now: u64, extra: &[&str]) -> Output {
    let now = now.to_string();
    let mut args = vec![
        "usersig",
        "verify",
        "--sdkappid",
        SDKAPPID,
        "--identifier",
        identifier,
        "--usersig",
        sig,
        "--now",
        &now,
    ];
    args.extend_from_slice(extra);
    run(Some(env_key), &args)
}

/// The official test vector `id` from the shared vectors file.
fn vector(id: &str) -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/data/usersig-vectors.json"
    ))
    .expect("vectors file");
    let vectors: Value = serde_json::from_str(&text).expect("vectors JSON");
    vectors
        .as_array()
        .and_then(|all| all.iter().find(|v| v["id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("vector {id}"))
}

fn json_of(output: &Output) -> Value {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(output));
    let text = stdout(output);
    assert_eq!(
        text.lines().count(),
        1,
        "one JSON object on one line: {text}"
    );
    serde_json::from_str(&text).expect("stdout is JSON")
}

#[test]
fn gen_prints_exactly_the_sig_and_a_newline_and_verifies() {
    let output = run(Some(KEY), &gen_args(&["--expire", "86400"]));
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(output.stderr.is_empty());
    let text = stdout(&output);
    let sig = text.strip_suffix('\n').expect("trailing newline");
    assert!(!sig.is_empty());
    assert!(
        sig.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"*-_".contains(&b)),
        "only Tencent base64 symbols, no other text: {text:?}"
    );

    let report = json_of(&verify("xiaojun", sig, NOW + 10, &[]));
    assert_eq!(report["kind"], "usersig");
    assert_eq!(report["time"], NOW);
    assert_eq!(report["expire"], 86_400);
    assert_eq!(report["expires_at"], NOW + 86_400);
    assert_eq!(report["identifier"], "xiaojun");
    assert_eq!(report["sdkappid"], 1_400_000_000u64);
}

#[test]
fn now_arg_is_now() {
    assert_eq!(NOW_ARG, NOW.to_string());
}

#[test]
fn expire_defaults_to_180_days() {
    let sig = gen_sig(&[]);
    let report = json_of(&verify("xiaojun", &sig, NOW, &[]));
    assert_eq!(report["expire"], 15_552_000);
}

#[test]
fn verifies_official_vector_outputs() {
    let u01 = vector("U01");
    let inputs = &u01["inputs"];
    let now = inputs["now"].as_u64().expect("now");
    for implementation in ["python", "node", "java"] {
        let sig = u01["outputs"][implementation]["usersig"]
            .as_str()
            .expect("usersig");
        let output = run(
            inputs["key"].as_str(),
            &[
                "usersig",
                "verify",
                "--sdkappid",
                &inputs["sdkappid"].to_string(),
                "--identifier",
                inputs["identifier"].as_str().expect("identifier"),
                "--usersig",
                sig,
                "--now",
                &(now + 1).to_string(),
            ],
        );
        let report = json_of(&output);
        assert_eq!(report["time"], inputs["now"], "{implementation}");
        assert_eq!(report["expire"], inputs["expire"], "{implementation}");
        assert_eq!(
            report["expires_at"].as_u64(),
            Some(now + inputs["expire"].as_u64().expect("expire")),
            "{implementation}"
        );
    }
}

#[test]
fn verifies_an_official_private_map_key() {
    let s01 = vector("S01");
    let inputs = &s01["inputs"];
    let sig = s01["outputs"]["python"]["usersig"]
        .as_str()
        .expect("usersig");
    let room = inputs["room_str"].as_str().expect("room_str");
    let report = json_of(&verify(
        inputs["identifier"].as_str().expect("identifier"),
        sig,
        inputs["now"].as_u64().expect("now"),
        &["--room-str", room],
    ));
    assert_eq!(report["kind"], "private_map_key");
    assert_eq!(report["room_str"], room);
    assert_eq!(report["privileges"], inputs["privilege_map"]);
    assert_eq!(report["account"], inputs["identifier"]);
}

#[test]
fn expired_sig_exits_1_with_the_reason() {
    let sig = gen_sig(&["--expire", "60"]);
    assert_eq!(
        verify("xiaojun", &sig, NOW + 60, &[]).status.code(),
        Some(0)
    );
    let output = verify("xiaojun", &sig, NOW + 61, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let err = stderr(&output);
    // As a date, with the Unix seconds, and how long ago.
    assert!(
        err.contains("expired at 2023-11-14T22:14:20Z (Unix 1700000060), 1s before"),
        "{err}"
    );
    assert!(!err.contains(&sig), "the signature is not echoed: {err}");
}

#[test]
fn a_valid_sig_reports_its_expiry_as_a_date_too() {
    let sig = gen_sig(&["--expire", "86400"]);
    let report = json_of(&verify("xiaojun", &sig, NOW, &[]));
    assert_eq!(report["expires_at"], NOW + 86_400);
    assert_eq!(report["expires_at_utc"], "2023-11-15T22:13:20Z");
}

#[test]
fn a_wrong_sdkappid_names_both_values() {
    let sig = gen_sig(&[]);
    let output = run(
        Some(KEY),
        &[
            "usersig",
            "verify",
            "--sdkappid",
            "1400000001",
            "--identifier",
            "xiaojun",
            "--usersig",
            &sig,
            "--now",
            NOW_ARG,
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("--sdkappid is 1400000001, the signature is for 1400000000"),
        "{err}"
    );
}

#[test]
fn a_zero_expiry_is_refused_naming_the_flag() {
    let output = run(Some(KEY), &gen_args(&["--expire", "0"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(stderr(&output).contains("--expire"), "{}", stderr(&output));
}

#[test]
fn a_short_key_is_used_with_a_warning() {
    let output = run(Some("abcde"), &gen_args(&[]));
    assert_eq!(output.status.code(), Some(0));
    let err = stderr(&output);
    assert!(
        err.contains("warning: the secret key is only 5 characters"),
        "{err}"
    );
    assert!(!err.contains("abcde"), "{err}");
    let quiet = run(Some(KEY), &gen_args(&[]));
    assert!(stderr(&quiet).is_empty(), "{}", stderr(&quiet));
}

#[test]
fn wrong_identifier_exits_1() {
    let sig = gen_sig(&[]);
    let output = verify("someone-else", &sig, NOW, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let err = stderr(&output);
    assert!(err.contains("identifier does not match"), "{err}");
    assert!(
        err.contains("not made for --identifier someone-else"),
        "{err}"
    );
}

#[test]
fn wrong_key_exits_1_without_printing_either_key() {
    let sig = gen_sig(&[]);
    let output = verify_with_key("another-key", "xiaojun", &sig, NOW, &[]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("signature does not match"), "{err}");
    assert!(!err.contains("another-key") && !err.contains(KEY), "{err}");
}

#[test]
fn missing_key_exits_2_with_a_clear_message() {
    let output = run(
        None,
        &[
            "usersig",
            "gen",
            "--sdkappid",
            SDKAPPID,
            "--identifier",
            "xiaojun",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(stderr(&output).contains("CALLKIT_SECRET_KEY"));
}

#[test]
fn key_from_flag_and_from_env_sign_alike_and_the_flag_wins() {
    let base = gen_args(&[]);
    let from_env = run(Some(KEY), &base);
    let mut with_flag = base.clone();
    with_flag.extend_from_slice(&["--key", KEY]);
    let from_flag = run(None, &with_flag);
    let flag_over_env = run(Some("another-key"), &with_flag);
    assert_eq!(from_env.status.code(), Some(0));
    assert_eq!(from_flag.status.code(), Some(0));
    assert_eq!(from_env.stdout, from_flag.stdout);
    assert_eq!(flag_over_env.stdout, from_flag.stdout);

    let other = run(Some("another-key"), &base);
    assert_eq!(other.status.code(), Some(0));
    assert_ne!(other.stdout, from_env.stdout, "the env key is really used");
}

#[test]
fn bad_arguments_exit_2() {
    // `usersig gen` for SDKAppID 1 and user x, then `extra`.
    let gen_x = |extra: &[&'static str]| -> Vec<&'static str> {
        [
            &["usersig", "gen", "--sdkappid", "1", "--identifier", "x"],
            extra,
        ]
        .concat()
    };
    let cases: Vec<Vec<&str>> = vec![
        vec!["usersig", "gen", "--identifier", "x"], // no --sdkappid
        vec!["usersig", "gen", "--sdkappid", "0", "--identifier", "x"],
        vec![
            "usersig",
            "gen",
            "--sdkappid",
            "4294967296",
            "--identifier",
            "x",
        ],
        vec!["usersig", "gen", "--sdkappid", "abc", "--identifier", "x"],
        vec!["usersig", "gen", "--sdkappid", "1", "--identifier", ""],
        gen_x(&["--key", ""]),
        gen_x(&["--key", " k"]),
        gen_x(&["--privileges", "1"]),
        gen_x(&["--room-id", "1", "--room-str", "r"]),
        gen_x(&["--room-id", "1", "--privileges", "0xZZ"]),
        gen_x(&["--room-str", ""]),
        vec!["usersig", "verify", "--sdkappid", "1", "--identifier", "x"], // no --usersig
        vec![
            "usersig",
            "verify",
            "--sdkappid",
            "0",
            "--identifier",
            "x",
            "--usersig",
            "eJw_",
        ],
        vec!["usersig", "frobnicate"],
    ];
    for args in &cases {
        let output = run(Some(KEY), args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(!stderr(&output).contains(KEY), "{args:?}");
    }
}

#[test]
fn private_map_key_round_trip_with_hex_privileges() {
    let sig = gen_sig(&[
        "--room-id",
        "10000",
        "--privileges",
        "0x2A",
        "--expire",
        "300",
    ]);
    let report = json_of(&verify("xiaojun", &sig, NOW, &["--room-id", "10000"]));
    assert_eq!(report["kind"], "private_map_key");
    assert_eq!(report["room_id"], 10_000);
    assert_eq!(report["privileges"], 42);
    assert_eq!(report["account"], "xiaojun");
    assert_eq!(report["expires_at"], NOW + 300);
    assert_eq!(report["grant_expires_at"], NOW + 300);

    // Another room, or verifying it as a plain UserSig, is refused.
    let other_room = verify("xiaojun", &sig, NOW, &["--room-id", "10001"]);
    assert_eq!(other_room.status.code(), Some(1));
    assert!(
        stderr(&other_room).contains("Room"),
        "{}",
        stderr(&other_room)
    );
    let as_plain = verify("xiaojun", &sig, NOW, &[]);
    assert_eq!(as_plain.status.code(), Some(1));
    assert!(stderr(&as_plain).contains("userbuf is present"));
}

#[test]
fn string_room_defaults_to_all_privileges() {
    let sig = gen_sig(&["--room-str", "adbjkl"]);
    let report = json_of(&verify("xiaojun", &sig, NOW, &["--room-str", "adbjkl"]));
    assert_eq!(report["room_str"], "adbjkl");
    assert_eq!(report["privileges"], 255);
}

#[test]
fn undecodable_sig_exits_1_without_echoing_it() {
    let garbage = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAK";
    let output = verify("xiaojun", garbage, NOW, &[]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("undecodable"), "{err}");
    assert!(!err.contains(garbage), "{err}");
}

#[test]
fn help_warns_about_keys_on_the_command_line_and_hides_the_env_value() {
    let output = run(Some(KEY), &["usersig", "gen", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = stdout(&output);
    assert!(help.contains("ps"), "{help}");
    assert!(help.contains("CALLKIT_SECRET_KEY"), "{help}");
    assert!(
        !help.contains(KEY),
        "the key from the environment is not shown: {help}"
    );
}
