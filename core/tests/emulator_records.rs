//! The emulator's calls and records, through the real request and response path:
//! robot calls live until ended, every ended call leaves a record in both generations'
//! shapes, kept for 7 days of emulator time, with the spec's filters, defaults and paging.
#![cfg(feature = "emulator")]

use core::time::Duration;

use callkit_core::call_engine::V4RobotCall;
use callkit_core::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use callkit_core::emulator::{App, CallOutcome, CallScenario, Emulator, ServiceRequest};
use callkit_core::endpoint::Endpoint;
use callkit_core::records::*;
use callkit_core::region::{BaseUrl, Server};
use callkit_core::registry::*;
use callkit_core::request::build_request;
use callkit_core::response::{ApiErrorKind, ResponseError, parse_response};
use callkit_core::secret::SecretKey;
use callkit_core::usersig::AdminSigner;
use callkit_core::webhook::{CallResult, CallType, MediaType, RoomIdType, UserStatus};

const APP: u32 = 1_400_000_000;
const T0: u64 = 1_700_000_000;
const DAY: u64 = 24 * 60 * 60;

fn key() -> SecretKey {
    SecretKey::new("emulator-records-test-key").unwrap()
}

fn emulator() -> Emulator {
    let mut emulator = Emulator::new();
    emulator.add_app(App::new(APP, key())).unwrap();
    emulator.set_call_ids(|_, seq| format!("call-{seq}"));
    emulator
}

/// Calls `E` at `now` (Unix seconds) with a fresh UserSig.
fn call<E: Endpoint>(
    emulator: &mut Emulator,
    body: &E::Request,
    now: u64,
) -> Result<E::Response, ResponseError> {
    let mut signer = AdminSigner::new(APP, &key(), "administrator").unwrap();
    let usersig = signer.usersig(now).unwrap().clone();
    let server: Server = BaseUrl::parse_allow_http("http://127.0.0.1:1")
        .unwrap()
        .into();
    let request = build_request::<E>(&server, APP, "administrator", &usersig, 9, body).unwrap();
    let answer = emulator.handle(
        &ServiceRequest::new("POST", request.url(), request.body()),
        Duration::from_secs(now),
    );
    parse_response::<E>(answer.status, &answer.body, 9)
}

fn code<T: std::fmt::Debug>(result: Result<T, ResponseError>) -> (i64, ApiErrorKind) {
    match result {
        Err(ResponseError::Api(api)) => (api.code, api.kind),
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn robot() -> V4RobotCall {
    let mut call = V4RobotCall::new("robot", ["alice", "bob"], 30_000, MediaType::Video);
    call.call_info.text_room("room-9");
    call
}

#[test]
fn a_robot_call_lives_is_answered_ends_and_leaves_a_record() {
    let mut e = emulator();
    e.set_v4_config(
        APP,
        Some(V4CallbackConfig {
            url: "http://127.0.0.1:9/cb".into(),
            commands: vec![V4Command::AfterEndCall],
        }),
    );
    let started = call::<V4StartCallByRobot>(&mut e, &robot(), T0).unwrap();
    let id = started.call_id.clone().unwrap();
    assert!(id.starts_with("call-"), "{id}");
    assert_eq!(started.callees.len(), 2);
    assert_eq!(e.live_calls(APP), 1);

    let info = call::<V4GetCallInfo>(&mut e, &V4CallId::new(&id), T0 + 1).unwrap();
    assert_eq!(info.call.call_id, id);
    assert_eq!(info.call.room_id_type, RoomIdType::Text);
    let statuses: Vec<_> = info
        .users
        .iter()
        .map(|u| (u.user.as_str(), u.status.clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("robot", UserStatus::Calling),
            ("alice", UserStatus::Waiting),
            ("bob", UserStatus::Waiting)
        ]
    );
    // Not recorded while live.
    assert_eq!(
        code(call::<V4GetRecordByCallId>(
            &mut e,
            &V4CallId::new(&id),
            T0 + 1
        )),
        (101050, ApiErrorKind::RecordNotFound)
    );

    assert!(e.answer_call(APP, &id, "alice", Duration::from_secs(T0 + 3)));
    assert!(!e.answer_call(APP, &id, "mallory", Duration::from_secs(T0 + 3)));
    let info = call::<V4GetCallInfo>(&mut e, &V4CallId::new(&id), T0 + 4).unwrap();
    assert_eq!(info.users[1].status, UserStatus::Calling);
    assert_eq!(info.users[2].status, UserStatus::Waiting);

    call::<V4EndCall>(&mut e, &V4CallId::new(&id), T0 + 10).unwrap();
    assert_eq!(e.live_calls(APP), 0);
    // The subscribed end-of-call callback is queued for delivery.
    let deliveries = e.take_deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].command, "Call.CallbackAfterEndCall");
    assert!(e.take_deliveries().is_empty());

    // Ending it again, or asking about it: the call is over (101004).
    assert_eq!(
        code(call::<V4EndCall>(&mut e, &V4CallId::new(&id), T0 + 11)),
        (101004, ApiErrorKind::CallNotFound)
    );
    assert_eq!(
        code(call::<V4GetCallInfo>(&mut e, &V4CallId::new(&id), T0 + 11)),
        (101004, ApiErrorKind::CallNotFound)
    );

    let v4 = call::<V4GetRecordByCallId>(&mut e, &V4CallId::new(&id), T0 + 12).unwrap();
    assert_eq!(
        (v4.start_secs, v4.accept_secs, v4.end_secs),
        (T0, T0 + 3, T0 + 10)
    );
    assert_eq!(v4.call_result, CallResult::NormalEnd);
    assert_eq!(v4.call_type, CallType::Group);
    assert_eq!(v4.callees, ["robot", "alice", "bob"]);
    let v1 = call::<V1GetRecordByCallId>(&mut e, &V1CallId::new(&id), T0 + 12).unwrap();
    assert_eq!(v1.call_result, CallResult::NormalEnd);
    assert_eq!(v1.sdkappid, APP);
    assert_eq!(v1.callees, ["alice", "bob"]);
    assert_eq!(v1.total_user_number, 3);
}

