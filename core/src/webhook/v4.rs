//! v4 (Chat-style) callbacks: `Call.CallbackAfterStartCall` (spec §6.4),
//! `Call.CallbackAfterEndCall` (§6.5) and `Call.CallbackAfterMemberChanged` (§6.6).
//!
//! Public structs hold the values; the private `*Wire` structs hold the bytes' shape.
//! Missing ids read as `""`, missing lists as empty, missing enums and times as `None`
//! (a time of `0` too). `EventTime` is milliseconds on the wire; the record's times are
//! seconds on the wire; all are [`Timestamp`]s here.

use alloc::string::String;
use alloc::vec::Vec;

use super::lenient;
use super::values::{
    ActionType, CallResult, CallType, MediaType, RoomIdType, Timestamp, UserStatus,
};

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

#[derive(serde::Deserialize, serde::Serialize)]
pub(crate) struct MemberWire {
    #[serde(rename = "User_Account", default, deserialize_with = "lenient::id")]
    user: String,
    #[serde(
        rename = "Status",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    status: Option<String>,
}

#[derive(serde::Deserialize, serde::Serialize)]
pub(crate) struct ActionWire {
    #[serde(rename = "User_Account", default, deserialize_with = "lenient::id")]
    user: String,
    #[serde(
        rename = "ActionType",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    action: Option<String>,
}

#[derive(serde::Deserialize, serde::Serialize)]
pub(crate) struct CallInfoWire {
    #[serde(rename = "CallId", default, deserialize_with = "lenient::id")]
    call_id: String,
    #[serde(
        rename = "CallMediaType",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    call_media_type: Option<String>,
    #[serde(
        rename = "MediaType",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    media_type: Option<String>,
    #[serde(rename = "ChatGroupId", default, deserialize_with = "lenient::id")]
    chat_group_id: String,
    #[serde(rename = "RoomId", default, deserialize_with = "lenient::id")]
    room_id: String,
    #[serde(
        rename = "RoomIdType",
        default,
        deserialize_with = "lenient::code",
        skip_serializing_if = "Option::is_none"
    )]
    room_id_type: Option<i64>,
}

#[derive(serde::Deserialize, serde::Serialize)]
pub(crate) struct StartCallWire {
    #[serde(
        rename = "CallbackCommand",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) command: Option<String>,
    #[serde(rename = "CallInfo", default)]
    call_info: Option<CallInfoWire>,
    #[serde(rename = "UserList", default, deserialize_with = "members")]
    users: Vec<MemberWire>,
    #[serde(
        rename = "EventTime",
        default,
        deserialize_with = "lenient::millis",
        serialize_with = "lenient::write_millis"
    )]
    event_time: Option<Timestamp>,
}

#[derive(serde::Deserialize, serde::Serialize)]
pub(crate) struct RecordWire {
    #[serde(rename = "CallId", default, deserialize_with = "lenient::id")]
    call_id: String,
    #[serde(rename = "Caller_Account", default, deserialize_with = "lenient::id")]
    caller: String,
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
    #[serde(
        rename = "StartTime",
        default,
        deserialize_with = "lenient::secs",
        serialize_with = "lenient::write_secs"
    )]
    start_time: Option<Timestamp>,
    #[serde(
        rename = "EndTime",
        default,
        deserialize_with = "lenient::secs",
        serialize_with = "lenient::write_secs"
    )]
    end_time: Option<Timestamp>,
    #[serde(
        rename = "AcceptTime",
        default,
        deserialize_with = "lenient::secs",
        serialize_with = "lenient::write_secs"
    )]
    accept_time: Option<Timestamp>,
    #[serde(
        rename = "CallResult",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    call_result: Option<String>,
    #[serde(
        rename = "CalleeList_Account",
        default,
        deserialize_with = "lenient::id_list"
    )]
    callees: Vec<String>,
    #[serde(rename = "RoomId", default, deserialize_with = "lenient::id")]
    room_id: String,
    #[serde(
        rename = "RoomIdType",
        default,
        deserialize_with = "lenient::code",
        skip_serializing_if = "Option::is_none"
    )]
    room_id_type: Option<i64>,
}

#[derive(serde::Deserialize, serde::Serialize)]
pub(crate) struct EndCallWire {
    #[serde(
        rename = "CallbackCommand",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) command: Option<String>,
    #[serde(rename = "CallRecord", default)]
    record: Option<RecordWire>,
    #[serde(
        rename = "EventTime",
        default,
        deserialize_with = "lenient::millis",
        serialize_with = "lenient::write_millis"
    )]
    event_time: Option<Timestamp>,
}

#[derive(serde::Deserialize, serde::Serialize)]
pub(crate) struct MemberChangedWire {
    #[serde(
        rename = "CallbackCommand",
        default,
        deserialize_with = "lenient::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) command: Option<String>,
    #[serde(rename = "CallId", default, deserialize_with = "lenient::id")]
    call_id: String,
    #[serde(rename = "UserList", default, deserialize_with = "members")]
    users: Vec<MemberWire>,
    #[serde(rename = "ChangedUserList", default, deserialize_with = "actions")]
    changed: Vec<ActionWire>,
    #[serde(
        rename = "EventTime",
        default,
        deserialize_with = "lenient::millis",
        serialize_with = "lenient::write_millis"
    )]
    event_time: Option<Timestamp>,
}

