//! `callkit::webhook::serve` over loopback: the documented callbacks (spec §6) POSTed with
//! a real HTTP client (`SmolTransport`), acknowledged as CallKit expects, and delivered
//! typed and in order; rejections answered with the right status and never delivered.
//!
//! `on_event` runs before the response is sent, so once a reply is in, its event is
//! already in the channel: the tests read it with `try_recv`, never waiting.
#![cfg(feature = "server")]

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use callkit::SmolTransport;
use callkit::server::LoopbackServer;
use callkit::testing::ManualRuntime;
use callkit::transport::{HttpResponse, Transport};
use callkit::webhook::{
    self, ActionType, CallResult, CallbackToken, Event, Payload, V1Action, WebhookConfig,
    WebhookError, WebhookErrorKind, WebhookHandler,
};

const V1_APP: u32 = 8888888;
const V4_APP: u32 = 1400000000;

// The acknowledgements as the spec prints them (§6.1, §6.3), whitespace removed.
const V1_ACK: &str = r#"{"ErrorCode":0,"ErrorMessage":"Success"}"#;
const V4_ACK: &str = r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#;

// The query strings of the documented requests (§6.1, §6.2 verbatim; §6.3's template
// filled in).
const V1_STATUS_QUERY: &str =
    "sdkappid=8888888&command=call_end&contenttype=json&clientip=127.0.0.1&optplatform=iOS";
const V1_EVENT_QUERY: &str = "sdkappid=8888888&command=caller_start_call&contenttype=json&clientip=127.0.0.1&optplatform=iOS";

fn v4_query(command: &str) -> String {
    format!(
        "SdkAppid=1400000000&CallbackCommand={command}&contenttype=json&ClientIP=10.0.0.1&OptPlatform=Android"
    )
}

use callkit_testsuite::webhook_examples::{
    END_BODY_AS_PUBLISHED, MEMBER_BODY_AS_PUBLISHED, START_BODY, V1_EVENT_BODY, V1_STATUS_BODY,
    with_comma_put_back,
};

// The Chat signature example of §6.7.
const TOKEN: &str = "xxxxyyyy";
const REQUEST_TIME: u64 = 1669872112;
const SIGN: &str = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061";

/// A served webhook handler, what it delivered and rejected, and a client for it.
struct Receiver {
    server: LoopbackServer,
    events: mpsc::Receiver<Event>,
    rejected: mpsc::Receiver<WebhookError>,
    client: SmolTransport,
}

impl Receiver {
    /// Serves `config` over HTTP on 127.0.0.1 with the clock fixed at `now`.
    fn start(config: WebhookConfig, now: u64) -> Self {
        let (event_tx, events) = mpsc::channel();
        let (rejected_tx, rejected) = mpsc::channel();
        // mpsc senders are Send but not Sync; the handler must be both.
        let event_tx = Mutex::new(event_tx);
        let rejected_tx = Mutex::new(rejected_tx);
        let server = WebhookHandler::new(config, move |event| {
            let tx = event_tx.lock().unwrap_or_else(PoisonError::into_inner);
            tx.send(event).expect("the test holds the receiver");
            Ok::<(), String>(())
        })
        .on_rejected(move |error| {
            let tx = rejected_tx.lock().unwrap_or_else(PoisonError::into_inner);
            tx.send(error.clone()).expect("the test holds the receiver");
        })
        .runtime(ManualRuntime::new(Duration::from_secs(now)).shared())
        .serve(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), false)
        .expect("loopback server starts");
        let client = SmolTransport::builder()
            .allow_http(true)
            .build()
            .expect("client builds");
        Self {
            server,
            events,
            rejected,
            client,
        }
    }

    fn send(&self, method: &str, query: &str, body: &[u8]) -> HttpResponse {
        let request = http::Request::builder()
            .method(method)
            .uri(self.server.url(&format!("/?{query}")))
            .header("content-type", "application/json")
            .body(body.to_vec())
            .expect("valid request");
        smol::block_on(self.client.send(request)).expect("the server answers")
    }

    fn post(&self, query: &str, body: &str) -> HttpResponse {
        self.send("POST", query, body.as_bytes())
    }

    /// The next delivered event; fails if none was delivered.
    fn event(&self) -> Event {
        self.events.try_recv().expect("an event was delivered")
    }

    fn assert_no_event(&self) {
        assert_eq!(self.events.try_recv().err(), Some(TryRecvError::Empty));
    }

    /// The next rejection passed to `on_rejected`.
    fn rejection(&self) -> WebhookErrorKind {
        self.rejected
            .try_recv()
            .expect("a rejection was reported")
            .kind()
            .clone()
    }
}

