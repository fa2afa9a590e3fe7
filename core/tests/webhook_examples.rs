//! Every webhook example published in the spec (§6.1, 6.2, 6.4, 6.5, 6.6), fed through
//! `parse` as received, and checked field by field against the values the docs show.

use callkit_core::webhook::{
    ActionType, CallResult, CallType, Event, MediaType, OptPlatform, Payload, Role, RoomIdType,
    UserStatus, V1Action, V1Kind, WebhookConfig, WebhookErrorKind, parse,
};

const V1_APP: u32 = 8888888;
const V4_APP: u32 = 1400000000;
const V4_QUERY_PREFIX: &str = "SdkAppid=1400000000&CallbackCommand=";

fn v1(command: &str, body: &str) -> Result<Event, callkit_core::webhook::WebhookError> {
    let query = format!(
        "sdkappid=8888888&command={command}&contenttype=json&clientip=127.0.0.1&optplatform=iOS"
    );
    parse(
        "POST",
        &query,
        body.as_bytes(),
        &WebhookConfig::new(V1_APP),
        0,
    )
}

fn v4(command: &str, body: &str) -> Result<Event, callkit_core::webhook::WebhookError> {
    let query = format!(
        "{V4_QUERY_PREFIX}{command}&contenttype=json&ClientIP=10.0.0.1&OptPlatform=Android"
    );
    parse(
        "POST",
        &query,
        body.as_bytes(),
        &WebhookConfig::new(V4_APP),
        0,
    )
}

// The published examples (see `data/webhook/README.md`), byte for byte.
const STATUS_EXAMPLE: &str = include_str!("data/webhook/6.1-call-status.json");
const EVENT_EXAMPLE: &str = include_str!("data/webhook/6.2-call-event.json");
const START_EXAMPLE: &str = include_str!("data/webhook/6.4-start-call.json");
// The comma before "EventTime" is missing in these two published examples.
const END_EXAMPLE_AS_PUBLISHED: &str = include_str!("data/webhook/6.5-end-call.json");
const MEMBER_EXAMPLE_AS_PUBLISHED: &str = include_str!("data/webhook/6.6-member-changed.json");

/// The published example with the one missing comma put back (before the last line).
fn corrected(published: &str) -> String {
    let at = published
        .rfind("\n \"EventTime\"")
        .expect("example has an EventTime line");
    format!("{},{}", &published[..at], &published[at..])
}

