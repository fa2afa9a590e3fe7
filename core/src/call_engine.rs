//! The v4 call engine (spec §4.6-4.8): a live call's state, robot calls, ending a call.
//!
//! Private codes: 101001 internal error (retryable), 101002 invalid parameter, 101004 the
//! call does not exist or has already ended
//! ([`ApiErrorKind::CallNotFound`](crate::response::ApiErrorKind::CallNotFound)).
//!
//! Retry safety: `get_call_info` reads and `end_call` ends a call that stays ended, so
//! both are safe; `start_call_by_robot` is not (a second request could ring the callees
//! twice) and is never resent once it may have reached the service.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::validate::{InvalidBody, Validate, check_non_empty, check_range};
use crate::webhook::{MediaType, RoomIdType, UserStatus};

/// The shortest robot call timeout, in milliseconds.
pub const MIN_ROBOT_TIMEOUT_MS: u32 = 10_000;
/// The longest robot call timeout, in milliseconds.
pub const MAX_ROBOT_TIMEOUT_MS: u32 = 600_000;
/// The most `UserData` a robot call may carry, in bytes.
pub const MAX_USER_DATA_BYTES: usize = 1000;

/// The `Response` of `get_call_info`: the call and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V4CallInfo {
    /// `CallInfo`.
    #[serde(rename = "CallInfo")]
    pub call: V4CallDetails,
    /// `UserList`: each member and whether it is in the call yet.
    #[serde(rename = "UserList", default)]
    pub users: Vec<V4CallMember>,
}

/// `CallInfo` of a live call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V4CallDetails {
    /// `CallId`.
    #[serde(rename = "CallId", default)]
    pub call_id: String,
    /// `MediaType`: `Audio` or `Video`.
    #[serde(rename = "MediaType", with = "crate::spelling::v4")]
    pub media_type: MediaType,
    /// `ChatGroupId` (empty for a call without a Chat group).
    #[serde(rename = "ChatGroupId", default)]
    pub chat_group_id: String,
    /// `RoomId` (may be empty).
    #[serde(rename = "RoomId", default)]
    pub room_id: String,
    /// `RoomIdType`: 1 numeric, 2 string (the example shows 0).
    #[serde(
        rename = "RoomIdType",
        default = "no_room",
        with = "crate::spelling::room_id_type"
    )]
    pub room_id_type: RoomIdType,
}

fn no_room() -> RoomIdType {
    RoomIdType::from_code(0)
}

/// A member of a live call (`UserList` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V4CallMember {
    /// `User_Account`.
    #[serde(rename = "User_Account", default)]
    pub user: String,
    /// `Status`: `Calling` (in the call) or `Waiting` (not connected yet).
    #[serde(rename = "Status", with = "crate::spelling::v4")]
    pub status: UserStatus,
}

/// The body of `start_call_by_robot`.
///
/// ```
/// use callkit_core::call_engine::{V4RobotCall, V4RobotCallInfo};
/// use callkit_core::validate::{InvalidBody, Validate};
/// use callkit_core::webhook::MediaType;
/// let mut call = V4RobotCall::new("robot-1", ["user5"], 300_000, MediaType::Audio);
/// assert!(call.validate().is_ok());
/// call.timeout_ms = 5_000;
/// assert!(matches!(call.validate(), Err(InvalidBody::OutOfRange { field: "Timeout", .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V4RobotCall {
    /// `Robot_Account`: the robot's UserID, the caller.
    #[serde(rename = "Robot_Account")]
    pub robot: String,
    /// `CalleeList_Account`: who to call (at least one).
    #[serde(rename = "CalleeList_Account")]
    pub callees: Vec<String>,
    /// `Timeout`: how long the callees ring, milliseconds (10000 to 600000).
    #[serde(rename = "Timeout")]
    pub timeout_ms: u32,
    /// `UserData`: passed to the callees with the invitation (at most 1000 bytes).
    #[serde(rename = "UserData", default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    /// `CallInfo`: media and room.
    #[serde(rename = "CallInfo")]
    pub call_info: V4RobotCallInfo,
    /// `OfflinePushInfo`: the Chat offline-push object (`PushFlag`, `Title`, `Desc`,
    /// `Ext`, ...), sent as given.
    #[serde(
        rename = "OfflinePushInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub offline_push: Option<serde_json::Value>,
}