fn body_json(response: &HttpResponse) -> serde_json::Value {
    serde_json::from_slice(response.body()).expect("the reply is JSON")
}

fn assert_ack(response: &HttpResponse, ack: &str) {
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    assert_eq!(std::str::from_utf8(response.body()), Ok(ack));
}

#[test]
fn v1_examples_are_acknowledged_and_delivered_in_order() {
    let receiver = Receiver::start(WebhookConfig::new(V1_APP), 0);

    assert_ack(&receiver.post(V1_STATUS_QUERY, V1_STATUS_BODY), V1_ACK);
    assert_ack(&receiver.post(V1_EVENT_QUERY, V1_EVENT_BODY), V1_ACK);

    let first = receiver.event();
    assert_eq!(first.sdkappid, V1_APP);
    assert_eq!(first.client_ip.as_deref(), Some("127.0.0.1"));
    let Payload::V1(status) = first.payload else {
        panic!("not v1")
    };
    assert_eq!(status.command, V1Action::Other("call_end".into()));
    assert_eq!(status.call_result, Some(CallResult::NormalEnd));
    assert_eq!(status.end_ts.map(|t| t.as_secs()), Some(1_704_856_885));

    let Payload::V1(event) = receiver.event().payload else {
        panic!("not v1")
    };
    assert_eq!(event.command, V1Action::CallerStartCall);
    assert_eq!(event.event.as_deref(), Some("start_call"));
    assert_eq!(event.user_id, "Alice");

    receiver.assert_no_event();
    assert!(receiver.rejected.try_recv().is_err());
    assert_eq!(receiver.server.control().requests_received(), 2);
}

#[test]
fn v4_examples_are_acknowledged_and_delivered_in_order() {
    let receiver = Receiver::start(WebhookConfig::new(V4_APP), 0);

    for (command, body) in [
        ("Call.CallbackAfterStartCall", START_BODY),
        (
            "Call.CallbackAfterEndCall",
            &with_comma_put_back(END_BODY_AS_PUBLISHED),
        ),
        (
            "Call.CallbackAfterMemberChanged",
            &with_comma_put_back(MEMBER_BODY_AS_PUBLISHED),
        ),
    ] {
        assert_ack(&receiver.post(&v4_query(command), body), V4_ACK);
    }

    let first = receiver.event();
    assert_eq!(first.sdkappid, V4_APP);
    assert_eq!(first.client_ip.as_deref(), Some("10.0.0.1"));
    let Payload::StartCall(start) = first.payload else {
        panic!("expected StartCall first")
    };
    assert_eq!(
        start.call_info.call_id,
        "055662e1-bc8a-469c-a334-1126c8c17d58"
    );
    assert_eq!(start.users[0].user_id, "144115212830834855");

    let Payload::EndCall(end) = receiver.event().payload else {
        panic!("expected EndCall second")
    };
    assert_eq!(end.record.call_result, Some(CallResult::NotAnswer));
    assert_eq!(end.record.callees, ["10001", "user2"]);
    assert_eq!(
        end.event_time.map(|t| t.as_millis()),
        Some(1_703_589_922_780)
    );

    let Payload::MemberChanged(changed) = receiver.event().payload else {
        panic!("expected MemberChanged third")
    };
    assert_eq!(changed.changed[0].user_id, "user2");
    assert_eq!(changed.changed[0].action, Some(ActionType::Accept));

    receiver.assert_no_event();
}

