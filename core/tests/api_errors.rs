//! Error replies, per generation: codes classified by the generation that sent them,
//! the context carried for a ticket, lenient envelopes, non-200 statuses and malformed
//! bodies (reported with an excerpt, never with a secret).

use callkit_core::callback::*;
use callkit_core::endpoint::Generation;
use callkit_core::response::{
    ApiError, ApiErrorKind, MalformedReason, ResponseError, parse_response,
};

fn v1_error(code: &str) -> String {
    format!(r#"{{"errorCode": {code}, "errorMessage": "msg {code}", "requestId": "r-{code}"}}"#)
}

fn v4_error(code: i64) -> String {
    format!(
        r#"{{"ActionStatus": "FAIL", "ErrorInfo": "info {code}", "ErrorCode": {code}, "RequestId": "Id-{code}"}}"#
    )
}

fn api_error(result: Result<impl std::fmt::Debug, ResponseError>) -> ApiError {
    match result {
        Err(ResponseError::Api(error)) => error,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[test]
fn v1_codes() {
    use ApiErrorKind::*;
    let table = [
        (50001, PackageMissing),
        (70001, InvalidParameter),
        (70002, UserSigInvalid),
        (70003, UserSigExpired),
        (70004, NotAdmin),
        (70005, RateLimited),
        (70009, InvalidParameter),
        (999, NoConfiguration),
        (12345, Other),
    ];
    for (code, kind) in table {
        let body = v1_error(&code.to_string());
        let error = api_error(parse_response::<V1UpdateCallback>(200, body.as_bytes(), 99));
        assert_eq!(error.kind, kind, "v1 {code}");
        assert_eq!(error.code, code);
        assert_eq!(error.generation, Generation::V1);
        assert_eq!(error.path, "/v1/callback/update");
        assert_eq!(error.message, format!("msg {code}"));
        assert_eq!(
            error.request_id.as_deref(),
            Some(format!("r-{code}").as_str())
        );
        assert_eq!(error.random, 99);
    }
}

#[test]
fn v4_codes() {
    use ApiErrorKind::*;
    let table = [
        (60002, InvalidParameter),
        (60003, InvalidParameter),
        (60004, UserSigInvalid),
        (60005, UserSigInvalid),
        (60007, RateLimited),
        (60010, NotAdmin),
        (60011, RateLimited),
        (60018, RateLimited),
        (60019, RateLimited),
        (60020, PackageMissing),
        (70001, UserSigExpired),
        (70003, UserSigInvalid),
        (70009, UserSigInvalid),
        (70013, UserSigInvalid),
        (70014, UserSigInvalid),
        (70050, UserSigInvalid),
        (100001, ServerError),
        (100002, InvalidParameter),
        (100301, NoConfiguration),
        (999, Other),
    ];
    for (code, kind) in table {
        let body = v4_error(code);
        let error = api_error(parse_response::<V4GetCallback>(200, body.as_bytes(), 7));
        assert_eq!(error.kind, kind, "v4 {code}");
        assert_eq!(error.generation, Generation::V4);
        assert_eq!(error.message, format!("info {code}"));
        assert_eq!(
            error.request_id.as_deref(),
            Some(format!("Id-{code}").as_str())
        );
    }
}

#[test]
fn seventy_thousand_one_is_not_the_same_error_in_v1_and_v4() {
    let v1 = api_error(parse_response::<V1SetCallback>(
        200,
        v1_error("70001").as_bytes(),
        1,
    ));
    let v4 = api_error(parse_response::<V4SetCallback>(
        200,
        v4_error(70001).as_bytes(),
        1,
    ));
    assert_eq!(v1.kind, ApiErrorKind::InvalidParameter);
    assert!(!v1.is_retryable());
    assert_eq!(v4.kind, ApiErrorKind::UserSigExpired);
    assert!(v4.is_retryable() && v4.is_usersig_expired());
}

#[test]
fn retry_and_rate_limit_helpers() {
    let limited = api_error(parse_response::<V1SetCallback>(
        200,
        v1_error("70005").as_bytes(),
        1,
    ));
    assert!(limited.is_retryable() && limited.is_rate_limited());
    let locked = api_error(parse_response::<V4SetCallback>(
        200,
        v4_error(70050).as_bytes(),
        1,
    ));
    assert!(locked.is_rate_limited() && !locked.is_retryable());
    let server = api_error(parse_response::<V4SetCallback>(
        200,
        v4_error(100001).as_bytes(),
        1,
    ));
    assert!(server.is_retryable());
    let not_admin = api_error(parse_response::<V4SetCallback>(
        200,
        v4_error(60010).as_bytes(),
        1,
    ));
    assert!(!not_admin.is_retryable() && !not_admin.is_rate_limited());
}

#[test]
fn lenient_envelopes() {
    // errorCode as a string, requestId as a number, data null on an error.
    let body =
        br#"{"errorCode": "70003", "errorMessage": "expired", "requestId": 123456, "data": null}"#;
    let error = api_error(parse_response::<V1GetCallback>(200, body, 1));
    assert_eq!(
        (error.code, error.kind),
        (70003, ApiErrorKind::UserSigExpired)
    );
    assert_eq!(error.request_id.as_deref(), Some("123456"));
    // An error whose data has an unexpected shape still reports the API error.
    let body =
        br#"{"errorCode": 999, "errorMessage": "none", "requestId": "x", "data": {"odd": [1]}}"#;
    assert_eq!(
        api_error(parse_response::<V1UpdateCallback>(200, body, 1)).kind,
        ApiErrorKind::NoConfiguration
    );
    // Unknown fields are ignored; a missing requestId is fine.
    let body = br#"{"errorCode": 0, "extra": {"a": 1}, "data": "https://e.com/"}"#;
    assert_eq!(
        parse_response::<V1SetCallback>(200, body, 1).unwrap(),
        "https://e.com/"
    );
    // v4: FAIL without a code is still a failure; a code without ActionStatus decides.
    let body = br#"{"ActionStatus": "FAIL", "ErrorInfo": "?"}"#;
    assert_eq!(
        api_error(parse_response::<V4DeleteCallback>(200, body, 1)).code,
        0
    );
    let body = br#"{"ErrorCode": 100301, "ErrorInfo": "no config"}"#;
    assert_eq!(
        api_error(parse_response::<V4GetCallback>(200, body, 1)).kind,
        ApiErrorKind::NoConfiguration
    );
    let body = br#"{"ErrorCode": 0}"#;
    assert!(parse_response::<V4DeleteCallback>(200, body, 1).is_ok());
    // A v1 get without fields in data reads as an empty configuration.
    let body = br#"{"errorCode": 0, "data": {}}"#;
    assert_eq!(
        parse_response::<V1GetCallback>(200, body, 1).unwrap(),
        V1CallbackConfig::default()
    );
}

#[test]
fn non_200_statuses_say_what_came_back() {
    let body = b"<html><body>502 Bad Gateway</body></html>";
    let error = parse_response::<V1GetCallback>(502, body, 31).unwrap_err();
    let ResponseError::HttpStatus {
        status,
        excerpt,
        random,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((*status, *random), (502, 31));
    assert_eq!(
        excerpt.as_str(),
        "<html><body>502 Bad Gateway</body></html>"
    );
    assert!(error.to_string().contains("HTTP status 502"), "{error}");
    assert!(error.is_retryable());
    // A 4xx is not retried.
    assert!(
        !parse_response::<V1GetCallback>(404, b"", 1)
            .unwrap_err()
            .is_retryable()
    );
    // Even an envelope that looks like success is not trusted under a non-200 status.
    let ok = br#"{"errorCode": 0, "data": {}}"#;
    assert!(matches!(
        parse_response::<V1GetCallback>(500, ok, 1),
        Err(ResponseError::HttpStatus { status: 500, .. })
    ));
}

#[test]
fn malformed_bodies_say_what_came_back() {
    let cases: &[(&[u8], MalformedReason)] = &[
        (b"", MalformedReason::NotAnEnvelope),
        (b"not json at all", MalformedReason::NotAnEnvelope),
        (b"[1,2]", MalformedReason::NotAnEnvelope),
        (br#"{"errorCode": "abc"}"#, MalformedReason::NotAnEnvelope),
        (
            br#"{"errorCode": 0, "errorCode": 1}"#,
            MalformedReason::NotAnEnvelope,
        ),
        (br#"{"errorMessage": "x"}"#, MalformedReason::NoStatus),
        (
            br#"{"errorCode": 0, "data": 5}"#,
            MalformedReason::BadPayload,
        ),
        (
            br#"{"errorCode": 0, "data": null}"#,
            MalformedReason::MissingPayload,
        ),
        (br#"{"errorCode": 0}"#, MalformedReason::MissingPayload),
    ];
    for (body, expected) in cases {
        match parse_response::<V1SetCallback>(200, body, 5) {
            Err(ResponseError::Malformed {
                reason,
                status: 200,
                random: 5,
                excerpt,
                ..
            }) => {
                assert_eq!(reason, *expected, "{}", String::from_utf8_lossy(body));
                assert_eq!(excerpt.as_str().as_bytes(), *body);
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
    let error = parse_response::<V4GetCallback>(
        200,
        br#"{"ActionStatus":"OK","ErrorCode":0,"Response":{"Url":1}}"#,
        1,
    )
    .unwrap_err();
    assert!(matches!(
        error,
        ResponseError::Malformed {
            reason: MalformedReason::BadPayload,
            ..
        }
    ));
    assert!(!error.is_retryable());
}

#[test]
fn excerpts_are_short_printable_and_secret_free() {
    let mut body = b"Bad Request: POST /v1/callback/set?sdkappid=1&identifier=admin&usersig=eJwSECRETSECRET&random=1\r\n".to_vec();
    body.extend(std::iter::repeat_n(b'z', 1000));
    let error = parse_response::<V1SetCallback>(400, &body, 1).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(
        shown.contains("usersig=<redacted>&random=1\\r\\n"),
        "{shown}"
    );
    assert!(shown.contains("more bytes"), "{shown}");
    assert!(shown.len() < 600, "{}", shown.len());
    // An error message echoing a UserSig is redacted too.
    let body = br#"{"errorCode": 70002, "errorMessage": "bad usersig=eJwSECRET in url"}"#;
    let error = api_error(parse_response::<V1SetCallback>(200, body, 1));
    assert_eq!(error.message, "bad usersig=<redacted> in url");
}
