//! `callkit emulator`: run the CallKit service emulator in the foreground, and
//! `callkit emulator simulate-call`: ask a running one to simulate a call.
//!
//! The server prints its base URL as the first line on stdout (then, with `--tls`, the
//! path of its certificate's PEM) and serves until SIGINT or SIGTERM, so that
//! `callkit emulator ... &` works from a script or a terminal; a harness that wants it to
//! end with its parent passes `--exit-on-stdin-eof`. Stdin is not read otherwise: a
//! background job that reads its terminal is stopped by the shell. Without `--key` or
//! CALLKIT_SECRET_KEY it makes up a random key and prints it on stderr: the emulator is a
//! local test server, and a test needs the key to sign its requests. On the way out it
//! removes the certificate file it wrote to the temp dir (one given with `--cert-out` is
//! the caller's and stays).

use std::io::Read as _;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use callkit::SmolTransport;
use callkit::emulator::{EmulatorServer, MediaName, OutcomeName, SIMULATE_CALL_PATH, ScenarioSpec};
use callkit::transport::Transport as _;
use clap::{Args, Subcommand};

use crate::{Failure, KEY_ENV, key_or_env, print_line, secret_key};

/// `callkit emulator [OPTIONS]` serves; `callkit emulator simulate-call` is a client.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct EmulatorArgs {
    #[command(subcommand)]
    command: Option<EmulatorCommand>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum EmulatorCommand {
    /// Ask a running emulator to simulate a call and deliver its callbacks; prints the
    /// delivery report (JSON).
    SimulateCall(SimulateArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The port on 127.0.0.1 (0: any free port).
    #[arg(long, value_name = "N", default_value_t = 0)]
    port: u16,

    /// Serve HTTPS with a fresh self-signed certificate.
    #[arg(long)]
    tls: bool,

    /// Where to write the certificate's PEM with --tls, kept after exit [default: a file
    /// in the temp dir, removed at exit].
    #[arg(long, value_name = "PATH", requires = "tls")]
    cert_out: Option<PathBuf>,

    /// The SDKAppID of the emulated app.
    #[arg(long, value_name = "N")]
    sdkappid: Option<u32>,

    /// The app's secret key [default: CALLKIT_SECRET_KEY, else a random key printed on stderr].
    #[arg(long, value_name = "KEY")]
    key: Option<String>,

    /// An admin identifier (repeatable) [default: administrator].
    #[arg(long, value_name = "NAME")]
    admin: Vec<String>,

    /// Also stop when stdin reaches end of file (for harnesses that start the emulator as
    /// a child and want it gone with them). Without it, only SIGINT or SIGTERM stop it.
    #[arg(long)]
    exit_on_stdin_eof: bool,

    /// Accepted for scripts written for older versions; serving until a signal is now the
    /// default.
    #[arg(long, hide = true, conflicts_with = "exit_on_stdin_eof")]
    ignore_stdin: bool,
}

#[derive(Debug, Args)]
struct SimulateArgs {
    /// The running emulator's base URL (as it printed it).
    #[arg(long, value_name = "URL")]
    base_url: String,

    /// A PEM certificate to trust (the emulator's, with --tls).
    #[arg(long, value_name = "PATH")]
    ca_cert: Option<PathBuf>,

    /// The SDKAppID of the app whose callbacks to deliver.
    #[arg(long, value_name = "N")]
    sdkappid: u32,

    /// The caller's UserID.
    #[arg(long, value_name = "ID")]
    caller: String,

    /// A callee's UserID (repeat for a group call).
    #[arg(long, value_name = "ID", required = true)]
    callee: Vec<String>,

    /// How the call goes (`connected` and `ringing` leave it live: see it with
    /// `callkit call info --call-id ID`, end it with `callkit call end --call-id ID`).
    #[arg(long, default_value = "answered", value_parser = outcome_parser())]
    outcome: OutcomeName,

    /// Make it a video call.
    #[arg(long)]
    video: bool,

    /// Wait for the callbacks to be delivered (v1 retries included) and print the report
    /// too; the wait is bounded by the retry schedule the emulator states.
    #[arg(long)]
    wait: bool,
}

/// `--outcome`: the library's outcome names, each with its line of help.
fn outcome_parser() -> impl clap::builder::TypedValueParser<Value = OutcomeName> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        OutcomeName::ALL.map(|outcome| PossibleValue::new(outcome.name()).help(outcome.describe())),
    )
    .try_map(|name| name.parse::<OutcomeName>())
}
pub(crate) fn run(args: EmulatorArgs) -> Result<(), Failure> {
    match args.command {
        Some(EmulatorCommand::SimulateCall(simulate)) => simulate_call(simulate),
        None => serve(args.serve),
    }
}

