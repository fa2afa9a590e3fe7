//! `callkit records get | list`: call records, v1 (`/v1/records/*`) by default or v4
//! (`/v4/call_record_http_srv/*`) with `--v4`.
//!
//! `get` prints one record; `list` one page (`--page N`, default 1) or every page
//! (`--all`). Readable lines, or with `--json` one JSON object per record, one a line,
//! in the generation's own shape. Exit 0 on success, 1 on an API error (code, message,
//! request id, random on stderr), 2 on bad arguments (nothing sent).

use callkit::core::endpoint::Generation;
use callkit::core::records::{
    RETENTION_SECS, V1CallId, V1Record, V1RecordFilter, V4CallId, V4Record, V4RecordFilter,
};
use callkit::core::text::Text;
use callkit::core::webhook::{CallResult, CallType};
use callkit::{Client, SmolTransport};
use clap::{Args, Subcommand};
use futures_lite::StreamExt;
use serde::Serialize;

use crate::connection::{CallError, Connection};
use crate::{Failure, print_line};

/// The `records` command family.
#[derive(Debug, Subcommand)]
pub(crate) enum RecordsCommand {
    /// Print one call's record (the last 7 days only).
    Get(GetArgs),
    /// List the records of calls started in a time range (the last 7 days only).
    List(ListArgs),
}

/// Arguments of `records get`.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    #[command(flatten)]
    connection: Connection,

    /// The call's id.
    #[arg(long, value_name = "ID")]
    call_id: String,

    /// Use the v4 API instead of v1.
    #[arg(long)]
    v4: bool,

    /// Print one JSON object instead of readable lines.
    #[arg(long)]
    json: bool,
}

/// Arguments of `records list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    connection: Connection,

    /// Use the v4 API instead of v1.
    #[arg(long)]
    v4: bool,

    /// Calls started at or after this Unix time, in seconds (default: 7 days ago).
    #[arg(long, value_name = "UNIX")]
    since: Option<u64>,

    /// Calls started at or before this Unix time, in seconds (default: the service's).
    #[arg(long, value_name = "UNIX")]
    until: Option<u64>,

    /// Only calls that ended so: cancel, reject, not_answer, normal_end, call_busy,
    /// interrupt, offline (either generation's spelling).
    #[arg(long, value_name = "R", value_parser = parse_result)]
    result: Option<CallResult>,

    /// Only calls of this type: single or group (or SingleCall, MultiCall).
    #[arg(long = "type", value_name = "T", value_parser = parse_type)]
    call_type: Option<CallType>,

    /// Records per page (v1 default 100, v4 default 10).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    per_page: Option<u32>,

    /// Which page, from 1 (default 1).
    #[arg(long, value_name = "N", conflicts_with = "all",
          value_parser = clap::value_parser!(u32).range(1..))]
    page: Option<u32>,

    /// Every page, one request each.
    #[arg(long)]
    all: bool,

    /// One JSON object per record, one a line, instead of readable lines.
    #[arg(long)]
    json: bool,
}

/// Runs one `records` command.
pub(crate) fn run(command: RecordsCommand) -> Result<(), Failure> {
    match command {
        RecordsCommand::Get(args) => get(&args),
        RecordsCommand::List(args) => list(&args),
    }
}

fn generation(v4: bool) -> Generation {
    if v4 { Generation::V4 } else { Generation::V1 }
}

fn get(args: &GetArgs) -> Result<(), Failure> {
    if args.call_id.is_empty() {
        return Err(Failure::Usage("--call-id is empty".into()));
    }
    let generation = generation(args.v4);
    let client = args.connection.client(generation)?;
    let what = format!("records get ({generation})");
    let line = smol::block_on(async {
        Ok::<_, CallError>(if args.v4 {
            let record = client
                .v4_get_record_by_call_id(&V4CallId::new(&args.call_id))
                .await?;
            render(args.json, &record, v4_text(&record))
        } else {
            let record = client
                .v1_get_record_by_call_id(&V1CallId::new(&args.call_id))
                .await?;
            render(args.json, &record, v1_text(&record))
        })
    })
    .map_err(|e| e.into_failure(&what))?;
    print_line(&line)
}

