//! The checks before a body is read: method, size, query, SDKAppID, Sign/RequestTime; and
//! the replies each rejection produces.

use callkit_core::webhook::{
    CallbackToken, Event, Generation, V1_ACK, V4_ACK, WebhookConfig, WebhookError,
    WebhookErrorKind, ack, parse, reply_for,
};

const APP: u32 = 1400000000;
const TOKEN: &str = "xxxxyyyy";
const DOC_TIME: u64 = 1669872112;
const DOC_SIGN: &str = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061";
const V4_BODY: &[u8] =
    br#"{"CallbackCommand":"Call.CallbackAfterStartCall","CallInfo":{"CallId":"c1"},"EventTime":1}"#;
const V1_BODY: &[u8] = br#"{"UserId":"Alice","CallId":"c1"}"#;

fn v4_query(extra: &str) -> String {
    format!("SdkAppid={APP}&CallbackCommand=Call.CallbackAfterStartCall&contenttype=json{extra}")
}

fn signed_config() -> WebhookConfig {
    WebhookConfig::new(APP).with_token(CallbackToken::new(TOKEN))
}

fn signed(now: u64) -> Result<Event, WebhookError> {
    let q = v4_query(&format!("&Sign={DOC_SIGN}&RequestTime={DOC_TIME}"));
    parse("POST", &q, V4_BODY, &signed_config(), now)
}

#[test]
fn doc_sign_example_is_accepted() {
    assert!(signed(DOC_TIME).is_ok());
}

#[test]
fn request_time_skew_of_60s_is_accepted_and_61s_is_not() {
    assert!(signed(DOC_TIME + 60).is_ok());
    assert!(signed(DOC_TIME - 60).is_ok());
    for now in [DOC_TIME + 61, DOC_TIME - 61] {
        let err = signed(now).unwrap_err();
        assert_eq!(
            err.kind(),
            &WebhookErrorKind::RequestTimeSkew {
                request_time: DOC_TIME,
                now
            }
        );
        assert_eq!(err.status(), 403);
    }
}

#[test]
fn a_wrong_sign_is_refused_and_the_token_never_shows() {
    let q = v4_query(&format!("&Sign={}&RequestTime={DOC_TIME}", "0".repeat(64)));
    let err = parse("POST", &q, V4_BODY, &signed_config(), DOC_TIME).unwrap_err();
    assert_eq!(err.kind(), &WebhookErrorKind::BadSignature);
    assert_eq!(err.status(), 403);
    let (_, body) = err.response();
    let shown = format!("{err} {err:?} {}", String::from_utf8_lossy(&body));
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(
        !shown.contains(DOC_SIGN),
        "the expected Sign must not leak: {shown}"
    );
    assert!(!format!("{:?}", signed_config()).contains(TOKEN));
}

#[test]
fn a_sign_for_another_time_is_refused() {
    // Doc Sign, but RequestTime moved by one second: the signature no longer matches.
    let q = v4_query(&format!("&Sign={DOC_SIGN}&RequestTime={}", DOC_TIME + 1));
    let err = parse("POST", &q, V4_BODY, &signed_config(), DOC_TIME).unwrap_err();
    assert_eq!(err.kind(), &WebhookErrorKind::BadSignature);
}

#[test]
fn with_a_token_the_signature_is_required() {
    for extra in [
        "",
        &format!("&Sign={DOC_SIGN}"),
        &format!("&RequestTime={DOC_TIME}"),
    ] {
        let err = parse(
            "POST",
            &v4_query(extra),
            V4_BODY,
            &signed_config(),
            DOC_TIME,
        )
        .unwrap_err();
        assert_eq!(err.kind(), &WebhookErrorKind::MissingSignature, "{extra}");
        assert_eq!(err.status(), 401);
    }
}

#[test]
fn without_a_token_no_signature_is_needed_and_a_present_one_is_ignored() {
    let config = WebhookConfig::new(APP);
    assert!(parse("POST", &v4_query(""), V4_BODY, &config, 0).is_ok());
    let q = v4_query("&Sign=garbage&RequestTime=0");
    assert!(parse("POST", &q, V4_BODY, &config, DOC_TIME).is_ok());
}

