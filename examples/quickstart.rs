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
//! records (v1 and v4): it starts no call.

use std::env;
use std::process::ExitCode;

use callkit::core::call_engine::V4RobotCall;
use callkit::core::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use callkit::core::records::{V1CallId, V1RecordFilter, V4CallId, V4RecordFilter};
use callkit::core::response::ApiErrorKind;
use callkit::core::webhook::MediaType;
use callkit::emulator::EmulatorServer;
use callkit::{BaseUrl, Client, Error, Region, SecretKey, Server, SmolTransport};
use futures_lite::StreamExt;

type AnyError = Box<dyn std::error::Error>;
const DEMO_SDKAPPID: u32 = 1_400_000_000;

fn main() -> ExitCode {
    match smol::block_on(run()) {
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

async fn run() -> Result<String, AnyError> {
    let Ok(sdkappid) = env::var("CALLKIT_SDKAPPID") else {
        return against_emulator().await;
    };
    let sdkappid: u32 = sdkappid
        .parse()
        .map_err(|_| "CALLKIT_SDKAPPID is not a u32")?;
    let key = env::var("CALLKIT_SECRET_KEY")
        .map_err(|_| "CALLKIT_SDKAPPID is set: set CALLKIT_SECRET_KEY too")?;
    let key = SecretKey::new(key)?;
    let admin = env::var("CALLKIT_ADMIN").unwrap_or_else(|_| "administrator".into());
    let region = |var, default: Region| match env::var(var) {
        Ok(name) => name
            .parse::<Region>()
            .map_err(|_| format!("{var}: unknown region")),
        Err(_) => Ok(default),
    };
    let (v1_region, v4_region) = (
        region("CALLKIT_REGION", Region::CallkitIntl)?,
        region("CALLKIT_CHAT_REGION", Region::ChatSingapore)?,
    );
    println!("Tencent: app {sdkappid}, admin {admin:?}, v1 at {v1_region:?}, v4 at {v4_region:?}");
    let transport = SmolTransport::new()?;
    let client = |server: Server| {
        Client::builder(sdkappid, key.clone(), server)
            .admin(admin.clone())
            .on_attempt(|a| println!("    ({} random {}, attempt {})", a.path, a.random, a.number))
            .build(transport.clone())
    };
    let (v1, v4) = (client(v1_region.into())?, client(v4_region.into())?);
    let write = env::var("CALLKIT_ALLOW_WRITE").is_ok_and(|v| v == "1")
        || env::args().any(|arg| arg == "--write");
    if write {
        let address = env::var("CALLKIT_CALLBACK_URL")
            .unwrap_or_else(|_| "https://app.example.com/callkit".into());
        return write_flow(&v1, &v4, &address).await;
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