#[test]
fn published_end_call_example_is_400_naming_the_missing_comma() {
    let receiver = Receiver::start(WebhookConfig::new(V4_APP), 0);
    let response = receiver.post(
        &v4_query("Call.CallbackAfterEndCall"),
        END_BODY_AS_PUBLISHED,
    );

    assert_eq!(response.status(), 400);
    let body = body_json(&response);
    assert_eq!(body["ActionStatus"], "FAIL");
    assert_eq!(body["ErrorCode"], 400);
    assert!(
        body["ErrorInfo"]
            .as_str()
            .is_some_and(|info| info.contains("line 5")),
        "{body}"
    );
    assert!(matches!(
        receiver.rejection(),
        WebhookErrorKind::InvalidJson { line: 5, .. }
    ));
    receiver.assert_no_event();
}

#[test]
fn bad_json_is_400_in_the_v1_shape() {
    let receiver = Receiver::start(WebhookConfig::new(V1_APP), 0);
    let response = receiver.post(V1_EVENT_QUERY, "{\"UserId\": ");

    assert_eq!(response.status(), 400);
    let body = body_json(&response);
    assert_eq!(body["ErrorCode"], 400);
    assert!(body.get("ActionStatus").is_none(), "v1 shape: {body}");
    assert!(matches!(
        receiver.rejection(),
        WebhookErrorKind::InvalidJson { .. }
    ));
    receiver.assert_no_event();
}

#[test]
fn another_apps_sdkappid_is_403_and_not_delivered() {
    let receiver = Receiver::start(WebhookConfig::new(V1_APP), 0);
    let response = receiver.post(
        &V1_EVENT_QUERY.replace("sdkappid=8888888", "sdkappid=8888889"),
        V1_EVENT_BODY,
    );

    assert_eq!(response.status(), 403);
    assert_eq!(body_json(&response)["ErrorCode"], 403);
    assert_eq!(
        receiver.rejection(),
        WebhookErrorKind::SdkAppIdMismatch {
            expected: V1_APP,
            received: 8888889,
        }
    );
    receiver.assert_no_event();
}

#[test]
fn get_is_405_with_allow_post() {
    let receiver = Receiver::start(WebhookConfig::new(V4_APP), 0);
    let response = receiver.send("GET", &v4_query("Call.CallbackAfterStartCall"), b"");

    assert_eq!(response.status(), 405);
    assert_eq!(
        response.headers().get("allow").map(|v| v.as_bytes()),
        Some(&b"POST"[..])
    );
    assert_eq!(body_json(&response)["ActionStatus"], "FAIL");
    assert!(matches!(
        receiver.rejection(),
        WebhookErrorKind::MethodNotAllowed { .. }
    ));
    receiver.assert_no_event();
}

#[test]
fn body_over_the_cap_is_413() {
    const CAP: usize = 1024;
    let receiver = Receiver::start(WebhookConfig::new(V1_APP).with_max_body_bytes(CAP), 0);

    // Exactly at the cap: accepted (JSON padded with spaces).
    let mut at_cap = V1_EVENT_BODY.as_bytes().to_vec();
    at_cap.resize(CAP, b' ');
    let response = receiver.send("POST", V1_EVENT_QUERY, &at_cap);
    assert_ack(&response, V1_ACK);
    assert_eq!(receiver.event().command(), "caller_start_call");

    // One byte over: the handler's 413, in the v1 shape, reported.
    let mut over = at_cap.clone();
    over.push(b' ');
    let response = receiver.send("POST", V1_EVENT_QUERY, &over);
    assert_eq!(response.status(), 413);
    assert_eq!(body_json(&response)["ErrorCode"], 413);
    assert_eq!(
        receiver.rejection(),
        WebhookErrorKind::BodyTooLarge {
            len: CAP + 1,
            max: CAP,
        }
    );

    // Far over: cut off by the server before the handler.
    let response = receiver.send("POST", V1_EVENT_QUERY, &vec![b' '; 64 * CAP]);
    assert_eq!(response.status(), 413);

    receiver.assert_no_event();
}

