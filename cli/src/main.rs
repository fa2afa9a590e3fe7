//! `callkit`: the command-line tool.
//!
//! This file holds only what every command family shares: the top-level parser, the secret
//! key argument, writing to stdout, the exit codes and how errors are printed. Each family
//! (`usersig`, `emulator`, `callback`, `records`, `call`) lives in its own module and
//! returns `Result<(), Failure>`; the ones that call the service share `connection`.
//!
//! Exit codes: 0 success; 1 the command ran but the answer is "no" (for example a signature
//! that does not verify, or an API error) or output could not be written; 2 bad arguments
//! (clap's own usage errors exit 2 as well). With `--json`, a failure is also one JSON
//! object on stdout, `{"error": {...}}`, so a script reading stdout always gets JSON.
#![forbid(unsafe_code)]

mod call;
mod callback;
mod connection;
mod emulator;
mod records;
mod usersig;

use std::io::Write as _;
use std::process::ExitCode;

use callkit::SecretKey;
use clap::{Args, Parser, Subcommand};

/// Tencent RTC CallKit server tools: sign UserSigs, configure where CallKit sends its call
/// webhooks, read call records, see and end live calls, start robot calls, and run a local
/// emulator of the CallKit service to try all of it without an account.
#[derive(Debug, Parser)]
#[command(
    name = "callkit",
    version,
    propagate_version = true,
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate and verify UserSigs and PrivateMapKeys (TLSSigAPIv2).
    #[command(subcommand)]
    Usersig(usersig::UsersigCommand),
    /// Run the CallKit service emulator on loopback, or ask a running one to simulate a call.
    Emulator(emulator::EmulatorArgs),
    /// Get, set, update or delete the app's callback configuration (v1, or v4 with --v4).
    #[command(subcommand)]
    Callback(callback::CallbackCommand),
    /// Get one call's record, or list the records of a time range (v1, or v4 with --v4).
    #[command(subcommand)]
    Records(records::RecordsCommand),
    /// A live call's state, ending it, or starting a robot call (v4).
    #[command(subcommand)]
    Call(call::CallCommand),
}

/// `callkit --help`'s examples, one per command family.
const EXAMPLES: &str = "\
Examples (the key comes from CALLKIT_SECRET_KEY; --key works too but shows in `ps`):
  callkit emulator --sdkappid 1400000000 &        a local CallKit service; prints its URL
  callkit usersig gen --sdkappid 1400000000 --identifier alice
  callkit callback set --sdkappid 1400000000 --region callkit-intl \\
      --address https://app.example.com/callkit --action normal_end,call_busy
  callkit records list --v4 --sdkappid 1400000000 --region chat-singapore --since 1733000000
  callkit call start-robot --sdkappid 1400000000 --region chat-singapore \\
      --robot bot1 --callee alice --timeout-ms 30000
  callkit call end --sdkappid 1400000000 --region chat-singapore --call-id ID

Against a running emulator, use --base-url URL (and --allow-http, or --ca-cert PEM with
--tls) instead of --region. `callkit COMMAND --help` lists each command's flags.";

/// The environment variable a command's key is read from when `--key` is absent.
pub(crate) const KEY_ENV: &str = "CALLKIT_SECRET_KEY";

/// `--key`, falling back to [`KEY_ENV`]: flattened into the commands that sign requests.
#[derive(Debug, Args)]
pub(crate) struct KeyArg {
    /// The SDKAppID's secret key [default: the CALLKIT_SECRET_KEY environment variable].
    /// Prefer the variable: a key given on the command line is visible to other users in
    /// `ps` and lands in shell history.
    // Not clap's `env`: clap would then print `--key <KEY>` in every usage line as if the
    // flag were required whenever the variable is set.
    #[arg(long, value_name = "KEY")]
    pub(crate) key: Option<String>,
}

impl KeyArg {
    /// The key, or a usage failure (see [`secret_key`]).
    pub(crate) fn secret_key(&self) -> Result<SecretKey, Failure> {
        secret_key(key_or_env(self.key.clone()).as_deref())
    }
}

