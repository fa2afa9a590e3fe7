//! The async `Client` against closure transports that play the CallKit service with the
//! spec's documented example replies. Time is a `ManualRuntime`: nothing here really sleeps.

use std::future::{Ready, ready};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use callkit::client::{Attempt, AttemptOutcome};
use callkit::core::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use callkit::core::endpoint::{Empty, Endpoint, Generation, RateClass};
use callkit::core::request::BuildError;
use callkit::core::response::{ApiErrorKind, ResponseError};
use callkit::core::usersig::{GenerateError, verify_user_sig};
use callkit::runtime::Runtime;
use callkit::testing::ManualRuntime;
use callkit::transport::{Failed, FailureKind, HttpRequest, HttpResponse};
use callkit::{BaseUrl, Client, Error, Region, SecretKey, TransportError};
use serde::de::IgnoredAny;

const SDKAPPID: u32 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
/// 2023-11-14, the Unix time the manual clocks start at.
const START: u64 = 1_700_000_000;

// The documented example replies (spec §3.1-3.4, §4.1-4.3).
const V1_SET_OK: &str = r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "a1d8543a9b1daef5d0f0c21517a4bc0a", "data": "http://www.example.com/callback"}"#;
const V1_GET_OK: &str = r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "355c3c394f0602ed81a13c34999abebb",
   "data": {"actions": ["call_busy","normal_end"], "address": "http://www.example.com/callback"}}"#;
const V1_UPDATE_OK: &str = r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "5b0fa500064397cad3554506e27e18e1", "data": "https://www.example2.com/callback"}"#;
const V1_DELETE_OK: &str = r#"{"errorCode": 0, "errorMessage": "Success", "requestId": "5b0fa500064397cad3554506e27e18e1", "data": ""}"#;
const V4_SET_OK: &str = r#"{"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0, "RequestId": "Id-8c9858f01e954611ae2d4c1b1ed7d583-O-Seq-52720"}"#;
const V4_GET_OK: &str = r#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-1cc8828fd3d84795ac866ced43b15b5c-O-Seq-61309",
   "Response": {"Url": "http://www.example.com/callback",
                "CallbackCommandList": ["Call.CallbackAfterStartCall","Call.CallbackAfterEndCall"]}}"#;
const V4_DELETE_OK: &str = r#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-1cc8828fd3d84795ac866ced43b15b5c-O-Seq-61309"}"#;
const V4_EXPIRED: &str = r#"{"ActionStatus": "FAIL", "ErrorInfo": "UserSig expired", "ErrorCode": 70001, "RequestId": "Id-expired-O-Seq-1"}"#;
const V4_SERVER_ERROR: &str = r#"{"ActionStatus": "FAIL", "ErrorInfo": "internal error, retry", "ErrorCode": 100001, "RequestId": "Id-busy-O-Seq-2"}"#;
const V4_NO_CONFIG: &str = r#"{"ActionStatus": "FAIL", "ErrorInfo": "callback configuration does not exist", "ErrorCode": 100301, "RequestId": "Id-none-O-Seq-3"}"#;
const V1_RATE_LIMITED: &str = r#"{"errorCode": 70005, "errorMessage": "request rate limited", "requestId": "ffee0011", "data": ""}"#;

fn key() -> SecretKey {
    SecretKey::new(KEY).unwrap()
}

/// A request as the service saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    scheme_host: String,
    path: String,
    query: Vec<(String, String)>,
    content_type: Option<String>,
    body: serde_json::Value,
    /// The manual clock's monotonic time when the request arrived.
    at: Duration,
}

impl Seen {
    fn param(&self, name: &str) -> &str {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.query))
    }

    fn random(&self) -> u32 {
        self.param("random").parse().unwrap()
    }

    /// The UserSig's issue time, checking that it is a valid signature for the admin.
    fn usersig_time(&self, now: u64) -> u64 {
        verify_user_sig(
            SDKAPPID,
            &key(),
            "administrator",
            self.param("usersig"),
            now,
        )
        .expect("a valid admin UserSig")
        .time
    }
}

