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
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
    .map_err(|e| WebhookErrorKind::from_json(&e))
}

fn parse_v1(command: &str, body: &[u8]) -> Result<Payload, WebhookErrorKind> {
    if command.is_empty() {
        return Err(WebhookErrorKind::MissingParameter { name: "command" });
    }
    let command = v1::command_from_wire(command);
    match plain::read_v1(command, body) {
        Ok(callback) => Ok(Payload::V1(callback)),
        Err(command) => Ok(Payload::V1(V1Callback::from_wire(command, json(body)?))),
    }
}

/// A v4 event: the plain reading if the body is plain, else serde's through its wire
/// type `W`; either way the command the body repeats goes through `check`.
fn read_v4<'b, W: serde::Deserialize<'b> + v4::CommandInBody, T>(
    body: &'b [u8],
    plain: fn(&'b [u8]) -> Option<plain::V4Reading<'b, T>>,
    from_wire: fn(W) -> T,
    check: &dyn Fn(Option<&str>) -> Result<(), WebhookErrorKind>,
) -> Result<T, WebhookErrorKind> {
    if let Some((in_body, event)) = plain(body) {
        check(in_body)?;
        return Ok(event);
    }
    let wire: W = json(body)?;
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
