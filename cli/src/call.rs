//! `callkit call info | end | start-robot`: the v4 call engine
//! (`/v4/call_engine_http_srv/*`, Chat gateways only).
//!
//! `start-robot` prints the new call id (with `--json`, one object with the id and each
//! callee's result). It is not retry safe: when the request may have reached the service
//! but no answer came back, it is not resent and the error says so (exit 1). Ending a
//! call that already ended fails with code 101004, reported as such. Exit 0 on success,
//! 1 on an API error (code, message, request id, random on stderr), 2 on bad arguments
//! (nothing sent).

use callkit::core::call_engine::V4RobotCall;
use callkit::core::endpoint::Generation;
use callkit::core::records::V4CallId;
use callkit::core::response::ApiErrorKind;
use callkit::core::webhook::MediaType;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use crate::connection::{CallError, Connection};
use crate::{Failure, print_line};

/// The `call` command family.
#[derive(Debug, Subcommand)]
pub(crate) enum CallCommand {
    /// Print a live call's state and its members (exit 1, code 101004, once it ended).
    Info(InfoArgs),
    /// End a live call.
    End(EndArgs),
    /// Start a call from a robot account to one or more callees; prints the call id.
    StartRobot(RobotArgs),
}

/// Arguments of `call info`.
#[derive(Debug, Args)]
pub(crate) struct InfoArgs {
    #[command(flatten)]
    connection: Connection,

    /// The call's id.
    #[arg(long, value_name = "ID")]
    call_id: String,

    /// Print one JSON object instead of readable lines.
    #[arg(long)]
    json: bool,
}

/// Arguments of `call end`.
#[derive(Debug, Args)]
pub(crate) struct EndArgs {
    #[command(flatten)]
    connection: Connection,

    /// The call's id.
    #[arg(long, value_name = "ID")]
    call_id: String,
}

/// Arguments of `call start-robot`.
#[derive(Debug, Args)]
pub(crate) struct RobotArgs {
    #[command(flatten)]
    connection: Connection,

    /// The robot's UserID (the caller).
    #[arg(long, value_name = "ID")]
    robot: String,

    /// A callee's UserID (repeatable).
    #[arg(long, value_name = "ID", required = true)]
    callee: Vec<String>,

    /// How long the callees ring, in milliseconds (10000 to 600000).
    #[arg(long, value_name = "N")]
    timeout_ms: u32,

    /// Audio or video.
    #[arg(long, value_enum, default_value = "audio")]
    media: Media,

    /// A numeric room id (RoomIdType 1).
    #[arg(long, value_name = "N", conflicts_with = "room_str")]
    room_id: Option<u32>,

    /// A string room id (RoomIdType 2).
    #[arg(long, value_name = "S")]
    room_str: Option<String>,

    /// Data passed to the callees with the invitation (at most 1000 bytes).
    #[arg(long, value_name = "S")]
    user_data: Option<String>,

    /// Print one JSON object instead of the call id alone.
    #[arg(long)]
    json: bool,
}

/// `--media`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Media {
    /// An audio call.
    Audio,
    /// A video call.
    Video,
}

/// Runs one `call` command.
pub(crate) fn run(command: CallCommand) -> Result<(), Failure> {
    match command {
        CallCommand::Info(args) => info(&args),
        CallCommand::End(args) => end(&args),
        CallCommand::StartRobot(args) => start_robot(&args),
    }
}

fn call_id(text: &str) -> Result<V4CallId, Failure> {
    if text.is_empty() {
        return Err(Failure::Usage("--call-id is empty".into()));
    }
    Ok(V4CallId::new(text))
}

fn info(args: &InfoArgs) -> Result<(), Failure> {
    let id = call_id(&args.call_id)?;
    let client = args.connection.client(Generation::V4)?;
    let info = smol::block_on(client.v4_get_call_info(&id))
        .map_err(|e| CallError::from(e).into_failure("call info"))?;
    let text = if args.json {
        serde_json::to_string(&info).unwrap_or_default()
    } else {
        let mut text = format!(
            "call {} {} room {:?} (type {})",
            info.call.call_id,
            info.call.media_type.as_v4_str(),
            info.call.room_id,
            info.call.room_id_type.code()
        );
        for user in &info.users {
            text.push_str(&format!("\n{} {}", user.user, user.status.as_v4_str()));
        }
        text
    };
    print_line(&text)
}

fn end(args: &EndArgs) -> Result<(), Failure> {
    let id = call_id(&args.call_id)?;
    let client = args.connection.client(Generation::V4)?;
    match smol::block_on(client.v4_end_call(&id)) {
        Ok(()) => print_line(&format!("call {} ended", id.call_id)),
        Err(error) if error.kind() == Some(ApiErrorKind::CallNotFound) => {
            Err(CallError::from(error).into_failure(&format!(
                "call end (call {} has already ended or does not exist)",
                id.call_id
            )))
        }
        Err(error) => Err(CallError::from(error).into_failure("call end")),
    }
}

fn start_robot(args: &RobotArgs) -> Result<(), Failure> {
    let media = match args.media {
        Media::Audio => MediaType::Audio,
        Media::Video => MediaType::Video,
    };
    let mut call = V4RobotCall::new(&args.robot, &args.callee, args.timeout_ms, media);
    call.user_data = args.user_data.clone();
    if let Some(room) = args.room_id {
        call.call_info.numeric_room(room);
    }
    if let Some(room) = &args.room_str {
        call.call_info.text_room(room);
    }
    let client = args.connection.client(Generation::V4)?;
    // Validation failures come back as InvalidInput: exit 2, nothing sent.
    let started = smol::block_on(client.v4_start_call_by_robot(&call))
        .map_err(|e| CallError::from(e).into_failure("call start-robot"))?;
    let text = if args.json {
        json!({
            "call_id": started.call_id,
            "callees": started.callees.iter().map(|c| json!({"callee": c.callee, "code": c.code})).collect::<Vec<_>>(),
        })
        .to_string()
    } else {
        match &started.call_id {
            Some(id) => id.clone(),
            None => {
                return Err(Failure::Rejected(
                    "call start-robot: the service accepted the call but returned no call id"
                        .into(),
                ));
            }
        }
    };
    print_line(&text)
}
