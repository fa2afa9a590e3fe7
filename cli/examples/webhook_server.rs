//! A CallKit webhook receiver: prints one JSON line per accepted callback on stdout,
//! rejections on stderr, and answers each callback the way CallKit expects.
//!
//! ```text
//! cargo run --example webhook_server -- --port 8080 --sdkappid 1400000000 --bind 0.0.0.0
//! ```
//!
//! The default `--bind 127.0.0.1` is reachable from this machine only; use `0.0.0.0` so
//! CallKit can reach it, normally behind a TLS terminator whose `https://` URL you
//! register (`--https` serves a self-signed certificate, for local tests only). The token
//! can also come from `CALLKIT_CALLBACK_TOKEN`, which keeps it out of `ps`.
//!
//! Several receivers behind one load balancer: give each `--redis redis://HOST:6379` (or
//! `CALLKIT_REDIS_URL`), and a callback CallKit delivers again to another receiver (after
//! a lost acknowledgement) is recognised there and printed once.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use callkit::webhook::{CallbackToken, Event, WebhookConfig, WebhookHandler, write_json_line};
use clap::Parser;

/// Receive CallKit callbacks and print them as JSON lines.
#[derive(Parser)]
struct Args {
    /// Port to listen on (0: any free port).
    #[arg(long)]
    port: u16,
    /// Your SDKAppID; callbacks for another app are refused with 403.
    #[arg(long)]
    sdkappid: u32,
    /// Callback token: require and check Sign/RequestTime (Chat-style; CallKit documents none).
    #[arg(long, env = "CALLKIT_CALLBACK_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Address to listen on (0.0.0.0: every interface).
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Serve HTTPS with a fresh self-signed certificate (local tests only).
    #[arg(long)]
    https: bool,
    /// Remember handled callbacks in this Redis (redis://host:port), shared by every
    /// receiver pointing at it, so that a redelivery is handed over once.
    #[arg(
        long,
        value_name = "URL",
        env = "CALLKIT_REDIS_URL",
        hide_env_values = true
    )]
    redis: Option<String>,
}

fn main() -> ExitCode {
    // Bad arguments: usage on stderr, exit status 2.
    let args = Args::parse();
    let mut config = WebhookConfig::new(args.sdkappid);
    if let Some(token) = args.token {
        config = config.with_token(CallbackToken::new(token));
    }
    let mut handler =
        WebhookHandler::new(config, print_event).on_rejected(|error| eprintln!("{error}"));
    if let Some(url) = &args.redis {
        match shared_memory(url, handler) {
            Ok(with_store) => handler = with_store,
            Err(message) => {
                eprintln!("webhook_server: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let server = handler.serve(SocketAddr::new(args.bind, args.port), args.https);
    match server {
        Ok(server) => {
            eprintln!("listening on {}", server.base_url());
            // The server runs on its own thread until the process is stopped.
            loop {
                std::thread::park();
            }
        }
        Err(error) => {
            eprintln!("webhook_server: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the event; when stdout is gone the error answers the callback with a 500, so
/// that CallKit delivers it again rather than the event being lost.
fn print_event(event: Event) -> std::io::Result<()> {
    write_json_line(&mut std::io::stdout().lock(), &event).inspect_err(|error| {
        eprintln!("webhook_server: cannot write to stdout: {error}");
    })
}

/// The handler with its memory of handled callbacks in the Redis at `url`.
fn shared_memory(url: &str, handler: WebhookHandler) -> Result<WebhookHandler, String> {
    let store =
        callkit::fleet::RedisDedupStore::new(url).map_err(|e| format!("bad --redis: {e}"))?;
    Ok(handler.dedup(store))
}