/// How the fake service answers one request.
#[derive(Clone)]
enum Reply {
    Json(&'static str),
    Status(u16, &'static str),
    Refused,
    Reset,
}

/// The fake service: answers with `replies` in order (repeating the last), records every
/// request, and takes `latency` of the manual clock per request.
struct Service {
    clock: ManualRuntime,
    latency: Duration,
    replies: Vec<Reply>,
    seen: Mutex<Vec<Seen>>,
}

impl Service {
    fn new(clock: &ManualRuntime, replies: &[Reply]) -> Arc<Self> {
        Self::with_latency(clock, replies, Duration::ZERO)
    }

    fn with_latency(clock: &ManualRuntime, replies: &[Reply], latency: Duration) -> Arc<Self> {
        Arc::new(Service {
            clock: clock.clone(),
            latency,
            replies: replies.to_vec(),
            seen: Mutex::new(Vec::new()),
        })
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn handle(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let uri = request.uri();
        let query = uri
            .query()
            .unwrap_or("")
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect();
        let seen = Seen {
            method: request.method().to_string(),
            scheme_host: format!(
                "{}://{}",
                uri.scheme_str().unwrap(),
                uri.authority().unwrap()
            ),
            path: uri.path().to_owned(),
            query,
            content_type: request
                .headers()
                .get(http::header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_owned()),
            body: serde_json::from_slice(request.body()).unwrap(),
            at: self.clock.now(),
        };
        let index = {
            let mut all = self.seen.lock().unwrap();
            all.push(seen);
            all.len() - 1
        };
        self.clock.advance(self.latency);
        let reply = self
            .replies
            .get(index)
            .or(self.replies.last())
            .cloned()
            .expect("a scripted reply");
        match reply {
            Reply::Json(body) => Ok(HttpResponse::new(body.as_bytes().to_vec())),
            Reply::Status(status, body) => Ok(http::Response::builder()
                .status(status)
                .body(body.as_bytes().to_vec())
                .unwrap()),
            Reply::Refused => Err(TransportError::Connect {
                target: "callkit.test:443".into(),
                source: std::io::ErrorKind::ConnectionRefused.into(),
            }),
            Reply::Reset => Err(TransportError::Http {
                target: "https://callkit.test/".into(),
                source: Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
            }),
        }
    }
}

type Transport =
    Arc<dyn Fn(HttpRequest) -> Ready<Result<HttpResponse, TransportError>> + Send + Sync>;

fn transport(
    service: &Arc<Service>,
) -> impl Fn(HttpRequest) -> Ready<Result<HttpResponse, TransportError>> + Send + Sync + 'static + use<>
{
    let service = Arc::clone(service);
    move |request| ready(service.handle(request))
}

/// Randoms 1000, 1001, ...
fn counter() -> impl Fn() -> u32 + Send + Sync + 'static {
    let next = AtomicU32::new(1000);
    move || next.fetch_add(1, Ordering::Relaxed)
}

fn test_server() -> BaseUrl {
    BaseUrl::parse("https://callkit.test").unwrap()
}

/// A client on the manual clock with counting randoms, talking to `service`.
fn client(
    clock: &ManualRuntime,
    service: &Arc<Service>,
) -> Client<impl callkit::transport::Transport + use<>> {
    client_over(clock, transport(service))
}

fn manual_clock() -> ManualRuntime {
    ManualRuntime::auto_advance(Duration::from_secs(START))
}

fn v1_config() -> V1CallbackConfig {
    V1CallbackConfig {
        address: "http://www.example.com/callback".into(),
        actions: vec![
            V1Action::CallBusy,
            V1Action::NormalEnd,
            V1Action::CallerStartCall,
            V1Action::InviteUser,
            V1Action::CalleeRejectCall,
        ],
    }
}

fn v4_config() -> V4CallbackConfig {
    V4CallbackConfig {
        url: "http://www.example.com/callback".into(),
        commands: vec![
            V4Command::AfterStartCall,
            V4Command::AfterEndCall,
            V4Command::AfterMemberChanged,
        ],
    }
}

/// Checks the parts every CallKit request shares, with the given random.
fn assert_common(seen: &Seen, path: &str, random: u32) {
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.scheme_host, "https://callkit.test");
    assert_eq!(seen.path, path);
    let names: Vec<&str> = seen.query.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["sdkappid", "identifier", "usersig", "random", "contenttype"]
    );
    assert_eq!(seen.param("sdkappid"), "1400000000");
    assert_eq!(seen.param("identifier"), "administrator");
    assert_eq!(seen.usersig_time(START), START);
    assert_eq!(seen.random(), random);
    assert_eq!(seen.param("contenttype"), "json");
    assert_eq!(seen.content_type.as_deref(), Some("application/json"));
}

