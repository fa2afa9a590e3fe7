//! The registry, and the documented examples of the seven record and call-engine
//! endpoints (spec §3.5-3.6, §4.4-4.8), their inconsistencies (§8), validation,
//! classification of their private codes, and properties of the new types.

use callkit_core::call_engine::*;
use callkit_core::endpoint::{Endpoint, Generation, RateClass};
use callkit_core::records::*;
use callkit_core::registry::*;
use callkit_core::response::{ApiErrorKind, ResponseError, parse_response};
use callkit_core::text::TextList;
use callkit_core::validate::{InvalidBody, Validate};
use callkit_core::webhook::{CallResult, CallType, MediaType, RoomIdType, UserStatus};
use proptest::prelude::*;
use serde_json::{Value, json};

const V1_RECORD: &str = r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "3fdc344c7a67461c6af3cfc3e77744b5",
   "data": {"callId": "2ae7d549-c441-4a9b-87c0-61810fe19582", "sdkAppId": 88888888, "mediaType": "video",
            "roomId": "123456", "startCallTs": 1688705638, "acceptTs": 1688705641, "endTs": 1688705668,
            "caller": "alice", "totalUserNumber": 2, "callType": "single", "callResult": "normal_end",
            "callees": ["bob1","bob2"]}}"#;
const V1_RECORDS: &str = r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "8ba14f64a1d92d38705eec775e1f3deb",
   "data": {"totalNum": 3, "page": 2, "callRecordList": [{"callId": "2ae7d549-c441-4a9b-87c0-61810fe19581", "sdkAppId": 88888888, "mediaType": "video", "roomId": "456", "startCallTs": 1688709003, "acceptTs": 1688709003, "endTs": 1689150030, "caller": "123", "totalUserNumber": 0, "callType": "single", "callResult": "offline", "callees": ["111","123"]}]}}"#;
const V4_RECORD: &str = r#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-da9b3ee8bece466d951a9d93965c3d2c-O-Seq-324151555",
   "Response": {"CallRecord": {"CallId": "04c9a0ac-8e38-4a19-be45-349c5ce7911b", "Caller_Account": "user1",
      "MediaType": "Audio", "CallType": "MultiCall", "StartTime": 1739868165, "EndTime": 1740064224,
      "AcceptTime": 1739872743, "CallResult": "NormalEnd", "CalleeList_Account": ["user1","user5","user2"],
      "RoomId": "roomid-1434", "RoomIdType": 2}}}"#;
const V4_RECORDS: &str = r#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-d3d6aa216dcc4cf4a4eee19c4942e740-O-Seq-2556133",
   "Response": {"TotalNum": 141, "Page":2, "CallRecordList": [{"CallId": "04c9a0ac-8e38-4a19-be45-349c5ce7911b", "Caller_Account": "147", "MediaType": "Audio", "CallType": "SingleCall", "StartTime": 1739960242, "EndTime": 1739960245, "AcceptTime": 1739960244, "CallResult": "NormalEnd", "CalleeList_Account": ["147","369"], "RoomId": "roomid-1434", "RoomIdType": 2}]}}"#;
const V4_CALL_INFO: &str = r#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-431454f25a44462d8155bdff4fed38cc-O-Seq-19029769",
   "Response": {"CallInfo": {"CallId": "055662e1-bc8a-469c-a334-1126c8c17d58", "MediaType": "Audio", "ChatGroupId": "", "RoomId": "", "RoomIdType": 0},
                "UserList": [{"User_Account": "user1", "Status": "Calling"}, {"User_Account": "user2", "Status": "Waiting"}]}}"#;
const V4_ROBOT: &str = r#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-01f93f1a85c34d64a0e4cadb371deef8-O-Seq-997346",
   "Response": {"CallId": "35fd577d-1d10-4201-a40d-6d7316560986", "CallResult": [{"Callee_Account": "jack", "ResultCode": 0}]}}"#;
