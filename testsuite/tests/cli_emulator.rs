//! `callkit emulator` as a process: it serves until a signal (so `callkit emulator ... &`
//! works from a script or a terminal), stops at stdin's end only when asked, and cleans up
//! the certificate file it made.
#![cfg(all(unix, feature = "emulator"))]

mod support;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};

use callkit::SmolTransport;
use callkit::transport::Transport as _;

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// Kills the child when the test ends, even by a failed assertion.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    fn start(extra: &[&str], stdin: Stdio) -> (Running, BufReader<ChildStdout>) {
        let mut child = Command::new(support::callkit_bin())
            .args(["emulator", "--sdkappid", "1400000000", "--key", KEY])
            .args(extra)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the callkit binary runs");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        (Running(child), stdout)
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait(&mut self) -> ExitStatus {
        self.0.wait().unwrap()
    }
}

fn line(stdout: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    line.trim_end().to_owned()
}

/// Any answer at all proves the emulator is serving.
fn answers(base: &str, transport: &SmolTransport) -> bool {
    let request = http::Request::post(format!("{base}/v4/call_config/get_callback"))
        .body(b"{}".to_vec())
        .unwrap();
    smol::block_on(transport.send(request)).is_ok()
}

#[test]
fn a_background_emulator_with_stdin_closed_keeps_serving_until_sigterm() {
    // `callkit emulator ... &` in a script: stdin is at end of file from the start.
    let (mut emulator, mut stdout) = Running::start(&[], Stdio::null());
    let base = line(&mut stdout);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let transport = SmolTransport::builder().allow_http(true).build().unwrap();
    for _ in 0..3 {
        assert!(answers(&base, &transport));
    }
    assert!(
        emulator.0.try_wait().unwrap().is_none(),
        "it exited at stdin's end"
    );

    emulator.signal("TERM");
    assert!(emulator.wait().success());
}

#[test]
fn sigint_stops_it_and_the_temporary_certificate_goes_with_it() {
    for signal in ["INT", "TERM"] {
        let (mut emulator, mut stdout) = Running::start(&["--tls"], Stdio::null());
        let base = line(&mut stdout);
        let cert = line(&mut stdout);
        assert!(base.starts_with("https://127.0.0.1:"), "{base}");
        assert!(Path::new(&cert).exists(), "{cert}");
        let transport = SmolTransport::builder()
            .add_root_certificate_pem(std::fs::read(&cert).unwrap())
            .build()
            .unwrap();
        assert!(answers(&base, &transport));

        emulator.signal(signal);
        assert!(emulator.wait().success(), "SIG{signal}");
        assert!(!Path::new(&cert).exists(), "SIG{signal} left {cert} behind");
    }
}

#[test]
fn a_certificate_written_where_asked_is_kept() {
    let dir = std::env::temp_dir().join(format!("callkit-cli-emu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("emulator.pem");
    let cert_arg = cert.to_str().unwrap();
    let (mut emulator, mut stdout) =
        Running::start(&["--tls", "--cert-out", cert_arg], Stdio::null());
    line(&mut stdout);
    assert_eq!(line(&mut stdout), cert_arg);
    emulator.signal("TERM");
    assert!(emulator.wait().success());
    assert!(cert.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exit_on_stdin_eof_stops_it_with_its_parent() {
    let (mut emulator, mut stdout) = Running::start(&["--exit-on-stdin-eof"], Stdio::piped());
    let base = line(&mut stdout);
    let transport = SmolTransport::builder().allow_http(true).build().unwrap();
    assert!(answers(&base, &transport));
    drop(emulator.0.stdin.take()); // the parent goes away
    assert!(emulator.wait().success());
}

#[test]
fn the_old_ignore_stdin_flag_is_still_accepted() {
    let (mut emulator, mut stdout) = Running::start(&["--ignore-stdin"], Stdio::null());
    assert!(line(&mut stdout).starts_with("http://"));
    emulator.signal("TERM");
    assert!(emulator.wait().success());
}
