//! The `http`-crate conveniences (feature `std`): a handler is
//! `Fn(http::Request<Vec<u8>>) -> http::Response<Vec<u8>>` around `handle_and_reply`.
#![cfg(feature = "std")]

use callkit_core::webhook::{
    CallbackToken, Event, Generation, Payload, StartCall, V1_ACK, V4_ACK, WebhookConfig,
    ack_response, build, handle, handle_and_reply, http_reply_for, not_handled_response,
};

const APP: u32 = 1400000000;

fn request(method: &str, uri: &str, body: &[u8]) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .body(body.to_vec())
        .unwrap()
}

#[test]
fn a_handler_closure_acks_and_passes_the_event_on() {
    let config = WebhookConfig::new(APP);
    let mut events = Vec::new();
    let mut handler =
        |req: http::Request<Vec<u8>>| handle_and_reply(&req, &config, 0, |e| events.push(e));
    let res = handler(request(
        "POST",
        "https://app.example/cb?SdkAppid=1400000000&CallbackCommand=Call.CallbackAfterStartCall",
        br#"{"CallInfo":{"CallId":"c1"},"EventTime":5}"#,
    ));
    assert_eq!(res.status(), 200);
    assert_eq!(res.body(), V4_ACK);
    assert_eq!(res.headers()["content-type"], "application/json");
    let res = handler(request(
        "GET",
        "/cb?sdkappid=1400000000&command=cancel",
        b"",
    ));
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
    assert_eq!(events.len(), 1, "a rejected request is not passed on");
    let Payload::StartCall(s) = &events[0].payload else {
        panic!()
    };
    assert_eq!(s.call_info.call_id, "c1");
}

#[test]
fn handle_reads_method_query_and_body() {
    let config = WebhookConfig::new(APP);
    let req = request(
        "POST",
        "/?sdkappid=1400000000&command=reject",
        br#"{"CallId":"c1","UserId":"u1"}"#,
    );
    let event = handle(&req, &config, 0).unwrap();
    assert_eq!(event.generation(), Generation::V1);
    assert_eq!(http_reply_for(&Ok(event)).body(), V1_ACK);
    let no_query = request("POST", "/", b"{}");
    let res = http_reply_for(&handle(&no_query, &config, 0));
    assert_eq!(res.status(), 400);
    assert_eq!(ack_response(Generation::V1).body(), V1_ACK);
    let not_handled = not_handled_response(Generation::V4);
    assert_eq!(not_handled.status(), 500);
    assert_eq!(not_handled.headers()["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_slice(not_handled.body()).unwrap();
    assert_eq!(body["ActionStatus"], "FAIL");
    assert_eq!(body["ErrorCode"], 500);
}

#[test]
fn an_emulator_request_is_accepted_by_the_receiver() {
    let token = CallbackToken::new("xxxxyyyy");
    let mut start = StartCall::default();
    start.call_info.call_id = "abc".into();
    let event = Event::new(APP, Payload::StartCall(start));
    let out = build(&event, Some((&token, 1669872112))).unwrap();
    // What the service (and the emulator's delivery) sends: a POST of the body as JSON.
    let req = http::Request::post(out.url("http://127.0.0.1:9/hook?mine=1"))
        .header(
            http::header::CONTENT_TYPE,
            callkit_core::webhook::OutgoingWebhook::CONTENT_TYPE,
        )
        .body(out.body.clone())
        .unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.headers()["content-type"], "application/json");
    assert!(
        req.uri()
            .query()
            .unwrap()
            .starts_with("mine=1&SdkAppid=1400000000&")
    );
    let config = WebhookConfig::new(APP).with_token(token);
    assert_eq!(handle(&req, &config, 1669872112), Ok(event));
}
