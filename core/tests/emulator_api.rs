//! The emulator answered through the real client path: requests built with
//! `request::build_request` and an `AdminSigner`'s UserSig, answers parsed with
//! `response::parse_response`, errors checked by their client-side classification.
#![cfg(feature = "emulator")]

use core::time::Duration;

use callkit_core::callback::*;
use callkit_core::emulator::{App, Emulator, Fault, ServiceReply, ServiceRequest};
use callkit_core::endpoint::{Empty, Endpoint};
use callkit_core::region::{BaseUrl, Server};
use callkit_core::request::{SignedRequest, build_request};
use callkit_core::response::{ApiErrorKind, ResponseError, parse_response};
use callkit_core::secret::SecretKey;
use callkit_core::usersig::{AdminSigner, UserSig, generate_user_sig};

const APP: u32 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const T0: u64 = 1_700_000_000;

fn key() -> SecretKey {
    SecretKey::new(KEY).unwrap()
}

fn server() -> Server {
    BaseUrl::parse_allow_http("http://127.0.0.1:8080")
        .unwrap()
        .into()
}

fn emulator() -> Emulator {
    let mut emulator = Emulator::new();
    let mut app = App::new(APP, key());
    app.admins.push("ops".into());
    emulator.add_app(app).unwrap();
    emulator
}

fn v1_config(address: &str) -> V1CallbackConfig {
    V1CallbackConfig {
        address: address.into(),
        actions: vec![V1Action::NormalEnd, V1Action::CallerStartCall],
    }
}

fn v4_config(url: &str) -> V4CallbackConfig {
    V4CallbackConfig {
        url: url.into(),
        commands: vec![V4Command::AfterStartCall, V4Command::AfterEndCall],
    }
}

/// Sends a built request to the emulator at `now` (seconds) and returns the raw answer.
fn send_raw(emulator: &mut Emulator, request: &SignedRequest, now: Duration) -> ServiceReply {
    emulator.handle(
        &ServiceRequest::new("POST", request.url(), request.body()),
        now,
    )
}

/// The whole client path for endpoint `E` with a UserSig signed at `T0` for `identifier`.
fn call_as<E: Endpoint>(
    emulator: &mut Emulator,
    identifier: &str,
    body: &E::Request,
    now: Duration,
) -> Result<E::Response, ResponseError> {
    let mut signer = AdminSigner::new(APP, &key(), identifier).unwrap();
    let usersig = signer.usersig(T0).unwrap().clone();
    let request = build_request::<E>(&server(), APP, identifier, &usersig, 7, body).unwrap();
    let answer = send_raw(emulator, &request, now);
    if answer.status == 200 {
        assert_eq!(answer.content_type, "application/json");
    }
    parse_response::<E>(answer.status, &answer.body, request.random())
}

fn call<E: Endpoint>(
    emulator: &mut Emulator,
    body: &E::Request,
) -> Result<E::Response, ResponseError> {
    call_as::<E>(emulator, "administrator", body, Duration::from_secs(T0))
}