#[test]
fn each_method_sends_the_documented_request_and_returns_the_typed_reply() {
    let clock = manual_clock();
    let service = Service::new(
        &clock,
        &[
            Reply::Json(V1_SET_OK),
            Reply::Json(V1_GET_OK),
            Reply::Json(V1_UPDATE_OK),
            Reply::Json(V1_DELETE_OK),
            Reply::Json(V4_SET_OK),
            Reply::Json(V4_GET_OK),
            Reply::Json(V4_DELETE_OK),
        ],
    );
    let client = client(&clock, &service);
    let update = V1CallbackConfig {
        address: "https://www.example2.com/callback".into(),
        actions: vec![V1Action::CallBusy, V1Action::Cancel, V1Action::NormalEnd],
    };
    smol::block_on(async {
        assert_eq!(
            client.v1_set_callback(&v1_config()).await.unwrap(),
            "http://www.example.com/callback"
        );
        assert_eq!(
            client.v1_get_callback().await.unwrap(),
            V1CallbackConfig {
                address: "http://www.example.com/callback".into(),
                actions: vec![V1Action::CallBusy, V1Action::NormalEnd],
            }
        );
        assert_eq!(
            client.v1_update_callback(&update).await.unwrap(),
            "https://www.example2.com/callback"
        );
        client.v1_delete_callback().await.unwrap();
        client.v4_set_callback(&v4_config()).await.unwrap();
        assert_eq!(
            client.v4_get_callback().await.unwrap(),
            V4CallbackConfig {
                url: "http://www.example.com/callback".into(),
                commands: vec![V4Command::AfterStartCall, V4Command::AfterEndCall],
            }
        );
        client.v4_delete_callback().await.unwrap();
    });

    let seen = service.seen();
    assert_eq!(seen.len(), 7);
    let expected = [
        (
            "/v1/callback/set",
            serde_json::json!({
                "address": "http://www.example.com/callback",
                "actions": ["call_busy", "normal_end", "caller_start_call", "invite_user", "callee_reject_call"]
            }),
        ),
        ("/v1/callback/get", serde_json::json!({})),
        (
            "/v1/callback/update",
            serde_json::json!({
                "address": "https://www.example2.com/callback",
                "actions": ["call_busy", "cancel", "normal_end"]
            }),
        ),
        ("/v1/callback/delete", serde_json::json!({})),
        (
            "/v4/call_config/set_callback",
            serde_json::json!({
                "Url": "http://www.example.com/callback",
                "CallbackCommandList": ["Call.CallbackAfterStartCall", "Call.CallbackAfterEndCall", "Call.CallbackAfterMemberChanged"]
            }),
        ),
        ("/v4/call_config/get_callback", serde_json::json!({})),
        ("/v4/call_config/delete_callback", serde_json::json!({})),
    ];
    for (i, (seen, (path, body))) in seen.iter().zip(expected).enumerate() {
        assert_common(seen, path, 1000 + i as u32);
        assert_eq!(seen.body, body, "{path}");
    }
    // One UserSig signed for all seven calls.
    assert!(
        seen.iter()
            .all(|s| s.param("usersig") == seen[0].param("usersig"))
    );
}

#[test]
fn a_region_sends_to_its_documented_host() {
    let clock = manual_clock();
    let service = Service::new(&clock, &[Reply::Json(V4_DELETE_OK)]);
    let client = Client::builder(SDKAPPID, key(), Region::ChatSingapore)
        .runtime(clock.shared())
        .build(transport(&service))
        .unwrap();
    smol::block_on(client.v4_delete_callback()).unwrap();
    assert_eq!(
        service.seen()[0].scheme_host,
        "https://adminapisgp.im.qcloud.com"
    );
    // A v1 endpoint cannot go to a v4 host: refused before anything is sent.
    let error = smol::block_on(client.v1_delete_callback()).unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidInput(BuildError::WrongGeneration { .. })
        ),
        "{error:?}"
    );
    assert_eq!(service.seen().len(), 1);
}