/// A list that may be `null`.
fn members<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<MemberWire>, D::Error> {
    let v: Option<Vec<MemberWire>> = serde::Deserialize::deserialize(d)?;
    Ok(v.unwrap_or_default())
}

fn actions<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ActionWire>, D::Error> {
    let v: Option<Vec<ActionWire>> = serde::Deserialize::deserialize(d)?;
    Ok(v.unwrap_or_default())
}

// ---- conversions -------------------------------------------------------------------

fn member_from(w: MemberWire) -> CallMember {
    CallMember {
        user_id: w.user,
        status: w.status.as_deref().map(UserStatus::from_wire),
    }
}

fn member_to(m: &CallMember) -> MemberWire {
    MemberWire {
        user: m.user_id.clone(),
        status: m.status.as_ref().map(|s| s.as_v4_str().into()),
    }
}

impl StartCall {
    pub(crate) fn from_wire(w: StartCallWire) -> Self {
        let info = w.call_info.map(|i| CallInfo {
            call_id: i.call_id,
            media_type: i
                .call_media_type
                .or(i.media_type)
                .as_deref()
                .map(MediaType::from_wire),
            chat_group_id: i.chat_group_id,
            room_id: i.room_id,
            room_id_type: i.room_id_type.map(RoomIdType::from_code),
        });
        Self {
            call_info: info.unwrap_or_default(),
            users: w.users.into_iter().map(member_from).collect(),
            event_time: w.event_time,
        }
    }

    /// The wire shape. `CallMediaType` is written (the published example's key).
    pub(crate) fn to_wire(&self) -> StartCallWire {
        let i = &self.call_info;
        StartCallWire {
            command: Some(START_CALL.into()),
            call_info: Some(CallInfoWire {
                call_id: i.call_id.clone(),
                call_media_type: i.media_type.as_ref().map(|m| m.as_v4_str().into()),
                media_type: None,
                chat_group_id: i.chat_group_id.clone(),
                room_id: i.room_id.clone(),
                room_id_type: i.room_id_type.map(RoomIdType::code),
            }),
            users: self.users.iter().map(member_to).collect(),
            event_time: self.event_time,
        }
    }
}

impl EndCall {
    pub(crate) fn from_wire(w: EndCallWire) -> Self {
        let record = w.record.map(|r| CallRecord {
            call_id: r.call_id,
            caller: r.caller,
            media_type: r.media_type.as_deref().map(MediaType::from_wire),
            call_type: r.call_type.as_deref().map(CallType::from_wire),
            start_time: r.start_time,
            end_time: r.end_time,
            accept_time: r.accept_time,
            call_result: r.call_result.as_deref().map(CallResult::from_wire),
            callees: r.callees,
            room_id: r.room_id,
            room_id_type: r.room_id_type.map(RoomIdType::from_code),
        });
        Self {
            record: record.unwrap_or_default(),
            event_time: w.event_time,
        }
    }

    pub(crate) fn to_wire(&self) -> EndCallWire {
        let r = &self.record;
        EndCallWire {
            command: Some(END_CALL.into()),
            record: Some(RecordWire {
                call_id: r.call_id.clone(),
                caller: r.caller.clone(),
                media_type: r.media_type.as_ref().map(|m| m.as_v4_str().into()),
                call_type: r.call_type.as_ref().map(|c| c.as_v4_str().into()),
                start_time: r.start_time,
                end_time: r.end_time,
                accept_time: r.accept_time,
                call_result: r.call_result.as_ref().map(|c| c.as_v4_str().into()),
                callees: r.callees.clone(),
                room_id: r.room_id.clone(),
                room_id_type: r.room_id_type.map(RoomIdType::code),
            }),
            event_time: self.event_time,
        }
    }
}

impl MemberChanged {
    pub(crate) fn from_wire(w: MemberChangedWire) -> Self {
        Self {
            call_id: w.call_id,
            users: w.users.into_iter().map(member_from).collect(),
            changed: w
                .changed
                .into_iter()
                .map(|a| MemberAction {
                    user_id: a.user,
                    action: a.action.as_deref().map(ActionType::from_wire),
                })
                .collect(),
            event_time: w.event_time,
        }
    }

    pub(crate) fn to_wire(&self) -> MemberChangedWire {
        MemberChangedWire {
            command: Some(MEMBER_CHANGED.into()),
            call_id: self.call_id.clone(),
            users: self.users.iter().map(member_to).collect(),
            changed: self
                .changed
                .iter()
                .map(|a| ActionWire {
                    user: a.user_id.clone(),
                    action: a.action.as_ref().map(|x| x.as_v4_str().into()),
                })
                .collect(),
            event_time: self.event_time,
        }
    }
}
