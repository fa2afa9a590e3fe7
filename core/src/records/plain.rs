//! The fast path for the v4 page of records: read by [`PlainReader`] in one pass, with no
//! serde, when the reply is plain JSON (the service's own replies are). Anything else
//! gives `None`, and [`crate::response::parse_response`] reads the reply with serde as
//! for every other endpoint, which is always right; the two agree wherever this one
//! answers (the tests below, and the `reply_parse` fuzz target).

use alloc::vec::Vec;

use super::v4::{V4Record, V4RecordPage};
use crate::endpoint::Generation;
use crate::plain_json::PlainReader;
use crate::response::read_plain_success;
use crate::text::{Text, TextList};
use crate::webhook::{CallResult, CallType, MediaType, RoomIdType};

/// A successful `get_record_by_filter` reply, whole, or `None` (not plain, or not a
/// success).
pub(crate) fn read_v4_page_reply(body: &[u8]) -> Option<V4RecordPage> {
    read_plain_success(Generation::V4, body, read_page)
}

/// The most of a body that sizes the page's vector up front (1000 records' worth).
const MAX_PAGE_BYTES: usize = 256 * 1000;

/// The fields of a page, in the order the service writes them.
#[derive(Clone, Copy)]
enum PageField {
    Total,
    Page,
    Records,
}

const PAGE_FIELDS: [(&str, PageField); 3] = [
    ("TotalNum", PageField::Total),
    ("Page", PageField::Page),
    ("CallRecordList", PageField::Records),
];

fn read_page(reader: &mut PlainReader<'_>) -> Option<V4RecordPage> {
    let mut page = V4RecordPage::default();
    reader.fields(&PAGE_FIELDS, |reader, field| {
        match field {
            PageField::Total => page.total = reader.u64()?,
            PageField::Page => page.page = u32::try_from(reader.u64()?).ok()?,
            PageField::Records => {
                // Room for every record up front, if records are the size the service's
                // are (about 300 bytes): growing a vector of 100 records copies them five
                // times.
                page.records
                    .reserve(reader.remaining().min(MAX_PAGE_BYTES) / 256);
                reader.array(|reader| read_record_into(reader, &mut page.records))?;
            }
        }
        Some(())
    })?;
    Some(page)
}

/// The fields of a v4 call record (a page's records, and the end-call webhook's).
#[derive(Clone, Copy)]
pub(crate) enum RecordField {
    CallId,
    Caller,
    MediaType,
    CallType,
    StartTime,
    EndTime,
    AcceptTime,
    CallResult,
    Callees,
    RoomId,
    RoomIdType,
}

/// A record's keys, in the order the service writes them (spec §4.5's and §6.5's
/// examples).
pub(crate) const RECORD_KEYS: [(&str, RecordField); 11] = [
    ("CallId", RecordField::CallId),
    ("Caller_Account", RecordField::Caller),
    ("MediaType", RecordField::MediaType),
    ("CallType", RecordField::CallType),
    ("StartTime", RecordField::StartTime),
    ("EndTime", RecordField::EndTime),
    ("AcceptTime", RecordField::AcceptTime),
    ("CallResult", RecordField::CallResult),
    ("CalleeList_Account", RecordField::Callees),
    ("RoomId", RecordField::RoomId),
    ("RoomIdType", RecordField::RoomIdType),
];

/// Reads a record onto the end of `records` (built in place: a record is about 360 bytes).
fn read_record_into(reader: &mut PlainReader<'_>, records: &mut Vec<V4Record>) -> Option<()> {
    let mut call_id = Text::default();
    let mut caller = Text::default();
    let mut media_type = None;
    let mut call_type = None;
    let (mut start_secs, mut end_secs, mut accept_secs) = (0, 0, 0);
    let mut call_result = None;
    let mut callees = TextList::new();
    let mut room_id = Text::default();
    let mut room_id_type = None;
    reader.fields(&RECORD_KEYS, |reader, field| {
        match field {
            RecordField::CallId => call_id = reader.str()?.into(),
            RecordField::Caller => caller = reader.str()?.into(),
            RecordField::MediaType => media_type = Some(MediaType::from_wire(reader.str()?)),
            RecordField::CallType => call_type = Some(CallType::from_wire(reader.str()?)),
            RecordField::StartTime => start_secs = reader.u64()?,
            RecordField::EndTime => end_secs = reader.u64()?,
            RecordField::AcceptTime => accept_secs = reader.u64()?,
            RecordField::CallResult => call_result = Some(CallResult::from_wire(reader.str()?)),
            RecordField::Callees => reader.array(|reader| {
                callees.push(reader.str()?);
                Some(())
            })?,
            RecordField::RoomId => room_id = reader.str()?.into(),
            RecordField::RoomIdType => room_id_type = Some(RoomIdType::from_code(reader.i64()?)),
        }
        Some(())
    })?;
    records.push(V4Record {
        call_id,
        caller,
        media_type: media_type?,
        call_type: call_type?,
        start_secs,
        end_secs,
        accept_secs,
        call_result: call_result?,
        callees,
        room_id,
        room_id_type: room_id_type?,
    });
    Some(())
}