#[test]
fn an_unanswered_robot_call_ends_as_cancelled_or_rings_out() {
    let mut e = emulator();
    let first = call::<V4StartCallByRobot>(&mut e, &robot(), T0)
        .unwrap()
        .call_id
        .unwrap();
    call::<V4EndCall>(&mut e, &V4CallId::new(&first), T0 + 5).unwrap();
    let record = call::<V4GetRecordByCallId>(&mut e, &V4CallId::new(&first), T0 + 6).unwrap();
    assert_eq!(record.call_result, CallResult::Cancel);
    assert_eq!(record.accept_secs, 0);

    let t1 = T0 + 7;
    let second = call::<V4StartCallByRobot>(&mut e, &robot(), t1)
        .unwrap()
        .call_id
        .unwrap();
    // 30 s timeout: still live at 29 s, over at 30 s.
    call::<V4GetCallInfo>(&mut e, &V4CallId::new(&second), t1 + 29).unwrap();
    assert_eq!(
        code(call::<V4GetCallInfo>(
            &mut e,
            &V4CallId::new(&second),
            t1 + 30
        )),
        (101004, ApiErrorKind::CallNotFound)
    );
    let record = call::<V4GetRecordByCallId>(&mut e, &V4CallId::new(&second), t1 + 31).unwrap();
    assert_eq!(record.call_result, CallResult::NotAnswer);
}

/// An app subscribed to every callback of both generations.
fn subscribed_to_everything() -> Emulator {
    let mut e = emulator();
    e.set_v1_config(
        APP,
        Some(V1CallbackConfig {
            address: "http://127.0.0.1:9/v1".into(),
            actions: V1Action::ALL.to_vec(),
        }),
    );
    e.set_v4_config(
        APP,
        Some(V4CallbackConfig {
            url: "http://127.0.0.1:9/v4".into(),
            commands: V4Command::ALL.to_vec(),
        }),
    );
    e
}

fn statuses(info: &callkit_core::call_engine::V4CallInfo) -> Vec<(&str, UserStatus)> {
    info.users
        .iter()
        .map(|u| (u.user.as_str(), u.status.clone()))
        .collect()
}

