//! `callkit callback get | set | update | delete`: the app's callback configuration.
//!
//! v1 (`/v1/callback/*`, CallKit hosts) by default; `--v4` for `/v4/call_config/*` on a
//! Chat gateway, which has no `update` (its `set` overwrites). The server is a `--region`
//! or a `--base-url` (an emulator, a proxy). Output is a few readable lines, or with
//! `--json` one JSON object on stdout. An API error prints its code, message, request id
//! and random on stderr (exit 1); bad arguments, including an address the client refuses
//! before sending, exit 2. The key is never printed.

use std::path::PathBuf;

use callkit::core::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use callkit::core::endpoint::Generation;
use callkit::{BaseUrl, Client, Error, Region, Server, SmolTransport};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::{Failure, KeyArg, print_line};

/// The `callback` command family.
#[derive(Debug, Subcommand)]
pub(crate) enum CallbackCommand {
    /// Print the callback configuration (exit 1 with code 999 / 100301 when there is none).
    Get(Target),
    /// Create the callback configuration, replacing any.
    Set(ConfigArgs),
    /// Replace the v1 callback configuration (fails with 999 when none was set). v4 has no
    /// update: use `set --v4`, which overwrites.
    Update(ConfigArgs),
    /// Remove the callback configuration.
    Delete(Target),
}

/// Which app, which server, which key, which API generation, which output.
#[derive(Debug, Args)]
pub(crate) struct Target {
    /// The application's SDKAppID.
    #[arg(long, value_name = "N")]
    sdkappid: u32,

    /// The app administrator the request is signed as.
    #[arg(long, value_name = "ID", default_value = "administrator")]
    admin: String,

    /// A documented host: callkit-intl or callkit-china (v1), chat-china, chat-singapore,
    /// chat-seoul, chat-frankfurt, chat-silicon-valley, chat-jakarta or chat-mumbai (v4).
    #[arg(long, value_name = "NAME", value_parser = parse_region,
          required_unless_present = "base_url", conflicts_with = "base_url")]
    region: Option<Region>,

    /// A custom base URL (an emulator or a proxy) instead of a region.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,

    /// Allow a plain-http --base-url on loopback (127.0.0.1, ::1, localhost) only.
    #[arg(long, requires = "base_url")]
    allow_http: bool,

    /// A PEM certificate to trust besides the webpki roots (e.g. the emulator's).
    #[arg(long, value_name = "PATH")]
    ca_cert: Option<PathBuf>,

    #[command(flatten)]
    key: KeyArg,

    /// Use the v4 API (`/v4/call_config/*`) instead of v1.
    #[arg(long)]
    v4: bool,

    /// Print one JSON object on stdout instead of readable lines.
    #[arg(long)]
    json: bool,
}

/// Arguments of `set` and `update`.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    #[command(flatten)]
    target: Target,

    /// The callback URL (http or https; https recommended).
    #[arg(long, value_name = "URL")]
    address: String,

    /// An action to receive (repeatable or comma-separated). v1: snake_case names such as
    /// normal_end, call_busy. v4: Call.CallbackAfterStartCall, Call.CallbackAfterEndCall,
    /// Call.CallbackAfterMemberChanged, or short: start, end, member-changed.
    #[arg(long, value_name = "A", value_delimiter = ',', required = true)]
    action: Vec<String>,
}