#[test]
fn with_a_token_only_a_fresh_correct_signature_is_delivered() {
    let config = WebhookConfig::new(V4_APP).with_token(CallbackToken::new(TOKEN));
    let query = v4_query("Call.CallbackAfterStartCall");
    let signed = format!("{query}&RequestTime={REQUEST_TIME}&Sign={SIGN}");

    // The clock 60 s after RequestTime: still within the allowed skew.
    let receiver = Receiver::start(config.clone(), REQUEST_TIME + 60);
    assert_ack(&receiver.post(&signed, START_BODY), V4_ACK);
    assert!(matches!(receiver.event().payload, Payload::StartCall(_)));

    let mut wrong = SIGN.to_owned();
    wrong.replace_range(..1, "2");
    let forged = format!("{query}&RequestTime={REQUEST_TIME}&Sign={wrong}");
    assert_eq!(receiver.post(&forged, START_BODY).status(), 403);
    assert_eq!(receiver.rejection(), WebhookErrorKind::BadSignature);

    assert_eq!(receiver.post(&query, START_BODY).status(), 401);
    assert_eq!(receiver.rejection(), WebhookErrorKind::MissingSignature);
    receiver.assert_no_event();

    // The same signed request 61 s late: replay window over.
    let late = Receiver::start(config, REQUEST_TIME + 61);
    assert_eq!(late.post(&signed, START_BODY).status(), 403);
    assert_eq!(
        late.rejection(),
        WebhookErrorKind::RequestTimeSkew {
            request_time: REQUEST_TIME,
            now: REQUEST_TIME + 61,
        }
    );
    late.assert_no_event();
}

#[test]
fn the_request_time_is_checked_against_the_runtimes_clock() {
    let config = WebhookConfig::new(V1_APP).with_token(CallbackToken::new(TOKEN));
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let runtime = ManualRuntime::new(Duration::from_secs(REQUEST_TIME - 60));
    let handle = WebhookHandler::new(config, move |event| {
        tx.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(event)
            .map_err(|_| "the test dropped its receiver")
    })
    .runtime(runtime.shared())
    .into_fn();
    let request = |time: u64, sign: &str| {
        http::Request::post(format!(
            "/hook?{V1_EVENT_QUERY}&RequestTime={time}&Sign={sign}"
        ))
        .body(V1_EVENT_BODY.as_bytes().to_vec())
        .expect("valid request")
    };

    let response = handle(request(REQUEST_TIME, SIGN));
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), V1_ACK.as_bytes());
    assert_eq!(rx.try_recv().map(|e| e.sdkappid), Ok(V1_APP));

    // A later RequestTime needs another Sign; the old one does not fit it.
    assert_eq!(handle(request(REQUEST_TIME + 1, SIGN)).status(), 403);
    assert!(rx.try_recv().is_err());

    // Once the runtime's clock is more than 60 s past it, the same request is refused.
    runtime.advance(Duration::from_secs(120));
    assert_eq!(handle(request(REQUEST_TIME, SIGN)).status(), 200);
    runtime.advance(Duration::from_secs(1));
    assert_eq!(handle(request(REQUEST_TIME, SIGN)).status(), 403);
}

#[test]
fn serve_over_https_with_the_self_signed_certificate() {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let server = webhook::serve(
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        true,
        WebhookConfig::new(V4_APP),
        move |event| {
            tx.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .send(event)
                .map_err(|_| "the test dropped its receiver")
        },
    )
    .expect("server starts");
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    assert_eq!(server.local_addr().ip(), Ipv4Addr::LOCALHOST);

    let pem = server
        .certificate()
        .expect("https has a certificate")
        .pem()
        .to_owned();
    let client = SmolTransport::builder()
        .webpki_roots(false)
        .add_root_certificate_pem(pem)
        .build()
        .expect("client builds");
    let request = http::Request::post(server.url(&format!(
        "/callkit?{}",
        v4_query("Call.CallbackAfterMemberChanged")
    )))
    .body(with_comma_put_back(MEMBER_BODY_AS_PUBLISHED).into_bytes())
    .expect("valid request");
    let response = smol::block_on(client.send(request)).expect("the server answers");

    assert_ack(&response, V4_ACK);
    let event = rx.try_recv().expect("delivered");
    assert_eq!(event.command(), "Call.CallbackAfterMemberChanged");
}

