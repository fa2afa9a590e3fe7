//! The README's five-minute tour, run as written: the block between `<!-- tour -->` and
//! `<!-- /tour -->` goes to bash, step by step (`set -x`, stopping at the first failing
//! step), with the freshly built `callkit` first on the PATH. `cargo run -q --example
//! webhook_server` is the one command not run through cargo here: the test points it at
//! the example binary `cargo test` has just built beside `callkit`.
#![cfg(all(unix, feature = "emulator"))]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn tour() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README.md");
    let start = readme
        .find("<!-- tour -->")
        .expect("the tour's start marker");
    let end = readme
        .find("<!-- /tour -->")
        .expect("the tour's end marker");
    let block = &readme[start..end];
    let code = block
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(code, _)| code)
        .expect("a sh block inside the tour");
    code.to_owned()
}

/// The example receiver, built by `cargo test` next to the binaries.
fn webhook_server() -> PathBuf {
    let bin = support::callkit_bin();
    let bin_dir = bin.parent().expect("the binary's directory");
    let example = bin_dir.join("examples").join("webhook_server");
    assert!(
        example.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, which builds the example",
        example.display()
    );
    example
}

#[test]
fn the_readme_tour_runs_as_written() {
    let dir = std::env::temp_dir().join(format!("callkit-tour-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = support::callkit_bin();
    let bin_dir = bin.parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Only `cargo run -q --example webhook_server --` is redirected; anything else the
    // tour asked of cargo would fail loudly.
    let prelude = format!(
        "set -euo pipefail\n\
         cargo() {{\n\
           if [ \"$1 $2 $3 $4 $5\" = 'run -q --example webhook_server --' ]; then\n\
             shift 5; exec '{}' \"$@\"\n\
           fi\n\
           echo \"the tour ran cargo $*\" >&2; return 1\n\
         }}\n\
         trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n\
         set -x\n",
        webhook_server().display()
    );
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!("{prelude}{}", tour()))
        .current_dir(&dir)
        .env("PATH", path)
        .env_remove("CALLKIT_REDIS_URL")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "the tour failed:\n{stdout}\n{stderr}"
    );

    // Step 3 stored the receiver's address; step 4 printed the plan and the report; the
    // receiver printed the events; step 5 listed the call.
    assert!(
        stdout.contains("\"command\":\"caller_start_call\""),
        "{stdout}"
    );
    assert!(stdout.contains("\"acked\":true"), "{stdout}");
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert_eq!(events.lines().count(), 2, "two subscribed events: {events}");
    assert!(events.contains("alice"), "{events}");
    assert!(
        stdout.contains("alice") && stdout.contains("bob"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
