//! The attack for real: the `callkit emulator` server in a child process whose
//! descriptor limit `prlimit` lowers to 64, flooded with 80 idle connections. Accepting
//! fails with EMFILE; the server must not spin (its CPU time stays well under the wall
//! time), and once the attacking connections close it serves again by itself.
//!
//! CPU use can only be measured over real time: the test watches the child for one
//! second and reads its CPU time from `/proc`. Skipped (with a message) where `prlimit`
//! is missing.
#![cfg(all(feature = "emulator", target_os = "linux"))]

mod support;

use std::io::{BufRead as _, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// Kills the child when the test ends, even by a failed assertion.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The child's user + system CPU time, from `/proc/<pid>/stat` (in clock ticks of 10 ms).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// One request on a fresh connection; the status line.
fn status_line(addr: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(
            b"POST /v4/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply.lines().next().unwrap_or("").to_owned()
}

#[test]
fn a_full_descriptor_table_neither_spins_nor_stops_the_server() {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("SKIPPED: prlimit is not installed");
        return;
    }
    let mut child = Command::new("prlimit")
        .arg("--nofile=64:64")
        .arg(support::callkit_bin())
        .args(["emulator", "--port", "0"])
        .args(["--sdkappid", "1400000000", "--key", KEY])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("prlimit runs");
    let stdout = child.stdout.take().unwrap();
    let child = Killed(child);
    let mut url = String::new();
    BufReader::new(stdout).read_line(&mut url).unwrap();
    let addr = url.trim().trim_start_matches("http://").to_owned();
    assert!(
        status_line(&addr).starts_with("HTTP/1.1 200"),
        "served before"
    );

    // 80 idle connections: the server runs out of descriptors part way through.
    let attackers: Vec<TcpStream> = (0..80)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    let pid = child.0.id();
    let before = cpu_ticks(pid);
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_ticks(pid) - before;
    let wall_ticks = start.elapsed().as_millis() as u64 / 10;
    // A spinning accept loop burns the whole second (about 100 ticks).
    assert!(
        used * 4 < wall_ticks,
        "{used} CPU ticks in {wall_ticks}: the accept loop spins"
    );

    drop(attackers);
    // Accepting resumes by itself once descriptors are free (within the 1 s back-off).
    assert!(
        status_line(&addr).starts_with("HTTP/1.1 200"),
        "served again after"
    );
}
