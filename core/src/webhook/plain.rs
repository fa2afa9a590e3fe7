//! The fast path for webhook bodies: the documented shapes (v1 status and event, v4
//! start, end and member-changed) read by [`PlainReader`] in one pass, straight into the
//! typed events, when the body is plain JSON (CallKit's own bodies are). Anything else
//! gives `None`, and [`super::parse`] reads the body with serde_json through the lenient
//! wire types, which stay the authority on meaning; the two agree wherever this one
//! answers (the tests below, and the `webhook_parse` fuzz target).
//!
//! What is read here is the plain part of what the wire types accept: ids as strings or
//! non-negative integers, enum texts as strings (`""` is no value), counts, codes and
//! times as integers (`0` is no time), lists and nested objects as such. A `null`, an id
//! or time written as a negative or fractional number or as a string of digits, an escape,
//! a repeated field: all give up, and serde reads them.

use alloc::string::String;
use alloc::vec::Vec;

use super::v1::V1Callback;
use super::v4::{
    CallInfo, CallMember, CallRecord, EndCall, MemberAction, MemberChanged, StartCall,
};
use super::values::{
    ActionType, CallResult, CallType, MediaType, Role, RoomIdType, Timestamp, UserStatus,
};
use super::wire::{id_from_u64, time_from_millis, time_from_secs};
use crate::callback::V1Action;
use crate::plain_json::PlainReader;
use crate::records::plain::{RECORD_KEYS, RecordField};

/// A v4 body's `CallbackCommand` (`None` if absent or `""`) and its event.
pub(crate) type V4Reading<'a, T> = (Option<&'a str>, T);

/// Where and why the plain reading of a body gave up, for serde's reading after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Stop<'a> {
    /// The body as text, if it is UTF-8 (checked once, here).
    pub text: Option<&'a str>,
    /// Where the body stopped being JSON at all ([`PlainReader::invalid_at`]), if the
    /// reading gave up there.
    pub invalid_at: Option<usize>,
}

/// The fields of a v1 body.
#[derive(Clone, Copy)]
enum V1Field {
    UserId,
    RoomId,
    TotalNum,
    MediaType,
    CallType,
    CallId,
    Role,
    Event,
    CallResult,
    EventTime,
    StartCallTs,
    AcceptTs,
    EndTs,
}

/// A v1 body read for `command`; the command back if the body is not plain.
pub(crate) fn read_v1(command: V1Action, body: &[u8]) -> Result<V1Callback, (V1Action, Stop<'_>)> {
    // The documented examples' key orders: the event callback has `Event` after `Role`;
    // the status callback has none (one is still read, wherever it comes).
    const STATUS_KEYS: [(&str, V1Field); 13] = [
        ("UserId", V1Field::UserId),
        ("RoomId", V1Field::RoomId),
        ("TotalNum", V1Field::TotalNum),
        ("MediaType", V1Field::MediaType),
        ("CallType", V1Field::CallType),
        ("CallId", V1Field::CallId),
        ("Role", V1Field::Role),
        ("CallResult", V1Field::CallResult),
        ("EventTime", V1Field::EventTime),
        ("StartCallTs", V1Field::StartCallTs),
        ("AcceptTs", V1Field::AcceptTs),
        ("EndTs", V1Field::EndTs),
        ("Event", V1Field::Event),
    ];
    const EVENT_KEYS: [(&str, V1Field); 13] = [
        ("UserId", V1Field::UserId),
        ("RoomId", V1Field::RoomId),
        ("TotalNum", V1Field::TotalNum),
        ("MediaType", V1Field::MediaType),
        ("CallType", V1Field::CallType),
        ("CallId", V1Field::CallId),
        ("Role", V1Field::Role),
        ("Event", V1Field::Event),
        ("CallResult", V1Field::CallResult),
        ("EventTime", V1Field::EventTime),
        ("StartCallTs", V1Field::StartCallTs),
        ("AcceptTs", V1Field::AcceptTs),
        ("EndTs", V1Field::EndTs),
    ];
    let keys = if command.is_call_result() {
        &STATUS_KEYS
    } else {
        &EVENT_KEYS
    };
    let mut cb = V1Callback::new(command);
    let read = read_body(body, keys, |reader, field| {
        match field {
            V1Field::UserId => cb.user_id = id(reader)?,
            V1Field::RoomId => cb.room_id = id(reader)?,
            V1Field::TotalNum => cb.total_num = Some(u32::try_from(reader.u64()?).ok()?),
            V1Field::MediaType => cb.media_type = text(reader)?.map(MediaType::from_wire),
            V1Field::CallType => cb.call_type = text(reader)?.map(CallType::from_wire),
            V1Field::CallId => cb.call_id = id(reader)?,
            V1Field::Role => cb.role = text(reader)?.map(Role::from_wire),
            V1Field::Event => cb.event = text(reader)?.map(String::from),
            V1Field::CallResult => cb.call_result = text(reader)?.map(CallResult::from_wire),
            V1Field::EventTime => cb.event_time = secs(reader)?,
            V1Field::StartCallTs => cb.start_call_ts = secs(reader)?,
            V1Field::AcceptTs => cb.accept_ts = secs(reader)?,
            V1Field::EndTs => cb.end_ts = secs(reader)?,
        }
        Some(())
    });
    match read {
        Ok(()) => Ok(cb),
        Err(stop) => Err((cb.command, stop)),
    }
}

