//! `callkit usersig gen | verify`: UserSigs and PrivateMapKeys from the command line.
//!
//! `gen` prints the signature and a newline, nothing else, so that `$(callkit usersig gen ..)`
//! captures exactly the credential. `verify` prints what the signature says as one JSON
//! object, or the reason it is refused on stderr (exit 1). Neither ever prints the key, and
//! no error message contains the signature text.

use std::time::{SystemTime, UNIX_EPOCH};

use callkit::core::usersig::{
    DEFAULT_EXPIRE, Privileges, Room, RoomId, Signer, Verified, VerifiedPrivateMapKey, VerifyError,
};
use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use crate::{Failure, KeyArg, print_line};

/// The `usersig` command family.
#[derive(Debug, Subcommand)]
pub(crate) enum UsersigCommand {
    /// Print a UserSig, or a PrivateMapKey when a room is given, followed by a newline.
    Gen(GenArgs),
    /// Check a UserSig (or a PrivateMapKey, when a room is given) and print its fields as JSON.
    ///
    /// Exit status: 0 valid (JSON on stdout), 1 not valid (reason on stderr), 2 bad arguments.
    Verify(VerifyArgs),
}

/// What both commands need: whose signature, which key, and what time it is.
#[derive(Debug, Args)]
struct Common {
    /// The application's SDKAppID (1 ..= 4294967295).
    #[arg(long, value_name = "N")]
    sdkappid: u32,

    /// The user id the signature is for.
    #[arg(long, value_name = "ID")]
    identifier: String,

    #[command(flatten)]
    key: KeyArg,

    /// The current time as Unix seconds [default: the system clock].
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,
}

/// The room of a PrivateMapKey: a number or a string, never both.
#[derive(Debug, Args)]
#[group(id = "room", multiple = false)]
struct RoomArgs {
    /// A numeric room id: makes it a PrivateMapKey for that room.
    #[arg(long, value_name = "N")]
    room_id: Option<u32>,

    /// A string room id: makes it a PrivateMapKey for that room.
    #[arg(long, value_name = "S")]
    room_str: Option<String>,
}

impl RoomArgs {
    fn room(&self) -> Option<Room<'_>> {
        match (self.room_id, self.room_str.as_deref()) {
            (Some(id), _) => Some(Room::Numeric(id)),
            (None, Some(name)) => Some(Room::Named(name)),
            (None, None) => None,
        }
    }
}

/// Arguments of `usersig gen`.
#[derive(Debug, Args)]
pub(crate) struct GenArgs {
    #[command(flatten)]
    common: Common,

    /// Lifetime in seconds, at least 1 (15552000 is 180 days).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_EXPIRE,
          value_parser = clap::value_parser!(u64).range(1..))]
    expire: u64,

    #[command(flatten)]
    room: RoomArgs,

    /// PrivateMapKey privilege bits, decimal or 0x hex [default: 255, all]. Needs a room.
    #[arg(long, value_name = "MASK", requires = "room", value_parser = parse_mask)]
    privileges: Option<u32>,
}

/// Arguments of `usersig verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    common: Common,

    /// The UserSig (or PrivateMapKey) to check.
    #[arg(long, value_name = "SIG")]
    usersig: String,

    #[command(flatten)]
    room: RoomArgs,
}

/// Runs one `usersig` command.
pub(crate) fn run(command: UsersigCommand) -> Result<(), Failure> {
    match command {
        UsersigCommand::Gen(args) => generate(&args),
        UsersigCommand::Verify(args) => verify(&args),
    }
}

fn generate(args: &GenArgs) -> Result<(), Failure> {
    let (signer, now) = setup(&args.common)?;
    let identifier = args.common.identifier.as_str();
    let sig = match args.room.room() {
        None => signer.user_sig(identifier, args.expire, now),
        Some(room) => {
            let privileges = Privileges::from_bits(args.privileges.unwrap_or(0xFF));
            signer.private_map_key(identifier, room, privileges, args.expire, now)
        }
    }
    .map_err(|e| Failure::Usage(format!("cannot generate: {e}")))?;
    print_line(sig.as_str())
}

fn verify(args: &VerifyArgs) -> Result<(), Failure> {
    let (signer, now) = setup(&args.common)?;
    let identifier = args.common.identifier.as_str();
    let report = match args.room.room() {
        None => signer
            .verify_user_sig(identifier, &args.usersig, now)
            .map(|verified| user_sig_report(&signer, identifier, &verified)),
        Some(room) => signer
            .verify_private_map_key(identifier, room, &args.usersig, now)
            .map(|verified| private_map_key_report(&signer, identifier, &verified)),
    };
    let what = if args.room.room().is_some() {
        "PrivateMapKey"
    } else {
        "UserSig"
    };
    let report = report.map_err(|e| {
        Failure::Rejected(format!("invalid {what}: {}", explain(&e, identifier, now)))
    })?;
    print_line(&Value::Object(report).to_string())
}

