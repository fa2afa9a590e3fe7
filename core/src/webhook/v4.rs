//! v4 (Chat-style) callbacks: `Call.CallbackAfterStartCall` (spec §6.4),
//! `Call.CallbackAfterEndCall` (§6.5) and `Call.CallbackAfterMemberChanged` (§6.6).
//!
//! Public structs hold the values; the private `*Wire` structs hold the bytes' shape.
//! Missing ids read as `""`, missing lists as empty, missing enums and times as `None`
//! (a time of `0` too). `EventTime` is milliseconds on the wire; the record's times are
//! seconds on the wire; all are [`Timestamp`]s here.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use super::values::{
    ActionType, CallResult, CallType, MediaType, RoomIdType, Timestamp, UserStatus,
};
use super::wire::{WireCode, WireId, WireList, WireMillis, WireSecs, WireText};

/// `CallbackCommand` of the start-call callback.
pub const START_CALL: &str = "Call.CallbackAfterStartCall";
/// `CallbackCommand` of the end-call callback.
pub const END_CALL: &str = "Call.CallbackAfterEndCall";
/// `CallbackCommand` of the member-changed callback.
pub const MEMBER_CHANGED: &str = "Call.CallbackAfterMemberChanged";

/// A member and their state (`UserList[]`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct CallMember {
    /// `User_Account` (a number on the wire in the §6.4 example; kept as text).
    pub user_id: String,
    /// `Status`.
    pub status: Option<UserStatus>,
}

impl CallMember {
    /// A member entry.
    pub fn new(user_id: impl Into<String>, status: Option<UserStatus>) -> Self {
        Self {
            user_id: user_id.into(),
            status,
        }
    }
}

/// A member and what they did (`ChangedUserList[]`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct MemberAction {
    /// `User_Account`.
    pub user_id: String,
    /// `ActionType`.
    pub action: Option<ActionType>,
}

impl MemberAction {
    /// A changed-member entry.
    pub fn new(user_id: impl Into<String>, action: Option<ActionType>) -> Self {
        Self {
            user_id: user_id.into(),
            action,
        }
    }
}

/// `CallInfo` of the start-call callback.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct CallInfo {
    /// `CallId`.
    pub call_id: String,
    /// `CallMediaType` (example) or `MediaType` (table); `CallMediaType` wins if both.
    pub media_type: Option<MediaType>,
    /// `ChatGroupId`.
    pub chat_group_id: String,
    /// `RoomId`.
    pub room_id: String,
    /// `RoomIdType`.
    pub room_id_type: Option<RoomIdType>,
}

/// `Call.CallbackAfterStartCall`: a client started a call (spec §6.4).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct StartCall {
    /// `CallInfo`.
    pub call_info: CallInfo,
    /// `UserList`.
    pub users: Vec<CallMember>,
    /// `EventTime`.
    pub event_time: Option<Timestamp>,
}

/// `CallRecord`: a finished call (spec §4.4; the end-call callback adds `Offline`).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct CallRecord {
    /// `CallId`.
    pub call_id: String,
    /// `Caller_Account`.
    pub caller: String,
    /// `MediaType`.
    pub media_type: Option<MediaType>,
    /// `CallType`.
    pub call_type: Option<CallType>,
    /// `StartTime`.
    pub start_time: Option<Timestamp>,
    /// `EndTime`.
    pub end_time: Option<Timestamp>,
    /// `AcceptTime`; `None` when the call was not answered (the wire's `0`).
    pub accept_time: Option<Timestamp>,
    /// `CallResult`.
    pub call_result: Option<CallResult>,
    /// `CalleeList_Account` (the docs' examples include the caller).
    pub callees: Vec<String>,
    /// `RoomId`.
    pub room_id: String,
    /// `RoomIdType`.
    pub room_id_type: Option<RoomIdType>,
}

/// `Call.CallbackAfterEndCall`: the call ended (spec §6.5).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct EndCall {
    /// `CallRecord`.
    pub record: CallRecord,
    /// `EventTime`.
    pub event_time: Option<Timestamp>,
}

/// `Call.CallbackAfterMemberChanged`: members' states changed (spec §6.6).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct MemberChanged {
    /// `CallId`.
    pub call_id: String,
    /// `UserList`: everyone's state now.
    pub users: Vec<CallMember>,
    /// `ChangedUserList`: who changed and how.
    pub changed: Vec<MemberAction>,
    /// `EventTime`.
    pub event_time: Option<Timestamp>,
}

