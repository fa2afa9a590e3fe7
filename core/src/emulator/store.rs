//! The emulator's calls: live ones (robot calls and simulated calls left live, until they
//! end) and the records every
//! ended call leaves, kept for [`RETENTION_SECS`] of emulator time and answered in both
//! generations' shapes.

use alloc::string::String;
use alloc::vec::Vec;

use crate::call_engine::{V4CallDetails, V4CallInfo, V4CallMember, V4RobotCall};
use crate::records::{
    RETENTION_SECS, V1Record, V1RecordFilter, V1RecordPage, V4Record, V4RecordFilter, V4RecordPage,
};
use crate::text::{Text, TextList};
use crate::webhook::{CallResult, CallType, MediaType, RoomIdType, UserStatus};

/// The v1 page size when `numberPerPage` is not given (spec §3.6).
pub(crate) const V1_DEFAULT_PER_PAGE: u32 = 100;
/// The v4 page size when `NumberPerPage` is not given (spec §4.5).
pub(crate) const V4_DEFAULT_PER_PAGE: u32 = 10;

/// A call that has ended, as both generations' records describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredCall {
    pub call_id: Text,
    pub caller: Text,
    pub callees: TextList,
    pub media: MediaType,
    pub result: CallResult,
    pub room_id: Text,
    pub room_id_type: RoomIdType,
    /// Unix seconds.
    pub start: u64,
    /// Unix seconds; 0 if never answered.
    pub accept: u64,
    /// Unix seconds.
    pub end: u64,
}

impl StoredCall {
    fn call_type(&self) -> CallType {
        if self.callees.len() > 1 {
            CallType::Group
        } else {
            CallType::Single
        }
    }

    pub(crate) fn v1(&self, sdkappid: u32) -> V1Record {
        let total = 1 + self.callees.len();
        V1Record {
            call_id: self.call_id.clone(),
            sdkappid,
            media_type: self.media.clone(),
            room_id: self.room_id.clone(),
            start_call_secs: self.start,
            accept_secs: self.accept,
            end_secs: self.end,
            caller: self.caller.clone(),
            total_user_number: u32::try_from(total).unwrap_or(u32::MAX),
            call_type: self.call_type(),
            call_result: self.result.clone(),
            callees: self.callees.clone(),
        }
    }

    pub(crate) fn v4(&self) -> V4Record {
        // As in the documented examples, the v4 callee list starts with the caller.
        let mut callees = TextList::new();
        callees.push(self.caller.clone());
        callees.extend(self.callees.iter().cloned());
        V4Record {
            call_id: self.call_id.clone(),
            caller: self.caller.clone(),
            media_type: self.media.clone(),
            call_type: self.call_type(),
            start_secs: self.start,
            end_secs: self.end,
            accept_secs: self.accept,
            call_result: self.result.clone(),
            callees,
            room_id: self.room_id.clone(),
            room_id_type: self.room_id_type,
        }
    }
}

/// A live call: a robot call, or a simulated one left live.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LiveCall {
    pub call_id: String,
    pub caller: String,
    pub callees: Vec<(String, UserStatus)>,
    pub media: MediaType,
    pub room_id: String,
    pub room_id_type: RoomIdType,
    /// Unix seconds.
    pub start: u64,
    /// Unix seconds of the first answer.
    pub accept: Option<u64>,
    /// Unix seconds at which an unanswered call stops ringing.
    pub ring_until: u64,
}

impl LiveCall {
    pub(crate) fn start(call_id: String, call: &V4RobotCall, now: u64) -> LiveCall {
        LiveCall {
            call_id,
            caller: call.robot.clone(),
            callees: call
                .callees
                .iter()
                .map(|c| (c.clone(), UserStatus::Waiting))
                .collect(),
            media: call.call_info.media_type.clone(),
            room_id: call.call_info.room_id.clone().unwrap_or_default(),
            room_id_type: call
                .call_info
                .room_id_type
                .unwrap_or(RoomIdType::from_code(0)),
            start: now,
            accept: None,
            ring_until: now.saturating_add(u64::from(call.timeout_ms).div_ceil(1000)),
        }
    }

    pub(crate) fn info(&self) -> V4CallInfo {
        let mut users = alloc::vec![V4CallMember {
            user: self.caller.clone(),
            status: UserStatus::Calling,
        }];
        users.extend(self.callees.iter().map(|(user, status)| V4CallMember {
            user: user.clone(),
            status: status.clone(),
        }));
        V4CallInfo {
            call: V4CallDetails {
                call_id: self.call_id.clone(),
                media_type: self.media.clone(),
                chat_group_id: String::new(),
                room_id: self.room_id.clone(),
                room_id_type: self.room_id_type,
            },
            users,
        }
    }

    /// Marks `user` as in the call; `false` if it is not a callee.
    pub(crate) fn answer(&mut self, user: &str, now: u64) -> bool {
        let Some((_, status)) = self.callees.iter_mut().find(|(c, _)| c == user) else {
            return false;
        };
        *status = UserStatus::Calling;
        self.accept.get_or_insert(now);
        true
    }

