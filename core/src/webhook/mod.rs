//! The callbacks (webhooks) CallKit POSTs to the app, of both generations, as typed
//! events: parsing and checking a received request ([`parse`]), the reply to send
//! ([`reply_for`], [`WebhookError::response`]) and, for the emulator, writing a callback
//! the way CallKit sends it ([`build`]). No I/O: the request arrives as method, raw query
//! and body bytes, and `now` is an argument.
//!
//! | generation | query | commands |
//! |---|---|---|
//! | v1 (spec §6.1, §6.2) | `sdkappid, command, contenttype, clientip, optplatform` | the 25 [`V1Action`]s |
//! | v4 (spec §6.3–6.6) | `SdkAppid, CallbackCommand, contenttype, ClientIP, OptPlatform` | `Call.CallbackAfter{StartCall,EndCall,MemberChanged}`; others kept as [`Payload::OtherV4`] |
//!
//! The generation is told by which command parameter the query has. Checks, in order:
//! method `POST` (405), body size (413), query well-formed (400), SDKAppID (403), then, if
//! a token is configured, `Sign`/`RequestTime` (401/403), then the body (400), which must
//! carry what identifies the event ([`Payload::missing_required`]). The body is parsed
//! only after the request is authenticated.
//!
//! Reading is lenient where the docs disagree (see [the types](self#types) and the field
//! docs): enum spellings, ids as strings or numbers, `MediaType`/`CallMediaType`, missing
//! fields. Invalid JSON is never repaired: the published §6.5 and §6.6 examples, which
//! lack a comma, are rejected with [`WebhookErrorKind::InvalidJson`] naming the line and
//! column. All times are [`Timestamp`]s in milliseconds.
//!
//! With the `std` feature, [`handle`] and [`http_reply_for`] work on `http` crate types.
//!
//! # Types
//! Enums: [`V1Action`], [`MediaType`], [`CallType`], [`Role`], [`CallResult`],
//! [`UserStatus`], [`ActionType`], [`OptPlatform`], [`RoomIdType`].

mod auth;
mod build;
mod error;
mod event;
#[cfg(feature = "std")]
mod http;
mod key;
mod plain;
mod query;
mod reply;
mod v1;
mod v4;
mod values;
mod wire;

use alloc::borrow::Cow;
use alloc::string::String;

pub use crate::callback::V1Action;
pub use auth::{CallbackToken, MAX_CLOCK_SKEW_SECS, sign};
pub use build::{EncodeError, OutgoingWebhook, build};
pub use error::{WebhookError, WebhookErrorKind};
pub use event::{Event, Payload};
#[cfg(feature = "std")]
pub use http::{ack_response, handle, handle_and_reply, http_reply_for, not_handled_response};
pub use key::EventKey;
pub use reply::{V1_ACK, V4_ACK, ack, not_handled, reply_for};
pub use v1::{V1Callback, V1Kind};
pub use v4::{
    CallInfo, CallMember, CallRecord, END_CALL, EndCall, MEMBER_CHANGED, MemberAction,
    MemberChanged, START_CALL, StartCall,
};
pub use values::{
    ActionType, CallResult, CallType, MediaType, OptPlatform, Role, RoomIdType, Timestamp,
    UserStatus,
};

/// The plain (fast) reading of a body checked against serde's, for the `webhook_parse`
/// fuzz target.
#[cfg(fuzzing)]
#[doc(hidden)]
pub use plain::assert_plain_agrees;

/// The callback generation is the API generation: one enum for both (see [`crate::endpoint`]).
pub use crate::endpoint::Generation;

use error::clip;
use query::Query;