/// A v4 `Call.CallbackAfterStartCall` body.
pub(crate) fn read_start_call(body: &[u8]) -> Result<V4Reading<'_, StartCall>, Stop<'_>> {
    #[derive(Clone, Copy)]
    enum Field {
        Command,
        CallInfo,
        Users,
        EventTime,
    }
    const KEYS: [(&str, Field); 4] = [
        ("CallbackCommand", Field::Command),
        ("CallInfo", Field::CallInfo),
        ("UserList", Field::Users),
        ("EventTime", Field::EventTime),
    ];
    let mut command = None;
    let mut start = StartCall::default();
    read_body(body, &KEYS, |reader, field| {
        match field {
            Field::Command => command = text(reader)?,
            Field::CallInfo => start.call_info = call_info(reader)?,
            Field::Users => start.users = members(reader)?,
            Field::EventTime => start.event_time = millis(reader)?,
        }
        Some(())
    })?;
    Ok((command, start))
}

/// A v4 `Call.CallbackAfterEndCall` body.
pub(crate) fn read_end_call(body: &[u8]) -> Result<V4Reading<'_, EndCall>, Stop<'_>> {
    #[derive(Clone, Copy)]
    enum Field {
        Command,
        Record,
        EventTime,
    }
    const KEYS: [(&str, Field); 3] = [
        ("CallbackCommand", Field::Command),
        ("CallRecord", Field::Record),
        ("EventTime", Field::EventTime),
    ];
    let mut command = None;
    let mut end = EndCall::default();
    read_body(body, &KEYS, |reader, field| {
        match field {
            Field::Command => command = text(reader)?,
            Field::Record => end.record = call_record(reader)?,
            Field::EventTime => end.event_time = millis(reader)?,
        }
        Some(())
    })?;
    Ok((command, end))
}