    /// Whether it rang out unanswered by `now`.
    pub(crate) fn rang_out(&self, now: u64) -> bool {
        self.accept.is_none() && now >= self.ring_until
    }

    /// The record of the call ending at `end`: answered calls end normally, unanswered
    /// ones as cancelled, or not answered once they rang out.
    pub(crate) fn finish(self, end: u64) -> StoredCall {
        let result = match self.accept {
            Some(_) => CallResult::NormalEnd,
            None if end >= self.ring_until => CallResult::NotAnswer,
            None => CallResult::Cancel,
        };
        StoredCall {
            call_id: self.call_id.into(),
            caller: self.caller.into(),
            callees: self.callees.into_iter().map(|(c, _)| c).collect(),
            media: self.media,
            result,
            room_id: self.room_id.into(),
            room_id_type: self.room_id_type,
            start: self.start,
            accept: self.accept.unwrap_or(0),
            end,
        }
    }
}

/// The records of one app, oldest call start first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Records {
    calls: Vec<StoredCall>,
}

impl Records {
    pub(crate) fn push(&mut self, call: StoredCall) {
        let at = self.calls.partition_point(|c| c.start <= call.start);
        self.calls.insert(at, call);
    }

    /// Drops the records of calls that ended more than the retention ago.
    pub(crate) fn expire(&mut self, now: u64) {
        let horizon = now.saturating_sub(RETENTION_SECS);
        self.calls.retain(|c| c.end >= horizon);
    }

    pub(crate) fn find(&self, call_id: &str) -> Option<&StoredCall> {
        self.calls.iter().find(|c| c.call_id == call_id)
    }

    pub(crate) fn len(&self) -> usize {
        self.calls.len()
    }

    /// The v1 filter: calls started in `[startTimestamp, endTimestamp]` (end default:
    /// start plus 7 days, as the docs say), 100 a page by default.
    pub(crate) fn v1_page(&self, sdkappid: u32, filter: &V1RecordFilter) -> V1RecordPage {
        let end = filter
            .end_secs
            .unwrap_or(filter.start_secs.saturating_add(RETENTION_SECS));
        let query = Query {
            start: filter.start_secs,
            end,
            result: filter.call_result.as_ref(),
            call_type: filter.call_type.as_ref(),
            page: filter.page.unwrap_or(1),
            per_page: filter.per_page.unwrap_or(V1_DEFAULT_PER_PAGE),
        };
        let (total, calls) = self.page(&query);
        V1RecordPage {
            total,
            page: query.page,
            records: calls.iter().map(|c| c.v1(sdkappid)).collect(),
        }
    }

    /// The v4 filter: `StartTime` defaults to, and is clamped to, 7 days ago; `EndTime`
    /// defaults to now; 10 a page by default.
    pub(crate) fn v4_page(&self, filter: &V4RecordFilter, now: u64) -> V4RecordPage {
        let horizon = now.saturating_sub(RETENTION_SECS);
        let query = Query {
            start: filter.start_secs.unwrap_or(horizon).max(horizon),
            end: filter.end_secs.unwrap_or(now),
            result: filter.call_result.as_ref(),
            call_type: filter.call_type.as_ref(),
            page: filter.page.unwrap_or(1),
            per_page: filter.per_page.unwrap_or(V4_DEFAULT_PER_PAGE),
        };
        let (total, calls) = self.page(&query);
        V4RecordPage {
            total,
            page: query.page,
            records: calls.iter().map(|c| c.v4()).collect(),
        }
    }

    /// How many calls match, and the requested page of them.
    fn page(&self, query: &Query<'_>) -> (u64, Vec<&StoredCall>) {
        let matching: Vec<&StoredCall> = self
            .calls
            .iter()
            .filter(|c| (query.start..=query.end).contains(&c.start))
            .filter(|c| query.result.is_none_or(|r| *r == c.result))
            .filter(|c| query.call_type.is_none_or(|t| *t == c.call_type()))
            .collect();
        let total = matching.len() as u64;
        (total, slice(&matching, query.page, query.per_page).to_vec())
    }
}

/// A records query with the generation's defaults applied.
struct Query<'a> {
    start: u64,
    end: u64,
    result: Option<&'a CallResult>,
    call_type: Option<&'a CallType>,
    page: u32,
    per_page: u32,
}

/// Page `page` (from 1) of `per_page` items; empty past the end.
fn slice<T>(items: &[T], page: u32, per_page: u32) -> &[T] {
    let per_page = usize::try_from(per_page).unwrap_or(usize::MAX);
    let skip = usize::try_from(page.saturating_sub(1))
        .unwrap_or(usize::MAX)
        .saturating_mul(per_page);
    let rest = items.get(skip..).unwrap_or(&[]);
    rest.get(..per_page.min(rest.len())).unwrap_or(rest)
}
