//! Properties: no response body can make parsing panic, and built URLs always decode
//! back to the values given.

use callkit_core::callback::*;
use callkit_core::endpoint::Empty;
use callkit_core::region::Region;
use callkit_core::registry::ALL;
use callkit_core::request::build_request;
use callkit_core::response::{BodyExcerpt, EXCERPT_BYTES, ResponseError};
use callkit_core::usersig::UserSig;
use percent_encoding::percent_decode_str;
use proptest::prelude::*;

/// A UserSig from text, as build_request takes it.
fn sig(text: &str) -> UserSig {
    UserSig::from_string(text.to_owned())
}

fn parse_all(status: u16, body: &[u8]) {
    // Every registered endpoint, the callback ones and the records and call engine.
    for endpoint in ALL {
        if let Err(error) = endpoint.id.check_reply(status, body) {
            // Display and Debug must not panic either.
            let _ = format!("{error} {error:?}");
            if let ResponseError::HttpStatus { excerpt, .. }
            | ResponseError::Malformed { excerpt, .. } = &error
            {
                assert!(excerpt.as_str().chars().all(|c| !c.is_control()));
            }
        }
    }
}

/// JSON-looking text built from envelope fragments, to reach deeper than random bytes.
fn jsonish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(r#""errorCode":"#.to_string()),
        Just(r#""ErrorCode":"#.to_string()),
        Just(r#""ActionStatus":"FAIL""#.to_string()),
        Just(r#""data":"#.to_string()),
        Just(r#""Response":"#.to_string()),
        Just(r#""CallRecord":"#.to_string()),
        Just(r#""CallRecordList":"#.to_string()),
        Just(r#""callRecordList":"#.to_string()),
        Just(r#""CallInfo":"#.to_string()),
        Just(r#""RoomIdType":"#.to_string()),
        Just(r#""MediaType":"Audio""#.to_string()),
        Just(r#""requestId":"#.to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
        "\"[a-zA-Z0-9_.]{0,12}\"",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(status in prop_oneof![Just(200u16), any::<u16>()],
                                   body in prop::collection::vec(any::<u8>(), 0..512)) {
        parse_all(status, &body);
    }

    #[test]
    fn arbitrary_jsonish_never_panics(body in jsonish()) {
        parse_all(200, body.as_bytes());
    }

    #[test]
    fn excerpts_are_bounded(body in prop::collection::vec(any::<u8>(), 0..2048)) {
        let excerpt = BodyExcerpt::new(&body);
        // Each input byte becomes at most a 10-character escape.
        prop_assert!(excerpt.as_str().len() <= EXCERPT_BYTES * 10);
        prop_assert!(excerpt.omitted() <= body.len());
        prop_assert!(body.len() - excerpt.omitted() <= EXCERPT_BYTES);
    }

    #[test]
    fn query_values_decode_back(identifier in "[^\\s\\p{Cc}]{1,10}",
                                usersig in "[A-Za-z0-9*_-]{1,300}|[!-~]{1,40}|[^\\s\\p{Cc}]{1,20}",
                                sdkappid in 1u32.., random in any::<u32>()) {
        prop_assume!(identifier.len() <= 32);
        let request = build_request::<V4GetCallback>(
            &Region::ChatJakarta.into(), sdkappid, &identifier, &sig(&usersig), random, &Empty {},
        ).unwrap();
        let (_, query) = request.url().split_once('?').unwrap();
        let decoded: Vec<(String, String)> = query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_string(), percent_decode_str(v).decode_utf8().unwrap().into_owned())
            })
            .collect();
        let expected = vec![
            ("sdkappid".to_string(), sdkappid.to_string()),
            ("identifier".to_string(), identifier.clone()),
            ("usersig".to_string(), usersig.clone()),
            ("random".to_string(), random.to_string()),
            ("contenttype".to_string(), "json".to_string()),
        ];
        prop_assert_eq!(decoded, expected);
        // Long enough not to occur elsewhere by chance: the Debug form must not show it.
        let shown = format!("{:?}", request);
        prop_assert!(usersig.len() < 12 || !shown.contains(&usersig));
    }

    /// A body with any text (controls, quotes, non-ASCII) and any offline-push object
    /// (floats included) goes out exactly as serde_json writes it.
    #[test]
    fn bodies_are_written_as_serde_json_writes_them(
        robot in "\\PC{1,12}|[\\x00-\\x1f\"\\\\]{1,4}",
        callees in prop::collection::vec(any::<String>().prop_filter("non-empty", |c| !c.is_empty()), 1..4),
        user_data in proptest::option::of(any::<String>()),
        room in proptest::option::of("[ -~]{1,16}"),
        push in proptest::option::of((any::<String>(), any::<f64>(), any::<i64>())),
        address in "https://[a-z]{1,10}\\.example/[a-zA-Z0-9_.~/?=&-]{0,30}",
    ) {
        use callkit_core::call_engine::V4RobotCall;
        use callkit_core::registry::V4StartCallByRobot;
        use callkit_core::webhook::MediaType;
        let mut body = V4RobotCall::new(robot, callees, 60_000, MediaType::Video);
        body.user_data = user_data;
        if let Some(room) = room {
            body.call_info.text_room(room);
        }
        body.offline_push = push.map(|(text, float, int)| {
            serde_json::json!({"Title": text, "Float": float, "Ext": {"n": int}})
        });
        prop_assume!(body.user_data.as_ref().is_none_or(|d| d.len() <= 1000));
        let request = build_request::<V4StartCallByRobot>(
            &Region::ChatSingapore.into(), 1, "admin", &sig("sig"), 1, &body,
        ).unwrap();
        prop_assert_eq!(request.body().to_vec(), serde_json::to_vec(&body).unwrap());

        let config = V1CallbackConfig {
            address,
            actions: vec![V1Action::NormalEnd, V1Action::Other("x\"y".into())],
        };
        let request = build_request::<V1SetCallback>(
            &Region::CallkitIntl.into(), 1, "admin", &sig("sig"), 1, &config,
        ).unwrap();
        prop_assert_eq!(request.body().to_vec(), serde_json::to_vec(&config).unwrap());
    }

    /// The identifier is refused exactly when, and as, check_identifier refuses it,
    /// whatever path build_request takes for it.
    #[test]
    fn identifiers_are_refused_as_check_identifier_refuses_them(
        identifier in prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9._~*-]{0,40}",
            "[a-z]{0,20}[ \\t\\x00-\\x1f\\x7f\u{3000}\u{85}]?[a-z@/]{0,20}",
        ],
    ) {
        use callkit_core::request::BuildError;
        use callkit_core::validate::check_identifier;
        let built = build_request::<V4GetCallback>(
            &Region::ChatJakarta.into(), 1, &identifier, &sig("sig"), 1, &Empty {},
        );
        let expected = check_identifier(&identifier).err().map(BuildError::Identifier);
        prop_assert_eq!(built.err(), expected);
    }
}