#[test]
fn api_errors_come_back_classified_and_are_not_retried() {
    let clock = manual_clock();
    let service = Service::new(&clock, &[Reply::Json(V4_NO_CONFIG)]);
    let client = client(&clock, &service);
    let error = smol::block_on(client.v4_get_callback()).unwrap_err();
    let api = error.api().expect("an API error");
    assert_eq!(api.code, 100301);
    assert_eq!(api.kind, ApiErrorKind::NoConfiguration);
    assert_eq!(api.message, "callback configuration does not exist");
    assert_eq!(api.request_id.as_deref(), Some("Id-none-O-Seq-3"));
    assert_eq!(api.random, 1000);
    assert_eq!(api.generation, Generation::V4);
    assert_eq!(error.random(), Some(1000));
    assert_eq!(error.attempts(), None);
    let message = error.to_string();
    assert!(
        message.contains("100301") && message.contains("set a callback configuration first"),
        "{message}"
    );
    assert_eq!(service.seen().len(), 1);
    assert!(clock.sleeps().is_empty());
}

#[test]
fn an_expired_usersig_is_renewed_and_the_retry_succeeds() {
    let clock = manual_clock();
    // Each exchange takes 2 s of the manual clock, so a renewed UserSig has a new time.
    let service = Service::with_latency(
        &clock,
        &[Reply::Json(V4_EXPIRED), Reply::Json(V4_GET_OK)],
        Duration::from_secs(2),
    );
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&attempts);
    let client = Client::builder(SDKAPPID, key(), test_server())
        .runtime(clock.shared())
        .random(counter())
        .on_attempt(move |attempt: &Attempt<'_>| {
            let failed_kind = match attempt.outcome {
                AttemptOutcome::Failure(error) => error.kind(),
                _ => None,
            };
            record.lock().unwrap().push((
                attempt.number,
                attempt.random,
                failed_kind,
                attempt.retry_in,
            ));
        })
        .build(transport(&service))
        .unwrap();
    let config = smol::block_on(client.v4_get_callback()).unwrap();
    assert_eq!(config.url, "http://www.example.com/callback");

    let seen = service.seen();
    assert_eq!(seen.len(), 2);
    assert_ne!(seen[0].param("usersig"), seen[1].param("usersig"));
    assert_eq!(seen[0].usersig_time(START + 10), START);
    assert_eq!(seen[1].usersig_time(START + 10), START + 2);
    assert_eq!((seen[0].random(), seen[1].random()), (1000, 1001));
    assert!(
        clock.sleeps().is_empty(),
        "an expired UserSig is retried at once"
    );
    assert_eq!(
        *attempts.lock().unwrap(),
        [
            (
                1,
                1000,
                Some(ApiErrorKind::UserSigExpired),
                Some(Duration::ZERO)
            ),
            (2, 1001, None, None),
        ]
    );
}

#[test]
fn a_rate_limited_call_is_retried_after_a_recorded_wait() {
    let clock = manual_clock();
    let service = Service::new(
        &clock,
        &[Reply::Json(V1_RATE_LIMITED), Reply::Json(V1_DELETE_OK)],
    );
    let client = client(&clock, &service);
    smol::block_on(client.v1_delete_callback()).unwrap();
    // One second, plus the jitter drawn from the refused request's random (1000 / 2^32 of
    // a second is 232 ns).
    let wait = Duration::from_secs(1) + Duration::from_nanos(232);
    assert_eq!(clock.sleeps(), [wait]);
    let seen = service.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].at - seen[0].at, wait);
    assert_eq!((seen[0].random(), seen[1].random()), (1000, 1001));
}

#[test]
fn max_attempts_is_respected() {
    let clock = manual_clock();
    let service = Service::new(&clock, &[Reply::Json(V4_SERVER_ERROR)]);
    let seen_attempts = Arc::new(AtomicU32::new(0));
    let count = Arc::clone(&seen_attempts);
    let client = Client::builder(SDKAPPID, key(), test_server())
        .runtime(clock.shared())
        .random(counter())
        .max_attempts(4)
        .on_attempt(move |_| {
            count.fetch_add(1, Ordering::Relaxed);
        })
        .build(transport(&service))
        .unwrap();
    let error = smol::block_on(client.v4_set_callback(&v4_config())).unwrap_err();
    assert_eq!(service.seen().len(), 4);
    assert_eq!(seen_attempts.load(Ordering::Relaxed), 4);
    assert_eq!(error.attempts(), Some(4));
    assert_eq!(error.kind(), Some(ApiErrorKind::ServerError));
    assert_eq!(error.random(), Some(1003));
    assert!(matches!(
        error.last(),
        Error::Response(ResponseError::Api(_))
    ));
    assert!(
        error.to_string().starts_with("gave up after 4 attempts"),
        "{error}"
    );
    let ms = Duration::from_millis;
    assert_eq!(clock.sleeps(), [ms(200), ms(400), ms(800)]);
    let randoms: Vec<u32> = service.seen().iter().map(Seen::random).collect();
    assert_eq!(randoms, [1000, 1001, 1002, 1003]);
}

