//! The quickstart: configure CallKit's callbacks, then follow a call and read the
//! records, with `callkit::Client`, end to end.
//!
//! Run: `cargo run --example quickstart`
//!
//! Without credentials it starts the CallKit emulator in this process over HTTPS (a
//! self-signed certificate the transport is told to trust, a fresh random key for a demo
//! SDKAppID) and runs v1 set, get, update, get, delete, then v4 set, get, delete. Then
//! the second part: a robot call is started, its live info shown, a callee answers, the
//! call is ended, its record fetched in both generations, and the recent records listed
//! in both generations.
//!
//! With `CALLKIT_SDKAPPID` and `CALLKIT_SECRET_KEY` it talks to Tencent: v1 calls go to
//! `CALLKIT_REGION` (default `callkit-intl`), v4 calls to `CALLKIT_CHAT_REGION` (default
//! `chat-singapore`), signed as `CALLKIT_ADMIN` (default `administrator`). It only reads
//! (v1 get, v4 get) unless `CALLKIT_ALLOW_WRITE=1` or `-- --write` is given: the write flow
//! overwrites the app's callback configurations (address `CALLKIT_CALLBACK_URL`) and ends
//! by deleting them. The second part, with credentials, only lists the last day's call
//! records (v1 and v4): it starts no call. `CALLKIT_BASE_URL` (with `CALLKIT_CA_CERT` for
//! a TLS emulator's certificate) sends both generations to one server instead, such as a
//! `callkit emulator` started separately. `-- --help` prints this and runs nothing.

use std::env;
use std::path::PathBuf;
use std::process::ExitCode;

use callkit::core::call_engine::V4RobotCall;
use callkit::core::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use callkit::core::endpoint::Generation;
use callkit::core::records::{V1CallId, V1RecordFilter, V4CallId, V4RecordFilter};
use callkit::core::response::ApiErrorKind;
use callkit::core::webhook::MediaType;
use callkit::emulator::EmulatorServer;
use callkit::{BaseUrl, Client, Error, Region, SecretKey, Server, SmolTransport};
use futures_lite::StreamExt;

type AnyError = Box<dyn std::error::Error>;
const DEMO_SDKAPPID: u32 = 1_400_000_000;

/// What the quickstart says to `--help`.
pub(crate) const HELP: &str = "\
cargo run --example quickstart [-- --write | --help]

Without credentials: runs everything against an emulator started inside this process.
To talk to Tencent, set (both required):
  CALLKIT_SDKAPPID, CALLKIT_SECRET_KEY
and optionally:
  CALLKIT_ADMIN        the admin account the calls are signed as (default administrator)
  CALLKIT_REGION       v1 host: callkit-intl (default) or callkit-china
  CALLKIT_CHAT_REGION  v4 host: chat-singapore (default), chat-china, chat-seoul,
                       chat-frankfurt, chat-silicon-valley, chat-jakarta, chat-mumbai
  CALLKIT_BASE_URL     one server for both generations instead (e.g. a `callkit emulator`),
  CALLKIT_CA_CERT      with the PEM certificate to trust (for `callkit emulator --tls`)
  CALLKIT_ALLOW_WRITE=1 or --write  overwrite (then delete) the callback configurations
  CALLKIT_CALLBACK_URL the address the write flow sets";

/// Where the quickstart runs, read from the environment and the arguments.
#[derive(Debug)]
pub(crate) enum Mode {
    /// `--help`: print [`HELP`], run nothing.
    Help,
    /// No credentials: an emulator in this process.
    Embedded,
    /// Credentials: a real (or separately started) service.
    Remote(Remote),
}

/// The settings of a run against a service outside this process.
#[derive(Debug)]
pub(crate) struct Remote {
    sdkappid: u32,
    key: SecretKey,
    admin: String,
    v1: Server,
    v4: Server,
    /// What to say about where the calls go.
    shown: String,
    ca_cert: Option<PathBuf>,
    write: bool,
    callback_url: String,
}

