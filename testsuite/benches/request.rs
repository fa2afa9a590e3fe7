//! Building and parsing CallKit REST calls in the sans-IO core.
//!
//! * `build_v1_set`: a complete signed `/v1/callback/set` request (validation, JSON body,
//!   URL with escaped query) from a cached UserSig (a `UserSig`, as an `AdminSigner` keeps it).
//! * `parse_v1_get`, `parse_v4_get_callback`: the documented example replies, parsed into
//!   typed configurations.
//!
//! * `parse_v4_record_page_100`: a `get_record_by_filter` reply with 100 records, as
//!   `parse_response` reads it (the plain-JSON reader, `core/src/plain_json.rs`), one page
//!   at a time; `_twenty_held`: the same in batches of twenty held pages.
//! * `build_v4_start_call_by_robot`: a complete signed `start_call_by_robot` request.
//! * `parse_v4_record_page_100_by_serde`: the same page read by serde_json into the same
//!   typed records, as `parse_response` read it before the plain reader (a reference).
//! * `parse_v4_record_page_100_as_json_value`: the same page read by serde_json into an
//!   untyped `Value`, as a reference.
//! * `build_v4_record_page_100_unparsed`: the same 100 typed records built from ready-made
//!   text, with no JSON read at all: the floor that owned records (their `Text`s and
//!   `TextList`s) put under any reader, as a reference.
//!
//! Run: `cargo bench -p callkit-testsuite --bench request`.

use callkit_core::callback::{
    V1Action, V1CallbackConfig, V1GetCallback, V1SetCallback, V4GetCallback,
};
use callkit_core::region::{Region, Server};
use callkit_core::request::build_request;
use callkit_core::response::parse_response;
use callkit_core::usersig::UserSig;
use divan::{Bencher, black_box};

/// Counts allocations: divan reports them beside every timing.
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// A UserSig of realistic length (about 200 characters), as a signer would cache it.
const USERSIG: &str = "eJwtzEELgjAYBuC-8p2jYptuTqFDhBGRIhp0lvnpvkCZ1ayg-x6Zx-d5P94P1KdqPeEdEohWDBbzJoeDx5Zm-LgCJrmKTBgbqUfOFWuSslWYMjsoGCSQsODInAR2uJE3hU-Y6O-9sPDfhYR-k4PPs1yVR1nb6W5a*CxqVr-KGZUyg-x6Zx-d5P94P1KdqPeEdEohWDBbzJoeDx5Zm";

#[divan::bench(sample_count = 1000, sample_size = 100)]
fn build_v1_set(bencher: Bencher) {
    let server = Server::from(Region::CallkitIntl);
    let body = V1CallbackConfig {
        address: "https://www.example.com/callback".into(),
        actions: vec![
            V1Action::CallBusy,
            V1Action::NormalEnd,
            V1Action::CallerStartCall,
            V1Action::InviteUser,
            V1Action::CalleeRejectCall,
        ],
    };
    let usersig = UserSig::from_string(USERSIG.into());
    let mut random = 0u32;
    bencher.bench_local(|| {
        random = random.wrapping_add(0x9e37_79b9);
        build_request::<V1SetCallback>(
            black_box(&server),
            black_box(1400000000),
            black_box("administrator"),
            black_box(&usersig),
            random,
            black_box(&body),
        )
    });
}

const V1_GET: &[u8] = br#"{"errorCode": 0, "errorMessage": "Success", "requestId": "355c3c394f0602ed81a13c34999abebb",
   "data": {"actions": ["call_busy","normal_end"], "address": "http://www.example.com/callback"}}"#;

const V4_GET: &[u8] = br#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-1cc8828fd3d84795ac866ced43b15b5c-O-Seq-61309",
   "Response": {"Url": "http://www.example.com/callback",
                "CallbackCommandList": ["Call.CallbackAfterStartCall","Call.CallbackAfterEndCall"]}}"#;

#[divan::bench(sample_count = 1000, sample_size = 100)]
fn parse_v1_get(bencher: Bencher) {
    bencher.bench_local(|| parse_response::<V1GetCallback>(200, black_box(V1_GET), 1));
}

#[divan::bench(sample_count = 1000, sample_size = 100)]
fn parse_v4_get_callback(bencher: Bencher) {
    bencher.bench_local(|| parse_response::<V4GetCallback>(200, black_box(V4_GET), 1));
}

/// One record of the v4 `get_record_by_filter` reply, as the service formats it.
fn v4_record_json(i: usize) -> String {
    format!(
        r#"{{"CallId": "04c9a0ac-8e38-4a19-be45-{i:012}", "Caller_Account": "user{i}", "MediaType": "Audio", "CallType": "SingleCall", "StartTime": 1739960242, "EndTime": 1739960245, "AcceptTime": 1739960244, "CallResult": "NormalEnd", "CalleeList_Account": ["user{i}","369"], "RoomId": "roomid-1434", "RoomIdType": 2}}"#
    )
}