#[test]
fn the_sdkappid_must_be_ours() {
    let config = WebhookConfig::new(APP);
    let err = parse(
        "POST",
        "SdkAppid=1400000001&CallbackCommand=x",
        b"{}",
        &config,
        0,
    )
    .unwrap_err();
    assert_eq!(
        err.kind(),
        &WebhookErrorKind::SdkAppIdMismatch {
            expected: APP,
            received: 1400000001
        }
    );
    assert_eq!(err.status(), 403);
    assert_eq!(err.generation(), Some(Generation::V4));

    let err = parse("POST", "command=cancel", b"{}", &config, 0).unwrap_err();
    assert_eq!(
        err.kind(),
        &WebhookErrorKind::MissingParameter { name: "sdkappid" }
    );
    let err = parse("POST", "sdkappid=14e8&command=cancel", b"{}", &config, 0).unwrap_err();
    assert!(matches!(
        err.kind(),
        WebhookErrorKind::InvalidParameter {
            name: "sdkappid",
            ..
        }
    ));
}

#[test]
fn the_sdkappid_is_checked_before_the_body_is_read() {
    let err = parse(
        "POST",
        "sdkappid=1&command=cancel",
        b"not json",
        &WebhookConfig::new(APP),
        0,
    )
    .unwrap_err();
    assert!(matches!(
        err.kind(),
        WebhookErrorKind::SdkAppIdMismatch { .. }
    ));
}

#[test]
fn only_post_is_allowed() {
    for method in ["GET", "PUT", "post", ""] {
        let err = parse(method, &v4_query(""), V4_BODY, &WebhookConfig::new(APP), 0).unwrap_err();
        assert_eq!(err.status(), 405, "{method}");
    }
    let err = parse(
        "PUT",
        "sdkappid=1&command=x",
        b"{}",
        &WebhookConfig::new(1),
        0,
    )
    .unwrap_err();
    assert_eq!(
        err.kind(),
        &WebhookErrorKind::MethodNotAllowed {
            method: "PUT".into()
        }
    );
}

#[test]
fn the_body_cap_is_inclusive() {
    let config = WebhookConfig::new(APP).with_max_body_bytes(V4_BODY.len());
    assert!(parse("POST", &v4_query(""), V4_BODY, &config, 0).is_ok());
    let config = config.with_max_body_bytes(V4_BODY.len() - 1);
    let err = parse("POST", &v4_query(""), V4_BODY, &config, 0).unwrap_err();
    assert_eq!(
        err.kind(),
        &WebhookErrorKind::BodyTooLarge {
            len: V4_BODY.len(),
            max: V4_BODY.len() - 1
        }
    );
    assert_eq!(err.status(), 413);
    // The default cap is 64 KiB.
    let big = vec![b' '; 64 * 1024 + 1];
    let err = parse("POST", &v4_query(""), &big, &WebhookConfig::new(APP), 0).unwrap_err();
    assert_eq!(err.status(), 413);
}

#[test]
fn both_query_casings_are_read() {
    let config = WebhookConfig::new(APP);
    let v1 = parse(
        "POST",
        &format!("sdkappid={APP}&command=cancel&contenttype=json&clientip=1.1.1.1&optplatform=miniProgram"),
        V1_BODY,
        &config,
        0,
    )
    .unwrap();
    assert_eq!(v1.generation(), Generation::V1);
    assert_eq!(v1.client_ip.as_deref(), Some("1.1.1.1"));
    let v4 = parse(
        "POST",
        &v4_query("&ClientIP=2.2.2.2&OptPlatform=RESTAPI"),
        V4_BODY,
        &config,
        0,
    )
    .unwrap();
    assert_eq!(v4.generation(), Generation::V4);
    assert_eq!(v4.client_ip.as_deref(), Some("2.2.2.2"));
    // Percent-encoding and `+` are decoded.
    let enc = parse(
        "POST",
        &format!("sdkappid={APP}&command=caller%5Fstart%5Fcall&clientip=a+b%2Bc"),
        V1_BODY,
        &config,
        0,
    )
    .unwrap();
    assert_eq!(enc.command(), "caller_start_call");
    assert_eq!(enc.client_ip.as_deref(), Some("a b+c"));
}

#[test]
fn duplicate_and_missing_commands_are_errors() {
    let config = WebhookConfig::new(APP);
    let dup = parse(
        "POST",
        &format!("{}&sdkappid=1", v4_query("")),
        V4_BODY,
        &config,
        0,
    );
    assert!(matches!(
        dup.unwrap_err().kind(),
        WebhookErrorKind::DuplicateParameter { .. }
    ));
    let err = parse("POST", &format!("sdkappid={APP}"), b"{}", &config, 0).unwrap_err();
    assert_eq!(err.kind(), &WebhookErrorKind::UnknownGeneration);
    assert_eq!(err.generation(), None);
    let err = parse(
        "POST",
        &format!("sdkappid={APP}&command=a&CallbackCommand=b"),
        b"{}",
        &config,
        0,
    )
    .unwrap_err();
    assert_eq!(err.kind(), &WebhookErrorKind::AmbiguousGeneration);
    let err = parse(
        "POST",
        &format!("sdkappid={APP}&command="),
        b"{}",
        &config,
        0,
    )
    .unwrap_err();
    assert_eq!(
        err.kind(),
        &WebhookErrorKind::MissingParameter { name: "command" }
    );
}