#[test]
fn a_connected_simulated_call_is_live_until_end_call() {
    let mut e = subscribed_to_everything();
    let scenario = CallScenario::new("alice", ["bob"], CallOutcome::Connected);
    let sent = e.simulate_call(APP, &scenario, Duration::from_secs(T0));
    let commands: Vec<&str> = sent.iter().map(|d| d.command.as_str()).collect();
    // Up to the answer, nothing of the end.
    assert_eq!(
        commands,
        [
            "caller_start_call",
            "callee_receive_call",
            "callee_accept_call",
            "caller_call_accepted",
            "Call.CallbackAfterStartCall",
            "Call.CallbackAfterMemberChanged",
        ]
    );
    let id = String::from("call-1");
    assert_eq!(e.live_calls(APP), 1);
    let info = call::<V4GetCallInfo>(&mut e, &V4CallId::new(&id), T0 + 5).unwrap();
    assert_eq!(
        statuses(&info),
        [("alice", UserStatus::Calling), ("bob", UserStatus::Calling)]
    );
    assert_eq!(
        code(call::<V4GetRecordByCallId>(
            &mut e,
            &V4CallId::new(&id),
            T0 + 5
        )),
        (101050, ApiErrorKind::RecordNotFound)
    );

    call::<V4EndCall>(&mut e, &V4CallId::new(&id), T0 + 60).unwrap();
    let ended: Vec<String> = e.take_deliveries().into_iter().map(|d| d.command).collect();
    assert_eq!(
        ended,
        [
            "caller_call_end",
            "callee_call_end",
            "normal_end",
            "Call.CallbackAfterEndCall"
        ]
    );
    let v4 = call::<V4GetRecordByCallId>(&mut e, &V4CallId::new(&id), T0 + 61).unwrap();
    assert_eq!(
        (v4.start_secs, v4.accept_secs, v4.end_secs, v4.call_result),
        (T0, T0 + 2, T0 + 60, CallResult::NormalEnd)
    );
    let v1 = call::<V1GetRecordByCallId>(&mut e, &V1CallId::new(&id), T0 + 61).unwrap();
    assert_eq!(v1.call_result, CallResult::NormalEnd);
    assert_eq!(
        code(call::<V4EndCall>(&mut e, &V4CallId::new(&id), T0 + 62)),
        (101004, ApiErrorKind::CallNotFound)
    );
}

#[test]
fn a_ringing_simulated_call_waits_is_answered_or_rings_out() {
    let mut e = subscribed_to_everything();
    let ringing = CallScenario::new("alice", ["bob", "carol"], CallOutcome::Ringing);
    let sent = e.simulate_call(APP, &ringing, Duration::from_secs(T0));
    let commands: Vec<&str> = sent.iter().map(|d| d.command.as_str()).collect();
    assert_eq!(
        commands,
        [
            "caller_start_call",
            "callee_receive_call",
            "callee_receive_call",
            "Call.CallbackAfterStartCall",
        ]
    );
    let info = call::<V4GetCallInfo>(&mut e, &V4CallId::new("call-1"), T0 + 1).unwrap();
    assert_eq!(
        statuses(&info),
        [
            ("alice", UserStatus::Calling),
            ("bob", UserStatus::Waiting),
            ("carol", UserStatus::Waiting)
        ]
    );
    assert!(e.answer_call(APP, "call-1", "carol", Duration::from_secs(T0 + 3)));
    let info = call::<V4GetCallInfo>(&mut e, &V4CallId::new("call-1"), T0 + 4).unwrap();
    assert_eq!(info.users[2].status, UserStatus::Calling);
    call::<V4EndCall>(&mut e, &V4CallId::new("call-1"), T0 + 9).unwrap();
    let record = call::<V4GetRecordByCallId>(&mut e, &V4CallId::new("call-1"), T0 + 9).unwrap();
    assert_eq!(
        (record.accept_secs, record.call_result),
        (T0 + 3, CallResult::NormalEnd)
    );

    // Nobody answers: after the scenario's 30 s timeout it is over, recorded as missed.
    let t1 = T0 + 100;
    let mut missed = ringing.clone();
    missed.call_id = Some("missed".into());
    e.simulate_call(APP, &missed, Duration::from_secs(t1));
    call::<V4GetCallInfo>(&mut e, &V4CallId::new("missed"), t1 + 29).unwrap();
    assert_eq!(
        code(call::<V4GetCallInfo>(
            &mut e,
            &V4CallId::new("missed"),
            t1 + 30
        )),
        (101004, ApiErrorKind::CallNotFound)
    );
    let record = call::<V4GetRecordByCallId>(&mut e, &V4CallId::new("missed"), t1 + 31).unwrap();
    assert_eq!(record.call_result, CallResult::NotAnswer);
}

#[test]
fn invalid_robot_calls_are_refused_with_the_engine_code() {
    let mut e = emulator();
    // Bypass the client's validation: send a raw body with a 5 s timeout.
    let mut signer = AdminSigner::new(APP, &key(), "administrator").unwrap();
    let usersig = signer.usersig(T0).unwrap().as_str().to_owned();
    let target = format!(
        "/v4/call_engine_http_srv/start_call_by_robot?sdkappid={APP}&identifier=administrator&usersig={usersig}&random=1&contenttype=json"
    );
    let body = br#"{"Robot_Account":"r","CalleeList_Account":["a"],"Timeout":5000,"CallInfo":{"MediaType":"Audio"}}"#;
    let answer = e.handle(
        &ServiceRequest::new("POST", &target, body),
        Duration::from_secs(T0),
    );
    let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(json["ErrorCode"], 101002);
    assert_eq!(e.live_calls(APP), 0);
}

fn simulate(e: &mut Emulator, at: u64, outcome: CallOutcome, callees: &[&str]) {
    let scenario = CallScenario::new("alice", callees.iter().copied(), outcome);
    e.simulate_call(APP, &scenario, Duration::from_secs(at));
}

