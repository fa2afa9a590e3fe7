//! At-least-once delivery over loopback: events without their identity are refused with
//! 400; a callback that fails or panics (blocking or async) answers 500 so the sender
//! delivers again; a redelivery of an event already handled is acknowledged without
//! calling the application twice; a delivery racing one in progress is told to come back.
#![cfg(feature = "server")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use callkit::server::LoopbackServer;
use callkit::webhook::{Event, MemoryDedupStore, WebhookConfig, WebhookErrorKind, WebhookHandler};

const APP: u32 = 1400000000;
const MEMBER_CHANGED: &str =
    "/cb?SdkAppid=1400000000&CallbackCommand=Call.CallbackAfterMemberChanged&contenttype=json";
const V1_REJECT: &str = "/cb?sdkappid=1400000000&command=reject&contenttype=json";
const MEMBER_BODY: &[u8] =
    br#"{"CallId":"c1","ChangedUserList":[{"User_Account":"u2","ActionType":"Reject"}],"EventTime":1}"#;
const V1_BODY: &[u8] = br#"{"UserId":"u2","CallId":"c1","Event":"reject_call","EventTime":1}"#;

/// POSTs `body` to `path` over a fresh connection; the status and the body.
fn post(server: &LoopbackServer, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply[9..12].parse().unwrap();
    let body = reply.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap()
}

#[test]
fn an_event_without_its_call_id_is_400_with_a_reason_and_never_delivered() {
    let (tx, rx) = mpsc::channel::<Event>();
    let (rejected_tx, rejected) = mpsc::channel();
    let rejected_tx = Mutex::new(rejected_tx);
    let server = WebhookHandler::new(WebhookConfig::new(APP), move |event| {
        tx.send(event).map_err(|_| "the test dropped its receiver")
    })
    .on_rejected(move |error| {
        let _ = rejected_tx.lock().unwrap().send(error.kind().clone());
    })
    .serve("127.0.0.1:0".parse().unwrap(), false)
    .unwrap();
    // The issue's probe: bytes that are not UTF-8 in an unknown field, and nothing else.
    let (status, body) = post(&server, MEMBER_CHANGED, b"{\"a\":\"\xff\xfe\"}");
    assert_eq!(status, 400);
    assert_eq!(json(&body)["ActionStatus"], "FAIL");
    let (status, body) = post(&server, MEMBER_CHANGED, br#"{"a":"b"}"#);
    assert_eq!(status, 400);
    assert_eq!(
        json(&body)["ErrorInfo"],
        "required field CallId is missing or empty"
    );
    let kinds: Vec<WebhookErrorKind> = rejected.try_iter().collect();
    assert_eq!(kinds.len(), 2, "both were logged and passed to on_rejected");
    assert_eq!(kinds[1], WebhookErrorKind::MissingField { field: "CallId" });
    let (status, _) = post(&server, V1_REJECT, br#"{"UserId":"u2"}"#);
    assert_eq!(status, 400);
    assert!(rx.try_recv().is_err(), "nothing reached the application");
}

#[test]
fn a_failing_or_panicking_callback_answers_500_so_the_event_comes_again() {
    let calls = Arc::new(AtomicU32::new(0));
    let seen = Arc::clone(&calls);
    let server = WebhookHandler::new(WebhookConfig::new(APP), move |event: Event| {
        match seen.fetch_add(1, Ordering::SeqCst) {
            0 => Err("database unavailable"),
            1 => panic!("bug in the application"),
            _ => {
                assert_eq!(event.command(), "reject");
                Ok(())
            }
        }
    })
    .serve("127.0.0.1:0".parse().unwrap(), false)
    .unwrap();
    let (status, body) = post(&server, V1_REJECT, V1_BODY);
    assert_eq!(status, 500);
    assert_eq!(json(&body)["ErrorCode"], 500, "v1: a non-zero ErrorCode");
    let (status, _) = post(&server, V1_REJECT, V1_BODY);
    assert_eq!(status, 500, "a panic is a failure too");
    let (status, body) = post(&server, V1_REJECT, V1_BODY);
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"ErrorCode":0,"ErrorMessage":"Success"}"#);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[test]
fn an_async_callback_is_awaited_and_its_failure_and_panic_answer_500() {
    let calls = Arc::new(AtomicU32::new(0));
    let seen = Arc::clone(&calls);
    let server = WebhookHandler::new_async(WebhookConfig::new(APP), move |_event| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        async move {
            // A real await point, as a database client would have.
            futures_lite::future::yield_now().await;
            match n {
                0 => Err("database unavailable"),
                1 => panic!("bug after an await"),
                _ => Ok(()),
            }
        }
    })
    .serve("127.0.0.1:0".parse().unwrap(), false)
    .unwrap();
    let (status, body) = post(&server, MEMBER_CHANGED, MEMBER_BODY);
    assert_eq!(status, 500);
    assert_eq!(json(&body)["ActionStatus"], "FAIL", "v4's failure shape");
    assert_eq!(post(&server, MEMBER_CHANGED, MEMBER_BODY).0, 500);
    let (status, body) = post(&server, MEMBER_CHANGED, MEMBER_BODY);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#
    );
}

