//! `callkit callback get | set | update | delete`: the app's callback configuration.
//!
//! v1 (`/v1/callback/*`, CallKit hosts) by default; `--v4` for `/v4/call_config/*` on a
//! Chat gateway, which has no `update` (its `set` overwrites). The server is a `--region`
//! or a `--base-url` (an emulator, a proxy). Output is a few readable lines, or with
//! `--json` one JSON object on stdout. An API error prints its code, message, request id
//! and random on stderr (exit 1); bad arguments, including an address the client refuses
//! before sending, exit 2. The key is never printed.

use callkit::core::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use callkit::core::endpoint::Generation;
use callkit::core::validate::callback_address_warnings;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::connection::{CallError, Connection};
use crate::{Failure, print_line};

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
    #[command(flatten)]
    connection: Connection,

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
    let client = target.connection.client(generation)?;
    if let CallbackCommand::Set(args) | CallbackCommand::Update(args) = &command {
        // Allowed, but probably not meant: say so before sending (credentials in the
        // address are refused outright, as invalid input).
        for warning in callback_address_warnings(&args.address) {
            eprintln!("callkit: warning: --address: {warning}");
        }
    }
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
    let config = outcome.map_err(|e| e.into_failure(&format!("callback {name} ({generation})")))?;
    print(target.json, name, generation, config)
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
            V1Action::Other(_) if is_v4_name(name.trim()) => Err(CallError::Usage(format!(
                "{name:?} is a v4 command, not a v1 action: did you mean --v4? (v1 actions \
                 are snake_case, e.g. normal_end, call_busy)"
            ))),
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

/// Whether `name` means a v4 callback command (`start`, `end`, `member-changed`, or a
/// `Call.CallbackAfter*` name).
fn is_v4_name(name: &str) -> bool {
    matches!(name, "start" | "end" | "member-changed")
        || !matches!(V4Command::parse(name), V4Command::Other(_))
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
