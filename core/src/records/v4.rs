//! v4 call records on the Chat gateways (spec §4.4-4.5).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::text::{Text, TextList};
use crate::validate::{InvalidBody, Validate, check_non_empty, check_range, check_time_range};
use crate::webhook::{CallResult, CallType, MediaType, RoomIdType};

/// A body naming one call: `{"CallId": ...}` (`get_record_by_callid`, `get_call_info`,
/// `end_call`).
///
/// ```
/// use callkit_core::records::V4CallId;
/// let body = serde_json::to_string(&V4CallId::new("055662e1")).unwrap();
/// assert_eq!(body, r#"{"CallId":"055662e1"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V4CallId {
    /// `CallId`: the call's id (non-empty).
    #[serde(rename = "CallId")]
    pub call_id: String,
}

impl V4CallId {
    /// The body for `call_id`.
    pub fn new(call_id: impl Into<String>) -> Self {
        V4CallId {
            call_id: call_id.into(),
        }
    }
}

impl Validate for V4CallId {
    fn validate(&self) -> Result<(), InvalidBody> {
        check_non_empty("CallId", &self.call_id)
    }
}

/// One v4 call record (`CallRecord`, an entry of `CallRecordList`). Missing text and
/// number fields read as empty / 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V4Record {
    /// `CallId`.
    #[serde(rename = "CallId", default)]
    pub call_id: Text,
    /// `Caller_Account`: the caller's UserID.
    #[serde(rename = "Caller_Account", default)]
    pub caller: Text,
    /// `MediaType`: `Audio` or `Video`.
    #[serde(rename = "MediaType", with = "crate::spelling::v4")]
    pub media_type: MediaType,
    /// `CallType`: `SingleCall` or `MultiCall`.
    #[serde(rename = "CallType", with = "crate::spelling::v4")]
    pub call_type: CallType,
    /// `StartTime`: when the call started, Unix seconds.
    #[serde(rename = "StartTime", default)]
    pub start_secs: u64,
    /// `EndTime`: when it ended, Unix seconds.
    #[serde(rename = "EndTime", default)]
    pub end_secs: u64,
    /// `AcceptTime`: when it was answered, Unix seconds; 0 if it never was.
    #[serde(rename = "AcceptTime", default)]
    pub accept_secs: u64,
    /// `CallResult`: `NormalEnd`, `Cancel`, ..., `Offline`.
    #[serde(rename = "CallResult", with = "crate::spelling::v4")]
    pub call_result: CallResult,
    /// `CalleeList_Account`: the callees (the examples include the caller).
    #[serde(rename = "CalleeList_Account", default)]
    pub callees: TextList,
    /// `RoomId`.
    #[serde(rename = "RoomId", default)]
    pub room_id: Text,
    /// `RoomIdType`: 1 numeric, 2 string.
    #[serde(rename = "RoomIdType", with = "crate::spelling::room_id_type")]
    pub room_id_type: RoomIdType,
}

/// The `Response` of `get_record_by_callid`: `{"CallRecord": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V4RecordReply {
    /// `CallRecord`.
    #[serde(rename = "CallRecord")]
    pub record: V4Record,
}

/// The body of `get_record_by_filter`; every field is optional and `{}` (the
/// [`Default`]) asks for the first 10 records of the last 7 days.
///
/// ```
/// use callkit_core::records::V4RecordFilter;
/// use callkit_core::webhook::CallResult;
/// let filter = V4RecordFilter { call_result: Some(CallResult::NormalEnd), page: Some(2), ..Default::default() };
/// assert_eq!(serde_json::to_string(&filter).unwrap(), r#"{"CallResult":"NormalEnd","Page":2}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct V4RecordFilter {
    /// `StartTime`: the earliest call start, Unix seconds (default and lower bound: 7
    /// days ago).
    #[serde(rename = "StartTime", default, skip_serializing_if = "Option::is_none")]
    pub start_secs: Option<u64>,
    /// `EndTime`: the latest call start, Unix seconds (default: now).
    #[serde(rename = "EndTime", default, skip_serializing_if = "Option::is_none")]
    pub end_secs: Option<u64>,
    /// `CallResult`: only calls that ended so (in the documented example only).
    #[serde(
        rename = "CallResult",
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::spelling::opt_v4"
    )]
    pub call_result: Option<CallResult>,
    /// `CallType`: only calls of this type (in the documented example only).
    #[serde(
        rename = "CallType",
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::spelling::opt_v4"
    )]
    pub call_type: Option<CallType>,
    /// `NumberPerPage`: records per page, at least 1 (default 10).
    #[serde(
        rename = "NumberPerPage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub per_page: Option<u32>,
    /// `Page`: which page, from 1 (default 1).
    #[serde(rename = "Page", default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

impl Validate for V4RecordFilter {
    fn validate(&self) -> Result<(), InvalidBody> {
        check_time_range(self.start_secs, self.end_secs)?;
        check_range(
            "NumberPerPage",
            self.per_page.map(u64::from),
            1,
            u64::from(u32::MAX),
        )?;
        check_range("Page", self.page.map(u64::from), 1, u64::from(u32::MAX))
    }
}

/// One page of v4 records (`Response` of `get_record_by_filter`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct V4RecordPage {
    /// `TotalNum`: how many records match, over all pages.
    #[serde(rename = "TotalNum", default)]
    pub total: u64,
    /// `Page`: this page's number.
    #[serde(rename = "Page", default)]
    pub page: u32,
    /// `CallRecordList`: this page's records.
    #[serde(rename = "CallRecordList", default)]
    pub records: Vec<V4Record>,
}