/// A v4 `Call.CallbackAfterMemberChanged` body.
pub(crate) fn read_member_changed(body: &[u8]) -> Result<V4Reading<'_, MemberChanged>, Stop<'_>> {
    #[derive(Clone, Copy)]
    enum Field {
        Command,
        CallId,
        Users,
        Changed,
        EventTime,
    }
    const KEYS: [(&str, Field); 5] = [
        ("CallbackCommand", Field::Command),
        ("CallId", Field::CallId),
        ("UserList", Field::Users),
        ("ChangedUserList", Field::Changed),
        ("EventTime", Field::EventTime),
    ];
    // A changed user: tagged by whether the key is the action's.
    const CHANGE_KEYS: [(&str, bool); 2] = [("User_Account", false), ("ActionType", true)];
    let mut command = None;
    let mut changed = MemberChanged::default();
    read_body(body, &KEYS, |reader, field| {
        match field {
            Field::Command => command = text(reader)?,
            Field::CallId => changed.call_id = id(reader)?,
            Field::Users => changed.users = members(reader)?,
            Field::Changed => {
                changed.changed = list(reader, |reader| {
                    let (mut user_id, mut action) = (String::new(), None);
                    reader.fields(&CHANGE_KEYS, |reader, is_action| {
                        if is_action {
                            action = text(reader)?.map(ActionType::from_wire);
                        } else {
                            user_id = id(reader)?;
                        }
                        Some(())
                    })?;
                    Some(MemberAction { user_id, action })
                })?;
            }
            Field::EventTime => changed.event_time = millis(reader)?,
        }
        Some(())
    })?;
    Ok((command, changed))
}

// ---- the parts -----------------------------------------------------------------------

/// The whole body: one object whose known `keys` are read by `field`, then nothing but
/// whitespace. `keys` are in the documented example's order (any order reads the same,
/// this one faster).
fn read_body<'a, T: Copy>(
    body: &'a [u8],
    keys: &[(&str, T)],
    field: impl FnMut(&mut PlainReader<'a>, T) -> Option<()>,
) -> Result<(), Stop<'a>> {
    let Some(mut reader) = PlainReader::new(body) else {
        return Err(Stop::default());
    };
    if reader.fields(keys, field).is_some() && reader.at_end() {
        return Ok(());
    }
    Err(Stop {
        text: Some(reader.text()),
        invalid_at: reader.invalid_at(),
    })
}

/// `CallInfo` of the start-call body.
fn call_info(reader: &mut PlainReader<'_>) -> Option<CallInfo> {
    #[derive(Clone, Copy)]
    enum Field {
        CallId,
        CallMediaType,
        MediaType,
        ChatGroupId,
        RoomId,
        RoomIdType,
    }
    // The documented order; `MediaType` (the field table's name) is read too.
    const KEYS: [(&str, Field); 6] = [
        ("CallId", Field::CallId),
        ("CallMediaType", Field::CallMediaType),
        ("ChatGroupId", Field::ChatGroupId),
        ("RoomId", Field::RoomId),
        ("RoomIdType", Field::RoomIdType),
        ("MediaType", Field::MediaType),
    ];
    let mut info = CallInfo::default();
    let (mut call_media_type, mut media_type) = (None, None);
    reader.fields(&KEYS, |reader, field| {
        match field {
            Field::CallId => info.call_id = id(reader)?,
            Field::CallMediaType => call_media_type = text(reader)?,
            Field::MediaType => media_type = text(reader)?,
            Field::ChatGroupId => info.chat_group_id = id(reader)?,
            Field::RoomId => info.room_id = id(reader)?,
            Field::RoomIdType => info.room_id_type = Some(RoomIdType::from_code(reader.i64()?)),
        }
        Some(())
    })?;
    info.media_type = call_media_type.or(media_type).map(MediaType::from_wire);
    Some(info)
}