const V4_ENVELOPE: &str = r#"{"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0, "RequestId": "Id-70e312f1de024af5a36714b7b71da224-O-Seq-63504"}"#;

/// The documented example reply of each registered endpoint.
fn example_reply(id: EndpointId) -> Option<&'static str> {
    use EndpointId as E;
    Some(match id {
        E::V1SetCallback | E::V1UpdateCallback => {
            r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "6b2cd1ca", "data": "http://www.example.com/callback"}"#
        }
        E::V1GetCallback => {
            r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "355c3c394f0602ed81a13c34999abebb", "data": {"actions": ["call_busy", "normal_end"], "address": "http://www.example.com/callback"}}"#
        }
        E::V1DeleteCallback => {
            r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "7c5c", "data": ""}"#
        }
        E::V4GetCallback => {
            r#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-1", "Response": {"Url": "http://www.example.com/callback", "CallbackCommandList": ["Call.CallbackAfterStartCall"]}}"#
        }
        E::V4SetCallback | E::V4DeleteCallback | E::V4EndCall => V4_ENVELOPE,
        E::V1GetRecordByCallId => V1_RECORD,
        E::V1GetRecordsByFilter => V1_RECORDS,
        E::V4GetRecordByCallId => V4_RECORD,
        E::V4GetRecordByFilter => V4_RECORDS,
        E::V4GetCallInfo => V4_CALL_INFO,
        E::V4StartCallByRobot => V4_ROBOT,
        _ => return None,
    })
}