/// The API error code and the client's classification of it.
fn api<T: std::fmt::Debug>(result: Result<T, ResponseError>) -> (i64, ApiErrorKind) {
    match result {
        Err(ResponseError::Api(error)) => (error.code, error.kind),
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn body_json(answer: &ServiceReply) -> serde_json::Value {
    serde_json::from_slice(&answer.body).expect("a JSON body")
}

#[test]
fn v1_round_trip_set_get_update_delete() {
    let mut e = emulator();
    let first = v1_config("http://www.example.com/callback");
    assert_eq!(
        call::<V1SetCallback>(&mut e, &first).unwrap(),
        "http://www.example.com/callback"
    );
    assert_eq!(call::<V1GetCallback>(&mut e, &Empty {}).unwrap(), first);
    let second = V1CallbackConfig {
        address: "https://www.example2.com/callback".into(),
        actions: vec![V1Action::CallBusy, V1Action::Cancel, V1Action::NormalEnd],
    };
    assert_eq!(
        call::<V1UpdateCallback>(&mut e, &second).unwrap(),
        "https://www.example2.com/callback"
    );
    assert_eq!(call::<V1GetCallback>(&mut e, &Empty {}).unwrap(), second);
    call::<V1DeleteCallback>(&mut e, &Empty {}).unwrap();
    assert_eq!(
        api(call::<V1GetCallback>(&mut e, &Empty {})),
        (999, ApiErrorKind::NoConfiguration)
    );
    // The v4 configuration is a separate setting.
    assert_eq!(e.v4_config(APP), None);
    assert_eq!(e.app_requests_for(APP, V1GetCallback::PATH), 3);
    assert_eq!(e.requests_for(V1SetCallback::PATH), 1);
    assert_eq!(e.requests_total(), 6);
}

#[test]
fn v4_round_trip_set_get_delete() {
    let mut e = emulator();
    let config = v4_config("https://www.example.com/callback");
    call::<V4SetCallback>(&mut e, &config).unwrap();
    assert_eq!(call::<V4GetCallback>(&mut e, &Empty {}).unwrap(), config);
    // set_callback overwrites.
    let other = V4CallbackConfig {
        url: "http://other.example/cb".into(),
        commands: vec![V4Command::AfterMemberChanged],
    };
    call::<V4SetCallback>(&mut e, &other).unwrap();
    assert_eq!(call::<V4GetCallback>(&mut e, &Empty {}).unwrap(), other);
    call::<V4DeleteCallback>(&mut e, &Empty {}).unwrap();
    assert_eq!(
        api(call::<V4GetCallback>(&mut e, &Empty {})),
        (100301, ApiErrorKind::NoConfiguration)
    );
    assert_eq!(e.v1_config(APP), None);
}

#[test]
fn envelopes_have_the_documented_shapes() {
    let mut e = emulator();
    let mut signer = AdminSigner::new(APP, &key(), "administrator").unwrap();
    let sig = signer.usersig(T0).unwrap().clone();
    let now = Duration::from_secs(T0);

    let set = build_request::<V1SetCallback>(
        &server(),
        APP,
        "administrator",
        &sig,
        1,
        &v1_config("http://a.example/cb"),
    )
    .unwrap();
    let answer = send_raw(&mut e, &set, now);
    let text = String::from_utf8(answer.body.clone()).unwrap();
    assert!(text.starts_with(r#"{"errorCode":0,"errorMessage":"Success","requestId":""#));
    assert!(
        text.ends_with(r#","data":"http://a.example/cb"}"#),
        "{text}"
    );
    let id = body_json(&answer)["requestId"].as_str().unwrap().to_owned();
    assert!(id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));

    let get = build_request::<V1GetCallback>(&server(), APP, "administrator", &sig, 2, &Empty {})
        .unwrap();
    let text = String::from_utf8(send_raw(&mut e, &get, now).body).unwrap();
    assert!(
        text.ends_with(
            r#""data":{"actions":["normal_end","caller_start_call"],"address":"http://a.example/cb"}}"#
        ),
        "{text}"
    );
    let delete =
        build_request::<V1DeleteCallback>(&server(), APP, "administrator", &sig, 3, &Empty {})
            .unwrap();
    assert_eq!(body_json(&send_raw(&mut e, &delete, now))["data"], "");

    let v4 = build_request::<V4SetCallback>(
        &server(),
        APP,
        "administrator",
        &sig,
        4,
        &v4_config("http://b.example/cb"),
    )
    .unwrap();
    let text = String::from_utf8(send_raw(&mut e, &v4, now).body).unwrap();
    assert!(
        text.starts_with(r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RequestId":"Id-"#)
    );
    assert!(!text.contains("Response"), "{text}");
    let get = build_request::<V4GetCallback>(&server(), APP, "administrator", &sig, 5, &Empty {})
        .unwrap();
    let text = String::from_utf8(send_raw(&mut e, &get, now).body).unwrap();
    assert!(text.ends_with(
        r#""Response":{"Url":"http://b.example/cb","CallbackCommandList":["Call.CallbackAfterStartCall","Call.CallbackAfterEndCall"]}}"#
    ), "{text}");
    // Ids differ per request; v4 ends with the sequence number (the 6th request).
    let v4_id = body_json(&send_raw(&mut e, &get, now))["RequestId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        v4_id.starts_with("Id-") && v4_id.ends_with("-O-Seq-6"),
        "{v4_id}"
    );
}

#[test]
fn v1_body_errors() {
    let mut e = emulator();
    // update before set: 999.
    assert_eq!(
        api(call::<V1UpdateCallback>(
            &mut e,
            &v1_config("http://a.example/cb")
        )),
        (999, ApiErrorKind::NoConfiguration)
    );
    // Deleting nothing succeeds (a documented choice).
    call::<V1DeleteCallback>(&mut e, &Empty {}).unwrap();

    let mut signer = AdminSigner::new(APP, &key(), "administrator").unwrap();
    let sig = signer.usersig(T0).unwrap().clone();
    let url = build_request::<V1SetCallback>(
        &server(),
        APP,
        "administrator",
        &sig,
        9,
        &v1_config("http://a.example/cb"),
    )
    .unwrap()
    .url()
    .to_owned();
    let mut raw = |body: &[u8]| {
        let answer = e.handle(
            &ServiceRequest::new("POST", &url, body),
            Duration::from_secs(T0),
        );
        assert_eq!(answer.status, 200);
        (
            api(parse_response::<V1SetCallback>(200, &answer.body, 9)),
            body_json(&answer)["errorMessage"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    };
    let (err, message) = raw(br#"{"address":"ftp://x.example/cb","actions":["normal_end"]}"#);
    assert_eq!(err, (70001, ApiErrorKind::InvalidParameter));
    assert_eq!(message, "callback address must start with http or https");
    let (err, _) = raw(br#"{"address":"http://x.example/cb","actions":[]}"#);
    assert_eq!(err, (70001, ApiErrorKind::InvalidParameter));
    let (err, _) = raw(br#"{"address":"http://x.example/cb","actions":"normal_end"}"#);
    assert_eq!(err, (70001, ApiErrorKind::InvalidParameter));
    assert_eq!(raw(b"{not json").0, (70009, ApiErrorKind::InvalidParameter));
    assert_eq!(raw(b"").0, (70009, ApiErrorKind::InvalidParameter));
    assert_eq!(raw(b"[1]").0, (70001, ApiErrorKind::InvalidParameter));
    assert_eq!(e.v1_config(APP), None, "nothing stored by a refused set");
}

#[test]
fn v4_body_errors() {
    let mut e = emulator();
    call::<V4DeleteCallback>(&mut e, &Empty {}).unwrap();
    let mut signer = AdminSigner::new(APP, &key(), "administrator").unwrap();
    let sig = signer.usersig(T0).unwrap().clone();
    let url = build_request::<V4SetCallback>(
        &server(),
        APP,
        "administrator",
        &sig,
        9,
        &v4_config("http://a.example/cb"),
    )
    .unwrap()
    .url()
    .to_owned();
    let mut raw = |body: &[u8]| {
        let answer = e.handle(
            &ServiceRequest::new("POST", &url, body),
            Duration::from_secs(T0),
        );
        api(parse_response::<V4SetCallback>(
            answer.status,
            &answer.body,
            9,
        ))
    };
    let invalid = (100002, ApiErrorKind::InvalidParameter);
    assert_eq!(
        raw(br#"{"Url":"www.example.com","CallbackCommandList":["Call.CallbackAfterEndCall"]}"#),
        invalid
    );
    assert_eq!(
        raw(br#"{"Url":"https://a.example","CallbackCommandList":[]}"#),
        invalid
    );
    assert_eq!(raw(br#"{}"#), invalid);
    assert_eq!(raw(b"{\"Url\":"), (60003, ApiErrorKind::InvalidParameter));
    assert_eq!(raw(b""), (60003, ApiErrorKind::InvalidParameter));
}

#[test]
fn usersig_errors_per_generation() {
    let mut e = emulator();
    let now = Duration::from_secs(T0);
    // Signed with another key.
    let wrong = SecretKey::new("not-the-app-key").unwrap();
    let bad_sig = generate_user_sig(APP, &wrong, "administrator", 86_400, T0).unwrap();
    let send = |e: &mut Emulator, sig: &str, v4: bool, identifier: &str, now: Duration| {
        let sig = &UserSig::from_string(sig.to_owned());
        if v4 {
            let r = build_request::<V4GetCallback>(&server(), APP, identifier, sig, 1, &Empty {})
                .unwrap();
            let a = send_raw(e, &r, now);
            api(parse_response::<V4GetCallback>(a.status, &a.body, 1))
        } else {
            let r = build_request::<V1GetCallback>(&server(), APP, identifier, sig, 1, &Empty {})
                .unwrap();
            let a = send_raw(e, &r, now);
            api(parse_response::<V1GetCallback>(a.status, &a.body, 1))
        }
    };
    use ApiErrorKind::*;
    assert_eq!(
        send(&mut e, bad_sig.as_str(), false, "administrator", now),
        (70002, UserSigInvalid)
    );
    assert_eq!(
        send(&mut e, bad_sig.as_str(), true, "administrator", now),
        (70009, UserSigInvalid)
    );

    // Expired: valid for one day, used two days later.
    let sig = generate_user_sig(APP, &key(), "administrator", 86_400, T0).unwrap();
    let later = Duration::from_secs(T0 + 2 * 86_400);
    assert_eq!(
        send(&mut e, sig.as_str(), false, "administrator", later),
        (70003, UserSigExpired)
    );
    assert_eq!(
        send(&mut e, sig.as_str(), true, "administrator", later),
        (70001, UserSigExpired)
    );

    // A UserSig for another identifier, and one for another app.
    assert_eq!(
        send(&mut e, sig.as_str(), true, "ops", now),
        (70013, UserSigInvalid)
    );
    assert_eq!(
        send(&mut e, sig.as_str(), false, "ops", now),
        (70002, UserSigInvalid)
    );
    let other_app = generate_user_sig(1234, &key(), "administrator", 86_400, T0).unwrap();
    assert_eq!(
        send(&mut e, other_app.as_str(), true, "administrator", now),
        (70014, UserSigInvalid)
    );
    // Undecodable.
    assert_eq!(
        send(&mut e, "garbage", true, "administrator", now),
        (70003, UserSigInvalid)
    );
    assert_eq!(
        send(&mut e, "garbage", false, "administrator", now),
        (70002, UserSigInvalid)
    );

    // A valid UserSig for someone who is not an admin.
    let user = generate_user_sig(APP, &key(), "alice", 86_400, T0).unwrap();
    assert_eq!(
        send(&mut e, user.as_str(), false, "alice", now),
        (70004, NotAdmin)
    );
    assert_eq!(
        send(&mut e, user.as_str(), true, "alice", now),
        (60010, NotAdmin)
    );
    // Other admins listed for the app are accepted.
    assert!(call_as::<V1DeleteCallback>(&mut e, "ops", &Empty {}, now).is_ok());
}

/// An expected error code and its classification.
type Expected = (i64, ApiErrorKind);

/// Sends a hand-written query to `path` and returns (code, classification).
fn query<E: Endpoint>(e: &mut Emulator, method: &str, query: &str) -> (u16, i64, ApiErrorKind) {
    let target = format!("{}?{query}", E::PATH);
    let answer = e.handle(
        &ServiceRequest::new(method, &target, b"{}"),
        Duration::from_secs(T0),
    );
    match parse_response::<E>(answer.status, &answer.body, 0) {
        Err(ResponseError::Api(error)) => (answer.status, error.code, error.kind),
        Err(other) => panic!("expected an API error, got {other:?}"),
        Ok(_) => panic!("expected an API error, got a success"),
    }
}

#[test]
fn query_errors_per_generation() {
    let mut e = emulator();
    let sig = generate_user_sig(APP, &key(), "administrator", 86_400, T0).unwrap();
    let sig = sig.as_str();
    let full = |app: &str, id: &str, usersig: &str, random: &str, ct: &str| {
        format!("sdkappid={app}&identifier={id}&usersig={usersig}&random={random}&contenttype={ct}")
    };
    use ApiErrorKind::*;
    let ok = full("1400000000", "administrator", sig, "1", "json");
    assert_eq!(
        query::<V4GetCallback>(&mut e, "POST", &ok),
        (200, 100301, NoConfiguration)
    );
    // (query, v1 answer, v4 answer)
    let cases: Vec<(String, Expected, Expected)> = vec![
        (
            ok.replace("sdkappid=1400000000&", ""),
            (70001, InvalidParameter),
            (60012, InvalidParameter),
        ),
        (
            full("abc", "administrator", sig, "1", "json"),
            (70001, InvalidParameter),
            (60006, InvalidParameter),
        ),
        (
            full("99", "administrator", sig, "1", "json"),
            (70001, InvalidParameter),
            (60006, InvalidParameter),
        ),
        (
            full("1400000000", "", sig, "1", "json"),
            (70001, InvalidParameter),
            (60002, InvalidParameter),
        ),
        (
            full("1400000000", "administrator", "", "1", "json"),
            (70002, UserSigInvalid),
            (70002, UserSigInvalid),
        ),
        (
            ok.replace(&format!("&usersig={sig}"), ""),
            (70002, UserSigInvalid),
            (70002, UserSigInvalid),
        ),
        (
            full("1400000000", "administrator", sig, "4294967296", "json"),
            (70001, InvalidParameter),
            (60002, InvalidParameter),
        ),
        (
            full("1400000000", "administrator", sig, "1", "xml"),
            (70001, InvalidParameter),
            (60002, InvalidParameter),
        ),
        // A parameter sent twice: refused, not "first wins".
        (
            format!("{ok}&random=2"),
            (70001, InvalidParameter),
            (60002, InvalidParameter),
        ),
    ];
    for (q, v1, v4) in cases {
        assert_eq!(
            query::<V1GetCallback>(&mut e, "POST", &q),
            (200, v1.0, v1.1),
            "v1 {q}"
        );
        assert_eq!(
            query::<V4GetCallback>(&mut e, "POST", &q),
            (200, v4.0, v4.1),
            "v4 {q}"
        );
    }
    // Methods other than POST.
    assert_eq!(
        query::<V1GetCallback>(&mut e, "GET", &ok),
        (200, 70001, InvalidParameter)
    );
    assert_eq!(
        query::<V4GetCallback>(&mut e, "GET", &ok),
        (200, 60002, InvalidParameter)
    );
}

#[test]
fn unknown_paths() {
    let mut e = emulator();
    let answer = e.handle(
        &ServiceRequest::new("POST", "/v4/call_config/update_callback?sdkappid=1", b"{}"),
        Duration::from_secs(T0),
    );
    assert_eq!(answer.status, 200);
    assert_eq!(body_json(&answer)["ErrorCode"], 60009);
    assert_eq!(body_json(&answer)["ActionStatus"], "FAIL");
    let answer = e.handle(
        &ServiceRequest::new("POST", "http://h/v1/callback/nope", b"{}"),
        Duration::from_secs(T0),
    );
    assert_eq!(answer.status, 404);
    assert_eq!(body_json(&answer)["errorCode"], 70001);
    assert_eq!(e.requests_total(), 2);
}

#[test]
fn v1_rate_limit_is_ten_per_second_then_recovers() {
    let mut e = emulator();
    let t = Duration::from_secs(T0) + Duration::from_millis(100);
    for i in 0..10 {
        let at = t + Duration::from_millis(i * 50);
        assert!(
            call_as::<V1DeleteCallback>(&mut e, "administrator", &Empty {}, at).is_ok(),
            "{i}"
        );
    }
    // The 11th within the same second, on another v1 endpoint (they share the budget).
    let eleventh = call_as::<V1GetCallback>(
        &mut e,
        "administrator",
        &Empty {},
        t + Duration::from_millis(900),
    );
    let Err(ResponseError::Api(error)) = eleventh else {
        panic!("{eleventh:?}")
    };
    assert_eq!((error.code, error.kind), (70005, ApiErrorKind::RateLimited));
    assert!(error.is_retryable());
    // v4 has its own budget.
    assert!(
        call_as::<V4DeleteCallback>(
            &mut e,
            "administrator",
            &Empty {},
            t + Duration::from_millis(900)
        )
        .is_ok()
    );
    // One second after the first call, a slot is free again.
    assert!(
        call_as::<V1DeleteCallback>(
            &mut e,
            "administrator",
            &Empty {},
            t + Duration::from_secs(1)
        )
        .is_ok()
    );
}

#[test]
fn v4_rate_limit_is_two_hundred_per_second() {
    let mut e = emulator();
    let t = Duration::from_secs(T0);
    for _ in 0..200 {
        call_as::<V4DeleteCallback>(&mut e, "administrator", &Empty {}, t).unwrap();
    }
    assert_eq!(
        api(call_as::<V4GetCallback>(
            &mut e,
            "administrator",
            &Empty {},
            t
        )),
        (60007, ApiErrorKind::RateLimited)
    );
}

#[test]
fn faults() {
    let mut e = emulator();
    e.inject(Fault::HttpStatus(502), 2);
    e.inject(Fault::ApiError(70005), 1);
    e.inject(Fault::MalformedBody, 1);
    e.inject(Fault::OversizedBody(100_000), 1);
    e.inject(Fault::Delay(Duration::from_secs(5)), 1);
    assert_eq!(e.pending_faults(), 6);
    let config = v1_config("http://a.example/cb");

    for _ in 0..2 {
        let r = call::<V1SetCallback>(&mut e, &config);
        let Err(ResponseError::HttpStatus { status, .. }) = &r else {
            panic!("{r:?}")
        };
        assert_eq!(*status, 502);
        assert!(r.unwrap_err().is_retryable());
    }
    assert_eq!(
        api(call::<V1SetCallback>(&mut e, &config)),
        (70005, ApiErrorKind::RateLimited)
    );
    assert!(matches!(
        call::<V1SetCallback>(&mut e, &config),
        Err(ResponseError::Malformed { .. })
    ));
    // The oversized body, raw.
    let mut signer = AdminSigner::new(APP, &key(), "administrator").unwrap();
    let sig = signer.usersig(T0).unwrap().clone();
    let request =
        build_request::<V1SetCallback>(&server(), APP, "administrator", &sig, 1, &config).unwrap();
    let answer = send_raw(&mut e, &request, Duration::from_secs(T0));
    assert_eq!(answer.body.len(), 100_000);
    assert_eq!(e.v1_config(APP), None, "faulted requests change nothing");
    // The delayed request is processed normally.
    let answer = send_raw(&mut e, &request, Duration::from_secs(T0));
    assert_eq!(answer.delay, Some(Duration::from_secs(5)));
    assert_eq!(
        parse_response::<V1SetCallback>(answer.status, &answer.body, 1).unwrap(),
        "http://a.example/cb"
    );
    assert_eq!(e.pending_faults(), 0);
    let answer = send_raw(&mut e, &request, Duration::from_secs(T0));
    assert_eq!(answer.delay, None);
    assert_eq!(e.requests_total(), 7);
    assert_eq!(e.requests_for(V1SetCallback::PATH), 7);
    assert_eq!(e.app_requests_for(APP, V1SetCallback::PATH), 2);

    e.inject(Fault::HttpStatus(503), 3);
    e.clear_faults();
    assert_eq!(e.pending_faults(), 0);
}

#[test]
fn http_conversion() {
    let mut e = emulator();
    let mut signer = AdminSigner::new(APP, &key(), "administrator").unwrap();
    let sig = signer.usersig(T0).unwrap().clone();
    let request = build_request::<V4SetCallback>(
        &server(),
        APP,
        "administrator",
        &sig,
        3,
        &v4_config("https://x.example/cb"),
    )
    .unwrap()
    .into_http()
    .unwrap();
    e.inject(Fault::Delay(Duration::from_millis(1500)), 1);
    let response = e.handle_http(&request, Duration::from_secs(T0));
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        response
            .extensions()
            .get::<callkit_core::emulator::ResponseDelay>(),
        Some(&callkit_core::emulator::ResponseDelay(
            Duration::from_millis(1500)
        ))
    );
    parse_response::<V4SetCallback>(200, response.body(), 3).unwrap();
    assert_eq!(e.v4_config(APP), Some(&v4_config("https://x.example/cb")));
}

#[test]
fn the_emulator_can_be_shared_behind_a_mutex() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Emulator>();
    assert_send_sync::<callkit_core::emulator::Delivery>();
    // Debug output never shows the app's key.
    let e = emulator();
    assert!(!format!("{e:?}").contains(KEY));
}