fn serve(args: ServeArgs) -> Result<(), Failure> {
    let sdkappid = args
        .sdkappid
        .filter(|id| *id != 0)
        .ok_or_else(|| Failure::Usage("--sdkappid N (non-zero) is required".into()))?;
    // A local test server needs some key: without one, make one up and say which.
    let key = key_or_env(args.key).unwrap_or_else(|| {
        let key: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(32)
            .collect();
        eprintln!("callkit: no --key or {KEY_ENV}: using the generated key {key}");
        key
    });
    let key = secret_key(Some(&key))?;
    let mut builder = EmulatorServer::builder()
        .app(sdkappid, key)
        .https(args.tls)
        .port(args.port);
    for admin in args.admin {
        builder = builder.admin(admin);
    }
    let server = builder
        .start()
        .map_err(|e| Failure::Rejected(format!("cannot start the emulator: {e}")))?;
    // Listen for signals before announcing the URL: a harness may signal as soon as it
    // has read it.
    // `_keep` holds a sender for as long as the server runs, so the wait below lasts until
    // a reason comes even where nothing else can send one (no signals, no stdin watch).
    let (_keep, stop) = stop_requests(args.exit_on_stdin_eof)?;
    let mut lines = vec![server.base_url().to_owned()];
    let mut temporary_cert = None;
    if args.tls {
        let path = match args.cert_out {
            Some(path) => path,
            None => {
                let path = std::env::temp_dir().join(format!(
                    "callkit-emulator-{}.pem",
                    server.server().local_addr().port()
                ));
                temporary_cert = Some(path.clone());
                path
            }
        };
        server
            .write_certificate(&path)
            .map_err(|e| Failure::Rejected(format!("cannot write {}: {e}", path.display())))?;
        lines.push(path.display().to_string());
    }
    let printed = lines.iter().try_for_each(|line| print_line(line));
    if printed.is_ok() {
        // Every sender lives in a thread that runs until the process ends, so this only
        // returns with a reason.
        if let Ok(reason) = stop.recv() {
            eprintln!("callkit: {reason}: the emulator stops");
        }
    }
    server.shutdown();
    if let Some(path) = temporary_cert {
        let _ = std::fs::remove_file(path);
    }
    printed
}

/// A channel that receives why the emulator should stop: SIGINT or SIGTERM (on Unix) and,
/// with `exit_on_stdin_eof`, the end of stdin.
fn stop_requests(
    exit_on_stdin_eof: bool,
) -> Result<(mpsc::Sender<&'static str>, mpsc::Receiver<&'static str>), Failure> {
    let (sender, receiver) = mpsc::channel();
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
            .map_err(|e| Failure::Rejected(format!("cannot listen for signals: {e}")))?;
        let sender = sender.clone();
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let _ = sender.send(if signal == SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                });
            }
        });
    }
    if exit_on_stdin_eof {
        let sender = sender.clone();
        std::thread::spawn(move || {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin().lock();
            while let Ok(1..) = stdin.read(&mut sink) {}
            let _ = sender.send("end of stdin");
        });
    }
    Ok((sender, receiver))
}

fn simulate_call(args: SimulateArgs) -> Result<(), Failure> {
    let mut transport = SmolTransport::builder().allow_http(true);
    if let Some(path) = &args.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
        transport = transport.add_root_certificate_pem(pem);
    }
    let transport = transport
        .build()
        .map_err(|e| Failure::Usage(format!("cannot set up HTTPS: {e}")))?;
    let mut spec = ScenarioSpec::new(args.caller, args.callee, args.outcome);
    if args.video {
        spec.media = MediaName::Video;
    }
    let body = serde_json::to_vec(&spec)
        .map_err(|e| Failure::Rejected(format!("cannot encode the scenario: {e}")))?;
    let base = args.base_url.trim_end_matches('/');
    let url = format!("{base}{SIMULATE_CALL_PATH}?sdkappid={}", args.sdkappid);
    let request = http::Request::post(url.as_str())
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(|e| Failure::Usage(format!("bad --base-url: {e}")))?;
    let started = emulator_json(&transport, request)?;
    print_line(&started.to_string())?;
    if started["plan"].as_array().is_some_and(Vec::is_empty) {
        eprintln!(
            "callkit: note: app {} subscribes to no callback for this call, so none is sent; \
             configure one first: callkit callback set --sdkappid {} --base-url {base} ...",
            args.sdkappid, args.sdkappid
        );
    }
    if !args.wait {
        return Ok(());
    }
    let status = format!("{base}{}", started["status"].as_str().unwrap_or_default());
    let bound = Duration::from_secs(started["max_wait_secs"].as_u64().unwrap_or(0));
    let deadline = Instant::now() + bound;
    loop {
        let request = http::Request::get(status.as_str())
            .body(Vec::new())
            .map_err(|e| Failure::Usage(format!("bad --base-url: {e}")))?;
        let answer = emulator_json(&transport, request)?;
        if answer["done"] == true {
            return print_line(&answer["report"].to_string());
        }
        if Instant::now() >= deadline {
            return Err(Failure::Rejected(format!(
                "the deliveries did not finish within {}s, the longest the retry schedule \
                 allows; ask again at {status}",
                bound.as_secs()
            )));
        }
        // Polling a local server for an outcome, not waiting for a clock.
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Sends a control request to the emulator and reads its JSON answer; a non-2xx answer
/// is a failure carrying the emulator's message.
fn emulator_json(
    transport: &SmolTransport,
    request: http::Request<Vec<u8>>,
) -> Result<serde_json::Value, Failure> {
    let response = futures_lite::future::block_on(transport.send(request)).map_err(|e| {
        Failure::Rejected(format!(
            "cannot reach the emulator: {e}; check --base-url (and --ca-cert for --tls)"
        ))
    })?;
    let status = response.status();
    let text = String::from_utf8_lossy(response.body()).into_owned();
    if !status.is_success() {
        return Err(Failure::Rejected(format!(
            "the emulator answered {status}: {text}"
        )));
    }
    serde_json::from_str(&text)
        .map_err(|e| Failure::Rejected(format!("the emulator's answer is not JSON ({e}): {text}")))
}
