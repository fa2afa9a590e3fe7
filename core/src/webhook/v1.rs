//! v1 (legacy) callbacks: the call-status callback (spec §6.1) and the call-event callback
//! (§6.2). Both share one body shape; the event callback adds `Event`.

use alloc::string::String;

use super::lenient;
use super::values::{CallResult, CallType, MediaType, Role, Timestamp, loose_eq};
use crate::callback::V1Action;

/// Reads a v1 `command` word as leniently as the webhook's other enums (case, `_`, `-` and
/// spaces ignored; the configuration's [`V1Action::parse`] is stricter); unknown words,
/// such as the doc example's `call_end`, are kept in `Other`.
pub(crate) fn command_from_wire(value: &str) -> V1Action {
    V1Action::ALL
        .iter()
        .find(|known| loose_eq(value, known.as_str()))
        .cloned()
        .unwrap_or_else(|| V1Action::Other(String::from(value)))
}

/// Which of the two v1 callbacks a [`V1Callback`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum V1Kind {
    /// The call-status callback, sent once when the call ends (spec §6.1).
    CallStatus,
    /// The call-event callback, sent after each user action (spec §6.2).
    CallEvent,
}

/// A v1 callback: the command from the query and the body's fields (spec §6.1, §6.2).
///
/// Missing ids read as `""`, missing numbers, enums and times as `None`; an empty
/// `CallResult`/`Event` and a time of `0` also read as `None`. Times are in milliseconds
/// (the wire carries seconds).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct V1Callback {
    /// `command` query parameter.
    pub command: V1Action,
    /// `UserId`: the acting user.
    pub user_id: String,
    /// `RoomId`.
    pub room_id: String,
    /// `TotalNum`: the number of participants.
    pub total_num: Option<u32>,
    /// `MediaType`.
    pub media_type: Option<MediaType>,
    /// `CallType`.
    pub call_type: Option<CallType>,
    /// `CallId`.
    pub call_id: String,
    /// `Role`: the acting user's side.
    pub role: Option<Role>,
    /// `Event`: the action without its `caller_`/`callee_` prefix (call-event callback only).
    pub event: Option<String>,
    /// `CallResult`: filled only when the call ended.
    pub call_result: Option<CallResult>,
    /// `EventTime`.
    pub event_time: Option<Timestamp>,
    /// `StartCallTs`.
    pub start_call_ts: Option<Timestamp>,
    /// `AcceptTs`.
    pub accept_ts: Option<Timestamp>,
    /// `EndTs`.
    pub end_ts: Option<Timestamp>,
}

impl V1Callback {
    /// An empty callback for `command`, to fill in field by field (for building).
    pub fn new(command: V1Action) -> Self {
        Self {
            command,
            user_id: String::new(),
            room_id: String::new(),
            total_num: None,
            media_type: None,
            call_type: None,
            call_id: String::new(),
            role: None,
            event: None,
            call_result: None,
            event_time: None,
            start_call_ts: None,
            accept_ts: None,
            end_ts: None,
        }
    }

    /// Status or event callback: by the command when it is known (a result word means
    /// status, an action word means event); for an unknown command (the doc's `call_end`),
    /// an event callback if the body had an `Event`, otherwise a status callback.
    pub fn kind(&self) -> V1Kind {
        match &self.command {
            V1Action::Other(_) if self.event.is_some() => V1Kind::CallEvent,
            V1Action::Other(_) => V1Kind::CallStatus,
            c if c.is_call_result() => V1Kind::CallStatus,
            _ => V1Kind::CallEvent,
        }
    }

    pub(crate) fn from_wire(command: V1Action, w: Wire) -> Self {
        Self {
            command,
            user_id: w.user_id,
            room_id: w.room_id,
            total_num: w.total_num,
            media_type: w.media_type.as_deref().map(MediaType::from_wire),
            call_type: w.call_type.as_deref().map(CallType::from_wire),
            call_id: w.call_id,
            role: w.role.as_deref().map(Role::from_wire),
            event: w.event,
            call_result: w.call_result.as_deref().map(CallResult::from_wire),
            event_time: w.event_time,
            start_call_ts: w.start_call_ts,
            accept_ts: w.accept_ts,
            end_ts: w.end_ts,
        }
    }