#[test]
fn http_5xx_is_retried_and_a_success_ends_the_call() {
    let clock = manual_clock();
    let service = Service::new(
        &clock,
        &[
            Reply::Status(502, "<html>Bad Gateway</html>"),
            Reply::Json(V1_GET_OK),
        ],
    );
    let client = client(&clock, &service);
    smol::block_on(client.v1_get_callback()).unwrap();
    assert_eq!(service.seen().len(), 2);
    assert_eq!(clock.sleeps(), [Duration::from_millis(200)]);
}

/// A v4 endpoint declared not safe to retry, for the tests.
struct NotRetrySafe;

impl Endpoint for NotRetrySafe {
    const PATH: &'static str = "/v4/test/not_retry_safe";
    const GENERATION: Generation = Generation::V4;
    const RATE: RateClass = RateClass::V4;
    const RETRY_SAFE: bool = false;
    type Request = Empty;
    type Data = IgnoredAny;
    type Response = ();
    fn response(_data: Option<IgnoredAny>) -> Option<()> {
        Some(())
    }
}

#[test]
fn a_non_retry_safe_endpoint_is_not_retried_after_an_answer() {
    let clock = manual_clock();
    let service = Service::new(
        &clock,
        &[Reply::Json(V4_SERVER_ERROR), Reply::Json(V4_SET_OK)],
    );
    let client = client(&clock, &service);
    let error = smol::block_on(client.call::<NotRetrySafe>(&Empty {})).unwrap_err();
    assert_eq!(error.kind(), Some(ApiErrorKind::ServerError));
    assert_eq!(error.attempts(), None);
    assert_eq!(service.seen().len(), 1);
    assert_eq!(service.seen()[0].path, "/v4/test/not_retry_safe");
}

#[test]
fn a_refused_connection_is_retried_even_when_not_retry_safe() {
    // Nothing reached the server, so a second try cannot do anything twice.
    let clock = manual_clock();
    let service = Service::new(&clock, &[Reply::Refused, Reply::Json(V4_SET_OK)]);
    let client = client(&clock, &service);
    smol::block_on(client.call::<NotRetrySafe>(&Empty {})).unwrap();
    assert_eq!(service.seen().len(), 2);
    assert_eq!(clock.sleeps(), [Duration::from_millis(200)]);
}

#[test]
fn a_failure_after_sending_is_returned_with_its_source() {
    let clock = manual_clock();
    let service = Service::new(&clock, &[Reply::Reset, Reply::Json(V4_SET_OK)]);
    let client = client(&clock, &service);
    let error = smol::block_on(client.v4_set_callback(&v4_config())).unwrap_err();
    assert_eq!(service.seen().len(), 1);
    match &error {
        Error::Transport {
            path,
            random,
            kind,
            source,
        } => {
            assert_eq!(*path, "/v4/call_config/set_callback");
            assert_eq!(*random, 1000);
            assert_eq!(*kind, FailureKind::MaybeSent);
            assert!(matches!(
                source.downcast_ref::<TransportError>(),
                Some(TransportError::Http { .. })
            ));
        }
        other => panic!("{other:?}"),
    }
}

/// A closure transport that fails its first `failures` requests with `kind` (a
/// [`Failed`], the one-line error of closure transports), then answers `V4_SET_OK`.
fn failing_first(
    failures: u32,
    kind: FailureKind,
) -> (impl callkit::transport::Transport + use<>, Arc<AtomicU32>) {
    let sent = Arc::new(AtomicU32::new(0));
    let count = Arc::clone(&sent);
    let transport = move |_request: HttpRequest| {
        let n = count.fetch_add(1, Ordering::Relaxed);
        ready(if n < failures {
            Err(Failed::new(kind, "scripted failure"))
        } else {
            Ok(HttpResponse::new(V4_SET_OK.as_bytes().to_vec()))
        })
    };
    (transport, sent)
}

