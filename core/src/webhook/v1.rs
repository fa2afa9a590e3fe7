//! v1 (legacy) callbacks: the call-status callback (spec §6.1) and the call-event callback
//! (§6.2). Both share one body shape; the event callback adds `Event`.

use alloc::borrow::Cow;
use alloc::string::String;

use super::values::{CallResult, CallType, MediaType, Role, Timestamp, loose_eq};
use super::wire::{WireCount, WireId, WireSecs, WireText};
use crate::callback::V1Action;

/// Reads a v1 `command` word as leniently as the webhook's other enums (case, `_`, `-` and
/// spaces ignored; the configuration's [`V1Action::parse`] is stricter); unknown words,
/// such as the doc example's `call_end`, are kept in `Other`.
pub(crate) fn command_from_wire(value: &str) -> V1Action {
    // The exact spelling (what CallKit sends) by one `match`, before comparing loosely;
    // `parse`'s case-insensitive match is a loose match too, so the answer is the same.
    match V1Action::parse(value) {
        V1Action::Other(kept) => V1Action::ALL
            .iter()
            .find(|known| loose_eq(&kept, known.as_str()))
            .cloned()
            .unwrap_or(V1Action::Other(kept)),
        known => known,
    }
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

    pub(crate) fn from_wire(command: V1Action, w: Wire<'_>) -> Self {
        Self {
            command,
            user_id: w.user_id.0.into_owned(),
            room_id: w.room_id.0.into_owned(),
            total_num: w.total_num.0,
            media_type: w.media_type.0.as_deref().map(MediaType::from_wire),
            call_type: w.call_type.0.as_deref().map(CallType::from_wire),
            call_id: w.call_id.0.into_owned(),
            role: w.role.0.as_deref().map(Role::from_wire),
            event: w.event.0.map(Cow::into_owned),
            call_result: w.call_result.0.as_deref().map(CallResult::from_wire),
            event_time: w.event_time.0,
            start_call_ts: w.start_call_ts.0,
            accept_ts: w.accept_ts.0,
            end_ts: w.end_ts.0,
        }
    }

    pub(crate) fn to_wire(&self) -> Wire<'_> {
        fn text(v: Option<&str>) -> WireText<'_> {
            WireText(v.map(Cow::Borrowed))
        }
        Wire {
            user_id: WireId(Cow::Borrowed(&self.user_id)),
            room_id: WireId(Cow::Borrowed(&self.room_id)),
            total_num: WireCount(self.total_num),
            media_type: text(self.media_type.as_ref().map(MediaType::as_v1_str)),
            call_type: text(self.call_type.as_ref().map(CallType::as_v1_str)),
            call_id: WireId(Cow::Borrowed(&self.call_id)),
            role: text(self.role.as_ref().map(Role::as_v1_str)),
            event: WireText(self.event.as_deref().map(Cow::Borrowed)),
            // No result yet is written as `""`, as in the §6.2 example.
            call_result: text(Some(
                self.call_result.as_ref().map_or("", CallResult::as_v1_str),
            )),
            event_time: WireSecs(self.event_time),
            start_call_ts: WireSecs(self.start_call_ts),
            accept_ts: WireSecs(self.accept_ts),
            end_ts: WireSecs(self.end_ts),
        }
    }
}

/// The body exactly as it travels. Building writes the documented example's spellings
/// (lower-case enums, seconds) and leaves out what is `None`, except `CallResult`.
#[derive(Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct Wire<'a> {
    #[serde(borrow)]
    user_id: WireId<'a>,
    #[serde(borrow)]
    room_id: WireId<'a>,
    #[serde(skip_serializing_if = "WireCount::is_none")]
    total_num: WireCount,
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    media_type: WireText<'a>,
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    call_type: WireText<'a>,
    #[serde(borrow)]
    call_id: WireId<'a>,
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    role: WireText<'a>,
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    event: WireText<'a>,
    #[serde(borrow)]
    call_result: WireText<'a>,
    #[serde(skip_serializing_if = "WireSecs::is_none")]
    event_time: WireSecs,
    #[serde(skip_serializing_if = "WireSecs::is_none")]
    start_call_ts: WireSecs,
    #[serde(skip_serializing_if = "WireSecs::is_none")]
    accept_ts: WireSecs,
    #[serde(skip_serializing_if = "WireSecs::is_none")]
    end_ts: WireSecs,
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