#[test]
fn every_registered_endpoint_has_a_documented_reply_that_parses() {
    assert_eq!(ALL.len(), 14);
    for (index, endpoint) in ALL.iter().enumerate() {
        assert_eq!(endpoint.id.info(), endpoint, "{}", endpoint.name);
        assert_eq!(EndpointId::find(endpoint.path), Some(endpoint.id));
        assert_eq!(ALL.iter().filter(|e| e.path == endpoint.path).count(), 1);
        assert_eq!(
            ALL.iter().filter(|e| e.method == endpoint.method).count(),
            1
        );
        assert_eq!(index, endpoint.id as usize);
        let reply = example_reply(endpoint.id)
            .unwrap_or_else(|| panic!("{} has no documented example reply", endpoint.name));
        endpoint
            .id
            .check_reply(200, reply.as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", endpoint.name));
    }
}

#[test]
fn declarations_follow_the_spec() {
    fn decl<E: Endpoint>() -> (&'static str, Generation, u32, bool) {
        (E::PATH, E::GENERATION, E::RATE.per_second(), E::RETRY_SAFE)
    }
    use Generation::*;
    assert_eq!(
        decl::<V1GetRecordByCallId>(),
        ("/v1/records/get_record_by_callId", V1, 20, true)
    );
    assert_eq!(
        decl::<V1GetRecordsByFilter>(),
        ("/v1/records/get_records_by_filter", V1, 200, true)
    );
    assert_eq!(
        decl::<V4GetRecordByCallId>(),
        (
            "/v4/call_record_http_srv/get_record_by_callid",
            V4,
            200,
            true
        )
    );
    assert_eq!(
        decl::<V4GetRecordByFilter>(),
        (
            "/v4/call_record_http_srv/get_record_by_filter",
            V4,
            200,
            true
        )
    );
    assert_eq!(
        decl::<V4GetCallInfo>(),
        ("/v4/call_engine_http_srv/get_call_info", V4, 200, true)
    );
    assert_eq!(
        decl::<V4StartCallByRobot>(),
        (
            "/v4/call_engine_http_srv/start_call_by_robot",
            V4,
            200,
            false
        )
    );
    assert_eq!(
        decl::<V4EndCall>(),
        ("/v4/call_engine_http_srv/end_call", V4, 200, true)
    );
    // The two v1 record endpoints and the callback configuration each have a budget
    // of their own; every v4 endpoint shares one.
    assert_eq!(V1GetRecordByCallId::RATE, RateClass::V1RecordByCallId);
    assert_eq!(V1GetRecordsByFilter::RATE, RateClass::V1RecordsByFilter);
    assert_ne!(V1GetRecordByCallId::RATE, V1GetCallback::RATE);
    for endpoint in ALL.iter().filter(|e| e.generation == V4) {
        assert_eq!(endpoint.rate, RateClass::V4, "{}", endpoint.name);
    }
}

/// Serializes `body` and compares it with the documented JSON.
fn same_json<T: serde::Serialize>(body: &T, documented: &str) {
    let ours: Value = serde_json::to_value(body).unwrap();
    let theirs: Value = serde_json::from_str(documented).unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn documented_requests() {
    same_json(
        &V1CallId::new("2ae7d549-c441-4a9b-87c0-61810fe19582"),
        r#"{"callId": "2ae7d549-c441-4a9b-87c0-61810fe19582"}"#,
    );
    same_json(
        &V1RecordFilter {
            end_secs: Some(1618705738),
            call_result: Some(CallResult::NormalEnd),
            call_type: Some(CallType::Single),
            per_page: Some(20),
            page: Some(2),
            ..V1RecordFilter::since(1618705638)
        },
        r#"{"startTimestamp": 1618705638, "endTimestamp": 1618705738, "callResult": "normal_end", "callType": "single", "numberPerPage": 20, "page": 2}"#,
    );
    same_json(
        &V4CallId::new("04c9a0ac-8e38-4a19-be45-349c5ce7911b"),
        r#"{"CallId": "04c9a0ac-8e38-4a19-be45-349c5ce7911b"}"#,
    );
    // The filter example sends CallResult and CallType, which the table omits: the
    // example wins (spec §4.5).
    same_json(
        &V4RecordFilter {
            start_secs: Some(0),
            end_secs: Some(1740531683),
            call_result: Some(CallResult::NormalEnd),
            call_type: Some(CallType::Single),
            per_page: Some(2),
            page: Some(2),
        },
        r#"{"StartTime":0, "EndTime":1740531683, "CallResult":"NormalEnd", "CallType":"SingleCall", "NumberPerPage":2, "Page":2}"#,
    );
    same_json(&V4RecordFilter::default(), "{}");
    let mut robot = V4RobotCall::new("user1", ["user5"], 300000, MediaType::Audio);
    robot.user_data = Some("userdata-12345687".into());
    robot.call_info.text_room("roomid-1234");
    robot.offline_push = Some(json!({"PushFlag": 0, "Title":"This is the push title",
        "Desc": "This is the offline push content", "Ext": "This is the transmitted content"}));
    robot.validate().unwrap();
    same_json(
        &robot,
        r#"{"Robot_Account":"user1", "CalleeList_Account":["user5"], "Timeout":300000, "UserData":"userdata-12345687",
   "CallInfo":{"MediaType": "Audio", "RoomIdType":2, "RoomId":"roomid-1234"},
   "OfflinePushInfo": {"PushFlag": 0, "Title":"This is the push title", "Desc": "This is the offline push content", "Ext": "This is the transmitted content"}}"#,
    );
}

#[test]
fn documented_replies() {
    let record = parse_response::<V1GetRecordByCallId>(200, V1_RECORD.as_bytes(), 1).unwrap();
    assert_eq!(record.call_id, "2ae7d549-c441-4a9b-87c0-61810fe19582");
    assert_eq!(record.sdkappid, 88888888);
    assert_eq!(record.media_type, MediaType::Video);
    assert_eq!(
        (record.start_call_secs, record.accept_secs, record.end_secs),
        (1688705638, 1688705641, 1688705668)
    );
    assert_eq!(record.call_type, CallType::Single);
    assert_eq!(record.call_result, CallResult::NormalEnd);
    assert_eq!(record.callees, ["bob1", "bob2"]);

    // `offline` and `totalUserNumber: 0` (spec §3.6, §8.9).
    let page = parse_response::<V1GetRecordsByFilter>(200, V1_RECORDS.as_bytes(), 1).unwrap();
    assert_eq!((page.total, page.page, page.records.len()), (3, 2, 1));
    assert_eq!(page.records[0].call_result, CallResult::Offline);
    assert_eq!(page.records[0].total_user_number, 0);

    let record = parse_response::<V4GetRecordByCallId>(200, V4_RECORD.as_bytes(), 1).unwrap();
    assert_eq!(record.caller, "user1");
    assert_eq!(record.call_type, CallType::Group);
    assert_eq!(record.media_type, MediaType::Audio);
    assert_eq!(record.accept_secs, 1739872743);
    assert_eq!(record.callees, ["user1", "user5", "user2"]);
    assert_eq!(record.room_id_type, RoomIdType::Text);

    // CallResult a string and RoomIdType an integer, as the example (not the table).
    let page = parse_response::<V4GetRecordByFilter>(200, V4_RECORDS.as_bytes(), 1).unwrap();
    assert_eq!((page.total, page.page), (141, 2));
    assert_eq!(page.records[0].call_result, CallResult::NormalEnd);

    // RoomIdType 0, undocumented, is kept.
    let info = parse_response::<V4GetCallInfo>(200, V4_CALL_INFO.as_bytes(), 1).unwrap();
    assert_eq!(info.call.room_id_type, RoomIdType::Other(0));
    assert_eq!(info.users[0].status, UserStatus::Calling);
    assert_eq!(info.users[1].status, UserStatus::Waiting);

    let started = parse_response::<V4StartCallByRobot>(200, V4_ROBOT.as_bytes(), 1).unwrap();
    assert_eq!(
        started.call_id.as_deref(),
        Some("35fd577d-1d10-4201-a40d-6d7316560986")
    );
    assert_eq!(started.callees[0].callee, "jack");
    // The API page shows the envelope alone: still a success, with no call id.
    let bare = parse_response::<V4StartCallByRobot>(200, V4_ENVELOPE.as_bytes(), 1).unwrap();
    assert_eq!(bare, V4RobotCallStarted::default());
    parse_response::<V4EndCall>(200, V4_ENVELOPE.as_bytes(), 1).unwrap();
}

#[test]
fn unknown_enum_values_are_kept() {
    let body = V4_RECORD
        .replace("\"NormalEnd\"", "\"Vanished\"")
        .replace("\"Audio\"", "\"Hologram\"");
    let record = parse_response::<V4GetRecordByCallId>(200, body.as_bytes(), 1).unwrap();
    assert_eq!(record.call_result, CallResult::Other("Vanished".into()));
    assert_eq!(record.media_type, MediaType::Other("Hologram".into()));
    // And are written back as received.
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(json["CallResult"], "Vanished");
}

fn v4_error(code: i64) -> String {
    format!(r#"{{"ActionStatus":"FAIL","ErrorInfo":"x","ErrorCode":{code},"RequestId":"Id-1"}}"#)
}

fn kind<E: Endpoint>(code: i64) -> (ApiErrorKind, bool) {
    match parse_response::<E>(200, v4_error(code).as_bytes(), 1) {
        Err(ResponseError::Api(api)) => (api.kind, api.is_retryable()),
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("code {code} parsed as a success"),
    }
}

#[test]
fn private_codes_are_classified_per_endpoint() {
    use ApiErrorKind::*;
    assert_eq!(kind::<V4GetRecordByCallId>(101001), (ServerError, true));
    assert_eq!(kind::<V4GetRecordByCallId>(101050), (RecordNotFound, false));
    assert_eq!(kind::<V4GetRecordByFilter>(100001), (ServerError, true));
    assert_eq!(kind::<V4GetCallInfo>(101002), (InvalidParameter, false));
    assert_eq!(kind::<V4GetCallInfo>(100002), (InvalidParameter, false));
    assert_eq!(kind::<V4GetCallInfo>(101004), (CallNotFound, false));
    // Ending a call that already ended is its own kind, not an SDK failure.
    assert_eq!(kind::<V4EndCall>(101004), (CallNotFound, false));
    assert_eq!(kind::<V4EndCall>(101001), (ServerError, true));
    // The robot call is not retry safe: a server error is not retried.
    assert_eq!(kind::<V4StartCallByRobot>(101001), (ServerError, false));
    // The codes are private: elsewhere they mean nothing known.
    assert_eq!(kind::<V4GetCallback>(101004), (Other, false));
    assert_eq!(kind::<V4GetRecordByCallId>(101004), (Other, false));
}

#[test]
fn validation_before_sending() {
    let robot = || V4RobotCall::new("robot", ["alice"], 10_000, MediaType::Video);
    assert!(robot().validate().is_ok());
    let mut call = robot();
    call.timeout_ms = 9_999;
    assert!(matches!(
        call.validate(),
        Err(InvalidBody::OutOfRange {
            field: "Timeout",
            ..
        })
    ));
    call.timeout_ms = 600_001;
    assert!(call.validate().is_err());
    call.timeout_ms = 600_000;
    assert!(call.validate().is_ok());
    call.user_data = Some("x".repeat(1001));
    assert!(matches!(
        call.validate(),
        Err(InvalidBody::TooLong {
            field: "UserData",
            ..
        })
    ));
    call.user_data = Some("x".repeat(1000));
    assert!(call.validate().is_ok());
    let mut call = robot();
    call.callees.clear();
    assert!(matches!(
        call.validate(),
        Err(InvalidBody::EmptyList { .. })
    ));
    let mut call = robot();
    call.robot.clear();
    assert!(matches!(
        call.validate(),
        Err(InvalidBody::EmptyField { .. })
    ));
    // RoomIdType must fit the room id.
    let mut call = robot();
    call.call_info.numeric_room(1234);
    assert!(call.validate().is_ok());
    call.call_info.room_id = Some("room-a".into());
    assert!(matches!(call.validate(), Err(InvalidBody::RoomId(_))));
    call.call_info.room_id_type = None;
    assert!(call.validate().is_err());
    call.call_info.room_id = None;
    call.call_info.room_id_type = Some(RoomIdType::Text);
    assert!(call.validate().is_err());
    call.call_info.room_id = Some("room-a".into());
    assert!(call.validate().is_ok());
    call.call_info.room_id_type = Some(RoomIdType::Other(0));
    assert!(call.validate().is_err());

    assert!(V4CallId::new("").validate().is_err());
    assert!(V1CallId::new("").validate().is_err());
    assert!(V4CallId::new("c").validate().is_ok());
    let filter = V4RecordFilter {
        start_secs: Some(10),
        end_secs: Some(9),
        ..Default::default()
    };
    assert!(matches!(
        filter.validate(),
        Err(InvalidBody::TimeRange { start: 10, end: 9 })
    ));
    let filter = V4RecordFilter {
        page: Some(0),
        ..Default::default()
    };
    assert!(matches!(
        filter.validate(),
        Err(InvalidBody::OutOfRange { field: "Page", .. })
    ));
    let filter = V1RecordFilter {
        per_page: Some(0),
        ..V1RecordFilter::since(5)
    };
    assert!(filter.validate().is_err());
    let filter = V1RecordFilter {
        end_secs: Some(4),
        ..V1RecordFilter::since(5)
    };
    assert!(filter.validate().is_err());
}

fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_-]{0,12}"
}