/// Reads the mode from `var` (the environment) and `args`; an error says which variable
/// is wrong and what it may be.
pub(crate) fn mode(var: impl Fn(&str) -> Option<String>, args: &[String]) -> Result<Mode, String> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Ok(Mode::Help);
    }
    if let Some(unknown) = args.iter().find(|a| *a != "--write") {
        return Err(format!("unknown argument {unknown:?}; see -- --help"));
    }
    let (sdkappid, key) = match (var("CALLKIT_SDKAPPID"), var("CALLKIT_SECRET_KEY")) {
        (None, None) => return Ok(Mode::Embedded),
        (Some(_), None) => return Err("CALLKIT_SDKAPPID is set: set CALLKIT_SECRET_KEY too".into()),
        (None, Some(_)) => {
            return Err(
                "CALLKIT_SECRET_KEY is set but CALLKIT_SDKAPPID is not: set both to \
                        talk to Tencent, or neither to use the embedded emulator"
                    .into(),
            );
        }
        (Some(sdkappid), Some(key)) => (sdkappid, key),
    };
    let sdkappid: u32 = sdkappid.trim().parse().map_err(|_| {
        format!("CALLKIT_SDKAPPID {sdkappid:?} is not a number from 1 to 4294967295")
    })?;
    let key = SecretKey::new(key).map_err(|e| format!("CALLKIT_SECRET_KEY: {e}"))?;
    let admin = var("CALLKIT_ADMIN").unwrap_or_else(|| "administrator".into());
    let names = || {
        let names: Vec<&str> = Region::ALL.iter().map(|r| r.name()).collect();
        names.join(", ")
    };
    let region = |name: &str, default: Region, wanted: Generation| -> Result<Region, String> {
        let Some(value) = var(name) else {
            return Ok(default);
        };
        let region: Region = value
            .parse()
            .map_err(|_| format!("{name}: unknown region {value:?}; known: {}", names()))?;
        if region.generation() != wanted {
            return Err(format!("{name}: {value} serves the other API generation"));
        }
        Ok(region)
    };
    let (v1, v4, shown) = match var("CALLKIT_BASE_URL") {
        Some(url) => {
            let base = BaseUrl::parse_allow_http(&url)
                .map_err(|e| format!("CALLKIT_BASE_URL {url:?}: {e}"))?;
            let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"];
            if base.as_str().starts_with("http://")
                && !loopback
                    .iter()
                    .any(|prefix| base.as_str().starts_with(prefix))
            {
                return Err(format!(
                    "CALLKIT_BASE_URL {url:?}: plain http only for an emulator on this machine"
                ));
            }
            (
                Server::from(base.clone()),
                Server::from(base),
                format!("both at {url}"),
            )
        }
        None => {
            let v1 = region("CALLKIT_REGION", Region::CallkitIntl, Generation::V1)?;
            let v4 = region("CALLKIT_CHAT_REGION", Region::ChatSingapore, Generation::V4)?;
            let shown = format!("v1 at {}, v4 at {}", v1.name(), v4.name());
            (Server::from(v1), Server::from(v4), shown)
        }
    };
    let write = var("CALLKIT_ALLOW_WRITE").is_some_and(|v| v == "1")
        || args.iter().any(|arg| arg == "--write");
    Ok(Mode::Remote(Remote {
        sdkappid,
        key,
        admin,
        v1,
        v4,
        shown,
        ca_cert: var("CALLKIT_CA_CERT").map(PathBuf::from),
        write,
        callback_url: var("CALLKIT_CALLBACK_URL")
            .unwrap_or_else(|| "https://app.example.com/callkit".into()),
    }))
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let mode = match mode(|name| env::var(name).ok(), &args) {
        Ok(Mode::Help) => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(mode) => mode,
        Err(message) => {
            eprintln!("quickstart: {message}");
            return ExitCode::from(2);
        }
    };
    match smol::block_on(run(mode)) {
        Ok(summary) => {
            println!("\n{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("\nfailed: {error}");
            if let Some(api) = error.downcast_ref::<Error>().and_then(Error::api) {
                let request_id = api.request_id.as_deref().unwrap_or("none");
                eprintln!("  code {}, message {:?}", api.code, api.message);
                eprintln!("  request id {request_id}, random {}", api.random);
            } else if let Some(random) = error.downcast_ref::<Error>().and_then(Error::random) {
                eprintln!("  random {random}");
            }
            ExitCode::FAILURE
        }
    }
}