/// The verifier's reason in the terms of the command line: which flag disagrees with the
/// signature, and times as dates as well as Unix seconds.
fn explain(error: &VerifyError, identifier: &str, now: u64) -> String {
    match error {
        VerifyError::IdentifierMismatch => {
            format!("the identifier does not match: it was not made for --identifier {identifier}")
        }
        VerifyError::SdkAppIdMismatch { expected, found } => format!(
            "the SDKAppID does not match: --sdkappid is {expected}, the signature is for {found}"
        ),
        VerifyError::Expired { expires_at } => format!(
            "it expired at {} (Unix {expires_at}), {} before --now/the clock ({})",
            utc(*expires_at),
            duration(now.saturating_sub(*expires_at)),
            utc(now),
        ),
        other => other.to_string(),
    }
}

/// Unix seconds as an RFC 3339 UTC time (`2024-01-31T08:00:00Z`).
fn utc(unix: u64) -> String {
    let (days, secs) = (unix / 86_400, unix % 86_400);
    // Days since 1970-01-01 to a civil date (proleptic Gregorian), in 400-year eras.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A span of seconds in its two largest units (`3d 4h`, `5m 2s`).
fn duration(secs: u64) -> String {
    let units = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")];
    let mut parts = Vec::new();
    let mut rest = secs;
    for (size, name) in units {
        if rest >= size && parts.len() < 2 {
            parts.push(format!("{}{name}", rest / size));
            rest %= size;
        } else if !parts.is_empty() {
            break;
        }
    }
    if parts.is_empty() {
        "0s".to_owned()
    } else {
        parts.join(" ")
    }
}

/// The key (flag, else environment), the signer and the time, or a usage failure.
fn setup(common: &Common) -> Result<(Signer, u64), Failure> {
    let key = common.key.secret_key()?;
    let signer = Signer::new(common.sdkappid, &key)
        .map_err(|e| Failure::Usage(format!("bad --sdkappid: {e}")))?;
    let now = match common.now {
        Some(now) => now,
        None => system_now()?,
    };
    Ok((signer, now))
}

fn system_now() -> Result<u64, Failure> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Failure::Usage("the system clock is before 1970; pass --now".into()))
}

fn user_sig_report(signer: &Signer, identifier: &str, verified: &Verified) -> Map<String, Value> {
    let mut report = Map::new();
    report.insert("kind".into(), json!("usersig"));
    report.insert("sdkappid".into(), json!(signer.sdkappid()));
    report.insert("identifier".into(), json!(identifier));
    report.insert("time".into(), json!(verified.time));
    report.insert("expire".into(), json!(verified.expire));
    report.insert("expires_at".into(), json!(verified.expires_at));
    report.insert("expires_at_utc".into(), json!(utc(verified.expires_at)));
    report
}

fn private_map_key_report(
    signer: &Signer,
    identifier: &str,
    verified: &VerifiedPrivateMapKey,
) -> Map<String, Value> {
    let mut report = user_sig_report(signer, identifier, &verified.verified);
    report.insert("kind".into(), json!("private_map_key"));
    let grant = &verified.grant;
    report.insert("account".into(), json!(grant.account));
    match &grant.room {
        RoomId::Numeric(id) => report.insert("room_id".into(), json!(id)),
        RoomId::Named(name) => report.insert("room_str".into(), json!(name)),
    };
    report.insert("privileges".into(), json!(grant.privileges.bits()));
    // The userbuf carries its own absolute expiry (32-bit); shown as is.
    report.insert("grant_expires_at".into(), json!(grant.expires_at));
    report
}

/// A 32-bit mask in decimal or `0x` hexadecimal.
fn parse_mask(text: &str) -> Result<u32, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => text.parse::<u32>(),
    };
    parsed.map_err(|_| "expected a 32-bit number, decimal or 0x hex".into())
}

#[cfg(test)]
mod tests {
    use super::{duration, parse_mask, utc};

    #[test]
    fn unix_seconds_read_as_utc_dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(utc(u64::from(u32::MAX)), "2106-02-07T06:28:15Z");
    }

    #[test]
    fn spans_show_their_two_largest_units() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(59), "59s");
        assert_eq!(duration(3_601), "1h");
        assert_eq!(duration(90_061), "1d 1h");
        assert_eq!(duration(125), "2m 5s");
    }

    #[test]
    fn masks_parse_in_decimal_and_hex() {
        assert_eq!(parse_mask("255"), Ok(255));
        assert_eq!(parse_mask("0x2A"), Ok(42));
        assert_eq!(parse_mask("0XfF"), Ok(255));
        assert_eq!(parse_mask("0xFFFFFFFF"), Ok(u32::MAX));
        for bad in ["", "0x", "-1", "0x1_0", "4294967296", "+0x1", "ff"] {
            assert!(parse_mask(bad).is_err(), "{bad}");
        }
    }
}