/// `CallRecord` of the end-call body: the keys of a v4 call record.
fn call_record(reader: &mut PlainReader<'_>) -> Option<CallRecord> {
    let mut record = CallRecord::default();
    reader.fields(&RECORD_KEYS, |reader, field| {
        match field {
            RecordField::CallId => record.call_id = id(reader)?,
            RecordField::Caller => record.caller = id(reader)?,
            RecordField::MediaType => record.media_type = text(reader)?.map(MediaType::from_wire),
            RecordField::CallType => record.call_type = text(reader)?.map(CallType::from_wire),
            RecordField::StartTime => record.start_time = secs(reader)?,
            RecordField::EndTime => record.end_time = secs(reader)?,
            RecordField::AcceptTime => record.accept_time = secs(reader)?,
            RecordField::CallResult => {
                record.call_result = text(reader)?.map(CallResult::from_wire);
            }
            RecordField::Callees => record.callees = list(reader, id)?,
            RecordField::RoomId => record.room_id = id(reader)?,
            RecordField::RoomIdType => {
                record.room_id_type = Some(RoomIdType::from_code(reader.i64()?));
            }
        }
        Some(())
    })?;
    Some(record)
}

/// A `UserList`.
fn members(reader: &mut PlainReader<'_>) -> Option<Vec<CallMember>> {
    // A member: tagged by whether the key is the status's.
    const KEYS: [(&str, bool); 2] = [("User_Account", false), ("Status", true)];
    list(reader, |reader| {
        let (mut user_id, mut status) = (String::new(), None);
        reader.fields(&KEYS, |reader, is_status| {
            if is_status {
                status = text(reader)?.map(UserStatus::from_wire);
            } else {
                user_id = id(reader)?;
            }
            Some(())
        })?;
        Some(CallMember { user_id, status })
    })
}

/// An array, each element read by `element`.
fn list<'a, T>(
    reader: &mut PlainReader<'a>,
    mut element: impl FnMut(&mut PlainReader<'a>) -> Option<T>,
) -> Option<Vec<T>> {
    let mut items = Vec::new();
    reader.array(|reader| {
        items.push(element(reader)?);
        Some(())
    })?;
    Some(items)
}

/// An id: a string, or a non-negative integer kept as its decimal text.
fn id(reader: &mut PlainReader<'_>) -> Option<String> {
    if reader.peek()? == b'"' {
        reader.str().map(String::from)
    } else {
        reader.u64().map(id_from_u64)
    }
}

/// An enum's text; `""` is no value.
fn text<'a>(reader: &mut PlainReader<'a>) -> Option<Option<&'a str>> {
    reader.str().map(|s| (!s.is_empty()).then_some(s))
}

/// A time in seconds; `0` is no time.
fn secs(reader: &mut PlainReader<'_>) -> Option<Option<Timestamp>> {
    time_from_secs(reader.u64()?)
}

/// A time in milliseconds; `0` is no time.
fn millis(reader: &mut PlainReader<'_>) -> Option<Option<Timestamp>> {
    reader.u64().map(time_from_millis)
}

