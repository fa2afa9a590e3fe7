//! v1 call records (spec §3.5-3.6).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::text::{Text, TextList};
use crate::validate::{InvalidBody, Validate, check_non_empty, check_range, check_time_range};
use crate::webhook::{CallResult, CallType, MediaType};

/// The body of `get_record_by_callId`: `{"callId": ...}`.
///
/// ```
/// use callkit_core::records::V1CallId;
/// let body = serde_json::to_string(&V1CallId::new("2ae7d549")).unwrap();
/// assert_eq!(body, r#"{"callId":"2ae7d549"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V1CallId {
    /// `callId`: the call's id (non-empty).
    #[serde(rename = "callId")]
    pub call_id: String,
}

impl V1CallId {
    /// The body for `call_id`.
    pub fn new(call_id: impl Into<String>) -> Self {
        V1CallId {
            call_id: call_id.into(),
        }
    }
}

impl Validate for V1CallId {
    fn validate(&self) -> Result<(), InvalidBody> {
        check_non_empty("callId", &self.call_id)
    }
}

/// One v1 call record (the `data` of `get_record_by_callId`, an entry of
/// `callRecordList`). Missing text and number fields read as empty / 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V1Record {
    /// `callId`.
    #[serde(rename = "callId", default)]
    pub call_id: Text,
    /// `sdkAppId`.
    #[serde(rename = "sdkAppId", default)]
    pub sdkappid: u32,
    /// `mediaType`: `audio` or `video`.
    #[serde(rename = "mediaType", with = "crate::spelling::v1")]
    pub media_type: MediaType,
    /// `roomId`.
    #[serde(rename = "roomId", default)]
    pub room_id: Text,
    /// `startCallTs`: when the call started, Unix seconds.
    #[serde(rename = "startCallTs", default)]
    pub start_call_secs: u64,
    /// `acceptTs`: when it was answered, Unix seconds.
    #[serde(rename = "acceptTs", default)]
    pub accept_secs: u64,
    /// `endTs`: when it ended, Unix seconds.
    #[serde(rename = "endTs", default)]
    pub end_secs: u64,
    /// `caller`: the caller's UserID.
    #[serde(default)]
    pub caller: Text,
    /// `totalUserNumber` (the documented filter example shows 0).
    #[serde(rename = "totalUserNumber", default)]
    pub total_user_number: u32,
    /// `callType`: `single` or `group`.
    #[serde(rename = "callType", with = "crate::spelling::v1")]
    pub call_type: CallType,
    /// `callResult`: `normal_end`, `cancel`, ..., and `offline` (examples).
    #[serde(rename = "callResult", with = "crate::spelling::v1")]
    pub call_result: CallResult,
    /// `callees`: the callees' UserIDs.
    #[serde(default)]
    pub callees: TextList,
}

/// The body of `get_records_by_filter`: calls started from `startTimestamp`, optionally
/// filtered, one page at a time.
///
/// ```
/// use callkit_core::records::V1RecordFilter;
/// let filter = V1RecordFilter { per_page: Some(20), page: Some(2), ..V1RecordFilter::since(1618705638) };
/// assert_eq!(serde_json::to_string(&filter).unwrap(),
///     r#"{"startTimestamp":1618705638,"numberPerPage":20,"page":2}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct V1RecordFilter {
    /// `startTimestamp` (required): the earliest call start, Unix seconds.
    #[serde(rename = "startTimestamp")]
    pub start_secs: u64,
    /// `endTimestamp`: the latest call start, Unix seconds (default: 7 days on).
    #[serde(
        rename = "endTimestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub end_secs: Option<u64>,
    /// `callResult`: only calls that ended so (default: all).
    #[serde(
        rename = "callResult",
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::spelling::opt_v1"
    )]
    pub call_result: Option<CallResult>,
    /// `callType`: only calls of this type (default: all).
    #[serde(
        rename = "callType",
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::spelling::opt_v1"
    )]
    pub call_type: Option<CallType>,
    /// `numberPerPage`: records per page, at least 1 (default 100).
    #[serde(
        rename = "numberPerPage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub per_page: Option<u32>,
    /// `page`: which page, from 1 (default: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

impl V1RecordFilter {
    /// Every record of calls started at or after `start_secs` (Unix seconds).
    pub fn since(start_secs: u64) -> Self {
        V1RecordFilter {
            start_secs,
            end_secs: None,
            call_result: None,
            call_type: None,
            per_page: None,
            page: None,
        }
    }
}

impl Validate for V1RecordFilter {
    fn validate(&self) -> Result<(), InvalidBody> {
        check_time_range(Some(self.start_secs), self.end_secs)?;
        check_range(
            "numberPerPage",
            self.per_page.map(u64::from),
            1,
            u64::from(u32::MAX),
        )?;
        check_range("page", self.page.map(u64::from), 1, u64::from(u32::MAX))
    }
}

/// One page of v1 records (`data` of `get_records_by_filter`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct V1RecordPage {
    /// `totalNum`: how many records match the filter, over all pages.
    #[serde(rename = "totalNum", default)]
    pub total: u64,
    /// `page`: this page's number.
    #[serde(default)]
    pub page: u32,
    /// `callRecordList`: this page's records.
    #[serde(rename = "callRecordList", default)]
    pub records: Vec<V1Record>,
}