fn list(args: &ListArgs) -> Result<(), Failure> {
    if let (Some(since), Some(until)) = (args.since, args.until)
        && since > until
    {
        return Err(Failure::Usage(format!(
            "--since {since} is after --until {until}"
        )));
    }
    let generation = generation(args.v4);
    let client = args.connection.client(generation)?;
    let what = format!("records list ({generation})");
    let page = if args.all {
        None
    } else {
        Some(args.page.unwrap_or(1))
    };
    smol::block_on(async {
        if args.v4 {
            let filter = V4RecordFilter {
                start_secs: args.since,
                end_secs: args.until,
                call_result: args.result.clone(),
                call_type: args.call_type.clone(),
                per_page: args.per_page,
                page,
            };
            walk(&client, filter, args.all, |r: &V4Record| {
                render(args.json, r, v4_text(r))
            })
            .await
        } else {
            // v1 requires a start; the service keeps 7 days.
            let since = args
                .since
                .unwrap_or_else(|| unix_now().saturating_sub(RETENTION_SECS));
            let filter = V1RecordFilter {
                end_secs: args.until,
                call_result: args.result.clone(),
                call_type: args.call_type.clone(),
                per_page: args.per_page,
                page,
                ..V1RecordFilter::since(since)
            };
            walk(&client, filter, args.all, |r: &V1Record| {
                render(args.json, r, v1_text(r))
            })
            .await
        }
    })
    .map_err(|e| e.into_failure(&what))
}

/// Prints the records of one page, or with `all` of every page as they arrive.
async fn walk<F>(
    client: &Client<SmolTransport>,
    filter: F,
    all: bool,
    line: impl Fn(&F::Record) -> String,
) -> Result<(), CallError>
where
    F: callkit::core::records::PagedFilter,
{
    if all {
        let mut records = std::pin::pin!(client.records(filter, None));
        while let Some(record) = records.next().await {
            print_line(&line(&record?)).map_err(CallError::Output)?;
        }
    } else {
        let page = client.call::<F::Endpoint>(&filter).await?;
        let (_, records) = F::split(page);
        for record in &records {
            print_line(&line(record)).map_err(CallError::Output)?;
        }
    }
    Ok(())
}

fn render<T: Serialize>(json: bool, record: &T, text: String) -> String {
    if json {
        serde_json::to_string(record).unwrap_or_default()
    } else {
        text
    }
}

fn v1_text(r: &V1Record) -> String {
    let kind = [
        r.call_type.as_v1_str(),
        r.media_type.as_v1_str(),
        r.call_result.as_v1_str(),
    ];
    let times = [r.start_call_secs, r.accept_secs, r.end_secs];
    text(&r.call_id, kind, &r.caller, &r.callees, times, &r.room_id)
}

fn v4_text(r: &V4Record) -> String {
    let kind = [
        r.call_type.as_v4_str(),
        r.media_type.as_v4_str(),
        r.call_result.as_v4_str(),
    ];
    let times = [r.start_secs, r.accept_secs, r.end_secs];
    text(&r.call_id, kind, &r.caller, &r.callees, times, &r.room_id)
}

/// One readable line per record: id, type, media, result, who called whom, the start,
/// accept and end times (Unix seconds), and the room.
fn text(
    call_id: &str,
    [call_type, media, result]: [&str; 3],
    caller: &str,
    callees: &[Text],
    [start, accept, end]: [u64; 3],
    room: &str,
) -> String {
    format!(
        "{call_id} {call_type} {media} {result} {caller} -> {} start {start} accept {accept} end {end} room {room}",
        callees.join(",")
    )
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn parse_result(text: &str) -> Result<CallResult, String> {
    match CallResult::from_wire(text) {
        CallResult::Other(_) => Err(
            "unknown call result; known: cancel, reject, not_answer, normal_end, call_busy, interrupt, offline"
                .into(),
        ),
        known => Ok(known),
    }
}

fn parse_type(text: &str) -> Result<CallType, String> {
    match CallType::from_wire(text) {
        CallType::Other(_) => Err("unknown call type; known: single, group".into()),
        known => Ok(known),
    }
}
