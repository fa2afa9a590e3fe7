//! `callkit`: the command-line tool.
//!
//! This file holds only what every command family shares: the top-level parser, the secret
//! key argument, writing to stdout, the exit codes and how errors are printed. Each family
//! (`usersig`, `emulator`, `callback`, `records`, `call`) lives in its own module and
//! returns `Result<(), Failure>`; the ones that call the service share `connection`.
//!
//! Exit codes: 0 success; 1 the command ran but the answer is "no" (for example a signature
//! that does not verify) or output could not be written; 2 bad arguments (clap's own usage
//! errors exit 2 as well).
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

/// Tencent RTC CallKit server tools.
#[derive(Debug, Parser)]
#[command(name = "callkit", version, about, propagate_version = true)]
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

/// The environment variable a command's key is read from when `--key` is absent.
pub(crate) const KEY_ENV: &str = "CALLKIT_SECRET_KEY";

/// `--key`, falling back to [`KEY_ENV`]: flattened into the commands that sign requests.
#[derive(Debug, Args)]
pub(crate) struct KeyArg {
    /// The SDKAppID's secret key. Prefer the CALLKIT_SECRET_KEY environment variable: a key
    /// given on the command line is visible to other users in `ps` and lands in shell history.
    #[arg(long, value_name = "KEY", env = KEY_ENV, hide_env_values = true)]
    pub(crate) key: Option<String>,
}

impl KeyArg {
    /// The key, or a usage failure (see [`secret_key`]).
    pub(crate) fn secret_key(&self) -> Result<SecretKey, Failure> {
        secret_key(self.key.as_deref())
    }
}

/// The secret key from `--key` or [`KEY_ENV`] (clap has merged the two), or a usage
/// failure that says where to put it. The key itself never appears in a message.
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
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Rejected(_) => 1,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse(); // exits 2 on usage errors, 0 for --help/--version
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
            match &failure {
                Failure::Usage(message) => eprintln!("callkit: error: {message}"),
                Failure::Rejected(message) => eprintln!("callkit: {message}"),
            }
            ExitCode::from(failure.exit_code())
        }
    }
}