    pub(crate) fn to_wire(&self) -> Wire {
        Wire {
            user_id: self.user_id.clone(),
            room_id: self.room_id.clone(),
            total_num: self.total_num,
            media_type: self.media_type.as_ref().map(|v| v.as_v1_str().into()),
            call_type: self.call_type.as_ref().map(|v| v.as_v1_str().into()),
            call_id: self.call_id.clone(),
            role: self.role.as_ref().map(|v| v.as_v1_str().into()),
            event: self.event.clone(),
            call_result: self.call_result.as_ref().map(|v| v.as_v1_str().into()),
            event_time: self.event_time,
            start_call_ts: self.start_call_ts,
            accept_ts: self.accept_ts,
            end_ts: self.end_ts,
        }
    }
}

/// The body exactly as it travels. Building writes the documented example's spellings
/// (lower-case enums, seconds) and leaves out what is `None`; a `CallResult` of `None` is
/// written as `""` as in the §6.2 example.
#[derive(serde::Deserialize, serde::Serialize)]
pub(crate) struct Wire {
    #[serde(rename = "UserId", default, deserialize_with = "lenient::id")]
    user_id: String,
    #[serde(rename = "RoomId", default, deserialize_with = "lenient::id")]
    room_id: String,
    #[serde(
        rename = "TotalNum",
        default,
        deserialize_with = "lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    total_num: Option<u32>,
    #[serde(
        rename = "MediaType",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    media_type: Option<String>,
    #[serde(
        rename = "CallType",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    call_type: Option<String>,
    #[serde(rename = "CallId", default, deserialize_with = "lenient::id")]
    call_id: String,
    #[serde(
        rename = "Role",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    role: Option<String>,
    #[serde(
        rename = "Event",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    event: Option<String>,
    #[serde(
        rename = "CallResult",
        default,
        deserialize_with = "lenient::text",
        serialize_with = "write_text_or_empty"
    )]
    call_result: Option<String>,
    #[serde(
        rename = "EventTime",
        default,
        deserialize_with = "lenient::secs",
        serialize_with = "lenient::write_secs",
        skip_serializing_if = "Option::is_none"
    )]
    event_time: Option<Timestamp>,
    #[serde(
        rename = "StartCallTs",
        default,
        deserialize_with = "lenient::secs",
        serialize_with = "lenient::write_secs",
        skip_serializing_if = "Option::is_none"
    )]
    start_call_ts: Option<Timestamp>,
    #[serde(
        rename = "AcceptTs",
        default,
        deserialize_with = "lenient::secs",
        serialize_with = "lenient::write_secs",
        skip_serializing_if = "Option::is_none"
    )]
    accept_ts: Option<Timestamp>,
    #[serde(
        rename = "EndTs",
        default,
        deserialize_with = "lenient::secs",
        serialize_with = "lenient::write_secs",
        skip_serializing_if = "Option::is_none"
    )]
    end_ts: Option<Timestamp>,
}

fn write_text_or_empty<S: serde::Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_deref().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_twenty_five_commands_read_back() {
        for c in V1Action::ALL {
            assert_eq!(&command_from_wire(c.as_str()), c);
        }
        assert_eq!(
            V1Action::ALL.iter().filter(|c| c.is_call_result()).count(),
            6
        );
        assert_eq!(
            command_from_wire("call_end"),
            V1Action::Other("call_end".into())
        );
    }

    #[test]
    fn kind_follows_the_command_then_the_body() {
        assert_eq!(
            V1Callback::new(V1Action::NormalEnd).kind(),
            V1Kind::CallStatus
        );
        assert_eq!(
            V1Callback::new(V1Action::InviteUser).kind(),
            V1Kind::CallEvent
        );
        let mut other = V1Callback::new(V1Action::Other("call_end".into()));
        assert_eq!(other.kind(), V1Kind::CallStatus);
        other.event = Some("call_end".into());
        assert_eq!(other.kind(), V1Kind::CallEvent);
    }
}