pub(crate) async fn run(mode: Mode) -> Result<String, AnyError> {
    let remote = match mode {
        Mode::Remote(remote) => remote,
        Mode::Embedded | Mode::Help => {
            println!(
                "No CALLKIT_SDKAPPID / CALLKIT_SECRET_KEY in the environment: running against \
                 an emulator inside this process (see -- --help to talk to Tencent)."
            );
            return against_emulator().await;
        }
    };
    let Remote {
        sdkappid,
        key,
        admin,
        ..
    } = &remote;
    println!("app {sdkappid}, admin {admin:?}, {}", remote.shown);
    let mut transport = SmolTransport::builder();
    if let Some(path) = &remote.ca_cert {
        let pem =
            std::fs::read(path).map_err(|e| format!("CALLKIT_CA_CERT {}: {e}", path.display()))?;
        transport = transport.add_root_certificate_pem(pem);
    }
    // Plain http only reaches a loopback emulator (`mode` refused it elsewhere).
    let transport = transport
        .allow_http(remote.v1.base_url().starts_with("http://"))
        .build()?;
    let client = |server: &Server| {
        Client::builder(*sdkappid, key.clone(), server.clone())
            .admin(admin.clone())
            .on_attempt(|a| println!("    ({} random {}, attempt {})", a.path, a.random, a.number))
            .build(transport.clone())
    };
    let (v1, v4) = (client(&remote.v1)?, client(&remote.v4)?);
    if remote.write {
        return write_flow(&v1, &v4, &remote.callback_url).await;
    }
    println!("read only (set CALLKIT_ALLOW_WRITE=1 or pass -- --write to overwrite)");
    println!("v1 get");
    match v1.v1_get_callback().await {
        Ok(config) => show_v1(&config),
        Err(e) if e.kind() == Some(ApiErrorKind::NoConfiguration) => println!("  <- none set"),
        Err(e) => return Err(e.into()),
    }
    println!("v4 get");
    match v4.v4_get_callback().await {
        Ok(config) => show_v4(&config),
        Err(e) if e.kind() == Some(ApiErrorKind::NoConfiguration) => println!("  <- none set"),
        Err(e) => return Err(e.into()),
    }
    recent_records(&v1, &v4).await?;
    Ok("ok: read both callback configurations and the last day's records".into())
}

/// Starts the emulator on loopback HTTPS and runs the write flow against it.
async fn against_emulator() -> Result<String, AnyError> {
    // A demo key, made up afresh: the emulator accepts UserSigs signed with it.
    let key: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(32)
        .collect();
    let key = SecretKey::new(key)?;
    let emulator = EmulatorServer::builder()
        .app(DEMO_SDKAPPID, key.clone())
        .https(true)
        .start()?;
    let certificate = emulator
        .certificate_pem()
        .ok_or("the emulator has no certificate")?;
    println!(
        "emulator: {} (app {DEMO_SDKAPPID}, self-signed)",
        emulator.base_url()
    );
    let transport = SmolTransport::builder()
        .add_root_certificate_pem(certificate)
        .build()?;
    let server = Server::from(BaseUrl::parse(emulator.base_url())?);
    let client = Client::builder(DEMO_SDKAPPID, key, server)
        .on_attempt(|a| println!("    ({} random {}, attempt {})", a.path, a.random, a.number))
        .build(transport)?;
    // A custom base URL serves both generations, so one client does it all.
    let summary = write_flow(&client, &client, "https://app.example.com/callkit").await?;
    let call_id = robot_call(&client, &emulator).await?;
    println!("record of {call_id}");
    let record = client
        .v4_get_record_by_call_id(&V4CallId::new(&call_id))
        .await?;
    println!(
        "  <- v4: {} {} {} -> {}, started {} answered {} ended {} (Unix seconds)",
        record.call_result,
        record.media_type,
        record.caller,
        record.callees.join(", "),
        record.start_secs,
        record.accept_secs,
        record.end_secs
    );
    let record = client
        .v1_get_record_by_call_id(&V1CallId::new(&call_id))
        .await?;
    println!(
        "  <- v1: {} {} {} -> {}",
        record.call_result.as_v1_str(),
        record.media_type.as_v1_str(),
        record.caller,
        record.callees.join(", ")
    );
    recent_records(&client, &client).await?;
    Ok(format!(
        "{summary}
ok: robot call started, shown, ended; its record fetched; recent records listed (v1 and v4)"
    ))
}

