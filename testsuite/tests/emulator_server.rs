//! The emulator served over loopback: every endpoint through a real transport and TLS,
//! delays, counters, simulated calls delivered to a loopback webhook receiver (with
//! injected sleeps), the control path, and the `callkit emulator` command.
#![cfg(feature = "emulator")]

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callkit::SmolTransport;
use callkit::emulator::{
    EmulatorServer, EmulatorServerBuilder, OutcomeName, Pacing, SIMULATE_CALL_PATH,
    SIMULATION_PATH, ScenarioSpec, SimulateError, SimulationReport,
};
use callkit::runtime::Runtime;
use callkit::server::LoopbackServer;
use callkit::testing::ManualRuntime;
use callkit::transport::{HttpRequest, HttpResponse, Transport};
use callkit_core::callback::{
    V1Action, V1CallbackConfig, V1DeleteCallback, V1GetCallback, V1SetCallback, V1UpdateCallback,
    V4CallbackConfig, V4Command, V4DeleteCallback, V4GetCallback, V4SetCallback,
};
use callkit_core::emulator::{CallOutcome, CallScenario, Fault, V1_RETRY_SCHEDULE};
use callkit_core::endpoint::{Empty, Endpoint, Generation};
use callkit_core::region::{BaseUrl, Server};
use callkit_core::request::build_request;
use callkit_core::response::{ApiErrorKind, ResponseError, parse_response};
use callkit_core::secret::SecretKey;
use callkit_core::usersig::AdminSigner;
use futures_lite::future::block_on;

const SDKAPPID: u32 = 1_400_000_001;
const KEY: &str = "emulator-test-key";
const START_SECS: u64 = 1_700_000_000;

/// The emulator's runtime for most tests: `inner` with a Unix time that moves 250 ms each
/// time it is read, so the 10/s v1 limit never trips.
fn stepping(inner: &ManualRuntime) -> Arc<dyn Runtime> {
    inner
        .clone()
        .with_unix_step(Duration::from_millis(250))
        .shared()
}

/// A runtime at [`START_SECS`] that records each sleep and spends none.
fn recording() -> ManualRuntime {
    ManualRuntime::auto_advance(Duration::from_secs(START_SECS))
}

fn key() -> SecretKey {
    SecretKey::new(KEY).expect("test key is valid")
}

fn https_emulator() -> EmulatorServer {
    EmulatorServer::builder()
        .app(SDKAPPID, key())
        .https(true)
        .runtime(stepping(&recording()))
        .start()
        .expect("emulator starts")
}

fn transport_for(server: &EmulatorServer) -> SmolTransport {
    let mut builder = SmolTransport::builder().allow_http(true);
    if let Some(pem) = server.certificate_pem() {
        builder = builder.add_root_certificate_pem(pem);
    }
    builder.build().expect("transport builds")
}

/// Sends one request built by the core and parses the answer as the endpoint's type.
struct Caller {
    server: Server,
    signer: AdminSigner,
    transport: SmolTransport,
    random: u32,
}

impl Caller {
    fn new(emulator: &EmulatorServer) -> Caller {
        Caller {
            server: Server::custom(
                BaseUrl::parse_allow_http(emulator.base_url()).expect("loopback base URL"),
            ),
            signer: AdminSigner::new(SDKAPPID, &key(), "administrator").expect("admin signer"),
            transport: transport_for(emulator),
            random: 0,
        }
    }

    fn call<E: Endpoint>(&mut self, body: &E::Request) -> Result<E::Response, ResponseError> {
        self.random += 1;
        let sig = self.signer.usersig(START_SECS).expect("usersig").clone();
        let request = build_request::<E>(
            &self.server,
            SDKAPPID,
            "administrator",
            &sig,
            self.random,
            body,
        )
        .expect("request builds")
        .into_http()
        .expect("http request");
        let response = block_on(self.transport.send(request)).expect("emulator answers");
        parse_response::<E>(response.status().as_u16(), response.body(), self.random)
    }
}