/// A `get_record_by_filter` reply carrying a page of 100 records.
fn v4_page_of_100() -> Vec<u8> {
    let records: Vec<String> = (0..100).map(v4_record_json).collect();
    format!(
        r#"{{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-d3d6aa216dcc4cf4a4eee19c4942e740-O-Seq-2556133", "Response": {{"TotalNum": 141, "Page": 1, "CallRecordList": [{}]}}}}"#,
        records.join(",")
    )
    .into_bytes()
}

/// Parsing a page of 100 v4 call records (about 29 KB) into typed records.
///
/// One page at a time (`sample_size = 1`): each page is dropped before the next is read,
/// as the records stream walks them. At 30 µs a page, the timer's overhead is negligible.
#[divan::bench(sample_count = 2000, sample_size = 1)]
fn parse_v4_record_page_100(bencher: Bencher) {
    let body = v4_page_of_100();
    bencher.bench_local(|| {
        parse_response::<callkit_core::registry::V4GetRecordByFilter>(200, black_box(&body), 1)
    });
}

/// The same, with divan's usual batches: twenty pages are read and held, then dropped
/// together. Freeing ~0.8 MB at once lets glibc's `malloc` give the top of its heap back
/// to the kernel (its trim threshold is 128 KiB), and the next batch faults it in again,
/// page by page: this measures that allocator behaviour as much as the reading. Kept to
/// show it (BENCHMARKS.md).
#[divan::bench(sample_count = 500, sample_size = 20)]
fn parse_v4_record_page_100_twenty_held(bencher: Bencher) {
    let body = v4_page_of_100();
    bencher.bench_local(|| {
        parse_response::<callkit_core::registry::V4GetRecordByFilter>(200, black_box(&body), 1)
    });
}

/// A complete signed `start_call_by_robot` request (validation, JSON body, URL).
#[divan::bench(sample_count = 1000, sample_size = 100)]
fn build_v4_start_call_by_robot(bencher: Bencher) {
    use callkit_core::call_engine::V4RobotCall;
    use callkit_core::webhook::MediaType;
    let server = Server::from(Region::ChatSingapore);
    let mut body = V4RobotCall::new("robot-1", ["user5", "user6"], 300_000, MediaType::Audio);
    body.user_data = Some("userdata-12345687".into());
    body.call_info.text_room("roomid-1234");
    let usersig = UserSig::from_string(USERSIG.into());
    let mut random = 0u32;
    bencher.bench_local(|| {
        random = random.wrapping_add(0x9e37_79b9);
        build_request::<callkit_core::registry::V4StartCallByRobot>(
            black_box(&server),
            black_box(1400000000),
            black_box("administrator"),
            black_box(&usersig),
            random,
            black_box(&body),
        )
    });
}

/// Reference for `parse_v4_record_page_100`: the same body read by serde_json into the
/// same typed page (the envelope's other fields skipped), which is how the SDK read it
/// before the plain reader.
#[divan::bench(sample_count = 2000, sample_size = 1)]
fn parse_v4_record_page_100_by_serde(bencher: Bencher) {
    #[derive(serde::Deserialize)]
    struct Reply {
        #[serde(rename = "Response")]
        _response: callkit_core::records::V4RecordPage,
    }
    let body = v4_page_of_100();
    bencher.bench_local(|| serde_json::from_slice::<Reply>(black_box(&body)));
}

/// Reference for `parse_v4_record_page_100`: the same body read by serde_json into an
/// untyped `Value` (no envelope, no typed fields), to separate the JSON reading itself
/// from the SDK's work.
#[divan::bench(sample_count = 2000, sample_size = 1)]
fn parse_v4_record_page_100_as_json_value(bencher: Bencher) {
    let body = v4_page_of_100();
    bencher.bench_local(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)));
}

/// Reference for `parse_v4_record_page_100`: the same typed records built from slices
/// already in hand (no JSON read at all), so only their allocations and copies are timed.
#[divan::bench(sample_count = 2000, sample_size = 1)]
fn build_v4_record_page_100_unparsed(bencher: Bencher) {
    use callkit_core::records::V4Record;
    use callkit_core::text::Text;
    use callkit_core::webhook::{CallResult, CallType, MediaType, RoomIdType};
    let ids: Vec<String> = (0..100)
        .map(|i| format!("04c9a0ac-8e38-4a19-be45-{i:012}"))
        .collect();
    let users: Vec<String> = (0..100).map(|i| format!("user{i}")).collect();
    bencher.bench_local(|| {
        let mut records = Vec::with_capacity(black_box(100));
        for (id, user) in ids.iter().zip(&users) {
            let user = black_box(user.as_str());
            records.push(V4Record {
                call_id: Text::from(black_box(id.as_str())),
                caller: Text::from(user),
                media_type: MediaType::from_wire(black_box("Audio")),
                call_type: CallType::from_wire(black_box("SingleCall")),
                start_secs: black_box(1739960242),
                end_secs: black_box(1739960245),
                accept_secs: black_box(1739960244),
                call_result: CallResult::from_wire(black_box("NormalEnd")),
                callees: [Text::from(user), Text::from(black_box("369"))]
                    .into_iter()
                    .collect(),
                room_id: Text::from(black_box("roomid-1434")),
                room_id_type: RoomIdType::from_code(black_box(2)),
            });
        }
        records
    });
}