// ---- wire shapes -------------------------------------------------------------------

#[derive(Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct MemberWire<'a> {
    #[serde(rename = "User_Account")]
    #[serde(borrow)]
    user: WireId<'a>,
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    status: WireText<'a>,
}

#[derive(Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct ActionWire<'a> {
    #[serde(rename = "User_Account")]
    #[serde(borrow)]
    user: WireId<'a>,
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    action_type: WireText<'a>,
}

#[derive(Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CallInfoWire<'a> {
    #[serde(borrow)]
    call_id: WireId<'a>,
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    call_media_type: WireText<'a>,
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    media_type: WireText<'a>,
    #[serde(borrow)]
    chat_group_id: WireId<'a>,
    #[serde(borrow)]
    room_id: WireId<'a>,
    #[serde(skip_serializing_if = "WireCode::is_none")]
    room_id_type: WireCode,
}

/// The `CallbackCommand` a v4 body repeats, as its wire type read it.
pub(crate) trait CommandInBody {
    fn command_in_body(&self) -> Option<&str>;
}

macro_rules! command_in_body {
    ($($wire:ident),*) => {$(
        impl CommandInBody for $wire<'_> {
            fn command_in_body(&self) -> Option<&str> {
                self.callback_command.0.as_deref()
            }
        }
    )*};
}

command_in_body!(StartCallWire, EndCallWire, MemberChangedWire);

#[derive(Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct StartCallWire<'a> {
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    pub(crate) callback_command: WireText<'a>,
    #[serde(borrow)]
    call_info: Option<CallInfoWire<'a>>,
    #[serde(rename = "UserList")]
    #[serde(borrow)]
    users: WireList<MemberWire<'a>>,
    event_time: WireMillis,
}

#[derive(Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct RecordWire<'a> {
    #[serde(borrow)]
    call_id: WireId<'a>,
    #[serde(rename = "Caller_Account")]
    #[serde(borrow)]
    caller: WireId<'a>,
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    media_type: WireText<'a>,
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    call_type: WireText<'a>,
    start_time: WireSecs,
    end_time: WireSecs,
    accept_time: WireSecs,
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    call_result: WireText<'a>,
    #[serde(rename = "CalleeList_Account")]
    #[serde(borrow)]
    callees: WireList<WireId<'a>>,
    #[serde(borrow)]
    room_id: WireId<'a>,
    #[serde(skip_serializing_if = "WireCode::is_none")]
    room_id_type: WireCode,
}

#[derive(Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct EndCallWire<'a> {
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    pub(crate) callback_command: WireText<'a>,
    #[serde(rename = "CallRecord")]
    #[serde(borrow)]
    record: Option<RecordWire<'a>>,
    event_time: WireMillis,
}

#[derive(Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct MemberChangedWire<'a> {
    #[serde(skip_serializing_if = "WireText::is_none")]
    #[serde(borrow)]
    pub(crate) callback_command: WireText<'a>,
    #[serde(borrow)]
    call_id: WireId<'a>,
    #[serde(rename = "UserList")]
    #[serde(borrow)]
    users: WireList<MemberWire<'a>>,
    #[serde(rename = "ChangedUserList")]
    #[serde(borrow)]
    changed: WireList<ActionWire<'a>>,
    event_time: WireMillis,
}

// ---- conversions -------------------------------------------------------------------

/// A wire text from a value's v4 spelling.
fn v4_text<T>(value: Option<&T>, spell: fn(&T) -> &str) -> WireText<'_> {
    WireText(value.map(|v| Cow::Borrowed(spell(v))))
}

/// The three callbacks' `CallbackCommand` as written.
fn command(name: &'static str) -> WireText<'static> {
    WireText(Some(Cow::Borrowed(name)))
}

fn member_from(w: MemberWire<'_>) -> CallMember {
    CallMember {
        user_id: w.user.0.into_owned(),
        status: w.status.0.as_deref().map(UserStatus::from_wire),
    }
}

fn member_to(m: &CallMember) -> MemberWire<'_> {
    MemberWire {
        user: WireId(Cow::Borrowed(&m.user_id)),
        status: v4_text(m.status.as_ref(), UserStatus::as_v4_str),
    }
}