/// Runs one `callback` command.
pub(crate) fn run(command: CallbackCommand) -> Result<(), Failure> {
    let (name, target) = match &command {
        CallbackCommand::Get(target) => ("get", target),
        CallbackCommand::Delete(target) => ("delete", target),
        CallbackCommand::Set(args) => ("set", &args.target),
        CallbackCommand::Update(args) => ("update", &args.target),
    };
    if target.v4 && name == "update" {
        return Err(Failure::Usage(
            "the v4 API has no update: `callback set --v4` overwrites the configuration".into(),
        ));
    }
    let generation = if target.v4 {
        Generation::V4
    } else {
        Generation::V1
    };
    let client = client(target, generation)?;
    let outcome: Result<Report, CallError> = smol::block_on(async {
        Ok(match (&command, target.v4) {
            (CallbackCommand::Get(_), false) => v1_report(&client.v1_get_callback().await?),
            (CallbackCommand::Get(_), true) => v4_report(&client.v4_get_callback().await?),
            (CallbackCommand::Set(args), false) | (CallbackCommand::Update(args), _) => {
                let config = v1_config(args)?;
                // The service answers with the address it stored.
                let stored = if matches!(command, CallbackCommand::Set(_)) {
                    client.v1_set_callback(&config).await?
                } else {
                    client.v1_update_callback(&config).await?
                };
                v1_report(&V1CallbackConfig {
                    address: stored,
                    ..config
                })
            }
            (CallbackCommand::Set(args), true) => {
                let config = v4_config(args)?;
                client.v4_set_callback(&config).await?;
                v4_report(&config)
            }
            (CallbackCommand::Delete(_), false) => {
                client.v1_delete_callback().await?;
                None
            }
            (CallbackCommand::Delete(_), true) => {
                client.v4_delete_callback().await?;
                None
            }
        })
    });
    let config = outcome.map_err(|e| e.into_failure(name, generation))?;
    print(target.json, name, generation, config)
}

/// What a call fails with: an argument the CLI refuses, or the client's error.
enum CallError {
    Usage(String),
    Client(Error),
}

impl From<Error> for CallError {
    fn from(error: Error) -> Self {
        CallError::Client(error)
    }
}

impl CallError {
    fn into_failure(self, name: &str, generation: Generation) -> Failure {
        let error = match self {
            CallError::Usage(message) => return Failure::Usage(message),
            CallError::Client(error) => error,
        };
        let api = if generation == Generation::V4 {
            "v4"
        } else {
            "v1"
        };
        // Refused before sending (a bad address, a bad admin id): a bad argument.
        if let Error::InvalidInput(_) = error {
            return Failure::Usage(error.to_string());
        }
        let mut message = format!("callback {name} ({api}) failed: {error}");
        if let Some(detail) = error.api() {
            message.push_str(&format!(
                "\n  code: {} ({})\n  message: {}\n  request id: {}\n  random: {}",
                detail.code,
                detail.kind.describe(),
                detail.message,
                detail.request_id.as_deref().unwrap_or("none"),
                detail.random
            ));
        } else if let Some(random) = error.random() {
            message.push_str(&format!("\n  random: {random}"));
        }
        Failure::Rejected(message)
    }
}

/// The address and actions of a configuration, generation-neutral, for printing.
type Report = Option<(String, Vec<String>)>;

fn v1_report(config: &V1CallbackConfig) -> Report {
    let actions = config.actions.iter().map(|a| a.as_str().to_owned());
    Some((config.address.clone(), actions.collect()))
}

fn v4_report(config: &V4CallbackConfig) -> Report {
    let commands = config.commands.iter().map(|c| c.as_str().to_owned());
    Some((config.url.clone(), commands.collect()))
}

fn v1_config(args: &ConfigArgs) -> Result<V1CallbackConfig, CallError> {
    let actions = args
        .action
        .iter()
        .map(|name| match V1Action::parse(name.trim()) {
            V1Action::Other(_) => Err(CallError::Usage(format!(
                "unknown v1 action {name:?}; known: {}",
                known(V1Action::ALL.iter().map(V1Action::as_str))
            ))),
            action => Ok(action),
        });
    Ok(V1CallbackConfig {
        address: args.address.clone(),
        actions: actions.collect::<Result<_, _>>()?,
    })
}

fn v4_config(args: &ConfigArgs) -> Result<V4CallbackConfig, CallError> {
    let commands = args.action.iter().map(|name| {
        let command = match name.trim() {
            "start" => V4Command::AfterStartCall,
            "end" => V4Command::AfterEndCall,
            "member-changed" => V4Command::AfterMemberChanged,
            full => V4Command::parse(full),
        };
        match command {
            V4Command::Other(_) => Err(CallError::Usage(format!(
                "unknown v4 command {name:?}; known: {} (or start, end, member-changed)",
                known(V4Command::ALL.iter().map(V4Command::as_str))
            ))),
            command => Ok(command),
        }
    });
    Ok(V4CallbackConfig {
        url: args.address.clone(),
        commands: commands.collect::<Result<_, _>>()?,
    })
}