#[test]
fn v1_call_status_example() {
    let event = v1("call_end", STATUS_EXAMPLE).unwrap();
    assert_eq!(event.sdkappid, V1_APP);
    assert_eq!(event.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(event.platform, Some(OptPlatform::Ios));
    assert_eq!(event.command(), "call_end");
    let Payload::V1(cb) = &event.payload else {
        panic!("not v1: {event:?}")
    };
    // `call_end` is not a documented command: kept, and classified by the body.
    assert_eq!(cb.command, V1Action::Other("call_end".into()));
    assert_eq!(cb.kind(), V1Kind::CallStatus);
    assert_eq!(cb.user_id, "Alice");
    assert_eq!(cb.room_id, "Alice's Room");
    assert_eq!(cb.total_num, Some(2));
    assert_eq!(cb.media_type, Some(MediaType::Audio));
    assert_eq!(cb.call_type, Some(CallType::Single));
    assert_eq!(cb.call_id, "aheahfo-eqwnknoihfsd-qweqf");
    assert_eq!(cb.role, Some(Role::Caller));
    assert_eq!(cb.event, None);
    assert_eq!(cb.call_result, Some(CallResult::NormalEnd));
    // The 9-digit EventTime is taken as given: seconds.
    assert_eq!(cb.event_time.unwrap().as_millis(), 170_485_688_000);
    assert_eq!(cb.start_call_ts.unwrap().as_millis(), 1_704_856_873_000);
    assert_eq!(cb.accept_ts.unwrap().as_secs(), 1_704_856_876);
    assert_eq!(cb.end_ts.unwrap().as_secs(), 1_704_856_885);
}

#[test]
fn v1_call_status_with_a_documented_result_command() {
    let event = v1("normal_end", STATUS_EXAMPLE).unwrap();
    let Payload::V1(cb) = &event.payload else {
        panic!()
    };
    assert_eq!(cb.command, V1Action::NormalEnd);
    assert_eq!(cb.kind(), V1Kind::CallStatus);
}

#[test]
fn v1_call_event_example() {
    let event = v1("caller_start_call", EVENT_EXAMPLE).unwrap();
    let Payload::V1(cb) = &event.payload else {
        panic!()
    };
    assert_eq!(cb.command, V1Action::CallerStartCall);
    assert_eq!(cb.kind(), V1Kind::CallEvent);
    assert_eq!(cb.event.as_deref(), Some("start_call"));
    assert_eq!(cb.call_result, None, "an empty CallResult is no result");
    assert_eq!(cb.event_time.unwrap().as_secs(), 1_704_695_566);
    assert_eq!(cb.role, Some(Role::Caller));
}

#[test]
fn v1_table_spellings_read_like_the_example_spellings() {
    let body = r#"{"UserId":"u","CallId":"c","MediaType":"Video","CallType":"Group","Role":"Callee","CallResult":"Not_answer"}"#;
    let Payload::V1(cb) = v1("not_answer", body).unwrap().payload else {
        panic!()
    };
    assert_eq!(cb.media_type, Some(MediaType::Video));
    assert_eq!(cb.call_type, Some(CallType::Group));
    assert_eq!(cb.role, Some(Role::Callee));
    assert_eq!(cb.call_result, Some(CallResult::NotAnswer));
    assert_eq!(cb.room_id, "", "missing ids read as empty");
    assert_eq!(cb.total_num, None);
    assert_eq!(cb.event_time, None);
}

#[test]
fn v4_start_call_example() {
    let event = v4("Call.CallbackAfterStartCall", START_EXAMPLE).unwrap();
    assert_eq!(event.sdkappid, V4_APP);
    assert_eq!(event.client_ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(event.platform, Some(OptPlatform::Android));
    let Payload::StartCall(start) = &event.payload else {
        panic!("{event:?}")
    };
    let info = &start.call_info;
    assert_eq!(info.call_id, "055662e1-bc8a-469c-a334-1126c8c17d58");
    assert_eq!(
        info.media_type,
        Some(MediaType::Audio),
        "from CallMediaType"
    );
    assert_eq!(info.chat_group_id, "");
    assert_eq!(info.room_id, "");
    assert_eq!(info.room_id_type, Some(RoomIdType::Numeric));
    let users: Vec<_> = start
        .users
        .iter()
        .map(|u| (u.user_id.as_str(), u.status.clone()))
        .collect();
    assert_eq!(
        users,
        [
            ("144115212830834855", Some(UserStatus::Calling)),
            ("144115212948889925", Some(UserStatus::Waiting)),
        ]
    );
    assert_eq!(start.event_time.unwrap().as_millis(), 1_740_464_128_807);
}

#[test]
fn v4_start_call_with_the_tables_media_type_key() {
    let body = START_EXAMPLE
        .replace("CallMediaType", "MediaType")
        .replace("Audio", "Video");
    let Payload::StartCall(start) = v4("Call.CallbackAfterStartCall", &body).unwrap().payload
    else {
        panic!()
    };
    assert_eq!(start.call_info.media_type, Some(MediaType::Video));
}

#[test]
fn published_end_call_example_is_rejected_naming_the_spot() {
    let err = v4("Call.CallbackAfterEndCall", END_EXAMPLE_AS_PUBLISHED).unwrap_err();
    assert_eq!(err.status(), 400);
    let WebhookErrorKind::InvalidJson {
        line,
        column,
        message,
    } = err.kind()
    else {
        panic!("{err:?}")
    };
    // The missing comma: serde_json stops at the `"` that opens "EventTime" on line 5.
    assert_eq!((*line, *column), (5, 2), "{message}");
    assert!(message.contains("expected `,` or `}`"), "{message}");
    let (_, body) = err.response();
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("line 5 column 2"), "{body}");
}

#[test]
fn corrected_end_call_example_parses_to_the_documented_values() {
    let event = v4(
        "Call.CallbackAfterEndCall",
        &corrected(END_EXAMPLE_AS_PUBLISHED),
    )
    .unwrap();
    let Payload::EndCall(end) = &event.payload else {
        panic!("{event:?}")
    };
    let r = &end.record;
    assert_eq!(r.call_id, "055662e1-bc8a-469c-a334-1126c8c17d58");
    assert_eq!(r.caller, "10001");
    assert_eq!(r.media_type, Some(MediaType::Audio));
    assert_eq!(r.call_type, Some(CallType::Single));
    assert_eq!(r.start_time.unwrap().as_secs(), 1_741_231_146);
    assert_eq!(r.end_time.unwrap().as_millis(), 1_741_231_296_000);
    assert_eq!(r.accept_time, None, "AcceptTime 0 = not answered");
    assert_eq!(r.call_result, Some(CallResult::NotAnswer));
    assert_eq!(r.callees, ["10001", "user2"]);
    assert_eq!(r.room_id, "roomid-1434");
    assert_eq!(r.room_id_type, Some(RoomIdType::Text));
    assert_eq!(end.event_time.unwrap().as_millis(), 1_703_589_922_780);
}

#[test]
fn end_call_offline_result() {
    let body = corrected(END_EXAMPLE_AS_PUBLISHED).replace("NotAnswer", "Offline");
    let Payload::EndCall(end) = v4("Call.CallbackAfterEndCall", &body).unwrap().payload else {
        panic!()
    };
    assert_eq!(end.record.call_result, Some(CallResult::Offline));
}

#[test]
fn published_member_changed_example_is_rejected_naming_the_spot() {
    let err = v4(
        "Call.CallbackAfterMemberChanged",
        MEMBER_EXAMPLE_AS_PUBLISHED,
    )
    .unwrap_err();
    let WebhookErrorKind::InvalidJson { line, column, .. } = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!((*line, *column), (4, 2));
    // v4 shape, non-zero code.
    let (status, body) = err.response();
    assert_eq!(status, 400);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["ActionStatus"], "FAIL");
    assert_eq!(json["ErrorCode"], 400);
}

