//! The `BlockingClient` over blocking closures: the same engine as the async client, so
//! these check the blocking driver (sending, sleeping, retrying) rather than every rule.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use callkit::core::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use callkit::core::response::ApiErrorKind;
use callkit::runtime::Runtime;
use callkit::testing::ManualRuntime;
use callkit::transport::{HttpRequest, HttpResponse};
use callkit::{BaseUrl, BlockingClient, SecretKey, TransportError};

const SDKAPPID: u32 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// (path, body, random, monotonic arrival time) of each request.
type Log = Arc<Mutex<Vec<(String, serde_json::Value, u32, Duration)>>>;

/// A blocking closure playing the service: replies by path from the documented examples;
/// the first `fail_first` requests get `failure` instead.
fn service(
    clock: &ManualRuntime,
    log: &Log,
    fail_first: usize,
    failure: &'static str,
) -> impl Fn(HttpRequest) -> Result<HttpResponse, TransportError> + Send + Sync + 'static + use<> {
    let clock = clock.clone();
    let log = Arc::clone(log);
    move |request: HttpRequest| {
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(
            request.headers()[http::header::CONTENT_TYPE],
            "application/json"
        );
        let query = request.uri().query().unwrap();
        let random: u32 = query
            .split('&')
            .find_map(|p| p.strip_prefix("random="))
            .unwrap()
            .parse()
            .unwrap();
        let path = request.uri().path().to_owned();
        let body = serde_json::from_slice(request.body()).unwrap();
        let count = {
            let mut log = log.lock().unwrap();
            log.push((path.clone(), body, random, clock.now()));
            log.len()
        };
        let reply = if count <= fail_first {
            failure
        } else {
            match path.as_str() {
                "/v1/callback/set" => {
                    r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "a1d8", "data": "http://www.example.com/callback"}"#
                }
                "/v1/callback/get" => {
                    r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "355c", "data": {"actions": ["call_busy","normal_end"], "address": "http://www.example.com/callback"}}"#
                }
                "/v1/callback/update" => {
                    r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "5b0f", "data": "https://www.example2.com/callback"}"#
                }
                "/v1/callback/delete" => {
                    r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "5b0f", "data": ""}"#
                }
                "/v4/call_config/get_callback" => {
                    r#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-1", "Response": {"Url": "http://www.example.com/callback", "CallbackCommandList": ["Call.CallbackAfterStartCall","Call.CallbackAfterEndCall"]}}"#
                }
                _ => {
                    r#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-2"}"#
                }
            }
        };
        Ok(HttpResponse::new(reply.as_bytes().to_vec()))
    }
}

fn client(
    clock: &ManualRuntime,
    log: &Log,
    fail_first: usize,
    failure: &'static str,
) -> BlockingClient<impl callkit::transport::BlockingTransport + use<>> {
    let next = AtomicU32::new(7);
    BlockingClient::builder(
        SDKAPPID,
        SecretKey::new(KEY).unwrap(),
        BaseUrl::parse("https://callkit.test").unwrap(),
    )
    .runtime(clock.shared())
    .random(move || next.fetch_add(1, Ordering::Relaxed))
    .build(service(clock, log, fail_first, failure))
    .unwrap()
}

#[test]
fn the_seven_methods_over_a_blocking_closure() {
    let clock = ManualRuntime::auto_advance(Duration::from_secs(1_700_000_000));
    let log = Log::default();
    let client = client(&clock, &log, 0, "");
    let v1 = V1CallbackConfig {
        address: "http://www.example.com/callback".into(),
        actions: vec![V1Action::CallBusy, V1Action::NormalEnd],
    };
    let v4 = V4CallbackConfig {
        url: "http://www.example.com/callback".into(),
        commands: vec![V4Command::AfterStartCall, V4Command::AfterEndCall],
    };
    assert_eq!(
        client.v1_set_callback(&v1).unwrap(),
        "http://www.example.com/callback"
    );
    assert_eq!(client.v1_get_callback().unwrap(), v1);
    assert_eq!(
        client.v1_update_callback(&v1).unwrap(),
        "https://www.example2.com/callback"
    );
    client.v1_delete_callback().unwrap();
    client.v4_set_callback(&v4).unwrap();
    assert_eq!(client.v4_get_callback().unwrap(), v4);
    client.v4_delete_callback().unwrap();

    let log = log.lock().unwrap();
    let paths: Vec<&str> = log.iter().map(|(p, ..)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/v1/callback/set",
            "/v1/callback/get",
            "/v1/callback/update",
            "/v1/callback/delete",
            "/v4/call_config/set_callback",
            "/v4/call_config/get_callback",
            "/v4/call_config/delete_callback",
        ]
    );
    assert_eq!(
        log[0].1,
        serde_json::json!({"address": "http://www.example.com/callback", "actions": ["call_busy", "normal_end"]})
    );
    assert_eq!(log[1].1, serde_json::json!({}));
    assert_eq!(
        log[4].1,
        serde_json::json!({"Url": "http://www.example.com/callback", "CallbackCommandList": ["Call.CallbackAfterStartCall", "Call.CallbackAfterEndCall"]})
    );
    let randoms: Vec<u32> = log.iter().map(|(_, _, r, _)| *r).collect();
    assert_eq!(randoms, [7, 8, 9, 10, 11, 12, 13]);
}

