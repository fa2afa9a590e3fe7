//! The quickstart: configure CallKit's callbacks with `callkit::Client`, end to end.
//!
//! Run: `cargo run --example quickstart`
//!
//! Without credentials it starts the CallKit emulator in this process over HTTPS (a
//! self-signed certificate the transport is told to trust, a fresh random key for a demo
//! SDKAppID) and runs v1 set, get, update, get, delete, then v4 set, get, delete.
//!
//! With `CALLKIT_SDKAPPID` and `CALLKIT_SECRET_KEY` it talks to Tencent: v1 calls go to
//! `CALLKIT_REGION` (default `callkit-intl`), v4 calls to `CALLKIT_CHAT_REGION` (default
//! `chat-singapore`), signed as `CALLKIT_ADMIN` (default `administrator`). It only reads
//! (v1 get, v4 get) unless `CALLKIT_ALLOW_WRITE=1` or `-- --write` is given: the write flow
//! overwrites the app's callback configurations (address `CALLKIT_CALLBACK_URL`) and ends
//! by deleting them.

use std::env;
use std::process::ExitCode;

use callkit::core::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use callkit::core::response::ApiErrorKind;
use callkit::emulator::EmulatorServer;
use callkit::{BaseUrl, Client, Error, Region, SecretKey, Server, SmolTransport};

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
    Ok("ok: read both callback configurations".into())
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
    write_flow(&client, &client, "https://app.example.com/callkit").await
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