/// What the receiving app knows about itself.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WebhookConfig {
    /// This app's SDKAppID; a callback naming another is refused.
    pub sdkappid: u32,
    /// The callback token, if one is configured; then `Sign` and `RequestTime` are
    /// required and checked. Without one they are ignored (CallKit documents none).
    pub token: Option<CallbackToken>,
    /// The largest body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl WebhookConfig {
    /// The default body cap: 64 KiB, far above any documented callback.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

    /// A configuration for `sdkappid`, with no token and the default body cap.
    pub fn new(sdkappid: u32) -> Self {
        Self {
            sdkappid,
            token: None,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Requires and checks `Sign`/`RequestTime` with this token.
    pub fn with_token(mut self, token: CallbackToken) -> Self {
        self.token = Some(token);
        self
    }

    /// Sets the body cap.
    pub fn with_max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }
}

/// Reads and checks one callback request: `method`, the raw (still percent-encoded)
/// `query` without `?`, the `body`, and `now` in Unix seconds (used only for the
/// `RequestTime` check).
///
/// ```
/// use callkit_core::webhook::{parse, Payload, ActionType, WebhookConfig};
///
/// let config = WebhookConfig::new(1400000000);
/// let query = "SdkAppid=1400000000&CallbackCommand=Call.CallbackAfterMemberChanged\
///              &contenttype=json&ClientIP=127.0.0.1&OptPlatform=iOS";
/// let body = br#"{"CallbackCommand":"Call.CallbackAfterMemberChanged","CallId":"c1",
///   "UserList":[{"User_Account":"user2","Status":"Calling"}],
///   "ChangedUserList":[{"User_Account":"user2","ActionType":"Accept"}],
///   "EventTime":1740464128807}"#;
///
/// let event = parse("POST", query, body, &config, 1_740_464_129).unwrap();
/// let Payload::MemberChanged(changed) = &event.payload else { panic!() };
/// assert_eq!(changed.changed[0].action, Some(ActionType::Accept));
/// assert_eq!(changed.event_time.unwrap().as_secs(), 1_740_464_128);
///
/// // A request for another app is refused, with a reply in the sender's shape.
/// let err = parse("POST", &query.replace("1400000000", "1"), body, &config, 0).unwrap_err();
/// assert_eq!(err.status(), 403);
/// ```
pub fn parse(
    method: &str,
    query: &str,
    body: &[u8],
    config: &WebhookConfig,
    now: u64,
) -> Result<Event, WebhookError> {
    // Until the query is read, an error names the generation the query seems to be of
    // (sniffed only when there is an error to reply to).
    let fail = |kind| WebhookError::new(query::sniff_generation(query), kind);

    if method != "POST" {
        return Err(fail(WebhookErrorKind::MethodNotAllowed {
            method: clip(method, 32),
        }));
    }
    if body.len() > config.max_body_bytes {
        return Err(fail(WebhookErrorKind::BodyTooLarge {
            len: body.len(),
            max: config.max_body_bytes,
        }));
    }
    let q = Query::parse(query).map_err(fail)?;
    let generation = q.generation().map_err(fail)?;
    let fail = |kind| WebhookError::new(Some(generation), kind);

    let sdkappid = match q.sdkappid.as_deref() {
        None | Some("") => {
            return Err(fail(WebhookErrorKind::MissingParameter {
                name: "sdkappid",
            }));
        }
        Some(s) => s.parse::<u64>().map_err(|_| {
            fail(WebhookErrorKind::InvalidParameter {
                name: "sdkappid",
                reason: "not a decimal number",
            })
        })?,
    };
    if sdkappid != u64::from(config.sdkappid) {
        return Err(fail(WebhookErrorKind::SdkAppIdMismatch {
            expected: config.sdkappid,
            received: sdkappid,
        }));
    }
    if let Some(token) = &config.token {
        auth::verify(token, q.sign.as_deref(), q.request_time.as_deref(), now).map_err(fail)?;
    }

    let payload = match generation {
        Generation::V1 => parse_v1(q.command.as_deref().unwrap_or(""), body),
        Generation::V4 => parse_v4(q.callback_command.as_deref().unwrap_or(""), body),
    }
    .map_err(fail)?;
    if let Some(field) = payload.missing_required() {
        return Err(fail(WebhookErrorKind::MissingField { field }));
    }

    Ok(Event {
        sdkappid: config.sdkappid,
        client_ip: q.client_ip.filter(|s| !s.is_empty()).map(Cow::into_owned),
        platform: q
            .platform
            .filter(|s| !s.is_empty())
            .map(|p| OptPlatform::from_wire(&p)),
        payload,
    })
}

