//! Call records of both generations (spec §3.5-3.6, §4.4-4.5): one call's record by its
//! id, and the records of a time range, page by page.
//!
//! * [`v1`]: `/v1/records/get_record_by_callId` (20 per second) and
//!   `/v1/records/get_records_by_filter` (200 per second): camelCase, snake_case values
//!   (`normal_end`, `single`, `video`).
//! * [`v4`]: `/v4/call_record_http_srv/get_record_by_{callid,filter}`: PascalCase, the
//!   Chat spellings (`NormalEnd`, `SingleCall`, `Video`).
//! * [`paging`]: walking the pages of a filter, sans-IO ([`Pager`]).
//!
//! Values are read leniently: enums keep unknown values (`Other`), and both spellings of
//! a value are understood in either generation; they are written in the generation's
//! spelling. Where the v4 field tables and the examples disagree, the examples win
//! (spec §4.5: `CallResult` is a string, `RoomIdType` an integer, and the filter takes
//! `CallResult` and `CallType`). Timestamps are Unix seconds, in fields named `*_secs`.
//! Only the last 7 days are kept by the service.

pub mod paging;
pub(crate) mod plain;
pub mod v1;
pub mod v4;

pub use paging::{PagedFilter, Pager};
#[cfg(fuzzing)]
#[doc(hidden)]
pub use plain::both_readings;
pub(crate) use plain::read_v4_page_reply;
pub use v1::{V1CallId, V1Record, V1RecordFilter, V1RecordPage};
pub use v4::{V4CallId, V4Record, V4RecordFilter, V4RecordPage, V4RecordReply};

/// How long the service keeps records: 7 days, in seconds.
pub const RETENTION_SECS: u64 = 7 * 24 * 60 * 60;