/// The plain reading and the serde reading of one `get_record_by_filter` body, for the
/// `reply_parse` fuzz target: wherever the first answers, the second must agree.
#[cfg(fuzzing)]
pub fn both_readings(body: &[u8]) -> (Option<V4RecordPage>, Option<Option<V4RecordPage>>) {
    (
        read_v4_page_reply(body),
        crate::response::typed_success(crate::endpoint::Generation::V4, body),
    )
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::*;
    use crate::endpoint::Generation;
    use crate::response::typed_success;

    /// What serde makes of `body`: the reading the plain one must match.
    fn by_serde(body: &[u8]) -> Option<V4RecordPage> {
        typed_success::<V4RecordPage>(Generation::V4, body).flatten()
    }

    /// Whenever the plain reading answers, serde answers the same.
    fn agrees(body: &[u8]) -> Option<V4RecordPage> {
        let plain = read_v4_page_reply(body);
        if plain.is_some() {
            assert_eq!(plain, by_serde(body), "{}", String::from_utf8_lossy(body));
        }
        plain
    }

    fn record(i: usize) -> String {
        format!(
            r#"{{"CallId": "04c9a0ac-8e38-4a19-be45-{i:012}", "Caller_Account": "user{i}", "MediaType": "Audio", "CallType": "SingleCall", "StartTime": 1739960242, "EndTime": 1739960245, "AcceptTime": 1739960244, "CallResult": "NormalEnd", "CalleeList_Account": ["user{i}","369"], "RoomId": "roomid-1434", "RoomIdType": 2}}"#
        )
    }

    fn page(records: usize) -> Vec<u8> {
        let records: Vec<String> = (0..records).map(record).collect();
        format!(
            r#"{{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-d3", "Response": {{"TotalNum": 141, "Page": 1, "CallRecordList": [{}]}}}}"#,
            records.join(",")
        )
        .into_bytes()
    }

    #[test]
    fn the_service_s_page_is_read_plainly_and_as_serde_reads_it() {
        let body = page(100);
        let plain = agrees(&body).expect("a plain page");
        assert_eq!(plain.records.len(), 100);
        assert_eq!((plain.total, plain.page), (141, 1));
        let last = &plain.records[99];
        assert_eq!(last.call_id, "04c9a0ac-8e38-4a19-be45-000000000099");
        assert_eq!(last.callees, ["user99", "369"]);
        assert_eq!(last.room_id_type, RoomIdType::Text);
        assert_eq!(last.accept_secs, 1_739_960_244);
    }

    #[test]
    fn the_documented_example_is_read_plainly() {
        // Spec §4.5's example reply.
        let example = r#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-d3d6aa216dcc4cf4a4eee19c4942e740-O-Seq-2556133",
   "Response": {"TotalNum": 141, "Page":2, "CallRecordList": [{"CallId": "04c9a0ac-8e38-4a19-be45-349c5ce7911b", "Caller_Account": "147", "MediaType": "Audio", "CallType": "SingleCall", "StartTime": 1739960242, "EndTime": 1739960245, "AcceptTime": 1739960244, "CallResult": "NormalEnd", "CalleeList_Account": ["147","369"], "RoomId": "roomid-1434", "RoomIdType": 2}]}}"#;
        let plain = agrees(example.as_bytes()).expect("a plain page");
        assert_eq!((plain.total, plain.page, plain.records.len()), (141, 2, 1));
        assert_eq!(plain.records[0].caller, "147");
    }

    /// Keys in another order than the service's, and keys it does not send, read the
    /// same (the order only speeds up the usual case).
    #[test]
    fn keys_in_any_order_read_the_same() {
        let shuffled = r#"{"ActionStatus":"OK","Response":{"CallRecordList":[
            {"RoomIdType":1,"Extra":{"a":[1,2.5e3,true,null]},"CallId":"c","MediaType":"Video",
             "CallResult":"Offline","CallType":"MultiCall","RoomId":"7","Caller_Account":"u",
             "CalleeList_Account":[],"AcceptTime":0,"EndTime":9,"StartTime":8},
            {"CallId":"d","MediaType":"Audio","CallType":"SingleCall","CallResult":"Cancel","RoomIdType":2}
        ],"Page":3,"TotalNum":2}}"#;
        let page = agrees(shuffled.as_bytes()).expect("a plain page");
        assert_eq!(page.records.len(), 2);
        assert_eq!(page.records[0].room_id_type, RoomIdType::Numeric);
        assert_eq!(
            (page.records[0].start_secs, page.records[0].end_secs),
            (8, 9)
        );
        assert_eq!(page.records[0].call_result, CallResult::Offline);
        assert_eq!(page.records[1].caller, "");
    }

    /// Every one-byte change, deletion and cut of a short page: the plain reading either
    /// gives up or agrees with serde, and never panics.
    #[test]
    fn every_small_corruption_gives_up_or_agrees() {
        let body = page(2);
        let replacements = b" \t\n\"\\,:{}[]0195-.eEnul\x00\x1f\x7f\xc3\xff";
        let mut answered = 0;
        for at in 0..body.len() {
            for &byte in replacements {
                let mut changed = body.clone();
                changed[at] = byte;
                answered += usize::from(agrees(&changed).is_some());
            }
            let mut shorter = body.clone();
            shorter.remove(at);
            agrees(&shorter);
            agrees(&body[..at]);
        }
        // Many changes keep the body plain (a digit for a digit, a letter in a string).
        assert!(answered > body.len(), "{answered}");
    }

    #[test]
    fn what_serde_would_refuse_or_read_otherwise_gives_up() {
        let base = core::str::from_utf8(&page(1)).unwrap().to_string();
        for (from, to) in [
            (r#""CallId": ""#, r#""CallId": "\u0041"#), // an escape
            (r#""RoomIdType": 2"#, r#""RoomIdType": 2.0"#), // not an integer
            (r#""StartTime": 1739960242"#, r#""StartTime": -1"#), // negative
            (r#""Page": 1"#, r#""Page": 4294967296"#),  // beyond u32
            (r#""CallType": "SingleCall", "#, ""),      // a required field missing
            (
                r#""RoomId": "roomid-1434""#,
                r#""RoomId": "a", "RoomId": "b""#,
            ), // repeated
            (r#""ErrorCode": 0"#, r#""ErrorCode": 70001"#), // a failure
            (r#""ActionStatus": "OK""#, r#""ActionStatus": "FAIL""#), // a failure
            (r#""Response": {"#, r#""Response": null, "X": {"#), // no payload
        ] {
            assert!(base.contains(from), "{from}");
            let body = base.replacen(from, to, 1);
            assert_eq!(read_v4_page_reply(body.as_bytes()), None, "{body}");
        }
        let trailing = base.clone() + " x";
        assert_eq!(read_v4_page_reply(trailing.as_bytes()), None);
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9_.-]{0,40}",
            any::<String>(),
            Just("Audio".to_string()),
            Just("offline".to_string()),
        ]
    }

    prop_compose! {
        fn arb_record()(
            call_id in text(), caller in text(), media in text(), call_type in text(),
            times in any::<(u64, u64, u64)>(), result in text(),
            callees in prop::collection::vec(text(), 0..4), room_id in text(),
            room_id_type in any::<i64>(),
        ) -> V4Record {
            V4Record {
                call_id: call_id.into(), caller: caller.into(),
                media_type: MediaType::from_wire(&media),
                call_type: CallType::from_wire(&call_type),
                start_secs: times.0, end_secs: times.1, accept_secs: times.2,
                call_result: CallResult::from_wire(&result),
                callees: callees.into_iter().map(Text::from).collect(),
                room_id: room_id.into(),
                room_id_type: RoomIdType::from_code(room_id_type),
            }
        }
    }

    proptest! {
        /// Any page, as serde_json writes it (compact or pretty): read the same both
        /// ways, and plainly whenever no string needed an escape.
        #[test]
        fn any_page_reads_the_same_both_ways(
            records in prop::collection::vec(arb_record(), 0..5),
            total in any::<u64>(), number in any::<u32>(), pretty in any::<bool>(),
        ) {
            let page = V4RecordPage { total, page: number, records };
            let response = if pretty {
                serde_json::to_string_pretty(&page).unwrap()
            } else {
                serde_json::to_string(&page).unwrap()
            };
            let body = format!(r#"{{"ActionStatus":"OK","ErrorCode":0,"Response":{response}}}"#);
            let plain = agrees(body.as_bytes());
            prop_assert_eq!(plain.is_some(), !response.contains('\\'));
            if let Some(plain) = plain {
                // Unknown values are kept, so the page survives the round trip whole.
                prop_assert_eq!(plain, by_serde(body.as_bytes()).unwrap());
            }
        }

        #[test]
        fn any_bytes_give_up_or_agree(body in prop::collection::vec(any::<u8>(), 0..256)) {
            agrees(&body);
        }
    }
}