#[test]
fn corrected_member_changed_example_parses_to_the_documented_values() {
    let body = corrected(MEMBER_EXAMPLE_AS_PUBLISHED);
    let Payload::MemberChanged(m) = v4("Call.CallbackAfterMemberChanged", &body)
        .unwrap()
        .payload
    else {
        panic!()
    };
    assert_eq!(m.call_id, "055662e1-bc8a-469c-a334-1126c8c17d58");
    assert_eq!(m.users.len(), 2);
    assert_eq!(m.users[0].user_id, "user1");
    assert_eq!(m.users[1].status, Some(UserStatus::Calling));
    assert_eq!(m.changed.len(), 1);
    assert_eq!(m.changed[0].user_id, "user2");
    assert_eq!(
        m.changed[0].action,
        Some(ActionType::Accept),
        "Answer = Accept"
    );
    assert_eq!(m.event_time.unwrap().as_millis(), 1_740_464_128_807);
}

#[test]
fn member_changed_every_documented_action_spelling() {
    let cases = [
        ("Answer", ActionType::Accept),
        ("Accept", ActionType::Accept),
        ("Reject", ActionType::Reject),
        ("NotAnswer", ActionType::NotAnswer),
        ("Hangup", ActionType::HangUp),
        ("HangUp", ActionType::HangUp),
        ("Hang Up", ActionType::HangUp),
        ("Join", ActionType::Join),
        ("Offline", ActionType::Offline),
        ("Invite", ActionType::Invite),
        ("Invited", ActionType::Invite),
        ("Cancel_Invite", ActionType::CancelInvite),
        ("Canncel_Invite", ActionType::CancelInvite),
        ("Teleport", ActionType::Other("Teleport".into())),
    ];
    for (spelling, want) in cases {
        let body = format!(
            r#"{{"CallId":"c","ChangedUserList":[{{"User_Account":"u","ActionType":"{spelling}"}}]}}"#
        );
        let Payload::MemberChanged(m) = v4("Call.CallbackAfterMemberChanged", &body)
            .unwrap()
            .payload
        else {
            panic!()
        };
        assert_eq!(m.changed[0].action, Some(want), "{spelling}");
    }
}