#[test]
fn records_page_with_the_documented_defaults_and_filters() {
    let mut e = emulator();
    for i in 0..25 {
        let outcome = if i % 5 == 0 {
            CallOutcome::Rejected
        } else {
            CallOutcome::Answered {
                talk: Duration::from_secs(10),
            }
        };
        let callees: &[&str] = if i % 2 == 0 {
            &["bob"]
        } else {
            &["bob", "carol"]
        };
        simulate(&mut e, T0 + i * 60, outcome, callees);
    }
    let now = T0 + DAY;
    // v4 `{}`: the first page of 10, all 25 counted.
    let page = call::<V4GetRecordByFilter>(&mut e, &V4RecordFilter::default(), now).unwrap();
    assert_eq!((page.total, page.page, page.records.len()), (25, 1, 10));
    assert_eq!(page.records[0].start_secs, T0);
    let last = V4RecordFilter {
        page: Some(3),
        ..Default::default()
    };
    let page = call::<V4GetRecordByFilter>(&mut e, &last, now).unwrap();
    assert_eq!(page.records.len(), 5);
    let past = V4RecordFilter {
        page: Some(4),
        ..Default::default()
    };
    assert!(
        call::<V4GetRecordByFilter>(&mut e, &past, now)
            .unwrap()
            .records
            .is_empty()
    );
    // Filters by result and type.
    let rejected = V4RecordFilter {
        call_result: Some(CallResult::Reject),
        ..Default::default()
    };
    assert_eq!(
        call::<V4GetRecordByFilter>(&mut e, &rejected, now)
            .unwrap()
            .total,
        5
    );
    let single = V4RecordFilter {
        call_type: Some(CallType::Single),
        per_page: Some(100),
        ..Default::default()
    };
    let page = call::<V4GetRecordByFilter>(&mut e, &single, now).unwrap();
    assert_eq!((page.total, page.records.len()), (13, 13));
    // A time range.
    let range = V4RecordFilter {
        start_secs: Some(T0 + 60),
        end_secs: Some(T0 + 180),
        ..Default::default()
    };
    assert_eq!(
        call::<V4GetRecordByFilter>(&mut e, &range, now)
            .unwrap()
            .total,
        3
    );

    // v1: 100 a page by default, snake_case filters.
    let page = call::<V1GetRecordsByFilter>(&mut e, &V1RecordFilter::since(T0), now).unwrap();
    assert_eq!((page.total, page.records.len()), (25, 25));
    let filter = V1RecordFilter {
        call_result: Some(CallResult::NormalEnd),
        per_page: Some(7),
        page: Some(3),
        ..V1RecordFilter::since(T0)
    };
    let page = call::<V1GetRecordsByFilter>(&mut e, &filter, now).unwrap();
    assert_eq!((page.total, page.page, page.records.len()), (20, 3, 6));
}

#[test]
fn records_are_kept_seven_days_and_start_time_is_clamped() {
    let mut e = emulator();
    simulate(&mut e, T0, CallOutcome::Rejected, &["bob"]);
    simulate(&mut e, T0 + 3 * DAY, CallOutcome::Rejected, &["bob"]);
    // Eight days on, the first call's record is gone, even asked for explicitly.
    let now = T0 + 8 * DAY;
    let all = V4RecordFilter {
        start_secs: Some(0),
        ..Default::default()
    };
    let page = call::<V4GetRecordByFilter>(&mut e, &all, now).unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.records[0].start_secs, T0 + 3 * DAY);
    assert_eq!(e.record_count(APP), 1);
    assert_eq!(
        code(call::<V1GetRecordByCallId>(
            &mut e,
            &V1CallId::new("nope"),
            now
        )),
        (70001, ApiErrorKind::InvalidParameter)
    );
    assert_eq!(
        code(call::<V4GetRecordByCallId>(
            &mut e,
            &V4CallId::new("nope"),
            now
        )),
        (101050, ApiErrorKind::RecordNotFound)
    );
}

#[test]
fn every_registered_endpoint_has_an_emulator_route() {
    let mut e = emulator();
    for endpoint in ALL {
        let target = format!("{}?sdkappid={APP}", endpoint.path);
        let answer = e.handle(
            &ServiceRequest::new("POST", &target, b"{}"),
            Duration::from_secs(T0),
        );
        let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        // Routed: refused for the missing identifier, not as an unknown path.
        assert_eq!(answer.status, 200, "{}", endpoint.path);
        let code = json.get("errorCode").or(json.get("ErrorCode")).unwrap();
        assert!(code != 60009 && code != 0, "{}: {json}", endpoint.path);
        assert_eq!(e.requests_for(endpoint.path), 1);
    }
}