fn robot_call() -> callkit::core::call_engine::V4RobotCall {
    callkit::core::call_engine::V4RobotCall::new(
        "robot-1",
        ["user5"],
        30_000,
        callkit::core::webhook::MediaType::Audio,
    )
}

fn client_over<T: callkit::transport::Transport>(clock: &ManualRuntime, transport: T) -> Client<T> {
    Client::builder(SDKAPPID, key(), test_server())
        .runtime(clock.shared())
        .random(counter())
        .build(transport)
        .unwrap()
}

#[test]
fn a_closure_saying_not_sent_is_retried_even_on_the_robot_call() {
    let clock = manual_clock();
    let (transport, sent) = failing_first(2, FailureKind::NotSent);
    let client = client_over(&clock, transport);
    smol::block_on(client.v4_start_call_by_robot(&robot_call())).unwrap();
    assert_eq!(sent.load(Ordering::Relaxed), 3);
    assert_eq!(
        clock.sleeps(),
        [Duration::from_millis(200), Duration::from_millis(400)]
    );
}

#[test]
fn a_robot_call_that_may_have_been_sent_is_not_resent() {
    let clock = manual_clock();
    let (transport, sent) = failing_first(1, FailureKind::MaybeSent);
    let client = client_over(&clock, transport);
    let error = smol::block_on(client.v4_start_call_by_robot(&robot_call())).unwrap_err();
    assert_eq!(sent.load(Ordering::Relaxed), 1);
    match &error {
        Error::MaybeSent { path, last } => {
            assert_eq!(*path, "/v4/call_engine_http_srv/start_call_by_robot");
            assert!(matches!(
                **last,
                Error::Transport {
                    kind: FailureKind::MaybeSent,
                    ..
                }
            ));
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("not resent"), "{error}");
}

#[test]
fn a_timeout_is_reported_as_a_timeout_and_not_retried() {
    let clock = manual_clock();
    let (transport, sent) = failing_first(1, FailureKind::TimedOut);
    let client = client_over(&clock, transport);
    let error = smol::block_on(client.v4_delete_callback()).unwrap_err();
    assert_eq!(sent.load(Ordering::Relaxed), 1);
    assert_transport_failure(&error, FailureKind::TimedOut);
    assert!(error.to_string().contains("timed out"), "{error}");
    // A refused request is not retried either, and was not sent.
    let (transport, sent) = failing_first(1, FailureKind::Refused);
    let error =
        smol::block_on(client_over(&clock, transport).v4_start_call_by_robot(&robot_call()))
            .unwrap_err();
    assert_eq!(sent.load(Ordering::Relaxed), 1);
    assert_transport_failure(&error, FailureKind::Refused);
}

/// `error` is the transport's failure of kind `expected`, returned without a retry.
fn assert_transport_failure(error: &Error, expected: FailureKind) {
    assert!(
        matches!(error, Error::Transport { kind, .. } if *kind == expected),
        "{error:?}"
    );
}

#[test]
fn the_limiter_keeps_25_v1_calls_to_10_per_window() {
    let clock = manual_clock();
    let service = Service::new(&clock, &[Reply::Json(V1_GET_OK)]);
    let client = client(&clock, &service);
    let executor = smol::LocalExecutor::new();
    let tasks: Vec<_> = (0..25)
        .map(|_| {
            let client = client.clone();
            executor.spawn(async move { client.v1_get_callback().await })
        })
        .collect();
    smol::block_on(executor.run(async {
        for task in tasks {
            task.await.unwrap();
        }
    }));
    let at: Vec<Duration> = service.seen().iter().map(|s| s.at).collect();
    assert_eq!(at.len(), 25);
    // No half-open one-second window holds more than 10 starts.
    for (i, first) in at.iter().enumerate() {
        let inside = at[i..]
            .iter()
            .filter(|t| **t < *first + Duration::from_secs(1))
            .count();
        assert!(inside <= 10, "{inside} requests within 1 s of {first:?}");
    }
    // 10 at once, 10 after the window plus its 50 ms margin, 5 after two.
    let ms = Duration::from_millis;
    let expected: Vec<Duration> = (0..25).map(|i| ms(1050) * (i / 10)).collect();
    let mut sorted = at.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    // The 11th and 21st waited; each wait moved the clock for the ones behind them.
    assert_eq!(clock.sleeps(), [ms(1050), ms(1050)]);
}

#[test]
fn clones_share_one_usersig_under_concurrency() {
    let clock = manual_clock();
    let service = Service::new(&clock, &[Reply::Json(V4_GET_OK)]);
    // A Unix time that moves one second every time it is read, so that two signings can
    // never produce the same UserSig.
    let ticking =
        ManualRuntime::new(Duration::from_secs(START)).with_unix_step(Duration::from_secs(1));
    let client = Client::builder(SDKAPPID, key(), test_server())
        .runtime(ticking.shared())
        .build(transport(&service))
        .unwrap();

    // 25 from threads at once, 25 as tasks joined on one thread.
    std::thread::scope(|scope| {
        for _ in 0..25 {
            let client = client.clone();
            scope.spawn(move || smol::block_on(client.v4_get_callback()).unwrap());
        }
    });
    let executor = smol::LocalExecutor::new();
    let tasks: Vec<_> = (0..25)
        .map(|_| {
            let client = client.clone();
            executor.spawn(async move { client.v4_get_callback().await })
        })
        .collect();
    smol::block_on(executor.run(async {
        for task in tasks {
            task.await.unwrap();
        }
    }));

    let seen = service.seen();
    assert_eq!(seen.len(), 50);
    let first = seen[0].param("usersig");
    assert!(seen.iter().all(|s| s.param("usersig") == first));
    // The clock moved on every call, yet the one UserSig was signed at the first read.
    assert!(ticking.now() >= Duration::from_secs(50));
    assert_eq!(seen[0].usersig_time(START + 100), START);
    assert!(
        clock.sleeps().is_empty(),
        "v4's 200/s budget needs no waiting"
    );
}

#[test]
fn the_client_and_its_futures_are_send_sync_and_clone() {
    fn assert_client<T: Clone + Send + Sync + 'static>(_: &T) {}
    fn assert_send<F: Send>(_: &F) {}
    let clock = manual_clock();
    let service = Service::new(&clock, &[Reply::Json(V1_GET_OK)]);
    let client = client(&clock, &service);
    assert_client(&client);
    let future = client.v1_get_callback();
    assert_send(&future);
    smol::block_on(future).unwrap();
    let boxed: Transport = Arc::new(transport(&service));
    let client = Client::builder(SDKAPPID, key(), test_server())
        .build(move |request| boxed(request))
        .unwrap();
    assert_client(&client);
}

#[test]
fn debug_and_errors_never_show_the_key_or_the_usersig() {
    let clock = manual_clock();
    let service = Service::new(&clock, &[Reply::Json(V4_SERVER_ERROR)]);
    let builder = Client::builder(SDKAPPID, key(), test_server()).runtime(clock.shared());
    let shown = format!("{builder:?}");
    assert!(
        !shown.contains(KEY) && shown.contains("<redacted>"),
        "{shown}"
    );
    let client = builder.build(transport(&service)).unwrap();
    let error = smol::block_on(client.v4_get_callback()).unwrap_err();
    let usersig = service.seen()[0].param("usersig").to_owned();
    for shown in [
        format!("{client:?}"),
        format!("{error:?}"),
        error.to_string(),
    ] {
        assert!(!shown.contains(KEY), "{shown}");
        assert!(!shown.contains(&usersig), "{shown}");
        assert!(!shown.contains(&usersig[..20]), "{shown}");
    }
    assert!(format!("{client:?}").contains("1400000000"));
}

#[test]
fn build_checks_its_inputs() {
    let build = |sdkappid, admin: &str| {
        Client::builder(sdkappid, key(), test_server())
            .admin(admin)
            .build(transport(&Service::new(
                &manual_clock(),
                &[Reply::Json(V4_SET_OK)],
            )))
    };
    assert!(matches!(
        build(0, "administrator"),
        Err(Error::InvalidInput(BuildError::ZeroSdkAppId))
    ));
    for admin in ["", "ad min", "a-name-that-is-longer-than-32-bytes"] {
        assert!(
            matches!(
                build(SDKAPPID, admin),
                Err(Error::InvalidInput(BuildError::Identifier(_)))
            ),
            "{admin:?}"
        );
    }
    assert!(build(SDKAPPID, "admin").is_ok());
    let lifetime = Client::builder(SDKAPPID, key(), test_server())
        .usersig_lifetime(Duration::from_secs(60), Duration::from_secs(60))
        .build(transport(&Service::new(
            &manual_clock(),
            &[Reply::Json(V4_SET_OK)],
        )));
    assert!(matches!(
        lifetime,
        Err(Error::UserSig(GenerateError::MarginNotBelowExpire))
    ));
}

#[test]
fn an_invalid_body_is_refused_before_sending() {
    let clock = manual_clock();
    let service = Service::new(&clock, &[Reply::Json(V1_SET_OK)]);
    let client = client(&clock, &service);
    let bad = V1CallbackConfig {
        address: "www.example.com/callback".into(),
        actions: vec![V1Action::NormalEnd],
    };
    let error = smol::block_on(client.v1_set_callback(&bad)).unwrap_err();
    assert!(
        matches!(error, Error::InvalidInput(BuildError::Body(_))),
        "{error:?}"
    );
    assert!(error.to_string().contains("nothing was sent"));
    assert!(service.seen().is_empty());
}

#[test]
fn a_renewed_usersig_follows_the_configured_lifetime() {
    let clock = manual_clock();
    let service = Service::new(&clock, &[Reply::Json(V4_DELETE_OK)]);
    let client = Client::builder(SDKAPPID, key(), test_server())
        .runtime(clock.shared())
        .usersig_lifetime(Duration::from_secs(3600), Duration::from_secs(600))
        .build(transport(&service))
        .unwrap();
    smol::block_on(client.v4_delete_callback()).unwrap();
    clock.advance(Duration::from_secs(2999));
    smol::block_on(client.v4_delete_callback()).unwrap();
    clock.advance(Duration::from_secs(1));
    smol::block_on(client.v4_delete_callback()).unwrap();
    let times: Vec<u64> = service
        .seen()
        .iter()
        .map(|s| s.usersig_time(START + 3000))
        .collect();
    assert_eq!(times, [START, START, START + 3000]);
}

/// Runs 50 concurrent v1 calls against a service that refuses (70005) any request arriving
/// while 10 others arrived in the second before it; each request's trip takes 40 ms for
/// the first ten of each batch of twenty and 0 ms for the next ten (network jitter).
/// Returns how many were refused.
fn fifty_calls_against_a_strict_server(margin: Duration) -> usize {
    let clock = manual_clock();
    let arrivals = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let refused = Arc::new(AtomicU32::new(0));
    let service = {
        let clock = clock.clone();
        let arrivals = Arc::clone(&arrivals);
        let refused = Arc::clone(&refused);
        move |_request: HttpRequest| {
            let mut arrivals = arrivals.lock().unwrap();
            let jitter = if (arrivals.len() / 10).is_multiple_of(2) {
                Duration::from_millis(40)
            } else {
                Duration::ZERO
            };
            let arrival = clock.now() + jitter;
            let recent = arrivals
                .iter()
                .filter(|a| **a <= arrival && arrival - **a < Duration::from_secs(1))
                .count();
            arrivals.push(arrival);
            let body = if recent >= 10 {
                refused.fetch_add(1, Ordering::SeqCst);
                V1_RATE_LIMITED
            } else {
                V1_GET_OK
            };
            ready(Ok::<_, TransportError>(HttpResponse::new(
                body.as_bytes().to_vec(),
            )))
        }
    };
    let client = Client::builder(SDKAPPID, key(), test_server())
        .runtime(clock.shared())
        .rate_limit_margin(margin)
        .max_attempts(1)
        .build(service)
        .unwrap();
    let executor = smol::LocalExecutor::new();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            executor.spawn(async move { client.v1_get_callback().await })
        })
        .collect();
    let failed = smol::block_on(executor.run(async {
        let mut failed = 0;
        for task in tasks {
            failed += usize::from(task.await.is_err());
        }
        failed
    }));
    assert_eq!(failed, refused.load(Ordering::SeqCst) as usize);
    failed
}

#[test]
fn fifty_concurrent_v1_calls_pass_a_strict_10_per_second_server() {
    assert_eq!(
        fifty_calls_against_a_strict_server(Duration::from_millis(50)),
        0
    );
    // Without the margin, 40 ms of jitter is enough for the server to see 11 in a second.
    assert!(fifty_calls_against_a_strict_server(Duration::ZERO) > 0);
}
