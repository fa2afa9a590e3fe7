//! The record and call-engine endpoints over loopback HTTP against the emulator server,
//! through the smol `Client` and the `BlockingClient`: every endpoint, paging over 250
//! records, 50 concurrent `get_record_by_callId` kept to 20 per second, and a robot call
//! whose reply is lost after the emulator acted.
#![cfg(feature = "emulator")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use callkit::emulator::EmulatorServer;
use callkit::transport::{HttpRequest, HttpResponse, Transport};
use callkit::{BaseUrl, BlockingClient, Client, Error, SecretKey, SmolTransport};
use callkit_core::call_engine::V4RobotCall;
use callkit_core::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use callkit_core::emulator::{CallOutcome, CallScenario, Fault};
use callkit_core::endpoint::Endpoint;
use callkit_core::records::{V1CallId, V1RecordFilter, V4CallId, V4RecordFilter};
use callkit_core::registry::{ALL, V4StartCallByRobot};
use callkit_core::response::ApiErrorKind;
use callkit_core::text::Text;
use callkit_core::webhook::{CallResult, MediaType, UserStatus};
use futures_lite::StreamExt;

const APP: u32 = 1_400_000_007;
const KEY: &str = "records-loopback-key";

fn now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

fn emulator() -> EmulatorServer {
    let server = EmulatorServer::builder()
        .app(APP, SecretKey::new(KEY).unwrap())
        .https(false)
        .start()
        .unwrap();
    server.with_emulator(|e| e.set_call_ids(|_, seq| format!("call-{seq}")));
    server
}

fn transport() -> SmolTransport {
    SmolTransport::builder().allow_http(true).build().unwrap()
}

fn client(server: &EmulatorServer) -> Client<SmolTransport> {
    Client::builder(
        APP,
        SecretKey::new(KEY).unwrap(),
        BaseUrl::parse_allow_http(server.base_url()).unwrap(),
    )
    .max_attempts(1)
    .build(transport())
    .unwrap()
}

fn blocking_client(
    server: &EmulatorServer,
) -> BlockingClient<impl Fn(HttpRequest) -> Result<HttpResponse, callkit::TransportError> + use<>> {
    let transport = transport();
    BlockingClient::builder(
        APP,
        SecretKey::new(KEY).unwrap(),
        BaseUrl::parse_allow_http(server.base_url()).unwrap(),
    )
    .max_attempts(1)
    .build(move |request| smol::block_on(transport.send(request)))
    .unwrap()
}

/// Simulates `n` ended calls, one a second from `start` (Unix seconds).
fn simulate(server: &EmulatorServer, n: u64, start: u64) {
    server.with_emulator(|e| {
        for i in 0..n {
            let mut scenario = CallScenario::new(
                "alice",
                ["bob"],
                CallOutcome::Answered {
                    talk: Duration::from_secs(1),
                },
            );
            scenario.call_id = Some(format!("sim-{i}"));
            e.simulate_call(APP, &scenario, Duration::from_secs(start + i));
        }
    });
}

fn robot() -> V4RobotCall {
    V4RobotCall::new("robot", ["alice"], 60_000, MediaType::Audio)
}