/// Reads `body` plainly as each of the four shapes and checks every reading that answers
/// against serde's reading of the same body, and where the plain reading gives up, that
/// serde's reading after it (`json_after_plain`) is serde's reading of the whole body
/// (the tests below, and the `webhook_parse` fuzz target under `cfg(fuzzing)`): panics if
/// one differs. How many answered.
#[cfg(any(test, fuzzing))]
pub fn assert_plain_agrees(body: &[u8]) -> usize {
    use alloc::borrow::Cow;

    use super::v1::Wire;
    use super::v4::{EndCallWire, MemberChangedWire, StartCallWire};
    use super::{json, json_after_plain};

    fn by_serde<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Option<T> {
        serde_json::from_slice(body).ok()
    }
    /// Where the plain reading stopped: serde's reading after it, as serde's of the whole.
    fn after<'a, W: serde::Deserialize<'a>, T: PartialEq + core::fmt::Debug>(
        body: &'a [u8],
        stop: Stop<'a>,
        from_wire: impl Fn(W) -> T,
        shape: &str,
    ) {
        assert_eq!(
            json_after_plain::<W>(body, stop).map(&from_wire),
            json::<W>(body).map(&from_wire),
            "{shape} after the plain reader: {}",
            String::from_utf8_lossy(body)
        );
    }
    let mut answered = 0;
    match read_v1(V1Action::NormalEnd, body) {
        Ok(plain) => {
            let serde =
                by_serde::<Wire>(body).map(|w| V1Callback::from_wire(V1Action::NormalEnd, w));
            assert_eq!(Some(plain), serde, "v1: {}", String::from_utf8_lossy(body));
            answered += 1;
        }
        Err((_, stop)) => after(
            body,
            stop,
            |w: Wire| V1Callback::from_wire(V1Action::NormalEnd, w),
            "v1",
        ),
    }
    // A v4 reading and serde's: the command (owned) and the event.
    fn v4<'a, W: serde::Deserialize<'a>, T: PartialEq + core::fmt::Debug>(
        body: &'a [u8],
        plain: Result<V4Reading<'a, T>, Stop<'a>>,
        serde: impl Fn(W) -> (Option<Cow<'a, str>>, T),
        shape: &str,
    ) -> usize {
        let (command, plain) = match plain {
            Ok(reading) => reading,
            Err(stop) => {
                after(body, stop, |w: W| serde(w).1, shape);
                return 0;
            }
        };
        let serde = by_serde::<W>(body).map(serde);
        let serde = serde.map(|(command, event)| (command.map(Cow::into_owned), event));
        assert_eq!(
            Some((command.map(String::from), plain)),
            serde,
            "{shape}: {}",
            String::from_utf8_lossy(body)
        );
        1
    }
    answered += v4(
        body,
        read_start_call(body),
        |w: StartCallWire| (w.callback_command.0.clone(), StartCall::from_wire(w)),
        "start",
    );
    answered += v4(
        body,
        read_end_call(body),
        |w: EndCallWire| (w.callback_command.0.clone(), EndCall::from_wire(w)),
        "end",
    );
    answered += v4(
        body,
        read_member_changed(body),
        |w: MemberChangedWire| (w.callback_command.0.clone(), MemberChanged::from_wire(w)),
        "member",
    );
    answered
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::string::ToString;

    use proptest::prelude::*;
    use serde_json::{Map, Value};

    use super::*;

    const STATUS: &str = include_str!("../../tests/data/webhook/6.1-call-status.json");
    const EVENT: &str = include_str!("../../tests/data/webhook/6.2-call-event.json");
    const START: &str = include_str!("../../tests/data/webhook/6.4-start-call.json");
    const END_AS_PUBLISHED: &str = include_str!("../../tests/data/webhook/6.5-end-call.json");
    const MEMBER_AS_PUBLISHED: &str =
        include_str!("../../tests/data/webhook/6.6-member-changed.json");

    /// A published §6.5/§6.6 body with its missing comma put back.
    fn corrected(published: &str) -> String {
        published.replacen("\n \"EventTime\"", ",\n \"EventTime\"", 1)
    }

    /// Every documented example, corrected where it needs it.
    fn examples() -> [String; 5] {
        [
            STATUS.into(),
            EVENT.into(),
            START.into(),
            corrected(END_AS_PUBLISHED),
            corrected(MEMBER_AS_PUBLISHED),
        ]
    }

    #[test]
    fn every_documented_example_is_read_plainly_and_as_serde_reads_it() {
        for example in examples() {
            assert!(assert_plain_agrees(example.as_bytes()) > 0, "{example}");
        }
        let [status, event, start, end, member] = examples();
        let v1 = read_v1(V1Action::NormalEnd, status.as_bytes()).unwrap();
        assert_eq!(v1.call_result, Some(CallResult::NormalEnd));
        assert_eq!(v1.end_ts, Timestamp::from_secs(1_704_856_885));
        let v1 = read_v1(V1Action::CallerStartCall, event.as_bytes()).unwrap();
        assert_eq!(
            (v1.event.as_deref(), v1.call_result),
            (Some("start_call"), None)
        );
        let (command, start) = read_start_call(start.as_bytes()).unwrap();
        assert_eq!(command, Some(super::super::START_CALL));
        assert_eq!(start.users[0].user_id, "144115212830834855");
        assert_eq!(start.call_info.room_id_type, Some(RoomIdType::Numeric));
        let (_, end) = read_end_call(end.as_bytes()).unwrap();
        assert_eq!(end.record.callees, ["10001", "user2"]);
        assert_eq!(end.record.accept_time, None);
        let (_, member) = read_member_changed(member.as_bytes()).unwrap();
        assert_eq!(member.changed[0].action, Some(ActionType::Accept));
        assert_eq!(
            member.event_time,
            Some(Timestamp::from_millis(1_740_464_128_807))
        );
        // Not JSON as published: the plain reader gives up, and serde names the spot.
        for published in [END_AS_PUBLISHED, MEMBER_AS_PUBLISHED] {
            assert_eq!(assert_plain_agrees(published.as_bytes()), 0);
        }
    }

    /// Every one-byte change, deletion and cut of every example: each plain reading gives
    /// up or agrees with serde, and never panics.
    #[test]
    fn every_small_corruption_gives_up_or_agrees() {
        let replacements = b" \t\"\\,:{}[]0195-.eEnul\x00\x1f\xc3\xff";
        for example in examples() {
            let body = example.as_bytes();
            let mut answered = 0;
            for at in 0..body.len() {
                for &byte in replacements {
                    let mut changed = body.to_vec();
                    changed[at] = byte;
                    answered += assert_plain_agrees(&changed);
                }
                let mut shorter = body.to_vec();
                shorter.remove(at);
                assert_plain_agrees(&shorter);
                assert_plain_agrees(&body[..at]);
            }
            // Many changes keep the body plain (a digit for a digit, a letter in a string).
            assert!(answered > body.len(), "{answered}");
        }
    }

    /// What the wire types read leniently, or refuse, and the plain reader leaves to
    /// serde: each of these changes to an example makes the plain reading of its shape
    /// give up (the other shapes may skip the field, and must then agree).
    #[test]
    fn what_is_not_plain_is_left_to_serde() {
        let member = corrected(MEMBER_AS_PUBLISHED);
        let end = corrected(END_AS_PUBLISHED);
        let status = STATUS.to_string();
        let start = START.to_string();
        let by_shape: [fn(&[u8]) -> bool; 4] = [
            |b| read_v1(V1Action::NormalEnd, b).is_ok(),
            |b| read_start_call(b).is_ok(),
            |b| read_end_call(b).is_ok(),
            |b| read_member_changed(b).is_ok(),
        ];
        for (shape, body, from, to) in [
            (3, &member, r#""CallId":"0"#, r#""CallId":null,"X":"0"#), // null
            (
                3,
                &member,
                r#""User_Account":"user1""#,
                r#""User_Account":-1"#,
            ), // negative id
            (
                3,
                &member,
                r#""User_Account":"user1""#,
                r#""User_Account":1.5"#,
            ), // fraction
            (
                3,
                &member,
                r#""User_Account":"user1""#,
                r#""User_Account":"us\u0065r1""#,
            ), // escape
            (3, &member, r#""CallId":"#, r#""CallId":"a","CallId":"#), // repeated
            (3, &member, r#""UserList":["#, r#""UserList":null,"X":["#), // null list
            (3, &member, "1740464128807}", "\"1740464128807\"}"),      // time as text
            (3, &member, "1740464128807}", "1740464128807} x"),        // trailing bytes
            (0, &status, r#""TotalNum": 2"#, r#""TotalNum": 4294967296"#), // beyond u32
            (0, &status, r#""TotalNum": 2"#, r#""TotalNum": "2""#),    // a count as text
            (
                0,
                &status,
                r#""EndTs": 1704856885"#,
                r#""EndTs": 18446744073709552"#,
            ), // ms overflow
            (1, &start, r#""RoomIdType":1"#, r#""RoomIdType":1.0"#),   // a whole float
            (1, &start, r#""CallInfo":{"#, r#""CallInfo":null,"X":{"#), // null object
            (2, &end, r#""AcceptTime": 0"#, r#""AcceptTime": null"#),  // null time
            (2, &end, r#"["10001""#, r#"[null"#),                      // a null id in a list
        ] {
            assert!(body.contains(from), "{from}");
            let changed = body.replacen(from, to, 1);
            assert!(!by_shape[shape](changed.as_bytes()), "{changed}");
            assert_plain_agrees(changed.as_bytes());
        }
    }

    /// Keys in any order, unknown keys and values of any shape, as serde_json writes
    /// them: read the same both ways.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(Value::from),
            (0u64..3).prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            prop_oneof![
                Just(String::new()),
                "[a-zA-Z0-9_ .-]{0,12}",
                any::<String>(),
                Just("Call.CallbackAfterEndCall".to_string()),
                Just("NormalEnd".to_string()),
            ]
            .prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..6)
                    .prop_map(|fields| Value::Object(fields.into_iter().collect())),
            ]
        })
    }

    /// Every key any of the shapes reads, and one none does.
    fn key() -> impl Strategy<Value = String> {
        prop::sample::select(alloc::vec![
            "UserId",
            "RoomId",
            "TotalNum",
            "MediaType",
            "CallType",
            "CallId",
            "Role",
            "Event",
            "CallResult",
            "EventTime",
            "StartCallTs",
            "AcceptTs",
            "EndTs",
            "CallbackCommand",
            "CallInfo",
            "CallMediaType",
            "ChatGroupId",
            "RoomIdType",
            "UserList",
            "User_Account",
            "Status",
            "CallRecord",
            "Caller_Account",
            "StartTime",
            "EndTime",
            "AcceptTime",
            "CalleeList_Account",
            "ChangedUserList",
            "ActionType",
            "Other",
        ])
        .prop_map(String::from)
    }

    proptest! {
        #[test]
        fn any_body_reads_the_same_both_ways(
            fields in prop::collection::vec((key(), value()), 0..10), pretty in any::<bool>(),
        ) {
            let object = Value::Object(fields.into_iter().collect::<Map<_, _>>());
            let body = if pretty {
                serde_json::to_string_pretty(&object).unwrap()
            } else {
                serde_json::to_string(&object).unwrap()
            };
            assert_plain_agrees(body.as_bytes());
        }

        /// Each documented example with one field's value replaced by any value.
        #[test]
        fn any_value_in_an_example_reads_the_same_both_ways(
            which in 0..5usize, field in 0..12usize, new in value(),
        ) {
            let example = &examples()[which];
            let mut object: Map<String, Value> = serde_json::from_str(example).unwrap();
            let keys: alloc::vec::Vec<String> = object.keys().cloned().collect();
            let key = &keys[field % keys.len()];
            object.insert(key.clone(), new);
            let body = serde_json::to_string(&object).unwrap();
            assert_plain_agrees(body.as_bytes());
        }

        #[test]
        fn any_bytes_give_up_or_agree(body in prop::collection::vec(any::<u8>(), 0..256)) {
            assert_plain_agrees(&body);
        }
    }

    #[test]
    fn a_plain_body_answers_for_each_shape_it_has() {
        // Without escapes, every documented shape is read plainly (the proptests only
        // check agreement): here the answers themselves.
        let body = format!(
            r#"{{"CallbackCommand":"{}","CallId":"c","UserList":[],"ChangedUserList":[{{"User_Account":7,"ActionType":""}}],"EventTime":0}}"#,
            super::super::MEMBER_CHANGED
        );
        assert_eq!(assert_plain_agrees(body.as_bytes()), 4);
        let (_, member) = read_member_changed(body.as_bytes()).unwrap();
        assert_eq!(member.changed, [MemberAction::new("7", None)]);
        assert_eq!(member.event_time, None);
    }
}