#[test]
fn all_seven_endpoints_answer_over_https() {
    let emulator = https_emulator();
    assert!(emulator.base_url().starts_with("https://127.0.0.1:"));
    let mut caller = Caller::new(&emulator);

    let v1 = V1CallbackConfig {
        address: "https://app.example.com/v1".into(),
        actions: vec![V1Action::NormalEnd, V1Action::CallerStartCall],
    };
    let err = caller.call::<V1GetCallback>(&Empty {}).unwrap_err();
    assert_eq!(err.kind(), Some(ApiErrorKind::NoConfiguration));
    let err = caller.call::<V1UpdateCallback>(&v1).unwrap_err();
    assert_eq!(err.kind(), Some(ApiErrorKind::NoConfiguration));
    assert_eq!(caller.call::<V1SetCallback>(&v1).unwrap(), v1.address);
    assert_eq!(caller.call::<V1GetCallback>(&Empty {}).unwrap(), v1);
    let v1b = V1CallbackConfig {
        address: "https://app.example.com/v1b".into(),
        actions: vec![V1Action::Reject],
    };
    assert_eq!(caller.call::<V1UpdateCallback>(&v1b).unwrap(), v1b.address);
    assert_eq!(caller.call::<V1GetCallback>(&Empty {}).unwrap(), v1b);
    caller.call::<V1DeleteCallback>(&Empty {}).unwrap();
    assert!(emulator.with_emulator(|e| e.v1_config(SDKAPPID).is_none()));

    let v4 = V4CallbackConfig {
        url: "https://app.example.com/v4".into(),
        commands: vec![V4Command::AfterEndCall],
    };
    let err = caller.call::<V4GetCallback>(&Empty {}).unwrap_err();
    assert_eq!(err.kind(), Some(ApiErrorKind::NoConfiguration));
    caller.call::<V4SetCallback>(&v4).unwrap();
    assert_eq!(caller.call::<V4GetCallback>(&Empty {}).unwrap(), v4);
    assert_eq!(
        emulator.with_emulator(|e| e.v4_config(SDKAPPID).cloned()),
        Some(v4)
    );
    caller.call::<V4DeleteCallback>(&Empty {}).unwrap();
    assert!(caller.call::<V4GetCallback>(&Empty {}).is_err());

    assert_eq!(emulator.with_emulator(|e| e.requests_total()), 12);
    assert_eq!(emulator.control().requests_received(), 12);
    // One keep-alive connection carried them all.
    assert_eq!(emulator.control().connections_accepted(), 1);
}

#[test]
fn a_wrong_key_is_refused_with_the_generations_code() {
    let emulator = https_emulator();
    let mut caller = Caller::new(&emulator);
    caller.signer = AdminSigner::new(
        SDKAPPID,
        &SecretKey::new("another-key").unwrap(),
        "administrator",
    )
    .unwrap();
    let err = caller.call::<V4GetCallback>(&Empty {}).unwrap_err();
    assert_eq!(err.api().map(|api| api.code), Some(70009));
    let err = caller.call::<V1GetCallback>(&Empty {}).unwrap_err();
    assert_eq!(err.api().map(|api| api.code), Some(70002));
}

#[test]
fn an_injected_delay_delays_only_its_request_and_holds_no_lock() {
    let emulator = https_emulator();
    emulator.with_emulator(|e| e.inject(Fault::Delay(Duration::from_secs(30)), 1));
    let impatient = SmolTransport::builder()
        .add_root_certificate_pem(emulator.certificate_pem().unwrap())
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let url = format!("{}{}", emulator.base_url(), V4GetCallback::PATH);
    let delayed = std::thread::scope(|scope| {
        let first = scope.spawn(|| {
            let request = http::Request::post(url.as_str())
                .body(b"{}".to_vec())
                .unwrap();
            block_on(impatient.send(request))
        });
        assert!(
            emulator
                .control()
                .wait_for_requests(1, Duration::from_secs(10))
        );
        // While the first answer waits, the emulator answers another request at once.
        let mut caller = Caller::new(&emulator);
        let begun = Instant::now();
        let err = caller.call::<V4GetCallback>(&Empty {}).unwrap_err();
        assert_eq!(err.kind(), Some(ApiErrorKind::NoConfiguration));
        assert!(begun.elapsed() < Duration::from_secs(5));
        first.join().unwrap()
    });
    let error = delayed.expect_err("the delayed answer outlasts the client timeout");
    assert!(error.is_timeout(), "{error}");
    assert_eq!(emulator.with_emulator(|e| e.pending_faults()), 0);
}