impl StartCall {
    pub(crate) fn from_wire(w: StartCallWire<'_>) -> Self {
        let info = w.call_info.map(|i| CallInfo {
            call_id: i.call_id.0.into_owned(),
            media_type: i
                .call_media_type
                .0
                .or(i.media_type.0)
                .as_deref()
                .map(MediaType::from_wire),
            chat_group_id: i.chat_group_id.0.into_owned(),
            room_id: i.room_id.0.into_owned(),
            room_id_type: i.room_id_type.0.map(RoomIdType::from_code),
        });
        Self {
            call_info: info.unwrap_or_default(),
            users: w.users.0.into_iter().map(member_from).collect(),
            event_time: w.event_time.0,
        }
    }

    /// The wire shape. `CallMediaType` is written (the published example's key).
    pub(crate) fn to_wire(&self) -> StartCallWire<'_> {
        let i = &self.call_info;
        StartCallWire {
            callback_command: command(START_CALL),
            call_info: Some(CallInfoWire {
                call_id: WireId(Cow::Borrowed(&i.call_id)),
                call_media_type: v4_text(i.media_type.as_ref(), MediaType::as_v4_str),
                media_type: WireText(None),
                chat_group_id: WireId(Cow::Borrowed(&i.chat_group_id)),
                room_id: WireId(Cow::Borrowed(&i.room_id)),
                room_id_type: WireCode(i.room_id_type.map(RoomIdType::code)),
            }),
            users: WireList(self.users.iter().map(member_to).collect()),
            event_time: WireMillis(self.event_time),
        }
    }
}

impl EndCall {
    pub(crate) fn from_wire(w: EndCallWire<'_>) -> Self {
        let record = w.record.map(|r| CallRecord {
            call_id: r.call_id.0.into_owned(),
            caller: r.caller.0.into_owned(),
            media_type: r.media_type.0.as_deref().map(MediaType::from_wire),
            call_type: r.call_type.0.as_deref().map(CallType::from_wire),
            start_time: r.start_time.0,
            end_time: r.end_time.0,
            accept_time: r.accept_time.0,
            call_result: r.call_result.0.as_deref().map(CallResult::from_wire),
            callees: r
                .callees
                .0
                .into_iter()
                .map(|WireId(id)| id.into_owned())
                .collect(),
            room_id: r.room_id.0.into_owned(),
            room_id_type: r.room_id_type.0.map(RoomIdType::from_code),
        });
        Self {
            record: record.unwrap_or_default(),
            event_time: w.event_time.0,
        }
    }

    pub(crate) fn to_wire(&self) -> EndCallWire<'_> {
        let r = &self.record;
        EndCallWire {
            callback_command: command(END_CALL),
            record: Some(RecordWire {
                call_id: WireId(Cow::Borrowed(&r.call_id)),
                caller: WireId(Cow::Borrowed(&r.caller)),
                media_type: v4_text(r.media_type.as_ref(), MediaType::as_v4_str),
                call_type: v4_text(r.call_type.as_ref(), CallType::as_v4_str),
                start_time: WireSecs(r.start_time),
                end_time: WireSecs(r.end_time),
                accept_time: WireSecs(r.accept_time),
                call_result: v4_text(r.call_result.as_ref(), CallResult::as_v4_str),
                callees: WireList(r.callees.iter().map(|c| WireId(Cow::Borrowed(c))).collect()),
                room_id: WireId(Cow::Borrowed(&r.room_id)),
                room_id_type: WireCode(r.room_id_type.map(RoomIdType::code)),
            }),
            event_time: WireMillis(self.event_time),
        }
    }
}

impl MemberChanged {
    pub(crate) fn from_wire(w: MemberChangedWire<'_>) -> Self {
        Self {
            call_id: w.call_id.0.into_owned(),
            users: w.users.0.into_iter().map(member_from).collect(),
            changed: w
                .changed
                .0
                .into_iter()
                .map(|a| MemberAction {
                    user_id: a.user.0.into_owned(),
                    action: a.action_type.0.as_deref().map(ActionType::from_wire),
                })
                .collect(),
            event_time: w.event_time.0,
        }
    }

    pub(crate) fn to_wire(&self) -> MemberChangedWire<'_> {
        MemberChangedWire {
            callback_command: command(MEMBER_CHANGED),
            call_id: WireId(Cow::Borrowed(&self.call_id)),
            users: WireList(self.users.iter().map(member_to).collect()),
            changed: WireList(
                self.changed
                    .iter()
                    .map(|a| ActionWire {
                        user: WireId(Cow::Borrowed(&a.user_id)),
                        action_type: v4_text(a.action.as_ref(), ActionType::as_v4_str),
                    })
                    .collect(),
            ),
            event_time: WireMillis(self.event_time),
        }
    }
}
