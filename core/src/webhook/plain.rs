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
use crate::plain_json::{PlainReader, Seen};

/// A v4 body's `CallbackCommand` (`None` if absent or `""`) and its event.
pub(crate) type V4Reading<'a, T> = (Option<&'a str>, T);

/// A v1 body read for `command`; the command back if the body is not plain.
pub(crate) fn read_v1(command: V1Action, body: &[u8]) -> Result<V1Callback, V1Action> {
    // The documented examples' key orders: the event callback adds `Event`.
    const STATUS_ORDER: &[&str] = &[
        "UserId",
        "RoomId",
        "TotalNum",
        "MediaType",
        "CallType",
        "CallId",
        "Role",
        "CallResult",
        "EventTime",
        "StartCallTs",
        "AcceptTs",
        "EndTs",
    ];
    const EVENT_ORDER: &[&str] = &[
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
    ];
    let order = if command.is_call_result() {
        STATUS_ORDER
    } else {
        EVENT_ORDER
    };
    let mut cb = V1Callback::new(command);
    let mut seen = Seen::default();
    let read = read_body(body, order, |reader, key| {
        match key {
            "UserId" => {
                seen.first(0)?;
                cb.user_id = id(reader)?;
            }
            "RoomId" => {
                seen.first(1)?;
                cb.room_id = id(reader)?;
            }
            "TotalNum" => {
                seen.first(2)?;
                cb.total_num = Some(u32::try_from(reader.u64()?).ok()?);
            }
            "MediaType" => {
                seen.first(3)?;
                cb.media_type = text(reader)?.map(MediaType::from_wire);
            }
            "CallType" => {
                seen.first(4)?;
                cb.call_type = text(reader)?.map(CallType::from_wire);
            }
            "CallId" => {
                seen.first(5)?;
                cb.call_id = id(reader)?;
            }
            "Role" => {
                seen.first(6)?;
                cb.role = text(reader)?.map(Role::from_wire);
            }
            "Event" => {
                seen.first(7)?;
                cb.event = text(reader)?.map(String::from);
            }
            "CallResult" => {
                seen.first(8)?;
                cb.call_result = text(reader)?.map(CallResult::from_wire);
            }
            "EventTime" => {
                seen.first(9)?;
                cb.event_time = secs(reader)?;
            }
            "StartCallTs" => {
                seen.first(10)?;
                cb.start_call_ts = secs(reader)?;
            }
            "AcceptTs" => {
                seen.first(11)?;
                cb.accept_ts = secs(reader)?;
            }
            "EndTs" => {
                seen.first(12)?;
                cb.end_ts = secs(reader)?;
            }
            _ => reader.skip()?,
        }
        Some(())
    });
    match read {
        Some(()) => Ok(cb),
        None => Err(cb.command),
    }
}

/// A v4 `Call.CallbackAfterStartCall` body.
pub(crate) fn read_start_call(body: &[u8]) -> Option<V4Reading<'_, StartCall>> {
    let mut command = None;
    let mut start = StartCall::default();
    let mut seen = Seen::default();
    let order = &["CallbackCommand", "CallInfo", "UserList", "EventTime"];
    read_body(body, order, |reader, key| {
        match key {
            "CallbackCommand" => {
                seen.first(0)?;
                command = text(reader)?;
            }
            "CallInfo" => {
                seen.first(1)?;
                start.call_info = call_info(reader)?;
            }
            "UserList" => {
                seen.first(2)?;
                start.users = members(reader)?;
            }
            "EventTime" => {
                seen.first(3)?;
                start.event_time = millis(reader)?;
            }
            _ => reader.skip()?,
        }
        Some(())
    })?;
    Some((command, start))
}

/// A v4 `Call.CallbackAfterEndCall` body.
pub(crate) fn read_end_call(body: &[u8]) -> Option<V4Reading<'_, EndCall>> {
    let mut command = None;
    let mut end = EndCall::default();
    let mut seen = Seen::default();
    let order = &["CallbackCommand", "CallRecord", "EventTime"];
    read_body(body, order, |reader, key| {
        match key {
            "CallbackCommand" => {
                seen.first(0)?;
                command = text(reader)?;
            }
            "CallRecord" => {
                seen.first(1)?;
                end.record = call_record(reader)?;
            }
            "EventTime" => {
                seen.first(2)?;
                end.event_time = millis(reader)?;
            }
            _ => reader.skip()?,
        }
        Some(())
    })?;
    Some((command, end))
}