#[test]
fn the_server_counters_count_connections_and_requests() {
    let emulator = EmulatorServer::builder()
        .app(SDKAPPID, key())
        .runtime(stepping(&recording()))
        .start()
        .unwrap();
    assert!(emulator.base_url().starts_with("http://"));
    assert!(emulator.certificate_pem().is_none());
    assert!(emulator.write_certificate("/nonexistent/x.pem").is_err());
    for round in 1..=3u64 {
        let mut caller = Caller::new(&emulator); // a fresh transport: a fresh connection
        assert!(caller.call::<V4GetCallback>(&Empty {}).is_err());
        assert!(caller.call::<V4GetCallback>(&Empty {}).is_err());
        assert_eq!(emulator.control().requests_received(), 2 * round);
        assert_eq!(emulator.control().connections_accepted(), round);
    }
    assert_eq!(
        emulator.with_emulator(|e| e.requests_for(V4GetCallback::PATH)),
        6
    );
}

/// What a receiver saw: each request's path and query, and its body.
type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A webhook receiver: records every request, acknowledges from the `ack_from`th on.
struct Receiver {
    server: LoopbackServer,
    seen: Seen,
}

fn receiver(ack_from: u64, ack_body: &'static [u8]) -> Receiver {
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let count = AtomicU64::new(0);
    let server = LoopbackServer::builder()
        .https(true)
        .serve(move |request: HttpRequest| -> HttpResponse {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            let target = request.uri().path_and_query().unwrap().to_string();
            log.lock().unwrap().push((target, request.into_body()));
            if n >= ack_from {
                HttpResponse::new(ack_body.to_vec())
            } else {
                HttpResponse::new(br#"{"ErrorCode":1,"ErrorInfo":"try again"}"#.to_vec())
            }
        })
        .unwrap();
    Receiver { server, seen }
}

/// An emulator builder for the app on `runtime` that trusts `receiver`'s certificate for
/// its callbacks.
fn calling(receiver: &Receiver, runtime: Arc<dyn Runtime>) -> EmulatorServerBuilder {
    EmulatorServer::builder()
        .app(SDKAPPID, key())
        .runtime(runtime)
        .callback_root_certificate_pem(receiver.server.certificate().unwrap().pem())
}

/// An emulator on a [`Stepping`] runtime around `sleeps`.
fn emulator_for(receiver: &Receiver, sleeps: &ManualRuntime) -> EmulatorServer {
    calling(receiver, stepping(sleeps)).start().unwrap()
}

/// Points the app's v1 callbacks for `actions` at `receiver`'s `/hook`.
fn hook_v1(emulator: &EmulatorServer, receiver: &Receiver, actions: Vec<V1Action>) {
    emulator.with_emulator(|e| {
        e.set_v1_config(
            SDKAPPID,
            Some(V1CallbackConfig {
                address: receiver.server.url("/hook"),
                actions,
            }),
        )
    });
}

/// Points the app's v4 callbacks for `commands` at `receiver`'s `/v4hook`.
fn hook_v4(emulator: &EmulatorServer, receiver: &Receiver, commands: Vec<V4Command>) {
    emulator.with_emulator(|e| {
        e.set_v4_config(
            SDKAPPID,
            Some(V4CallbackConfig {
                url: receiver.server.url("/v4hook"),
                commands,
            }),
        )
    });
}

const V1_ACK: &[u8] = br#"{"ErrorCode":0,"ErrorMessage":"Success"}"#;
const V4_ACK: &[u8] = br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#;

fn answered() -> CallScenario {
    CallScenario::new(
        "alice",
        ["bob"],
        CallOutcome::Answered {
            talk: Duration::from_secs(5),
        },
    )
}

/// Simulates the [`answered`] call for the app.
fn simulate_answered(emulator: &EmulatorServer) -> SimulationReport {
    emulator
        .simulate_call_blocking(SDKAPPID, &answered())
        .unwrap()
}

#[test]
fn a_v1_callback_is_retried_on_schedule_until_acknowledged() {
    let receiver = receiver(3, V1_ACK);
    let sleeps = recording();
    let emulator = emulator_for(&receiver, &sleeps);
    hook_v1(&emulator, &receiver, vec![V1Action::NormalEnd]);
    let report = simulate_answered(&emulator);
    assert_eq!(report.deliveries.len(), 1);
    let one = &report.deliveries[0];
    assert_eq!(one.generation, Generation::V1);
    assert_eq!(one.command, "normal_end");
    assert_eq!(one.attempts, 3);
    assert_eq!(one.status, Some(200));
    assert!(one.acked && !one.dropped);
    assert_eq!(sleeps.sleeps(), V1_RETRY_SCHEDULE[..2].to_vec());
    let seen = receiver.seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(seen[0].0.starts_with("/hook?"));
    assert!(
        seen.iter().all(|s| s == &seen[0]),
        "retries resend the same"
    );
}

#[test]
fn a_v1_callback_never_acknowledged_is_dropped_after_six_retries() {
    let receiver = receiver(u64::MAX, V1_ACK);
    let sleeps = recording();
    let emulator = emulator_for(&receiver, &sleeps);
    hook_v1(&emulator, &receiver, vec![V1Action::Reject]);
    let scenario = CallScenario::new("alice", ["bob"], CallOutcome::Rejected);
    let report = emulator
        .simulate_call_blocking(SDKAPPID, &scenario)
        .unwrap();
    let one = &report.deliveries[0];
    assert_eq!((one.attempts, one.acked, one.dropped), (7, false, true));
    assert_eq!(sleeps.sleeps(), V1_RETRY_SCHEDULE.to_vec());
    assert_eq!(receiver.server.control().requests_received(), 7);
}

#[test]
fn v4_callbacks_are_sent_once_in_order() {
    let receiver = receiver(u64::MAX, V4_ACK);
    let sleeps = recording();
    let emulator = emulator_for(&receiver, &sleeps);
    hook_v4(
        &emulator,
        &receiver,
        vec![V4Command::AfterStartCall, V4Command::AfterEndCall],
    );
    let report = simulate_answered(&emulator);
    let commands: Vec<&str> = report
        .deliveries
        .iter()
        .map(|d| d.command.as_str())
        .collect();
    assert_eq!(
        commands,
        ["Call.CallbackAfterStartCall", "Call.CallbackAfterEndCall"]
    );
    assert!(
        report
            .deliveries
            .iter()
            .all(|d| d.attempts == 1 && d.dropped && d.generation == Generation::V4)
    );
    assert!(sleeps.sleeps().is_empty());
    assert_eq!(receiver.server.control().requests_received(), 2);

    // Acknowledged from the start: once each, acked.
    let receiver = receiver_acking_v4();
    let emulator = emulator_for(&receiver, &recording());
    hook_v4(&emulator, &receiver, vec![V4Command::AfterEndCall]);
    let report = simulate_answered(&emulator);
    assert!(report.all_acked());
    assert_eq!(report.deliveries.len(), 1);
}

#[test]
fn scheduled_pacing_waits_for_each_callbacks_offset() {
    let receiver = receiver(1, V1_ACK);
    let sleeps = recording();
    let emulator = calling(&receiver, sleeps.shared())
        .pacing(Pacing::Scheduled)
        .start()
        .unwrap();
    hook_v1(
        &emulator,
        &receiver,
        vec![V1Action::CallerStartCall, V1Action::NormalEnd],
    );
    // Rings 2 s (the default), talks 5 s: the status callback comes 7 s after the start.
    let report = simulate_answered(&emulator);
    assert!(report.all_acked());
    assert_eq!(report.deliveries.len(), 2);
    assert_eq!(sleeps.sleeps(), vec![Duration::from_secs(7)]);
}

fn receiver_acking_v4() -> Receiver {
    receiver(1, V4_ACK)
}

#[test]
fn an_unknown_app_cannot_simulate() {
    let emulator = https_emulator();
    assert_eq!(
        emulator.simulate_call_blocking(7, &answered()),
        Err(SimulateError::UnknownApp(7))
    );
}

fn post(transport: &SmolTransport, url: &str, body: &[u8]) -> (u16, serde_json::Value) {
    let request = http::Request::post(url).body(body.to_vec()).unwrap();
    let response = block_on(transport.send(request)).unwrap();
    let json = serde_json::from_slice(response.body()).unwrap_or(serde_json::Value::Null);
    (response.status().as_u16(), json)
}

/// Subscribes the receiver to two v1 events and asks the control path (with `query_tail`
/// after the SDKAppID) to simulate a busy call: the transport, the URL, and the answer.
fn simulate_busy_call(
    emulator: &EmulatorServer,
    receiver: &Receiver,
    query_tail: &str,
) -> (SmolTransport, String, u16, serde_json::Value) {
    hook_v1(
        emulator,
        receiver,
        vec![V1Action::CallerStartCall, V1Action::CallBusy],
    );
    let transport = transport_for(emulator);
    let url = format!(
        "{}{SIMULATE_CALL_PATH}?sdkappid={SDKAPPID}{query_tail}",
        emulator.base_url()
    );
    let spec = ScenarioSpec::new("alice", ["bob"], OutcomeName::Busy);
    let (status, answer) = post(&transport, &url, &serde_json::to_vec(&spec).unwrap());
    (transport, url, status, answer)
}

#[test]
fn the_control_path_simulates_a_call_and_answers_the_report() {
    let receiver = receiver(2, V1_ACK);
    let sleeps = recording();
    let emulator = calling(&receiver, sleeps.shared())
        .https(true)
        .start()
        .unwrap();
    let (transport, url, status, report) = simulate_busy_call(&emulator, &receiver, "&wait=1");
    assert_eq!(status, 200, "{report}");
    let deliveries = report["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0]["command"], "caller_start_call");
    assert_eq!(deliveries[0]["generation"], "v1");
    assert_eq!(deliveries[0]["attempts"], 2); // the receiver acks from its 2nd request
    assert_eq!(deliveries[1]["command"], "call_busy");
    assert_eq!(deliveries[1]["attempts"], 1);
    assert_eq!(deliveries[1]["acked"], true);
    assert_eq!(sleeps.sleeps(), vec![Duration::ZERO]);

    let other = format!("{}{SIMULATE_CALL_PATH}?sdkappid=7", emulator.base_url());
    assert_eq!(
        post(
            &transport,
            &other,
            b"{\"caller\":\"a\",\"callees\":[\"b\"]}"
        )
        .0,
        404
    );
    assert_eq!(post(&transport, &url, b"{\"caller\":\"a\"}").0, 400);
    let no_id = format!("{}{SIMULATE_CALL_PATH}", emulator.base_url());
    assert_eq!(post(&transport, &no_id, b"{}").0, 400);
    let get = http::Request::get(url.as_str()).body(Vec::new()).unwrap();
    assert_eq!(block_on(transport.send(get)).unwrap().status(), 405);
}

#[test]
fn without_wait_the_control_path_answers_at_once_with_the_plan_and_a_status() {
    let receiver = receiver(1, V1_ACK);
    let emulator = emulator_for(&receiver, &recording());
    let (transport, _, status, started) = simulate_busy_call(&emulator, &receiver, "");
    assert_eq!(status, 202, "{started}");
    let call_id = started["call_id"].as_str().unwrap();
    assert_eq!(call_id.len(), 36, "a UUID-shaped id: {call_id}");
    let plan = started["plan"].as_array().unwrap();
    let commands: Vec<&str> = plan
        .iter()
        .map(|p| p["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands, ["caller_start_call", "call_busy"]);
    // Two v1 callbacks: each at most 7 attempts (1 + the 6 retries after 0, 1, 1, 2, 3 and
    // 5 s) of 10 s, plus those 12 s of waits.
    assert_eq!(started["max_wait_secs"], 2 * (7 * 10 + 12) + 1);

    // The status path reports the outcome once the deliveries are done.
    let status_url = format!(
        "{}{}",
        emulator.base_url(),
        started["status"].as_str().unwrap()
    );
    let report = (0..500)
        .find_map(|_| {
            let get = http::Request::get(status_url.as_str())
                .body(Vec::new())
                .unwrap();
            let reply = block_on(transport.send(get)).unwrap();
            let body: serde_json::Value = serde_json::from_slice(reply.body()).unwrap();
            if body["done"] == true {
                return Some(body["report"].clone());
            }
            std::thread::sleep(Duration::from_millis(10)); // waiting for the delivery thread
            None
        })
        .expect("the simulation finishes");
    assert_eq!(report["deliveries"].as_array().unwrap().len(), 2);
    assert!(
        report["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["acked"] == true)
    );

    let unknown = format!("{}{SIMULATION_PATH}?id=99", emulator.base_url());
    let get = http::Request::get(unknown.as_str())
        .body(Vec::new())
        .unwrap();
    assert_eq!(block_on(transport.send(get)).unwrap().status(), 404);
}

#[test]
fn the_emulator_answers_rest_requests_while_the_control_path_delivers() {
    // The receiver holds its first callback until the test says the emulator has answered
    // a REST request meanwhile; it acknowledges only a callback that was released.
    let (delivering_tx, delivering_rx) = std::sync::mpsc::channel::<()>();
    let (answered_tx, answered_rx) = std::sync::mpsc::channel::<()>();
    let delivering_tx = Mutex::new(delivering_tx);
    let answered_rx = Mutex::new(answered_rx);
    let receiver = LoopbackServer::builder()
        .https(true)
        .serve(move |_request: HttpRequest| -> HttpResponse {
            let _ = delivering_tx.lock().unwrap().send(());
            let released = answered_rx
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(10))
                .is_ok();
            let body: &[u8] = if released {
                V1_ACK
            } else {
                br#"{"ErrorCode":1,"ErrorMessage":"not released"}"#
            };
            HttpResponse::new(body.to_vec())
        })
        .unwrap();
    let receiver = Receiver {
        server: receiver,
        seen: Seen::default(),
    };
    let emulator = emulator_for(&receiver, &recording());
    hook_v1(&emulator, &receiver, vec![V1Action::NormalEnd]);
    let url = format!(
        "{}{SIMULATE_CALL_PATH}?sdkappid={SDKAPPID}&wait=1",
        emulator.base_url()
    );
    let spec =
        serde_json::to_vec(&ScenarioSpec::new("alice", ["bob"], OutcomeName::Answered)).unwrap();

    let (status, report) = std::thread::scope(|scope| {
        let simulate = scope.spawn(|| post(&transport_for(&emulator), &url, &spec));
        delivering_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the callback reaches the receiver");
        // Mid-delivery: a REST call to the same emulator (its own connection) is answered.
        let mut caller = Caller::new(&emulator);
        let config = caller.call::<V1GetCallback>(&Empty {}).unwrap();
        assert_eq!(config.address, receiver.server.url("/hook"));
        answered_tx.send(()).unwrap();
        simulate.join().unwrap()
    });
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["deliveries"][0]["command"], "normal_end");
    assert_eq!(report["deliveries"][0]["attempts"], 1);
    assert_eq!(report["deliveries"][0]["acked"], true);
}

#[test]
fn the_emulator_can_deliver_a_callback_to_itself() {
    let emulator = EmulatorServer::builder()
        .app(SDKAPPID, key())
        .runtime(stepping(&recording()))
        .start()
        .unwrap();
    let own_url = format!("{}/v4hook", emulator.base_url());
    emulator.with_emulator(|e| {
        e.set_v4_config(
            SDKAPPID,
            Some(V4CallbackConfig {
                url: own_url.clone(),
                commands: vec![V4Command::AfterEndCall],
            }),
        )
    });
    let url = format!(
        "{}{SIMULATE_CALL_PATH}?sdkappid={SDKAPPID}&wait=1",
        emulator.base_url()
    );
    let spec =
        serde_json::to_vec(&ScenarioSpec::new("alice", ["bob"], OutcomeName::Answered)).unwrap();
    let (status, report) = post(&transport_for(&emulator), &url, &spec);
    assert_eq!(status, 200, "{report}");
    // The emulator answered its own callback (an unknown path: 200 with a v4 error, so
    // not an acknowledgement) instead of waiting on itself until the client gave up.
    let delivery = &report["deliveries"][0];
    let delivered_to = delivery["url"].as_str().unwrap_or_default();
    assert!(delivered_to.starts_with(&own_url), "{delivery}");
    assert_eq!(delivery["status"], 200, "{delivery}");
    assert_eq!(delivery["acked"], false);
    // The control request and the callback it caused.
    assert_eq!(emulator.control().requests_received(), 2);
}

mod cli {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Child, Command, Stdio};

    use super::*;

    /// Kills the child when the test ends, even by a failed assertion.
    struct Killed(Child);

    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn spawn(args: &[&str]) -> (Killed, Vec<String>) {
        let mut child = Command::new(support::callkit_bin())
            .args(args)
            .env_remove("CALLKIT_SECRET_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the callkit binary runs");
        let stdout = child.stdout.take().unwrap();
        let child = Killed(child);
        let mut lines = Vec::new();
        let mut reader = BufReader::new(stdout);
        let wanted = if args.contains(&"--tls") { 2 } else { 1 };
        for _ in 0..wanted {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            lines.push(line.trim_end().to_owned());
        }
        (child, lines)
    }

    /// A v4 get-callback request to the emulator at `base`, signed now with `key`.
    fn signed_v4_get_with(
        base: &str,
        key: &SecretKey,
        transport: &SmolTransport,
    ) -> serde_json::Value {
        let server = Server::custom(BaseUrl::parse_allow_http(base).unwrap());
        let sig = callkit_core::usersig::generate_user_sig(
            SDKAPPID,
            key,
            "administrator",
            86_400,
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap();
        let request =
            build_request::<V4GetCallback>(&server, SDKAPPID, "administrator", &sig, 1, &Empty {})
                .unwrap()
                .into_http()
                .unwrap();
        let response = block_on(transport.send(request)).unwrap();
        serde_json::from_slice(response.body()).unwrap()
    }

    fn signed_v4_get(base: &str, transport: &SmolTransport) -> serde_json::Value {
        signed_v4_get_with(base, &key(), transport)
    }

    #[test]
    fn callkit_emulator_prints_its_url_and_serves() {
        let sdkappid = SDKAPPID.to_string();
        let (_child, lines) = spawn(&[
            "emulator",
            "--port",
            "0",
            "--sdkappid",
            &sdkappid,
            "--key",
            KEY,
        ]);
        assert!(lines[0].starts_with("http://127.0.0.1:"), "{lines:?}");
        let transport = SmolTransport::builder().allow_http(true).build().unwrap();
        let answer = signed_v4_get(&lines[0], &transport);
        assert_eq!(answer["ErrorCode"], 100301, "{answer}");
    }

    #[test]
    fn callkit_emulator_tls_prints_the_certificate_path() {
        let dir = std::env::temp_dir().join(format!("callkit-emu-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cert = dir.join("cert.pem");
        let sdkappid = SDKAPPID.to_string();
        let (_child, lines) = spawn(&[
            "emulator",
            "--tls",
            "--cert-out",
            cert.to_str().unwrap(),
            "--sdkappid",
            &sdkappid,
            "--key",
            KEY,
        ]);
        assert!(lines[0].starts_with("https://127.0.0.1:"), "{lines:?}");
        assert_eq!(lines[1], cert.display().to_string());
        let pem = std::fs::read(&cert).unwrap();
        let transport = SmolTransport::builder()
            .add_root_certificate_pem(pem)
            .build()
            .unwrap();
        let answer = signed_v4_get(&lines[0], &transport);
        assert_eq!(answer["ErrorCode"], 100301, "{answer}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn callkit_emulator_simulate_call_prints_the_report() {
        let receiver = receiver(1, V1_ACK);
        let emulator = emulator_for(&receiver, &recording());
        hook_v1(&emulator, &receiver, vec![V1Action::NotAnswer]);
        let output = Command::new(support::callkit_bin())
            .args([
                "emulator",
                "simulate-call",
                "--base-url",
                emulator.base_url(),
                "--sdkappid",
                &SDKAPPID.to_string(),
                "--caller",
                "alice",
                "--callee",
                "bob",
                "--outcome",
                "not-answered",
                "--wait",
            ])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let lines: Vec<serde_json::Value> = stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        // At once: the call id and the plan; then, with --wait, the report.
        assert_eq!(lines.len(), 2, "{stdout}");
        assert!(lines[0]["call_id"].is_string());
        assert_eq!(lines[0]["plan"][0]["command"], "not_answer");
        let report = &lines[1];
        assert_eq!(report["deliveries"][0]["command"], "not_answer");
        assert_eq!(report["deliveries"][0]["acked"], true);
        assert_eq!(receiver.server.control().requests_received(), 1);
    }

    #[test]
    fn simulate_call_with_nothing_subscribed_says_so_and_returns_at_once() {
        let receiver = receiver(1, V1_ACK);
        let emulator = emulator_for(&receiver, &recording());
        let output = Command::new(support::callkit_bin())
            .args([
                "emulator",
                "simulate-call",
                "--base-url",
                emulator.base_url(),
            ])
            .args(["--sdkappid", &SDKAPPID.to_string(), "--caller", "alice"])
            .args(["--callee", "bob", "--outcome", "rejected"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let started: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(started["plan"], serde_json::json!([]));
        let err = String::from_utf8(output.stderr).unwrap();
        assert!(
            err.contains("subscribes to no callback") && err.contains("callback set"),
            "{err}"
        );
        assert_eq!(receiver.server.control().requests_received(), 0);
    }

    #[test]
    fn callkit_emulator_without_a_key_prints_the_generated_one() {
        let mut child = Command::new(support::callkit_bin())
            .args(["emulator", "--sdkappid", &SDKAPPID.to_string()])
            .env_remove("CALLKIT_SECRET_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let _child = Killed(child);
        let mut url = String::new();
        BufReader::new(stdout).read_line(&mut url).unwrap();
        let mut note = String::new();
        BufReader::new(stderr).read_line(&mut note).unwrap();
        let generated = note.trim_end().rsplit(' ').next().unwrap().to_owned();
        assert_eq!(generated.len(), 32, "{note}");
        let key = SecretKey::new(generated).unwrap();
        let transport = SmolTransport::builder().allow_http(true).build().unwrap();
        let answer = signed_v4_get_with(url.trim_end(), &key, &transport);
        assert_eq!(answer["ErrorCode"], 100301, "{answer}");
    }

    #[test]
    fn callkit_emulator_without_sdkappid_is_a_usage_error() {
        let output = Command::new(support::callkit_bin())
            .args(["emulator", "--key", KEY])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
    }
}