fn result() -> impl Strategy<Value = CallResult> {
    prop_oneof![
        Just(CallResult::Cancel),
        Just(CallResult::NormalEnd),
        Just(CallResult::Offline),
        Just(CallResult::NotAnswer),
        "[A-Z][a-z]{3,8}Zz".prop_map(CallResult::Other),
    ]
}

fn texts(words: Vec<String>) -> TextList {
    words.into_iter().collect()
}

prop_compose! {
    fn v4_record()(call_id in word(), caller in word(), callees in prop::collection::vec(word(), 0..4),
                   start in any::<u64>(), end in any::<u64>(), accept in any::<u64>(), result in result(),
                   group in any::<bool>(), video in any::<bool>(), room in word(), room_type in -2i64..4)
                   -> V4Record {
        V4Record {
            call_id: call_id.into(), caller: caller.into(), callees: texts(callees),
            start_secs: start, end_secs: end, accept_secs: accept,
            call_result: result,
            call_type: if group { CallType::Group } else { CallType::Single },
            media_type: if video { MediaType::Video } else { MediaType::Audio },
            room_id: room.into(), room_id_type: RoomIdType::from_code(room_type),
        }
    }
}

prop_compose! {
    fn v1_record()(call_id in word(), caller in word(), callees in prop::collection::vec(word(), 0..4),
                   start in any::<u64>(), sdkappid in any::<u32>(), users in any::<u32>(), result in result())
                   -> V1Record {
        V1Record {
            call_id: call_id.into(), sdkappid, media_type: MediaType::Video, room_id: "1".into(),
            start_call_secs: start, accept_secs: 0, end_secs: start, caller: caller.into(),
            total_user_number: users, call_type: CallType::Group, call_result: result,
            callees: texts(callees),
        }
    }
}