/// `--key` if given, else [`KEY_ENV`] if set.
pub(crate) fn key_or_env(key: Option<String>) -> Option<String> {
    key.or_else(|| std::env::var(KEY_ENV).ok())
}

/// The secret key (from `--key` or [`KEY_ENV`], see [`key_or_env`]), or a usage failure
/// that says where to put it. The key itself never appears in a message.
pub(crate) fn secret_key(key: Option<&str>) -> Result<SecretKey, Failure> {
    let Some(key) = key else {
        return Err(Failure::Usage(format!(
            "no secret key: set {KEY_ENV} (preferred) or pass --key"
        )));
    };
    let key = SecretKey::new(key).map_err(|e| Failure::Usage(format!("bad secret key: {e}")))?;
    if key.expose_bytes().len() < SHORTEST_LIKELY_KEY {
        eprintln!(
            "callkit: warning: the secret key is only {} characters; the console's keys are \
             64 hex characters, so check {KEY_ENV} or --key",
            key.expose_bytes().len()
        );
    }
    Ok(key)
}

/// Keys from the console are 64 hex characters (older ones 32); anything shorter is
/// almost certainly a truncated paste, worth a warning (not an error: the emulator and
/// tests may use any key).
const SHORTEST_LIKELY_KEY: usize = 32;

/// Writes `text` and a newline to stdout; a closed pipe is a failure, not a panic.
pub(crate) fn print_line(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Rejected(format!("cannot write to stdout: {e}")))
}

/// Why a command did not succeed, which decides the exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An argument's value is unusable (exit 2), like clap's own usage errors.
    Usage(String),
    /// The command ran and the answer is negative, or output failed (exit 1).
    Rejected(String),
    /// A call to the service failed (exit 1): the message, and for `--json` the facts a
    /// script needs (code, classification, request id, random).
    Call {
        /// The readable report.
        message: String,
        /// `{"code": .., "kind": .., "request_id": .., "random": ..}` as far as known.
        detail: serde_json::Map<String, serde_json::Value>,
    },
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Rejected(_) | Failure::Call { .. } => 1,
        }
    }

    /// The readable report, for stderr.
    fn report(&self) -> String {
        match self {
            Failure::Usage(message) => format!("callkit: error: {message}"),
            Failure::Rejected(message) | Failure::Call { message, .. } => {
                format!("callkit: {message}")
            }
        }
    }

    /// `{"error": {...}}`: what `--json` prints on stdout.
    fn to_json(&self) -> serde_json::Value {
        let (kind, message, detail) = match self {
            Failure::Usage(message) => ("usage", message, None),
            Failure::Rejected(message) => ("failed", message, None),
            Failure::Call { message, detail } => ("call", message, Some(detail)),
        };
        let mut error = serde_json::Map::new();
        error.insert("kind".into(), kind.into());
        error.insert("exit_code".into(), self.exit_code().into());
        error.insert("message".into(), message.as_str().into());
        if let Some(detail) = detail {
            error.extend(detail.clone());
        }
        serde_json::json!({ "error": error })
    }
}

/// Whether the command line asks for JSON output: then failures are JSON on stdout too.
/// Read from the raw arguments so that it holds for clap's own usage errors as well.
fn wants_json() -> bool {
    std::env::args_os()
        .skip(1)
        .take_while(|arg| arg != "--")
        .any(|arg| arg == "--json")
}

fn main() -> ExitCode {
    let json = wants_json();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version print and succeed; anything else is a usage error.
            if json && error.use_stderr() {
                let failure = Failure::Usage(error.kind().to_string());
                println!("{}", failure.to_json());
            }
            error.exit();
        }
    };
    let result = match cli.command {
        Command::Usersig(command) => usersig::run(command),
        Command::Emulator(args) => emulator::run(args),
        Command::Callback(command) => callback::run(command),
        Command::Records(command) => records::run(command),
        Command::Call(command) => call::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.report());
            if json {
                println!("{}", failure.to_json());
            }
            ExitCode::from(failure.exit_code())
        }
    }
}