/// A v4 `Call.CallbackAfterMemberChanged` body.
pub(crate) fn read_member_changed(body: &[u8]) -> Option<V4Reading<'_, MemberChanged>> {
    let mut command = None;
    let mut changed = MemberChanged::default();
    let mut seen = Seen::default();
    let order = &[
        "CallbackCommand",
        "CallId",
        "UserList",
        "ChangedUserList",
        "EventTime",
    ];
    read_body(body, order, |reader, key| {
        match key {
            "CallbackCommand" => {
                seen.first(0)?;
                command = text(reader)?;
            }
            "CallId" => {
                seen.first(1)?;
                changed.call_id = id(reader)?;
            }
            "UserList" => {
                seen.first(2)?;
                changed.users = members(reader)?;
            }
            "ChangedUserList" => {
                seen.first(3)?;
                changed.changed = list(reader, |reader| {
                    let (mut user_id, mut action) = (String::new(), None);
                    let mut seen = Seen::default();
                    reader.object_in_order(&["User_Account", "ActionType"], |reader, key| {
                        match key {
                            "User_Account" => {
                                seen.first(0)?;
                                user_id = id(reader)?;
                            }
                            "ActionType" => {
                                seen.first(1)?;
                                action = text(reader)?.map(ActionType::from_wire);
                            }
                            _ => reader.skip()?,
                        }
                        Some(())
                    })?;
                    Some(MemberAction { user_id, action })
                })?;
            }
            "EventTime" => {
                seen.first(4)?;
                changed.event_time = millis(reader)?;
            }
            _ => reader.skip()?,
        }
        Some(())
    })?;
    Some((command, changed))
}

// ---- the parts -----------------------------------------------------------------------

/// The whole body: one object read by `field`, then nothing but whitespace. `order` is
/// the documented example's key order (any order reads the same, this one faster).
fn read_body<'a>(
    body: &'a [u8],
    order: &[&'static str],
    field: impl FnMut(&mut PlainReader<'a>, &'a str) -> Option<()>,
) -> Option<()> {
    let mut reader = PlainReader::new(body)?;
    reader.object_in_order(order, field)?;
    reader.at_end().then_some(())
}

/// `CallInfo` of the start-call body.
fn call_info(reader: &mut PlainReader<'_>) -> Option<CallInfo> {
    let mut info = CallInfo::default();
    let (mut call_media_type, mut media_type) = (None, None);
    let mut seen = Seen::default();
    let order = &[
        "CallId",
        "CallMediaType",
        "ChatGroupId",
        "RoomId",
        "RoomIdType",
    ];
    reader.object_in_order(order, |reader, key| {
        match key {
            "CallId" => {
                seen.first(0)?;
                info.call_id = id(reader)?;
            }
            "CallMediaType" => {
                seen.first(1)?;
                call_media_type = text(reader)?;
            }
            "MediaType" => {
                seen.first(2)?;
                media_type = text(reader)?;
            }
            "ChatGroupId" => {
                seen.first(3)?;
                info.chat_group_id = id(reader)?;
            }
            "RoomId" => {
                seen.first(4)?;
                info.room_id = id(reader)?;
            }
            "RoomIdType" => {
                seen.first(5)?;
                info.room_id_type = Some(RoomIdType::from_code(reader.i64()?));
            }
            _ => reader.skip()?,
        }
        Some(())
    })?;
    info.media_type = call_media_type.or(media_type).map(MediaType::from_wire);
    Some(info)
}

