//! `parse(build(event)) == event` for generated events of every kind, and `parse` never
//! panics on arbitrary method, query or body.

use callkit_core::webhook::{
    ActionType, CallMember, CallResult, CallType, CallbackToken, EndCall, Event, MediaType,
    MemberAction, MemberChanged, OptPlatform, Payload, Role, RoomIdType, StartCall, Timestamp,
    UserStatus, V1Action, V1Callback, WebhookConfig, build, parse,
};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// A known value, or an `Other` spelled so that it matches no known value (every known
/// spelling starts with a letter other than `x` once separators are dropped).
fn lenient<T: Clone + core::fmt::Debug + 'static>(
    known: Vec<T>,
    other: fn(String) -> T,
) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(prop_oneof![
        3 => proptest::sample::select(known),
        1 => "x[a-zA-Z_ ]{0,8}".prop_map(other),
    ])
}

fn secs() -> impl Strategy<Value = Option<Timestamp>> {
    proptest::option::of((1..=u64::MAX / 1000).prop_map(|s| Timestamp::from_secs(s).unwrap()))
}

fn millis() -> impl Strategy<Value = Option<Timestamp>> {
    proptest::option::of((1..=u64::MAX).prop_map(Timestamp::from_millis))
}

fn media() -> impl Strategy<Value = Option<MediaType>> {
    lenient(vec![MediaType::Audio, MediaType::Video], MediaType::Other)
}

fn call_type() -> impl Strategy<Value = Option<CallType>> {
    lenient(vec![CallType::Single, CallType::Group], CallType::Other)
}

fn call_result() -> impl Strategy<Value = Option<CallResult>> {
    lenient(
        vec![
            CallResult::Cancel,
            CallResult::Reject,
            CallResult::NotAnswer,
            CallResult::NormalEnd,
            CallResult::CallBusy,
            CallResult::Interrupt,
            CallResult::Offline,
        ],
        CallResult::Other,
    )
}

fn room_id_type() -> impl Strategy<Value = Option<RoomIdType>> {
    proptest::option::of(any::<i64>().prop_map(RoomIdType::from_code))
}

fn members() -> impl Strategy<Value = Vec<CallMember>> {
    let status = lenient(
        vec![UserStatus::Calling, UserStatus::Waiting],
        UserStatus::Other,
    );
    proptest::collection::vec(
        (any::<String>(), status).prop_map(|(u, s)| CallMember::new(u, s)),
        0..4,
    )
}

/// An identifying id: anything, but never blank (an event without one is refused).
fn id() -> impl Strategy<Value = String> {
    any::<String>().prop_map(|s| format!("c{s}"))
}

fn v1_payload() -> impl Strategy<Value = Payload> {
    let command = prop_oneof![
        3 => proptest::sample::select(V1Action::ALL.to_vec()),
        1 => "x[a-z_]{0,12}".prop_map(V1Action::Other),
    ];
    let role = lenient(vec![Role::Caller, Role::Callee], Role::Other);
    (
        (command, id(), any::<String>(), id()),
        (any::<Option<u32>>(), media(), call_type(), role),
        (proptest::option::of(".+"), call_result()),
        (secs(), secs(), secs(), secs()),
    )
        .prop_map(
            |((command, user, room, call), (total, media, ctype, role), (ev, res), t)| {
                let mut cb = V1Callback::new(command);
                cb.user_id = user;
                cb.room_id = room;
                cb.call_id = call;
                cb.total_num = total;
                cb.media_type = media;
                cb.call_type = ctype;
                cb.role = role;
                cb.event = ev;
                cb.call_result = res;
                (cb.event_time, cb.start_call_ts, cb.accept_ts, cb.end_ts) = t;
                Payload::V1(cb)
            },
        )
}

fn start_call() -> impl Strategy<Value = Payload> {
    (
        (id(), media(), any::<String>(), any::<String>()),
        room_id_type(),
        members(),
        millis(),
    )
        .prop_map(|((call, media, group, room), rtype, users, time)| {
            let mut s = StartCall::default();
            s.call_info.call_id = call;
            s.call_info.media_type = media;
            s.call_info.chat_group_id = group;
            s.call_info.room_id = room;
            s.call_info.room_id_type = rtype;
            s.users = users;
            s.event_time = time;
            Payload::StartCall(s)
        })
}

fn end_call() -> impl Strategy<Value = Payload> {
    (
        (id(), any::<String>(), media(), call_type()),
        (secs(), secs(), secs(), call_result()),
        (
            proptest::collection::vec(any::<String>(), 0..4),
            any::<String>(),
            room_id_type(),
        ),
        millis(),
    )
        .prop_map(|(a, b, c, time)| {
            let mut e = EndCall::default();
            let r = &mut e.record;
            (r.call_id, r.caller, r.media_type, r.call_type) = a;
            (r.start_time, r.end_time, r.accept_time, r.call_result) = b;
            (r.callees, r.room_id, r.room_id_type) = c;
            e.event_time = time;
            Payload::EndCall(e)
        })
}

fn member_changed() -> impl Strategy<Value = Payload> {
    let action = lenient(
        vec![
            ActionType::Accept,
            ActionType::Reject,
            ActionType::NotAnswer,
            ActionType::HangUp,
            ActionType::Join,
            ActionType::Offline,
            ActionType::Invite,
            ActionType::CancelInvite,
        ],
        ActionType::Other,
    );
    let changed = proptest::collection::vec(
        (any::<String>(), action).prop_map(|(u, a)| MemberAction::new(u, a)),
        1..4,
    );
    (id(), members(), changed, millis()).prop_map(|(call, users, changed, time)| {
        let mut m = MemberChanged::default();
        m.call_id = call;
        m.users = users;
        m.changed = changed;
        m.event_time = time;
        Payload::MemberChanged(m)
    })
}

