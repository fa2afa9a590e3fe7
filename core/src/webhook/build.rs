//! Writing a callback as its generation sends it, for the emulator (which POSTs callbacks
//! to the app's configured address). `parse(build(event)) == event` for every event the
//! builder can write exactly; the exceptions are listed on [`build`].

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::auth::{CallbackToken, sign};
use super::event::{Event, Payload};
use super::query;

/// A callback ready to POST: the query to append to the configured address and the JSON
/// body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutgoingWebhook {
    /// The query string, without `?`, in the documented parameter order.
    pub query: String,
    /// The JSON body.
    pub body: Vec<u8>,
}

impl OutgoingWebhook {
    /// The method callbacks use.
    pub const METHOD: &'static str = "POST";
    /// The `Content-Type` to send.
    pub const CONTENT_TYPE: &'static str = "application/json";

    /// The configured address with the query appended (after `&` if it already has one).
    ///
    /// ```
    /// # use callkit_core::webhook::{build, Event, Payload, V1Callback, V1Action};
    /// let event = Event::new(8888888, Payload::V1(V1Callback::new(V1Action::NormalEnd)));
    /// let out = build(&event, None).unwrap();
    /// assert_eq!(
    ///     out.url("https://app.example/cb?key=1"),
    ///     "https://app.example/cb?key=1&sdkappid=8888888&command=normal_end&contenttype=json",
    /// );
    /// ```
    pub fn url(&self, address: &str) -> String {
        let sep = if address.contains('?') {
            if address.ends_with('?') || address.ends_with('&') {
                ""
            } else {
                "&"
            }
        } else {
            "?"
        };
        let mut url = String::with_capacity(address.len() + 1 + self.query.len());
        url.push_str(address);
        url.push_str(sep);
        url.push_str(&self.query);
        url
    }
}

/// Serializing failed (not expected for these types; reported rather than hidden).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot serialize the callback body: {message}")]
#[non_exhaustive]
pub struct EncodeError {
    /// serde_json's description.
    pub message: String,
}

/// Writes `event` in its generation's wire format: query parameters
/// `sdkappid, command, contenttype=json[, clientip][, optplatform]` (v1) or
/// `SdkAppid, CallbackCommand, contenttype=json[, ClientIP][, OptPlatform]` (v4), then
/// `Sign, RequestTime` when `auth` is `Some((token, request_time))`.
///
/// Bodies use the documented spellings: v1 lower-case enums and seconds; v4 PascalCase
/// enums, `CallMediaType` in `CallInfo`, `User_Account` as strings, `EventTime` in ms, the
/// record's times in seconds; the v4 body repeats `CallbackCommand`.
///
/// What does not survive a round trip: sub-second parts of times sent in seconds;
/// `Some(Timestamp(0))` (reads back as `None`); `Some("")` where `""` reads as `None`;
/// an `Other` enum value spelled like a known one; an `OtherV4` whose command is a known
/// one or whose body's `CallbackCommand` differs (the body is written as given).
pub fn build(
    event: &Event,
    auth: Option<(&CallbackToken, u64)>,
) -> Result<OutgoingWebhook, EncodeError> {
    let (names, body) = match &event.payload {
        Payload::V1(cb) => (V1_NAMES, serde_json::to_vec(&cb.to_wire())),
        Payload::StartCall(p) => (V4_NAMES, serde_json::to_vec(&p.to_wire())),
        Payload::EndCall(p) => (V4_NAMES, serde_json::to_vec(&p.to_wire())),
        Payload::MemberChanged(p) => (V4_NAMES, serde_json::to_vec(&p.to_wire())),
        Payload::OtherV4 { body, .. } => (V4_NAMES, serde_json::to_vec(body)),
    };
    let body = body.map_err(|e| EncodeError {
        message: e.to_string(),
    })?;

    let mut pairs: Vec<(&str, Cow<'_, str>)> = alloc::vec![
        (names.sdkappid, Cow::Owned(event.sdkappid.to_string())),
        (names.command, Cow::Borrowed(event.command())),
        ("contenttype", Cow::Borrowed("json")),
    ];
    if let Some(ip) = &event.client_ip {
        pairs.push((names.client_ip, Cow::Borrowed(ip)));
    }
    if let Some(p) = &event.platform {
        let spelled = match event.generation() {
            super::Generation::V1 => p.as_v1_str(),
            super::Generation::V4 => p.as_v4_str(),
        };
        pairs.push((names.platform, Cow::Borrowed(spelled)));
    }
    if let Some((token, request_time)) = auth {
        let time = request_time.to_string();
        pairs.push(("Sign", Cow::Owned(sign(token, &time))));
        pairs.push(("RequestTime", Cow::Owned(time)));
    }
    Ok(OutgoingWebhook {
        query: query::write(pairs),
        body,
    })
}

struct Names {
    sdkappid: &'static str,
    command: &'static str,
    client_ip: &'static str,
    platform: &'static str,
}

const V1_NAMES: Names = Names {
    sdkappid: "sdkappid",
    command: "command",
    client_ip: "clientip",
    platform: "optplatform",
};

const V4_NAMES: Names = Names {
    sdkappid: "SdkAppid",
    command: "CallbackCommand",
    client_ip: "ClientIP",
    platform: "OptPlatform",
};