proptest! {
    #[test]
    fn v4_pages_round_trip(records in prop::collection::vec(v4_record(), 0..5), total in any::<u64>(), page in any::<u32>()) {
        let sent = V4RecordPage { total, page, records };
        let body = format!(r#"{{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RequestId":"r","Response":{}}}"#,
            serde_json::to_string(&sent).unwrap());
        let parsed = parse_response::<V4GetRecordByFilter>(200, body.as_bytes(), 1).unwrap();
        prop_assert_eq!(parsed, sent);
    }

    #[test]
    fn v1_pages_round_trip(records in prop::collection::vec(v1_record(), 0..5), total in any::<u64>()) {
        let sent = V1RecordPage { total, page: 1, records };
        let body = format!(r#"{{"errorCode":0,"errorMessage":"","requestId":"r","data":{}}}"#,
            serde_json::to_string(&sent).unwrap());
        let parsed = parse_response::<V1GetRecordsByFilter>(200, body.as_bytes(), 1).unwrap();
        prop_assert_eq!(parsed, sent);
    }

    #[test]
    fn robot_calls_round_trip(callees in prop::collection::vec("[a-z]{1,8}", 1..4), timeout in 10_000u32..=600_000,
                              data in proptest::option::of("[ -~]{0,40}"), room in proptest::option::of(1u32..)) {
        let mut call = V4RobotCall::new("robot", callees, timeout, MediaType::Video);
        call.user_data = data;
        if let Some(room) = room {
            call.call_info.numeric_room(room);
        }
        prop_assert!(call.validate().is_ok());
        let json = serde_json::to_vec(&call).unwrap();
        let back: V4RobotCall = serde_json::from_slice(&json).unwrap();
        prop_assert_eq!(back, call);
    }

    #[test]
    fn filters_round_trip(start in proptest::option::of(any::<u64>()), per_page in proptest::option::of(1u32..),
                          result in proptest::option::of(result())) {
        let filter = V4RecordFilter { start_secs: start, per_page, call_result: result, ..Default::default() };
        let back: V4RecordFilter = serde_json::from_slice(&serde_json::to_vec(&filter).unwrap()).unwrap();
        prop_assert_eq!(back, filter);
    }
}