fn known<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

/// The client for `target`: its server, transport (with the extra root) and key.
fn client(target: &Target, generation: Generation) -> Result<Client<SmolTransport>, Failure> {
    let server = match (&target.region, &target.base_url) {
        (Some(region), _) => {
            if region.generation() != generation {
                let wanted = if target.v4 {
                    "a chat-* region"
                } else {
                    "callkit-intl or callkit-china"
                };
                return Err(Failure::Usage(format!(
                    "region {} does not serve this API: use {wanted}",
                    region.name()
                )));
            }
            Server::from(*region)
        }
        (None, Some(url)) => Server::from(base_url(url, target.allow_http)?),
        (None, None) => return Err(Failure::Usage("pass --region or --base-url".into())),
    };
    let mut transport = SmolTransport::builder().allow_http(target.allow_http);
    if let Some(path) = &target.ca_cert {
        let pem = std::fs::read(path).map_err(|e| {
            Failure::Usage(format!("cannot read --ca-cert {}: {e}", path.display()))
        })?;
        transport = transport.add_root_certificate_pem(pem);
    }
    let transport = transport
        .build()
        .map_err(|e| Failure::Usage(format!("cannot build the HTTPS transport: {e}")))?;
    let key = target.key.secret_key()?;
    Client::builder(target.sdkappid, key, server)
        .admin(target.admin.clone())
        .build(transport)
        .map_err(|e| Failure::Usage(e.to_string()))
}

/// A `--base-url`: https, or http on loopback with `--allow-http`.
fn base_url(url: &str, allow_http: bool) -> Result<BaseUrl, Failure> {
    let bad = |e: &dyn std::fmt::Display| Failure::Usage(format!("bad --base-url: {e}"));
    if !allow_http {
        return BaseUrl::parse(url).map_err(|e| bad(&e));
    }
    let parsed = BaseUrl::parse_allow_http(url).map_err(|e| bad(&e))?;
    let host = url
        .parse::<http::Uri>()
        .ok()
        .and_then(|uri| uri.host().map(str::to_owned))
        .unwrap_or_default();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]" | "::1");
    if parsed.as_str().starts_with("http://") && !loopback {
        return Err(bad(&"--allow-http is for loopback hosts only"));
    }
    Ok(parsed)
}

fn print(json: bool, name: &str, generation: Generation, config: Report) -> Result<(), Failure> {
    let api = if generation == Generation::V4 {
        "v4"
    } else {
        "v1"
    };
    let text = match (json, config) {
        (true, Some((address, actions))) => {
            json!({"api": api, "operation": name, "address": address, "actions": actions})
                .to_string()
        }
        (true, None) => json!({"api": api, "operation": name, "deleted": true}).to_string(),
        (false, Some((address, actions))) => {
            let verb = if name == "get" {
                "configured"
            } else {
                "stored"
            };
            format!(
                "{api} {verb}\naddress: {address}\nactions: {}",
                actions.join(", ")
            )
        }
        (false, None) => format!("{api} callback configuration deleted"),
    };
    print_line(&text)
}

fn parse_region(name: &str) -> Result<Region, String> {
    name.parse::<Region>().map_err(|_| {
        let names: Vec<&str> = Region::ALL.iter().map(|r| r.name()).collect();
        format!("unknown region; known: {}", names.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_http_is_for_loopback_only() {
        assert!(base_url("http://127.0.0.1:8080", true).is_ok());
        assert!(base_url("http://localhost:8080", true).is_ok());
        assert!(base_url("http://example.com", true).is_err());
        assert!(base_url("http://127.0.0.1:8080", false).is_err());
        assert!(base_url("https://example.com", false).is_ok());
    }
}