#[test]
fn the_blocking_client_retries_with_recorded_sleeps() {
    let clock = ManualRuntime::auto_advance(Duration::from_secs(1_700_000_000));
    let log = Log::default();
    let limited =
        r#"{"errorCode": 70005, "errorMessage": "rate limited", "requestId": "r", "data": ""}"#;
    let client = client(&clock, &log, 2, limited);
    client.v1_delete_callback().unwrap();
    // 1 s then 2 s (growing), each plus the jitter of the refused request's random:
    // 1 s * 7 / 2^32 is 1 ns, 2 s * 8 / 2^32 is 3 ns.
    let (first, second) = (
        Duration::from_secs(1) + Duration::from_nanos(1),
        Duration::from_secs(2) + Duration::from_nanos(3),
    );
    assert_eq!(clock.sleeps(), [first, second]);
    let log = log.lock().unwrap();
    let at: Vec<Duration> = log.iter().map(|(.., at)| *at).collect();
    assert_eq!(at, [Duration::ZERO, first, first + second]);
    let randoms: Vec<u32> = log.iter().map(|(_, _, r, _)| *r).collect();
    assert_eq!(randoms, [7, 8, 9]);
}

#[test]
fn the_blocking_client_gives_up_after_max_attempts() {
    let clock = ManualRuntime::auto_advance(Duration::from_secs(1_700_000_000));
    let log = Log::default();
    let busy =
        r#"{"ActionStatus": "FAIL", "ErrorInfo": "retry", "ErrorCode": 100001, "RequestId": "b"}"#;
    let client = client(&clock, &log, usize::MAX, busy);
    let error = client.v4_get_callback().unwrap_err();
    assert_eq!(error.attempts(), Some(3));
    assert_eq!(error.kind(), Some(ApiErrorKind::ServerError));
    assert_eq!(log.lock().unwrap().len(), 3);
    assert_eq!(
        clock.sleeps(),
        [Duration::from_millis(200), Duration::from_millis(400)]
    );
}

#[test]
fn the_blocking_limiter_spaces_v1_calls() {
    let clock = ManualRuntime::auto_advance(Duration::from_secs(1_700_000_000));
    let log = Log::default();
    let client = client(&clock, &log, 0, "");
    for _ in 0..21 {
        client.v1_get_callback().unwrap();
    }
    let at: Vec<Duration> = log.lock().unwrap().iter().map(|(.., at)| *at).collect();
    let ms = Duration::from_millis;
    let expected: Vec<Duration> = (0..21).map(|i| ms(1050) * (i / 10)).collect();
    assert_eq!(at, expected);
    assert_eq!(clock.sleeps(), [ms(1050), ms(1050)]);
}

/// Collects every log record of this test binary.
struct Collect(Mutex<Vec<String>>);

impl log::Log for Collect {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

static LOGS: Collect = Collect(Mutex::new(Vec::new()));

#[test]
fn every_attempt_is_logged_without_secrets() {
    log::set_logger(&LOGS).unwrap();
    log::set_max_level(log::LevelFilter::Debug);
    let clock = ManualRuntime::auto_advance(Duration::from_secs(1_700_000_000));
    let log = Log::default();
    let expired = r#"{"ActionStatus": "FAIL", "ErrorInfo": "UserSig expired", "ErrorCode": 70001, "RequestId": "Id-x"}"#;
    let client = client(&clock, &log, 1, expired);
    client.v4_delete_callback().unwrap();
    // The UserSig the client signed: deterministic for this key, admin and time.
    let usersig = callkit::core::usersig::generate_user_sig(
        SDKAPPID,
        &SecretKey::new(KEY).unwrap(),
        "administrator",
        callkit::core::usersig::DEFAULT_EXPIRE,
        1_700_000_000,
    )
    .unwrap();
    let records: Vec<String> = LOGS
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.contains("/v4/call_config/delete_callback"))
        .cloned()
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(
        records[0].starts_with("INFO v4 /v4/call_config/delete_callback attempt 1/3 random 7"),
        "{}",
        records[0]
    );
    assert!(
        records[0].contains("code 70001 (UserSig expired)")
            && records[0].contains("retrying in 0ns"),
        "{}",
        records[0]
    );
    assert!(
        records[1].starts_with("DEBUG v4 /v4/call_config/delete_callback attempt 2/3 random 8"),
        "{}",
        records[1]
    );
    for record in &records {
        assert!(!record.contains(KEY), "{record}");
        assert!(!record.contains(&usersig.as_str()[..16]), "{record}");
    }
}