/// The client methods come from the registry: one per registered endpoint.
#[test]
fn there_is_a_client_method_per_registered_endpoint() {
    macro_rules! methods {
        ([$($mode:tt)*] $($(#[$doc:meta])* $name:ident => $method:ident($($arg:ident)?) { $($d:tt)* })+) => {{
            let names = [$({
                let _async = Client::<SmolTransport>::$method;
                let _blocking = BlockingClient::<fn(HttpRequest) -> Result<HttpResponse, callkit::TransportError>>::$method;
                stringify!($method)
            }),+];
            names
        }};
    }
    let names = callkit_core::for_each_endpoint!(methods);
    assert_eq!(names.len(), ALL.len());
    for (name, info) in names.iter().zip(ALL) {
        assert_eq!(*name, info.method);
    }
}

#[test]
fn every_endpoint_over_the_smol_client() {
    let server = emulator();
    let client = client(&server);
    simulate(&server, 3, now().as_secs() - 60);
    smol::block_on(async {
        let v1 = V1CallbackConfig {
            address: "http://127.0.0.1:9/cb".into(),
            actions: vec![V1Action::NormalEnd],
        };
        client.v1_set_callback(&v1).await.unwrap();
        client.v1_update_callback(&v1).await.unwrap();
        assert_eq!(client.v1_get_callback().await.unwrap(), v1);
        client.v1_delete_callback().await.unwrap();
        let v4 = V4CallbackConfig {
            url: "http://127.0.0.1:9/cb".into(),
            commands: vec![V4Command::AfterEndCall],
        };
        client.v4_set_callback(&v4).await.unwrap();
        assert_eq!(client.v4_get_callback().await.unwrap(), v4);
        client.v4_delete_callback().await.unwrap();

        let record = client
            .v1_get_record_by_call_id(&V1CallId::new("sim-1"))
            .await
            .unwrap();
        assert_eq!(record.call_result, CallResult::NormalEnd);
        let page = client
            .v1_get_records_by_filter(&V1RecordFilter::since(now().as_secs() - 3600))
            .await
            .unwrap();
        assert_eq!(page.total, 3);
        let record = client
            .v4_get_record_by_call_id(&V4CallId::new("sim-2"))
            .await
            .unwrap();
        assert_eq!(record.callees, ["alice", "bob"]);
        let page = client
            .v4_get_record_by_filter(&V4RecordFilter::default())
            .await
            .unwrap();
        assert_eq!(page.records.len(), 3);

        let started = client.v4_start_call_by_robot(&robot()).await.unwrap();
        let id = V4CallId::new(started.call_id.unwrap());
        let info = client.v4_get_call_info(&id).await.unwrap();
        assert_eq!(info.users[1].status, UserStatus::Waiting);
        client.v4_end_call(&id).await.unwrap();
        // Ending it again: reported as a call that already ended.
        let again = client.v4_end_call(&id).await.unwrap_err();
        assert_eq!(again.kind(), Some(ApiErrorKind::CallNotFound));
        assert_eq!(
            client
                .v4_get_record_by_call_id(&id)
                .await
                .unwrap()
                .call_result,
            CallResult::Cancel
        );
    });
    server.shutdown();
}

#[test]
fn every_endpoint_over_the_blocking_client() {
    let server = emulator();
    let client = blocking_client(&server);
    simulate(&server, 2, now().as_secs() - 60);
    let v1 = V1CallbackConfig {
        address: "http://127.0.0.1:9/cb".into(),
        actions: vec![V1Action::NormalEnd],
    };
    client.v1_set_callback(&v1).unwrap();
    client.v1_update_callback(&v1).unwrap();
    assert_eq!(client.v1_get_callback().unwrap(), v1);
    client.v1_delete_callback().unwrap();
    let v4 = V4CallbackConfig {
        url: "http://127.0.0.1:9/cb".into(),
        commands: vec![V4Command::AfterEndCall],
    };
    client.v4_set_callback(&v4).unwrap();
    assert_eq!(client.v4_get_callback().unwrap(), v4);
    client.v4_delete_callback().unwrap();
    assert_eq!(
        client
            .v1_get_record_by_call_id(&V1CallId::new("sim-0"))
            .unwrap()
            .call_id,
        "sim-0"
    );
    let since = V1RecordFilter::since(now().as_secs() - 3600);
    assert_eq!(client.v1_get_records_by_filter(&since).unwrap().total, 2);
    let unknown = client
        .v4_get_record_by_call_id(&V4CallId::new("nope"))
        .unwrap_err();
    assert_eq!(unknown.kind(), Some(ApiErrorKind::RecordNotFound));
    assert_eq!(
        client
            .v4_get_record_by_filter(&V4RecordFilter::default())
            .unwrap()
            .total,
        2
    );
    let started = client.v4_start_call_by_robot(&robot()).unwrap();
    let id = V4CallId::new(started.call_id.unwrap());
    let call_id = id.call_id.clone();
    assert!(server.with_emulator(|e| e.answer_call(APP, &call_id, "alice", now())));
    let info = client.v4_get_call_info(&id).unwrap();
    assert_eq!(info.users[1].status, UserStatus::Calling);
    client.v4_end_call(&id).unwrap();
    assert_eq!(
        client.v4_get_call_info(&id).unwrap_err().kind(),
        Some(ApiErrorKind::CallNotFound)
    );
    // Invalid input is refused before anything is sent.
    let mut bad = robot();
    bad.timeout_ms = 1;
    let before = server.with_emulator(|e| e.requests_total());
    assert!(matches!(
        client.v4_start_call_by_robot(&bad),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(server.with_emulator(|e| e.requests_total()), before);
    server.shutdown();
}

#[test]
fn paging_walks_250_records_with_both_clients() {
    let server = emulator();
    let start = now().as_secs() - 3600;
    simulate(&server, 250, start);
    let async_client = client(&server);
    let filter = V4RecordFilter {
        per_page: Some(100),
        ..Default::default()
    };
    let ids: Vec<Text> = smol::block_on(
        async_client
            .records(filter.clone(), None)
            .map(|r| r.unwrap().call_id)
            .collect::<Vec<_>>(),
    );
    assert_eq!(ids.len(), 250);
    assert_eq!(ids[0], "sim-0");
    assert_eq!(ids[249], "sim-249");
    let path = "/v4/call_record_http_srv/get_record_by_filter";
    assert_eq!(server.with_emulator(|e| e.requests_for(path)), 3);
    // A cap stops the walk early: 120 records, two pages.
    let capped = smol::block_on(async_client.records(filter, Some(120)).count());
    assert_eq!(capped, 120);
    assert_eq!(server.with_emulator(|e| e.requests_for(path)), 5);

    // The blocking iterator, v1 pages of the default 100.
    let blocking = blocking_client(&server);
    let records: Vec<_> = blocking
        .records(V1RecordFilter::since(start), None)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(records.len(), 250);
    assert!(
        records
            .windows(2)
            .all(|w| w[0].start_call_secs <= w[1].start_call_secs)
    );
    let v1_path = "/v1/records/get_records_by_filter";
    assert_eq!(server.with_emulator(|e| e.requests_for(v1_path)), 3);
    server.shutdown();
}

/// 50 concurrent lookups on the 20-per-second v1 endpoint: the client's limiter spreads
/// them over three seconds (real time: the limiter's waits are what is tested), and the
/// emulator, counting 20 per second as the service does, refuses none.
#[test]
fn fifty_concurrent_lookups_at_20_per_second_are_all_admitted() {
    let server = emulator();
    simulate(&server, 1, now().as_secs() - 60);
    let client = client(&server);
    let results = smol::block_on(async {
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let client = client.clone();
                smol::spawn(async move {
                    client
                        .v1_get_record_by_call_id(&V1CallId::new("sim-0"))
                        .await
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await);
        }
        results
    });
    let refused: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(refused.is_empty(), "{refused:?}");
    let path = "/v1/records/get_record_by_callId";
    assert_eq!(server.with_emulator(|e| e.requests_for(path)), 50);
    server.shutdown();
}

#[test]
fn a_robot_call_whose_reply_is_lost_is_not_resent() {
    let server = emulator();
    let path = V4StartCallByRobot::PATH;
    // The emulator starts the call, then a gateway loses the reply.
    server.with_emulator(|e| e.inject(Fault::LostReply(502), 1));
    let client = Client::builder(
        APP,
        SecretKey::new(KEY).unwrap(),
        BaseUrl::parse_allow_http(server.base_url()).unwrap(),
    )
    .max_attempts(5)
    .build(transport())
    .unwrap();
    let error = smol::block_on(client.v4_start_call_by_robot(&robot())).unwrap_err();
    assert!(matches!(error, Error::MaybeSent { .. }), "{error:?}");
    assert!(error.to_string().contains("may have been sent"), "{error}");
    assert!(error.random().is_some());
    assert_eq!(server.with_emulator(|e| e.requests_for(path)), 1);
    assert_eq!(server.with_emulator(|e| e.live_calls(APP)), 1);

    // Blocking client, same outcome: one more call, one more request.
    server.with_emulator(|e| e.inject(Fault::LostReply(502), 1));
    let blocking = blocking_client(&server);
    let error = blocking.v4_start_call_by_robot(&robot()).unwrap_err();
    assert!(matches!(error, Error::MaybeSent { .. }), "{error:?}");
    assert_eq!(server.with_emulator(|e| e.requests_for(path)), 2);
    assert_eq!(server.with_emulator(|e| e.live_calls(APP)), 2);

    // A reply lost on a retry-safe read is retried.
    server.with_emulator(|e| e.inject(Fault::LostReply(502), 1));
    let info = smol::block_on(client.v4_get_record_by_filter(&V4RecordFilter::default()));
    assert!(info.is_ok());
    server.shutdown();
}

/// `end_call` delivers the end-of-call callbacks the configuration subscribes to, to the
/// app's receiver (here `callkit::webhook::serve` on loopback).
#[test]
fn end_call_delivers_the_subscribed_callbacks() {
    use std::sync::mpsc::channel;

    use callkit::webhook::{Payload, WebhookConfig};

    let server = emulator();
    let (tx, rx) = channel();
    let receiver = callkit::webhook::serve(
        "127.0.0.1:0".parse().unwrap(),
        false,
        WebhookConfig::new(APP),
        move |event| tx.send(event).map_err(|_| "the test stopped listening"),
    )
    .unwrap();
    let client = client(&server);
    smol::block_on(async {
        client
            .v4_set_callback(&V4CallbackConfig {
                url: format!("{}/callkit", receiver.base_url()),
                commands: vec![V4Command::AfterEndCall, V4Command::AfterStartCall],
            })
            .await
            .unwrap();
        let started = client.v4_start_call_by_robot(&robot()).await.unwrap();
        let id = V4CallId::new(started.call_id.unwrap());
        client.v4_end_call(&id).await.unwrap();
        // The delivery runs on the emulator's own thread: wait for it (bounded).
        let event = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a callback");
        match &event.payload {
            Payload::EndCall(end) => {
                assert_eq!(end.record.call_id, id.call_id);
                assert_eq!(end.record.call_result, Some(CallResult::Cancel));
            }
            other => panic!("expected EndCall, got {other:?}"),
        }
    });
    receiver.shutdown();
    server.shutdown();
}