#[test]
fn events_print_as_one_flushed_json_line_each() {
    let receiver = Receiver::start(WebhookConfig::new(V4_APP), 0);
    receiver.post(&v4_query("Call.CallbackAfterStartCall"), START_BODY);
    receiver.post(
        &v4_query("Call.CallbackAfterMemberChanged"),
        &with_comma_put_back(MEMBER_BODY_AS_PUBLISHED),
    );

    /// Records what was written and how often it was flushed.
    #[derive(Default)]
    struct Out {
        bytes: Vec<u8>,
        flushed_at: Vec<usize>,
    }
    impl std::io::Write for Out {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.bytes.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.flushed_at.push(self.bytes.len());
            Ok(())
        }
    }
    let mut out = Out::default();
    webhook::write_json_line(&mut out, &receiver.event()).expect("writes");
    webhook::write_json_line(&mut out, &receiver.event()).expect("writes");

    let text = String::from_utf8(out.bytes).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(text.ends_with('\n'));
    let first_line_end = lines[0].len() + 1;
    assert_eq!(out.flushed_at, [first_line_end, text.len()]);
    let types: Vec<serde_json::Value> = lines
        .iter()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).expect("JSON")["payload"]["type"]
                .clone()
        })
        .collect();
    assert_eq!(types, ["StartCall", "MemberChanged"]);
    let start: serde_json::Value = serde_json::from_str(lines[0]).expect("JSON");
    assert_eq!(start["sdkappid"], V4_APP);
}

/// Collects every log record of this test binary (installed once).
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {} {}", record.level(), record.target(), record.args());
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }
    fn flush(&self) {}
}

static LOGS: Capture = Capture(Mutex::new(Vec::new()));

#[test]
fn rejections_are_logged_as_warnings_without_the_token() {
    const SECRET: &str = "token-that-must-never-be-logged";
    log::set_logger(&LOGS).expect("only this test installs a logger");
    log::set_max_level(log::LevelFilter::Trace);

    let config = WebhookConfig::new(V4_APP).with_token(CallbackToken::new(SECRET));
    let receiver = Receiver::start(config, REQUEST_TIME);
    let forged = format!(
        "{}&RequestTime={REQUEST_TIME}&Sign={SIGN}",
        v4_query("Call.CallbackAfterStartCall")
    );
    assert_eq!(receiver.post(&forged, START_BODY).status(), 403);
    assert_eq!(receiver.rejection(), WebhookErrorKind::BadSignature);

    let logs = LOGS.0.lock().unwrap_or_else(PoisonError::into_inner);
    assert!(
        logs.iter()
            .any(|line| line == "WARN callkit::webhook rejected v4 callback: Sign does not match"),
        "{logs:?}"
    );
    assert!(
        logs.iter()
            .all(|line| !line.contains(SECRET) && !line.contains(SIGN))
    );
}

/// `serve` listens on the address it is given, not always 127.0.0.1. (127.0.0.2 is a
/// loopback address on Linux without any set-up; other systems may not route it.)
#[cfg(target_os = "linux")]
#[test]
fn serve_listens_on_the_given_address() {
    let ip = Ipv4Addr::new(127, 0, 0, 2);
    let server = webhook::serve(
        SocketAddr::from((ip, 0)),
        false,
        WebhookConfig::new(V1_APP),
        |_| Ok::<(), String>(()),
    )
    .expect("server starts");
    assert_eq!(server.local_addr().ip(), ip);
    assert!(server.base_url().starts_with("http://127.0.0.2:"));

    let client = SmolTransport::builder()
        .allow_http(true)
        .build()
        .expect("client builds");
    let request = http::Request::post(server.url(&format!("/?{V1_EVENT_QUERY}")))
        .body(V1_EVENT_BODY.as_bytes().to_vec())
        .expect("valid request");
    let response = smol::block_on(client.send(request)).expect("the server answers");
    assert_ack(&response, V1_ACK);
}