fn other_v4() -> impl Strategy<Value = Payload> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    (
        "Call\\.Callback[A-Z][a-zA-Z]{0,12}",
        proptest::collection::btree_map("[A-Za-z]{1,8}", scalar, 0..5),
    )
        .prop_filter(
            "a known command would parse as its own payload",
            |(c, _)| {
                ![
                    "Call.CallbackAfterStartCall",
                    "Call.CallbackAfterEndCall",
                    "Call.CallbackAfterMemberChanged",
                ]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(c))
            },
        )
        .prop_map(|(command, fields)| {
            let mut body: Map<String, Value> = fields.into_iter().collect();
            body.insert("CallbackCommand".into(), Value::String(command.clone()));
            Payload::OtherV4 {
                command,
                body: Value::Object(body),
            }
        })
}

fn event() -> impl Strategy<Value = Event> {
    let platform = lenient(
        vec![
            OptPlatform::RestApi,
            OptPlatform::Web,
            OptPlatform::Android,
            OptPlatform::Ios,
            OptPlatform::Windows,
            OptPlatform::MacOs,
            OptPlatform::IPad,
            OptPlatform::MiniProgram,
            OptPlatform::Unknown,
        ],
        OptPlatform::Other,
    );
    let payload = prop_oneof![
        v1_payload(),
        start_call(),
        end_call(),
        member_changed(),
        other_v4()
    ];
    (any::<u32>(), proptest::option::of(".+"), platform, payload)
        .prop_map(|(app, ip, platform, payload)| Event::new(app, payload).with_origin(ip, platform))
}

proptest! {
    #[test]
    fn build_then_parse_gives_the_event_back(event in event()) {
        let out = build(&event, None).unwrap();
        let config = WebhookConfig::new(event.sdkappid).with_max_body_bytes(usize::MAX);
        let parsed = parse("POST", &out.query, &out.body, &config, 0);
        prop_assert_eq!(parsed, Ok(event));
    }

    #[test]
    fn signed_builds_verify(event in event(), token in ".{1,40}", now in 61..u64::MAX - 61) {
        let token = CallbackToken::new(token);
        let config = WebhookConfig::new(event.sdkappid)
            .with_token(token.clone())
            .with_max_body_bytes(usize::MAX);
        let out = build(&event, Some((&token, now))).unwrap();
        prop_assert_eq!(parse("POST", &out.query, &out.body, &config, now + 60), Ok(event.clone()));
        prop_assert!(parse("POST", &out.query, &out.body, &config, now - 61).is_err());
        let other = config.clone().with_token(CallbackToken::new("other token"));
        prop_assert!(parse("POST", &out.query, &out.body, &other, now).is_err());
    }

    #[test]
    fn arbitrary_query_never_panics(method in "[A-Z]{0,7}", query in any::<String>(), body in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse(&method, &query, &body, &WebhookConfig::new(1), 0);
    }

    #[test]
    fn arbitrary_body_never_panics(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        command in prop_oneof![
            Just("command=cancel"),
            Just("command=caller_start_call"),
            Just("CallbackCommand=Call.CallbackAfterStartCall"),
            Just("CallbackCommand=Call.CallbackAfterEndCall"),
            Just("CallbackCommand=Call.CallbackAfterMemberChanged"),
            Just("CallbackCommand=Call.Future"),
        ],
    ) {
        let query = format!("sdkappid=1&{command}");
        if let Err(e) = parse("POST", &query, &body, &WebhookConfig::new(1), 0) {
            // Every rejection has a reply with a non-zero code.
            let (status, reply) = e.response();
            prop_assert!(status >= 400);
            let json: Value = serde_json::from_slice(&reply).unwrap();
            prop_assert_ne!(&json["ErrorCode"], &Value::from(0));
        }
    }

    #[test]
    fn arbitrary_json_of_the_right_shape_never_panics(
        body in arbitrary_json(),
        command in prop_oneof![
            Just("command=normal_end"),
            Just("CallbackCommand=Call.CallbackAfterStartCall"),
            Just("CallbackCommand=Call.CallbackAfterEndCall"),
            Just("CallbackCommand=Call.CallbackAfterMemberChanged"),
        ],
    ) {
        let query = format!("sdkappid=1&{command}");
        let bytes = serde_json::to_vec(&body).unwrap();
        let _ = parse("POST", &query, &bytes, &WebhookConfig::new(1), 0);
    }
}

/// JSON objects that use the callbacks' own keys with values of any type, so the typed
/// readers see wrong types, nulls, huge and negative numbers and nesting.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    let value = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    proptest::collection::btree_map(key(), value, 0..8)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn key() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "CallbackCommand",
        "CallInfo",
        "CallId",
        "CallMediaType",
        "MediaType",
        "ChatGroupId",
        "RoomId",
        "RoomIdType",
        "UserList",
        "User_Account",
        "Status",
        "EventTime",
        "CallRecord",
        "Caller_Account",
        "CallType",
        "StartTime",
        "EndTime",
        "AcceptTime",
        "CallResult",
        "CalleeList_Account",
        "ChangedUserList",
        "ActionType",
        "UserId",
        "TotalNum",
        "Role",
        "Event",
        "StartCallTs",
        "AcceptTs",
        "EndTs",
    ])
    .prop_map(String::from)
}