#[test]
fn user_account_as_any_json_number_is_kept_as_text() {
    let cases = [
        ("18446744073709551615", "18446744073709551615"), // u64::MAX, exact
        ("-42", "-42"),
        ("\"007\"", "007"),
        ("1e3", "1000"),
        ("null", ""),
    ];
    for (json, want) in cases {
        let body = format!(
            r#"{{"CallId":"c","ChangedUserList":[{{"User_Account":"u"}}],"UserList":[{{"User_Account":{json}}}]}}"#
        );
        let Payload::MemberChanged(m) = v4("Call.CallbackAfterMemberChanged", &body)
            .unwrap()
            .payload
        else {
            panic!()
        };
        assert_eq!(m.users[0].user_id, want, "{json}");
        assert_eq!(m.users[0].status, None);
    }
}

#[test]
fn an_unknown_v4_command_is_kept_with_its_body() {
    let body = r#"{"CallbackCommand":"Call.CallbackAfterSomethingNew","X":[1,2]}"#;
    let event = v4("Call.CallbackAfterSomethingNew", body).unwrap();
    assert_eq!(event.command(), "Call.CallbackAfterSomethingNew");
    let Payload::OtherV4 { command, body } = &event.payload else {
        panic!()
    };
    assert_eq!(command, "Call.CallbackAfterSomethingNew");
    assert_eq!(body["X"][1], 2);
}

#[test]
fn a_body_command_that_differs_from_the_query_is_rejected() {
    let err = v4("Call.CallbackAfterEndCall", START_EXAMPLE).unwrap_err();
    assert!(
        matches!(err.kind(), WebhookErrorKind::CommandMismatch { .. }),
        "{err:?}"
    );
    assert_eq!(err.status(), 400);
}

#[test]
fn a_time_of_the_wrong_type_is_a_json_error_with_position() {
    let err = v4("Call.CallbackAfterStartCall", r#"{"EventTime": "soon"}"#).unwrap_err();
    let WebhookErrorKind::InvalidJson { line, column, .. } = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!(*line, 1);
    assert!(*column > 0);
    // A negative time is not a time either.
    assert!(v4("Call.CallbackAfterStartCall", r#"{"EventTime": -5}"#).is_err());
    // Digits in a string are accepted.
    let Payload::StartCall(s) = v4(
        "Call.CallbackAfterStartCall",
        r#"{"CallInfo":{"CallId":"c"},"EventTime":"12"}"#,
    )
    .unwrap()
    .payload
    else {
        panic!()
    };
    assert_eq!(s.event_time.unwrap().as_millis(), 12);
}

#[test]
fn events_print_as_one_json_line() {
    let event = v4("Call.CallbackAfterStartCall", START_EXAMPLE).unwrap();
    let line = serde_json::to_string(&event).unwrap();
    assert!(!line.contains('\n'));
    let json: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(json["payload"]["type"], "StartCall");
    assert_eq!(json["payload"]["event_time"], 1_740_464_128_807u64);
    assert_eq!(json["payload"]["users"][0]["status"], "Calling");
    assert_eq!(json["platform"], "Android");
}
