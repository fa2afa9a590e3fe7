//! A received (or to-be-sent) callback as one typed value.

use alloc::string::String;

use super::Generation;
use super::v1::V1Callback;
use super::v4::{END_CALL, EndCall, MEMBER_CHANGED, MemberChanged, START_CALL, StartCall};
use super::values::OptPlatform;

/// One callback: who sent it (from the query) and what happened (the body).
///
/// `Serialize` writes one JSON object, e.g. for a log line:
/// `{"sdkappid":1400000000,"client_ip":"127.0.0.1","platform":"iOS","payload":{"type":"StartCall",…}}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Event {
    /// `sdkappid` / `SdkAppid`: already checked against the configured SDKAppID.
    pub sdkappid: u32,
    /// `clientip` / `ClientIP`; `None` if missing or empty.
    pub client_ip: Option<String>,
    /// `optplatform` / `OptPlatform`; `None` if missing or empty.
    pub platform: Option<OptPlatform>,
    /// The command and body.
    pub payload: Payload,
}

/// What a callback reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum Payload {
    /// A v1 call-status or call-event callback (see [`V1Callback::kind`]).
    V1(V1Callback),
    /// v4 `Call.CallbackAfterStartCall`.
    StartCall(StartCall),
    /// v4 `Call.CallbackAfterEndCall`.
    EndCall(EndCall),
    /// v4 `Call.CallbackAfterMemberChanged`.
    MemberChanged(MemberChanged),
    /// A v4 command this version does not know, with its body as parsed JSON, so that a
    /// future command is passed on rather than refused.
    OtherV4 {
        /// `CallbackCommand`.
        command: String,
        /// The whole body.
        body: serde_json::Value,
    },
}

impl Event {
    /// An event with no client IP or platform.
    pub fn new(sdkappid: u32, payload: Payload) -> Self {
        Self {
            sdkappid,
            client_ip: None,
            platform: None,
            payload,
        }
    }

    /// Sets the client IP and platform (for building).
    pub fn with_origin(mut self, client_ip: Option<String>, platform: Option<OptPlatform>) -> Self {
        self.client_ip = client_ip;
        self.platform = platform;
        self
    }

    /// v1 or v4.
    pub fn generation(&self) -> Generation {
        self.payload.generation()
    }

    /// The command word as it travels (`normal_end`, `Call.CallbackAfterEndCall`, …).
    pub fn command(&self) -> &str {
        self.payload.command()
    }
}

impl Payload {
    /// v1 or v4.
    pub fn generation(&self) -> Generation {
        match self {
            Payload::V1(_) => Generation::V1,
            _ => Generation::V4,
        }
    }

    /// The first field that identifies the event or that its command requires, when it
    /// is missing or empty: the call id everywhere the spec has one, the acting user of
    /// a v1 callback, and who changed in a member-changed callback. Unknown v4 commands
    /// require nothing (their fields are not known).
    pub fn missing_required(&self) -> Option<&'static str> {
        let empty = |value: &str| value.trim().is_empty();
        match self {
            Payload::V1(cb) if empty(&cb.call_id) => Some("CallId"),
            Payload::V1(cb) if empty(&cb.user_id) => Some("UserId"),
            Payload::StartCall(start) if empty(&start.call_info.call_id) => Some("CallInfo.CallId"),
            Payload::EndCall(end) if empty(&end.record.call_id) => Some("CallRecord.CallId"),
            Payload::MemberChanged(changed) if empty(&changed.call_id) => Some("CallId"),
            Payload::MemberChanged(changed) if changed.changed.is_empty() => {
                Some("ChangedUserList")
            }
            _ => None,
        }
    }

    /// The command word as it travels.
    pub fn command(&self) -> &str {
        match self {
            Payload::V1(cb) => cb.command.as_str(),
            Payload::StartCall(_) => START_CALL,
            Payload::EndCall(_) => END_CALL,
            Payload::MemberChanged(_) => MEMBER_CHANGED,
            Payload::OtherV4 { command, .. } => command,
        }
    }
}