fn json<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, WebhookErrorKind> {
    // A body checked to be UTF-8 once, as a whole, is read as text: serde_json then does
    // not check each string again (from bytes it does). The reading, and any error with
    // its line and column, are the same either way.
    match core::str::from_utf8(body) {
        Ok(text) => json_text(text),
        Err(_) => serde_json::from_slice(body).map_err(|e| WebhookErrorKind::from_json(&e)),
    }
}

fn json_text<'a, T: serde::Deserialize<'a>>(text: &'a str) -> Result<T, WebhookErrorKind> {
    serde_json::from_str(text).map_err(|e| WebhookErrorKind::from_json(&e))
}

/// serde's reading of a body the plain reader gave up on, as [`json`] reads it, but
/// cheaper where it can be: the text the plain reader already checked is not checked
/// again, and a body that is not JSON at the byte where the plain reader stopped (see
/// [`crate::plain_json::PlainReader::invalid_at`]) is not read into `T` only to fail there.
/// Everything before that byte was read as serde reads it into `T`, so serde's reading
/// fails at that byte with a syntax error whatever it reads into; reading into
/// `IgnoredAny` (no field matched, nothing allocated) gives the very same error. That
/// error is used only if it is a syntax error at that very line and column; anything
/// else is read into `T` as before.
fn json_after_plain<'a, T: serde::Deserialize<'a>>(
    body: &'a [u8],
    stop: plain::Stop<'a>,
) -> Result<T, WebhookErrorKind> {
    let Some(text) = stop.text else {
        return json(body);
    };
    if let Some(at) = stop.invalid_at
        && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text)
        && e.classify() == serde_json::error::Category::Syntax
        && is_at(text, at, e.line(), e.column())
    {
        return Err(WebhookErrorKind::from_json(&e));
    }
    json_text(text)
}

