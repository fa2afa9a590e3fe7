//! `callkit emulator`: run the CallKit service emulator in the foreground, and
//! `callkit emulator simulate-call`: ask a running one to simulate a call.
//!
//! The server prints its base URL as the first line on stdout (then, with `--tls`, the
//! path of its certificate's PEM) and serves until stdin reaches end of file or the
//! process is interrupted. Without `--key` or CALLKIT_SECRET_KEY it makes up a random key
//! and prints it on stderr: the emulator is a local test server, and a test needs the key
//! to sign its requests.

use std::io::Read as _;
use std::path::PathBuf;

use callkit::SmolTransport;
use callkit::emulator::{EmulatorServer, MediaName, OutcomeName, SIMULATE_CALL_PATH, ScenarioSpec};
use callkit::transport::Transport as _;
use clap::{Args, Subcommand, ValueEnum};

use crate::{Failure, KEY_ENV, print_line, secret_key};

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

    /// Where to write the certificate's PEM with --tls [default: a file in the temp dir].
    #[arg(long, value_name = "PATH", requires = "tls")]
    cert_out: Option<PathBuf>,

    /// The SDKAppID of the emulated app.
    #[arg(long, value_name = "N")]
    sdkappid: Option<u32>,

    /// The app's secret key [default: CALLKIT_SECRET_KEY, else a random key printed on stderr].
    #[arg(long, value_name = "KEY", env = KEY_ENV, hide_env_values = true)]
    key: Option<String>,

    /// An admin identifier (repeatable) [default: administrator].
    #[arg(long, value_name = "NAME")]
    admin: Vec<String>,

    /// Keep serving when stdin reaches end of file (stop with a signal only).
    #[arg(long)]
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

    /// How the call ends.
    #[arg(long, value_enum, default_value_t = Outcome::Answered)]
    outcome: Outcome,

    /// Make it a video call.
    #[arg(long)]
    video: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Outcome {
    Answered,
    Rejected,
    NotAnswered,
    Cancelled,
    Busy,
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
    let key = args.key.unwrap_or_else(|| {
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
    let mut lines = vec![server.base_url().to_owned()];
    if args.tls {
        let path = args.cert_out.unwrap_or_else(|| {
            std::env::temp_dir().join(format!(
                "callkit-emulator-{}.pem",
                server.server().local_addr().port()
            ))
        });
        server
            .write_certificate(&path)
            .map_err(|e| Failure::Rejected(format!("cannot write {}: {e}", path.display())))?;
        lines.push(path.display().to_string());
    }
    for line in lines {
        print_line(&line)?;
    }
    wait_for_end(args.ignore_stdin);
    server.shutdown();
    Ok(())
}

/// Returns at stdin's end of file; never, with `ignore_stdin` (a signal ends the process).
fn wait_for_end(ignore_stdin: bool) {
    if !ignore_stdin {
        let mut sink = [0u8; 256];
        let mut stdin = std::io::stdin().lock();
        loop {
            match stdin.read(&mut sink) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    }
    loop {
        std::thread::park();
    }
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
    let outcome = match args.outcome {
        Outcome::Answered => OutcomeName::Answered,
        Outcome::Rejected => OutcomeName::Rejected,
        Outcome::NotAnswered => OutcomeName::NotAnswered,
        Outcome::Cancelled => OutcomeName::Cancelled,
        Outcome::Busy => OutcomeName::Busy,
    };
    let mut spec = ScenarioSpec::new(args.caller, args.callee, outcome);
    if args.video {
        spec.media = MediaName::Video;
    }
    let body = serde_json::to_vec(&spec)
        .map_err(|e| Failure::Rejected(format!("cannot encode the scenario: {e}")))?;
    let url = format!(
        "{}{SIMULATE_CALL_PATH}?sdkappid={}",
        args.base_url.trim_end_matches('/'),
        args.sdkappid
    );
    let request = http::Request::post(url.as_str())
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(|e| Failure::Usage(format!("bad --base-url: {e}")))?;
    let response = futures_lite::future::block_on(transport.send(request))
        .map_err(|e| Failure::Rejected(format!("cannot reach the emulator: {e}")))?;
    let status = response.status();
    let text = String::from_utf8_lossy(response.body()).into_owned();
    if !status.is_success() {
        return Err(Failure::Rejected(format!(
            "the emulator answered {status}: {text}"
        )));
    }
    print_line(&text)
}