#[test]
fn replies_have_each_generations_shape() {
    assert_eq!(ack(Generation::V1), (200, V1_ACK.to_vec()));
    assert_eq!(V1_ACK, br#"{"ErrorCode":0,"ErrorMessage":"Success"}"#);
    assert_eq!(
        V4_ACK,
        br#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#
    );

    let config = WebhookConfig::new(APP);
    let ok = parse("POST", &v4_query(""), V4_BODY, &config, 0);
    assert_eq!(reply_for(&ok), (200, V4_ACK.to_vec()));

    // A 405 for a v1 sender comes in v1 shape...
    let (status, body) = reply_for(&parse("GET", "sdkappid=1&command=x", b"", &config, 0));
    assert_eq!(status, 405);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["ErrorCode"], 405);
    assert!(json["ErrorMessage"].as_str().unwrap().contains("GET"));
    assert!(json.get("ActionStatus").is_none());
    // ... for a v4 sender in v4 shape ...
    let (_, body) = reply_for(&parse("GET", &v4_query(""), b"", &config, 0));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["ActionStatus"], "FAIL");
    assert_eq!(json["ErrorCode"], 405);
    assert!(json["ErrorInfo"].as_str().unwrap().contains("POST"));
    // ... and when the sender cannot be told, with both sets of keys.
    let (status, body) = reply_for(&parse("POST", "", b"", &config, 0));
    assert_eq!(status, 400);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["ActionStatus"], "FAIL");
    assert_eq!(json["ErrorCode"], 400);
    assert_eq!(json["ErrorInfo"], json["ErrorMessage"]);
}

#[test]
fn an_event_without_its_identity_is_400_with_the_field_named() {
    let config = WebhookConfig::new(APP);
    let v1 = |body: &str| {
        parse(
            "POST",
            &format!("sdkappid={APP}&command=cancel"),
            body.as_bytes(),
            &config,
            0,
        )
    };
    let query = |command: &str| format!("SdkAppid={APP}&CallbackCommand={command}");
    let v4 =
        |command: &str, body: &str| parse("POST", &query(command), body.as_bytes(), &config, 0);
    let missing = |result: Result<_, WebhookError>| match result {
        Err(error) => {
            assert_eq!(error.status(), 400);
            match error.kind() {
                WebhookErrorKind::MissingField { field } => *field,
                other => panic!("{other:?}"),
            }
        }
        Ok(event) => panic!("accepted {event:?}"),
    };
    assert_eq!(missing(v1(r#"{"UserId":"Alice"}"#)), "CallId");
    assert_eq!(missing(v1(r#"{"CallId":"c1","UserId":" "}"#)), "UserId");
    assert_eq!(
        missing(v4("Call.CallbackAfterStartCall", r#"{"CallInfo":{}}"#)),
        "CallInfo.CallId"
    );
    assert_eq!(
        missing(v4(
            "Call.CallbackAfterEndCall",
            r#"{"CallRecord":{"CallId":""}}"#
        )),
        "CallRecord.CallId"
    );
    // The issue's probe: an unknown field with bytes that are not UTF-8, and nothing else.
    assert_eq!(
        missing(v4(
            "Call.CallbackAfterMemberChanged",
            "{\"a\":\"\u{fffd}\"}"
        )),
        "CallId"
    );
    let raw = parse(
        "POST",
        &query("Call.CallbackAfterMemberChanged"),
        b"{\"a\":\"\xff\xfe\"}",
        &config,
        0,
    );
    assert_eq!(raw.unwrap_err().status(), 400);
    assert_eq!(
        missing(v4(
            "Call.CallbackAfterMemberChanged",
            r#"{"CallId":"c1","ChangedUserList":[]}"#
        )),
        "ChangedUserList"
    );
    // Leniency stays where it does not touch identity: numbers for ids, unknown fields.
    assert!(
        v4(
            "Call.CallbackAfterEndCall",
            r#"{"CallRecord":{"CallId":7,"Extra":true},"New":1}"#
        )
        .is_ok()
    );
    assert!(v4("Call.CallbackAfterSomethingNew", "{}").is_ok());
}