/// Whether serde_json's error at `line` and `column` (both from 1; the column counts
/// bytes) is at byte `at` of `text`: `column - 1` bytes without a newline before it, a
/// newline (or the start) before those, and `line - 1` newlines in all before `at`
/// (counted in groups of at most 255 bytes with a byte-wide counter: vector adds).
fn is_at(text: &str, at: usize, line: usize, column: usize) -> bool {
    let Some(before) = text.as_bytes().get(..at) else {
        return false;
    };
    let Some(line_start) = (at + 1).checked_sub(column) else {
        return false;
    };
    let starts_line = match line_start.checked_sub(1) {
        None => true,
        Some(newline) => before.get(newline) == Some(&b'\n'),
    };
    let in_line = before.get(line_start..).unwrap_or_default();
    let newlines: usize = before
        .chunks(255)
        .map(|group| usize::from(group.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum();
    starts_line && !in_line.contains(&b'\n') && Some(newlines) == line.checked_sub(1)
}

fn parse_v1(command: &str, body: &[u8]) -> Result<Payload, WebhookErrorKind> {
    if command.is_empty() {
        return Err(WebhookErrorKind::MissingParameter { name: "command" });
    }
    let command = v1::command_from_wire(command);
    match plain::read_v1(command, body) {
        Ok(callback) => Ok(Payload::V1(callback)),
        Err((command, stop)) => Ok(Payload::V1(V1Callback::from_wire(
            command,
            json_after_plain(body, stop)?,
        ))),
    }
}

/// A v4 event: the plain reading if the body is plain, else serde's through its wire
/// type `W`; either way the command the body repeats goes through `check`.
fn read_v4<'b, W: serde::Deserialize<'b> + v4::CommandInBody, T>(
    body: &'b [u8],
    plain: fn(&'b [u8]) -> Result<plain::V4Reading<'b, T>, plain::Stop<'b>>,
    from_wire: fn(W) -> T,
    check: &dyn Fn(Option<&str>) -> Result<(), WebhookErrorKind>,
) -> Result<T, WebhookErrorKind> {
    let stop = match plain(body) {
        Ok((in_body, event)) => {
            check(in_body)?;
            return Ok(event);
        }
        Err(stop) => stop,
    };
    let wire: W = json_after_plain(body, stop)?;
    check(wire.command_in_body())?;
    Ok(from_wire(wire))
}

fn parse_v4(command: &str, body: &[u8]) -> Result<Payload, WebhookErrorKind> {
    if command.is_empty() {
        return Err(WebhookErrorKind::MissingParameter {
            name: "CallbackCommand",
        });
    }
    // The body repeats the command; a different one means a confused or forged sender.
    let check = |in_body: Option<&str>| match in_body {
        Some(b) if !b.eq_ignore_ascii_case(command) => Err(WebhookErrorKind::CommandMismatch {
            query: clip(command, 64),
            body: clip(b, 64),
        }),
        _ => Ok(()),
    };
    let is = |known: &str| command.eq_ignore_ascii_case(known);
    if is(START_CALL) {
        read_v4(body, plain::read_start_call, StartCall::from_wire, &check).map(Payload::StartCall)
    } else if is(END_CALL) {
        read_v4(body, plain::read_end_call, EndCall::from_wire, &check).map(Payload::EndCall)
    } else if is(MEMBER_CHANGED) {
        read_v4(
            body,
            plain::read_member_changed,
            MemberChanged::from_wire,
            &check,
        )
        .map(Payload::MemberChanged)
    } else {
        let value: serde_json::Value = json(body)?;
        check(value.get("CallbackCommand").and_then(|c| c.as_str()))?;
        Ok(Payload::OtherV4 {
            command: String::from(command),
            body: value,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const MEMBER_AS_PUBLISHED: &str =
        include_str!("../../tests/data/webhook/6.6-member-changed.json");

    /// The documented examples, as published and with the missing comma put back.
    fn examples() -> alloc::vec::Vec<String> {
        let mut examples: alloc::vec::Vec<String> = [
            include_str!("../../tests/data/webhook/6.1-call-status.json"),
            include_str!("../../tests/data/webhook/6.2-call-event.json"),
            include_str!("../../tests/data/webhook/6.4-start-call.json"),
            include_str!("../../tests/data/webhook/6.5-end-call.json"),
            MEMBER_AS_PUBLISHED,
        ]
        .map(String::from)
        .into();
        for published in [examples[3].clone(), examples[4].clone()] {
            examples.push(published.replacen("\n \"EventTime\"", ",\n \"EventTime\"", 1));
        }
        examples
    }

    /// serde's reading after the plain reader stopped, against serde's reading of the
    /// whole body into the wire type (what `parse` did before): the same event, or the
    /// same error. Whether the shortcut was taken.
    fn after_plain_reads_as_serde(body: &[u8]) -> bool {
        fn same<'a, W: serde::Deserialize<'a>, T: PartialEq + core::fmt::Debug>(
            body: &'a [u8],
            stop: Option<plain::Stop<'a>>,
            from_wire: impl Fn(W) -> T,
        ) -> bool {
            let Some(stop) = stop else {
                return false;
            };
            let after = json_after_plain::<W>(body, stop).map(&from_wire);
            let whole = json::<W>(body).map(&from_wire);
            assert_eq!(after, whole, "{}", String::from_utf8_lossy(body));
            stop.invalid_at.is_some() && after.is_err()
        }
        let v1 = plain::read_v1(V1Action::NormalEnd, body)
            .err()
            .map(|(_, stop)| stop);
        let start = plain::read_start_call(body).err();
        let end = plain::read_end_call(body).err();
        let member = plain::read_member_changed(body).err();
        let from_v1 = |w| V1Callback::from_wire(V1Action::NormalEnd, w);
        [
            same::<v1::Wire, _>(body, v1, from_v1),
            same(body, start, StartCall::from_wire),
            same(body, end, EndCall::from_wire),
            same(body, member, MemberChanged::from_wire),
        ]
        .contains(&true)
    }

    #[test]
    fn the_published_member_body_is_refused_with_serdes_error_without_reading_it_twice() {
        let body = MEMBER_AS_PUBLISHED.as_bytes();
        let stop = plain::read_member_changed(body).unwrap_err();
        let at = MEMBER_AS_PUBLISHED.find("\n \"EventTime\"").unwrap() + 2;
        assert_eq!(stop.invalid_at, Some(at));
        assert!(after_plain_reads_as_serde(body));
        let refused = json_after_plain::<v4::MemberChangedWire>(body, stop).err();
        assert!(
            matches!(
                refused,
                Some(WebhookErrorKind::InvalidJson {
                    line: 4,
                    column: 2,
                    ..
                })
            ),
            "{refused:?}"
        );
    }

    /// Every one-byte change, deletion and cut of every example: serde's reading after the
    /// plain reader gives up is serde's reading of the whole body, shortcut or not.
    #[test]
    fn every_small_corruption_reads_after_the_plain_reader_as_serde_reads_it() {
        let replacements = b" \n\t\"\\,:{}[]0195-.eEnul\x00\x1f\xc3\xff";
        let mut shortcuts = 0;
        for example in examples() {
            let body = example.as_bytes();
            for at in 0..body.len() {
                for &byte in replacements {
                    let mut changed = body.to_vec();
                    changed[at] = byte;
                    shortcuts += usize::from(after_plain_reads_as_serde(&changed));
                }
                let mut shorter = body.to_vec();
                shorter.remove(at);
                shortcuts += usize::from(after_plain_reads_as_serde(&shorter));
                shortcuts += usize::from(after_plain_reads_as_serde(&body[..at]));
            }
        }
        // Many corruptions leave a byte no JSON can hold where the plain reader stops.
        assert!(shortcuts > 1000, "{shortcuts}");
    }

    #[test]
    fn is_at_finds_serdes_line_and_column() {
        for text in [
            "{\"a\" 1}",
            "{\n \"a\": 1\n \"b\"}",
            "\n\n[1\n\n 2]",
            "[1 2]\n",
        ] {
            let e = serde_json::from_str::<serde::de::IgnoredAny>(text).unwrap_err();
            let found: alloc::vec::Vec<usize> = (0..text.len())
                .filter(|&at| is_at(text, at, e.line(), e.column()))
                .collect();
            assert_eq!(found.len(), 1, "{text:?} {e}");
        }
        assert!(!is_at("ab", 1, 1, 3));
        assert!(!is_at("a\nb", 2, 1, 3));
        assert!(is_at("a\nb", 2, 2, 1));
    }

    /// What serde_json reads from the bytes, or its error as the webhook reports it.
    fn from_bytes(body: &[u8]) -> Result<serde_json::Value, WebhookErrorKind> {
        serde_json::from_slice(body).map_err(|e| WebhookErrorKind::from_json(&e))
    }

    #[test]
    fn a_body_read_as_text_reads_as_from_bytes() {
        for body in [
            &br#"{"a": [1, "x\u00e9"], "b": null}"#[..],
            b"{\"a\": \"\xff\"}",
            b"{\"a\" 1}",
            b"{\"a\": 1}\n x",
            b"",
        ] {
            assert_eq!(json::<serde_json::Value>(body), from_bytes(body));
        }
    }

    proptest! {
        /// Reading a UTF-8 body as text changes nothing: the same value, or the same
        /// error at the same line and column.
        #[test]
        fn any_body_reads_as_from_bytes(
            body in prop::collection::vec(
                prop::sample::select(b"{}[]\":,\\ \n1e-.aunl\xc3\xa9\xff".to_vec()), 0..40,
            ),
        ) {
            prop_assert_eq!(json::<serde_json::Value>(&body), from_bytes(&body));
        }
    }
}