/// `CallRecord` of the end-call body.
fn call_record(reader: &mut PlainReader<'_>) -> Option<CallRecord> {
    let mut record = CallRecord::default();
    let mut seen = Seen::default();
    let order = &[
        "CallId",
        "Caller_Account",
        "MediaType",
        "CallType",
        "StartTime",
        "EndTime",
        "AcceptTime",
        "CallResult",
        "CalleeList_Account",
        "RoomId",
        "RoomIdType",
    ];
    reader.object_in_order(order, |reader, key| {
        match key {
            "CallId" => {
                seen.first(0)?;
                record.call_id = id(reader)?;
            }
            "Caller_Account" => {
                seen.first(1)?;
                record.caller = id(reader)?;
            }
            "MediaType" => {
                seen.first(2)?;
                record.media_type = text(reader)?.map(MediaType::from_wire);
            }
            "CallType" => {
                seen.first(3)?;
                record.call_type = text(reader)?.map(CallType::from_wire);
            }
            "StartTime" => {
                seen.first(4)?;
                record.start_time = secs(reader)?;
            }
            "EndTime" => {
                seen.first(5)?;
                record.end_time = secs(reader)?;
            }
            "AcceptTime" => {
                seen.first(6)?;
                record.accept_time = secs(reader)?;
            }
            "CallResult" => {
                seen.first(7)?;
                record.call_result = text(reader)?.map(CallResult::from_wire);
            }
            "CalleeList_Account" => {
                seen.first(8)?;
                record.callees = list(reader, id)?;
            }
            "RoomId" => {
                seen.first(9)?;
                record.room_id = id(reader)?;
            }
            "RoomIdType" => {
                seen.first(10)?;
                record.room_id_type = Some(RoomIdType::from_code(reader.i64()?));
            }
            _ => reader.skip()?,
        }
        Some(())
    })?;
    Some(record)
}

/// A `UserList`.
fn members(reader: &mut PlainReader<'_>) -> Option<Vec<CallMember>> {
    list(reader, |reader| {
        let (mut user_id, mut status) = (String::new(), None);
        let mut seen = Seen::default();
        reader.object_in_order(&["User_Account", "Status"], |reader, key| {
            match key {
                "User_Account" => {
                    seen.first(0)?;
                    user_id = id(reader)?;
                }
                "Status" => {
                    seen.first(1)?;
                    status = text(reader)?.map(UserStatus::from_wire);
                }
                _ => reader.skip()?,
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
/// against serde's reading of the same body (the tests below, and the `webhook_parse` fuzz
/// target under `cfg(fuzzing)`): panics if one differs. How many answered.
#[cfg(any(test, fuzzing))]
pub fn assert_plain_agrees(body: &[u8]) -> usize {
    use alloc::borrow::Cow;

    use super::v1::Wire;
    use super::v4::{EndCallWire, MemberChangedWire, StartCallWire};

    fn by_serde<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Option<T> {
        serde_json::from_slice(body).ok()
    }
    let text = || String::from_utf8_lossy(body);
    let mut answered = 0;
    if let Ok(plain) = read_v1(V1Action::NormalEnd, body) {
        let serde = by_serde::<Wire>(body).map(|w| V1Callback::from_wire(V1Action::NormalEnd, w));
        assert_eq!(Some(plain), serde, "v1: {}", text());
        answered += 1;
    }
    if let Some((command, plain)) = read_start_call(body) {
        let serde = by_serde::<StartCallWire>(body).map(|w| {
            (
                w.callback_command.0.clone().map(Cow::into_owned),
                StartCall::from_wire(w),
            )
        });
        assert_eq!(
            Some((command.map(String::from), plain)),
            serde,
            "start: {}",
            text()
        );
        answered += 1;
    }
    if let Some((command, plain)) = read_end_call(body) {
        let serde = by_serde::<EndCallWire>(body).map(|w| {
            (
                w.callback_command.0.clone().map(Cow::into_owned),
                EndCall::from_wire(w),
            )
        });
        assert_eq!(
            Some((command.map(String::from), plain)),
            serde,
            "end: {}",
            text()
        );
        answered += 1;
    }
    if let Some((command, plain)) = read_member_changed(body) {
        let serde = by_serde::<MemberChangedWire>(body).map(|w| {
            (
                w.callback_command.0.clone().map(Cow::into_owned),
                MemberChanged::from_wire(w),
            )
        });
        assert_eq!(
            Some((command.map(String::from), plain)),
            serde,
            "member: {}",
            text()
        );
        answered += 1;
    }
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
            |b| read_start_call(b).is_some(),
            |b| read_end_call(b).is_some(),
            |b| read_member_changed(b).is_some(),
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