#[test]
fn a_redelivered_event_already_handled_is_acknowledged_without_a_second_call() {
    let (tx, rx) = mpsc::channel::<Event>();
    let failures = AtomicU32::new(0);
    let server = WebhookHandler::new(WebhookConfig::new(APP), move |event| {
        // The first delivery of the v1 event fails: its redelivery must still be handled.
        if event.command() == "reject" && failures.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err("database unavailable".to_owned());
        }
        tx.send(event).map_err(|e| e.to_string())
    })
    .dedup(MemoryDedupStore::new(100, Duration::from_secs(600)))
    .serve("127.0.0.1:0".parse().unwrap(), false)
    .unwrap();

    assert_eq!(post(&server, MEMBER_CHANGED, MEMBER_BODY).0, 200);
    assert_eq!(post(&server, MEMBER_CHANGED, MEMBER_BODY).0, 200);
    // Another event (a later EventTime) is not a redelivery.
    let later = String::from_utf8_lossy(MEMBER_BODY).replace("\"EventTime\":1", "\"EventTime\":2");
    assert_eq!(post(&server, MEMBER_CHANGED, later.as_bytes()).0, 200);
    assert_eq!(post(&server, V1_REJECT, V1_BODY).0, 500);
    assert_eq!(post(&server, V1_REJECT, V1_BODY).0, 200);
    assert_eq!(post(&server, V1_REJECT, V1_BODY).0, 200);

    let delivered: Vec<String> = rx.try_iter().map(|e| e.command().to_owned()).collect();
    assert_eq!(
        delivered,
        [
            "Call.CallbackAfterMemberChanged",
            "Call.CallbackAfterMemberChanged",
            "reject"
        ]
    );
}

#[test]
fn a_delivery_racing_one_in_progress_is_told_to_come_back() {
    let entered = Arc::new(Barrier::new(2));
    let release = Arc::new(Barrier::new(2));
    let (entered_in, release_in) = (Arc::clone(&entered), Arc::clone(&release));
    let server = WebhookHandler::new(WebhookConfig::new(APP), move |_event| {
        entered_in.wait();
        release_in.wait();
        Ok::<(), String>(())
    })
    .dedup(MemoryDedupStore::new(100, Duration::from_secs(600)))
    .serve("127.0.0.1:0".parse().unwrap(), false)
    .unwrap();
    let server = Arc::new(server);
    let first = {
        let server = Arc::clone(&server);
        std::thread::spawn(move || post(&server, V1_REJECT, V1_BODY).0)
    };
    entered.wait();
    // The first delivery is inside the callback: the same event again must not be
    // acknowledged (the first may still fail), nor handled twice.
    assert_eq!(post(&server, V1_REJECT, V1_BODY).0, 500);
    release.wait();
    assert_eq!(first.join().unwrap(), 200);
    assert_eq!(post(&server, V1_REJECT, V1_BODY).0, 200);
}