/// Starts a robot call on the emulator, shows it live, lets a callee answer (the
/// emulator's control, standing in for the callee's app), and ends it. Returns its id.
async fn robot_call<T: callkit::transport::Transport>(
    client: &Client<T>,
    emulator: &EmulatorServer,
) -> Result<String, AnyError> {
    let mut call = V4RobotCall::new("robot-1", ["alice"], 30_000, MediaType::Audio);
    call.call_info.text_room("room-quickstart");
    println!("v4 start_call_by_robot: robot-1 calls alice");
    let started = client.v4_start_call_by_robot(&call).await?;
    let call_id = started.call_id.ok_or("the service returned no call id")?;
    println!("  <- call {call_id}");
    let id = V4CallId::new(&call_id);
    show_call(&client.v4_get_call_info(&id).await?);
    println!("(alice answers)");
    let answered = emulator.with_emulator(|e| {
        e.answer_call(
            DEMO_SDKAPPID,
            &call_id,
            "alice",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default(),
        )
    });
    if !answered {
        return Err("the emulator did not find the live call".into());
    }
    show_call(&client.v4_get_call_info(&id).await?);
    println!("v4 end_call {call_id}");
    client.v4_end_call(&id).await?;
    println!("  <- ended");
    Ok(call_id)
}

fn show_call(info: &callkit::core::call_engine::V4CallInfo) {
    let users: Vec<String> = info
        .users
        .iter()
        .map(|u| format!("{} {}", u.user, u.status))
        .collect();
    println!(
        "v4 get_call_info
  <- {} {}: {}",
        info.call.call_id,
        info.call.media_type,
        users.join(", ")
    );
}

/// Lists the records of calls started in the last day: v1 one page, v4 every page (at
/// most 50 records).
async fn recent_records<T: callkit::transport::Transport>(
    v1: &Client<T>,
    v4: &Client<T>,
) -> Result<(), AnyError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let since = now.saturating_sub(24 * 60 * 60);
    println!("v1 get_records_by_filter since {since}");
    let page = v1
        .v1_get_records_by_filter(&V1RecordFilter::since(since))
        .await?;
    println!("  <- {} record(s)", page.total);
    for record in &page.records {
        println!(
            "     {} {} {}",
            record.call_id,
            record.call_result.as_v1_str(),
            record.start_call_secs
        );
    }
    println!("v4 get_record_by_filter since {since} (every page, at most 50)");
    let filter = V4RecordFilter {
        start_secs: Some(since),
        ..V4RecordFilter::default()
    };
    let mut records = std::pin::pin!(v4.records(filter, Some(50)));
    let mut count = 0;
    while let Some(record) = records.next().await {
        let record = record?;
        count += 1;
        println!(
            "     {} {} {}",
            record.call_id, record.call_result, record.start_secs
        );
    }
    println!("  <- {count} record(s)");
    Ok(())
}

/// v1 set, get, update, get, delete; v4 set, get, delete. Each step shows what it sends
/// and what came back.
async fn write_flow<T: callkit::transport::Transport>(
    v1: &Client<T>,
    v4: &Client<T>,
    address: &str,
) -> Result<String, AnyError> {
    let mut config = V1CallbackConfig {
        address: format!("{address}/v1"),
        actions: vec![V1Action::NormalEnd, V1Action::CallBusy],
    };
    println!("v1 set: {} for {}", config.address, names(&config.actions));
    println!("  <- stored {}", v1.v1_set_callback(&config).await?);
    println!("v1 get");
    show_v1(&v1.v1_get_callback().await?);

    config.address = format!("{address}/v1-updated");
    config.actions.push(V1Action::Reject);
    println!(
        "v1 update: {} for {}",
        config.address,
        names(&config.actions)
    );
    println!("  <- stored {}", v1.v1_update_callback(&config).await?);
    println!("v1 get");
    show_v1(&v1.v1_get_callback().await?);
    println!("v1 delete");
    v1.v1_delete_callback().await?;
    println!("  <- deleted");

    let config = V4CallbackConfig {
        url: format!("{address}/v4"),
        commands: vec![V4Command::AfterStartCall, V4Command::AfterEndCall],
    };
    println!("v4 set: {} for {}", config.url, names(&config.commands));
    v4.v4_set_callback(&config).await?;
    println!("  <- ok");
    println!("v4 get");
    show_v4(&v4.v4_get_callback().await?);
    println!("v4 delete");
    v4.v4_delete_callback().await?;
    println!("  <- deleted");
    Ok("ok: v1 set/get/update/get/delete and v4 set/get/delete all succeeded".into())
}

fn show_v1(config: &V1CallbackConfig) {
    println!("  <- {} for {}", config.address, names(&config.actions));
}

fn show_v4(config: &V4CallbackConfig) {
    println!("  <- {} for {}", config.url, names(&config.commands));
}

fn names<T: std::fmt::Display>(values: &[T]) -> String {
    let names: Vec<String> = values.iter().map(T::to_string).collect();
    names.join(", ")
}