impl V4RobotCall {
    /// A robot call from `robot` to `callees`, ringing `timeout_ms`, with no room,
    /// user data or offline push.
    pub fn new(
        robot: impl Into<String>,
        callees: impl IntoIterator<Item = impl Into<String>>,
        timeout_ms: u32,
        media_type: MediaType,
    ) -> Self {
        V4RobotCall {
            robot: robot.into(),
            callees: callees.into_iter().map(Into::into).collect(),
            timeout_ms,
            user_data: None,
            call_info: V4RobotCallInfo {
                media_type,
                room_id: None,
                room_id_type: None,
            },
            offline_push: None,
        }
    }
}

impl Validate for V4RobotCall {
    fn validate(&self) -> Result<(), InvalidBody> {
        check_non_empty("Robot_Account", &self.robot)?;
        if self.callees.is_empty() {
            return Err(InvalidBody::EmptyList {
                list: "CalleeList_Account",
            });
        }
        if let Some(index) = self.callees.iter().position(String::is_empty) {
            return Err(InvalidBody::BadListEntry {
                list: "CalleeList_Account",
                index,
            });
        }
        check_range(
            "Timeout",
            Some(u64::from(self.timeout_ms)),
            u64::from(MIN_ROBOT_TIMEOUT_MS),
            u64::from(MAX_ROBOT_TIMEOUT_MS),
        )?;
        if let Some(data) = &self.user_data
            && data.len() > MAX_USER_DATA_BYTES
        {
            return Err(InvalidBody::TooLong {
                field: "UserData",
                len: data.len(),
                max: MAX_USER_DATA_BYTES,
            });
        }
        self.call_info.validate()
    }
}

/// `CallInfo` of a robot call: media, and optionally the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V4RobotCallInfo {
    /// `MediaType`: `Audio` or `Video`.
    #[serde(rename = "MediaType", with = "crate::spelling::v4")]
    pub media_type: MediaType,
    /// `RoomId`: a number (with `RoomIdType` 1) or a string (with 2).
    #[serde(rename = "RoomId", default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    /// `RoomIdType`: 1 numeric, 2 string; given exactly when `RoomId` is.
    #[serde(
        rename = "RoomIdType",
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::spelling::opt_room_id_type"
    )]
    pub room_id_type: Option<RoomIdType>,
}

impl V4RobotCallInfo {
    /// Sets a numeric room (`RoomIdType` 1).
    pub fn numeric_room(&mut self, room: u32) {
        self.room_id = Some(alloc::format!("{room}"));
        self.room_id_type = Some(RoomIdType::Numeric);
    }

    /// Sets a string room (`RoomIdType` 2).
    pub fn text_room(&mut self, room: impl Into<String>) {
        self.room_id = Some(room.into());
        self.room_id_type = Some(RoomIdType::Text);
    }
}

impl Validate for V4RobotCallInfo {
    fn validate(&self) -> Result<(), InvalidBody> {
        match (&self.room_id, self.room_id_type) {
            (None, None) => Ok(()),
            (Some(_), None) => Err(InvalidBody::RoomId("a RoomId needs a RoomIdType (1 or 2)")),
            (None, Some(_)) => Err(InvalidBody::RoomId(
                "a RoomIdType was given without a RoomId",
            )),
            (Some(room), Some(RoomIdType::Numeric)) => {
                if room.parse::<u32>().is_ok_and(|n| n > 0) {
                    Ok(())
                } else {
                    Err(InvalidBody::RoomId(
                        "RoomIdType 1 needs a RoomId that is a number from 1 to 4294967295",
                    ))
                }
            }
            (Some(room), Some(RoomIdType::Text)) => check_non_empty("RoomId", room),
            (Some(_), Some(_)) => Err(InvalidBody::RoomId("RoomIdType must be 1 or 2")),
        }
    }
}

/// What `start_call_by_robot` returns (the guide's payload; the API page shows only the
/// envelope, so every field may be missing).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct V4RobotCallStarted {
    /// `CallId`: the new call's id, when the reply carries one.
    #[serde(rename = "CallId", default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// `CallResult`: one result per callee.
    #[serde(rename = "CallResult", default)]
    pub callees: Vec<V4CalleeResult>,
}

/// One callee's outcome of a robot call start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V4CalleeResult {
    /// `Callee_Account`.
    #[serde(rename = "Callee_Account", default)]
    pub callee: String,
    /// `ResultCode`: 0 when the callee was invited.
    #[serde(rename = "ResultCode", default)]
    pub code: i64,
}
