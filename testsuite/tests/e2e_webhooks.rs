//! End to end, issue 4: a webhook receiver (`callkit::webhook`, plain HTTP on loopback)
//! collects typed events in a channel; the emulator's callbacks are configured through
//! the `Client` (v1 set with some actions; separately v4 set_callback) pointing at the
//! receiver; `EmulatorServer::simulate_call` (an answered call, then a rejected one) sends
//! them; the receiver got the expected events in order and the delivery report says all
//! were acknowledged. A receiver that fails twice gets the v1 retries, with the emulator's
//! injected `ManualRuntime` so that nothing really waits.
#![cfg(all(feature = "emulator", feature = "async-std", feature = "surf"))]

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use callkit::core::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use callkit::core::emulator::{CallOutcome, CallScenario, V1_RETRY_SCHEDULE};
use callkit::core::endpoint::Generation;
use callkit::emulator::{EmulatorServer, SimulationReport};
use callkit::server::LoopbackServer;
use callkit::testing::ManualRuntime;
use callkit::webhook::{ActionType, CallResult, Event, Payload, WebhookConfig, WebhookHandler};
use callkit::{BaseUrl, Client, SecretKey, SmolTransport};
use support::e2e::{KEY, SDKAPPID};

/// A runtime that records each sleep and spends none.
fn recording() -> ManualRuntime {
    ManualRuntime::auto_advance(Duration::from_secs(1_700_000_000))
}

/// An HTTPS emulator whose callback delivery sleeps on `runtime`.
fn emulator(runtime: &ManualRuntime) -> EmulatorServer {
    EmulatorServer::builder()
        .app(SDKAPPID, SecretKey::new(KEY).unwrap())
        .https(true)
        .runtime(runtime.shared())
        .start()
        .expect("emulator starts")
}

/// A `Client` of `emulator` over `SmolTransport`, trusting its certificate.
fn client(emulator: &EmulatorServer) -> Client<SmolTransport> {
    let transport = SmolTransport::builder()
        .webpki_roots(false)
        .add_root_certificate_pem(emulator.certificate_pem().unwrap())
        .build()
        .unwrap();
    Client::builder(
        SDKAPPID,
        SecretKey::new(KEY).unwrap(),
        BaseUrl::parse_allow_http(emulator.base_url()).unwrap(),
    )
    .build(transport)
    .unwrap()
}

/// `callkit::webhook::serve` on loopback (plain HTTP), events into a channel.
fn receiver() -> (LoopbackServer, Receiver<Event>) {
    let (tx, rx) = channel();
    let server = callkit::webhook::serve(
        "127.0.0.1:0".parse().unwrap(),
        false,
        WebhookConfig::new(SDKAPPID),
        move |event| tx.send(event).map_err(|_| "the test dropped its receiver"),
    )
    .expect("receiver starts");
    (server, rx)
}

fn scenario(outcome: CallOutcome) -> CallScenario {
    CallScenario::new("alice", ["bob"], outcome)
}

fn answered() -> CallScenario {
    scenario(CallOutcome::Answered {
        talk: Duration::from_secs(30),
    })
}

/// The events received so far (the handler runs before the acknowledgement, so once
/// `simulate_call` has returned, every acknowledged event is in the channel).
fn drain(rx: &Receiver<Event>) -> Vec<Event> {
    rx.try_iter().collect()
}

fn v1_commands(events: &[Event]) -> Vec<V1Action> {
    events
        .iter()
        .map(|event| {
            assert_eq!(event.sdkappid, SDKAPPID);
            match &event.payload {
                Payload::V1(callback) => callback.command.clone(),
                other => panic!("expected a v1 callback, got {other:?}"),
            }
        })
        .collect()
}

fn assert_all_acked_once(report: &SimulationReport, generation: Generation, count: usize) {
    assert_eq!(report.deliveries.len(), count, "{report:?}");
    assert!(report.all_acked(), "{report:?}");
    for delivery in &report.deliveries {
        assert_eq!(delivery.generation, generation);
        assert_eq!((delivery.attempts, delivery.status), (1, Some(200)));
        assert!(!delivery.dropped && delivery.error.is_none());
    }
}

#[test]
fn v1_callbacks_configured_through_the_client_arrive_in_order() {
    let sleeps = recording();
    let emulator = emulator(&sleeps);
    let (receiver, rx) = receiver();
    let client = client(&emulator);
    let config = V1CallbackConfig {
        address: receiver.url("/callkit/v1"),
        actions: vec![
            V1Action::CallerStartCall,
            V1Action::CalleeAcceptCall,
            V1Action::CalleeRejectCall,
            V1Action::CallerCallEnd,
            V1Action::NormalEnd,
            V1Action::Reject,
        ],
    };
    smol::block_on(async {
        assert_eq!(
            client.v1_set_callback(&config).await.unwrap(),
            config.address
        );
        assert_eq!(client.v1_get_callback().await.unwrap(), config);
    });

    let report = emulator
        .simulate_call_blocking(SDKAPPID, &answered())
        .unwrap();
    assert_all_acked_once(&report, Generation::V1, 4);
    let events = drain(&rx);
    assert_eq!(
        v1_commands(&events),
        [
            V1Action::CallerStartCall,
            V1Action::CalleeAcceptCall,
            V1Action::CallerCallEnd,
            V1Action::NormalEnd,
        ]
    );
    let commands: Vec<_> = report
        .deliveries
        .iter()
        .map(|d| d.command.as_str())
        .collect();
    assert_eq!(
        commands,
        [
            "caller_start_call",
            "callee_accept_call",
            "caller_call_end",
            "normal_end"
        ]
    );
    // Typed content: the subscribed events name the users; the status callback last.
    let Payload::V1(accept) = &events[1].payload else {
        unreachable!()
    };
    assert_eq!(accept.user_id, "bob");
    let Payload::V1(status) = &events[3].payload else {
        unreachable!()
    };
    assert_eq!(status.call_result, Some(CallResult::NormalEnd));
    assert!(status.start_call_ts.is_some() && status.end_ts.is_some());
    // All the events of one call share its id.
    let ids: Vec<_> = events
        .iter()
        .map(|e| match &e.payload {
            Payload::V1(cb) => cb.call_id.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert!(
        ids.iter().all(|id| !id.is_empty() && *id == ids[0]),
        "{ids:?}"
    );

    let report = emulator
        .simulate_call_blocking(SDKAPPID, &scenario(CallOutcome::Rejected))
        .unwrap();
    assert_all_acked_once(&report, Generation::V1, 3);
    let events = drain(&rx);
    assert_eq!(
        v1_commands(&events),
        [
            V1Action::CallerStartCall,
            V1Action::CalleeRejectCall,
            V1Action::Reject,
        ]
    );
    let Payload::V1(status) = &events[2].payload else {
        unreachable!()
    };
    assert_eq!(status.call_result, Some(CallResult::Reject));

    assert!(
        sleeps.sleeps().is_empty(),
        "every callback was acked at once"
    );
    assert_eq!(receiver.control().requests_received(), 7);
}

#[test]
fn v4_callbacks_configured_through_the_client_arrive_in_order() {
    let sleeps = recording();
    let emulator = emulator(&sleeps);
    let (receiver, rx) = receiver();
    let client = client(&emulator);
    let config = V4CallbackConfig {
        url: receiver.url("/callkit/v4"),
        commands: vec![
            V4Command::AfterStartCall,
            V4Command::AfterMemberChanged,
            V4Command::AfterEndCall,
        ],
    };
    smol::block_on(async {
        client.v4_set_callback(&config).await.unwrap();
        assert_eq!(client.v4_get_callback().await.unwrap(), config);
    });

    let report = emulator
        .simulate_call_blocking(SDKAPPID, &answered())
        .unwrap();
    // StartCall, MemberChanged (bob accepts), MemberChanged (hang up), EndCall.
    assert_all_acked_once(&report, Generation::V4, 4);
    let events = drain(&rx);
    assert_eq!(events.len(), 4, "{events:?}");
    let Payload::StartCall(start) = &events[0].payload else {
        panic!("first: {:?}", events[0].payload)
    };
    assert_eq!(start.call_info.room_id, "room-1");
    let actions: Vec<_> = events[1..3]
        .iter()
        .map(|e| match &e.payload {
            Payload::MemberChanged(change) => {
                assert_eq!(change.call_id, start.call_info.call_id);
                change.changed[0].action.clone()
            }
            other => panic!("expected MemberChanged, got {other:?}"),
        })
        .collect();
    assert_eq!(
        actions,
        [Some(ActionType::Accept), Some(ActionType::HangUp)]
    );
    let Payload::EndCall(end) = &events[3].payload else {
        panic!("last: {:?}", events[3].payload)
    };
    assert_eq!(end.record.call_id, start.call_info.call_id);
    assert_eq!(end.record.call_result, Some(CallResult::NormalEnd));
    assert_eq!(end.record.caller, "alice");

    let report = emulator
        .simulate_call_blocking(SDKAPPID, &scenario(CallOutcome::Rejected))
        .unwrap();
    assert_all_acked_once(&report, Generation::V4, 3);
    let events = drain(&rx);
    let kinds: Vec<_> = events
        .iter()
        .map(|e| match &e.payload {
            Payload::StartCall(_) => "StartCall",
            Payload::MemberChanged(c) => {
                assert_eq!(c.changed[0].action, Some(ActionType::Reject));
                "MemberChanged"
            }
            Payload::EndCall(end) => {
                assert_eq!(end.record.call_result, Some(CallResult::Reject));
                "EndCall"
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["StartCall", "MemberChanged", "EndCall"]);
}

/// Subscribes `receiver` to the v1 start and reject callbacks and simulates a rejected
/// call whose receiver fails the first delivery twice: the first callback takes two
/// retries on the documented schedule (recorded, not slept), and each event reaches the
/// application once, in order.
fn first_callback_retried_twice(
    emulator: &EmulatorServer,
    sleeps: &ManualRuntime,
    receiver: &LoopbackServer,
    rx: &Receiver<Event>,
) {
    let client = client(emulator);
    let config = V1CallbackConfig {
        address: receiver.url("/callkit/v1"),
        actions: vec![V1Action::CallerStartCall, V1Action::Reject],
    };
    smol::block_on(client.v1_set_callback(&config)).unwrap();

    let report = emulator
        .simulate_call_blocking(SDKAPPID, &scenario(CallOutcome::Rejected))
        .unwrap();
    assert!(report.all_acked(), "{report:?}");
    let attempts: Vec<_> = report.deliveries.iter().map(|d| d.attempts).collect();
    assert_eq!(attempts, [3, 1], "the first callback took two retries");
    // The first two delays of the documented schedule (0 s, 1 s).
    assert_eq!(sleeps.sleeps(), V1_RETRY_SCHEDULE[..2].to_vec());
    assert_eq!(
        v1_commands(&drain(rx)),
        [V1Action::CallerStartCall, V1Action::Reject]
    );
}

#[test]
fn a_receiver_failing_twice_gets_the_v1_retries() {
    let sleeps = recording();
    let emulator = emulator(&sleeps);
    let (tx, rx) = channel();
    let handler = WebhookHandler::new(WebhookConfig::new(SDKAPPID), move |event| {
        tx.send(event).map_err(|_| "the test dropped its receiver")
    });
    // The first two requests get a 503 without reaching the handler.
    let failures = AtomicU32::new(0);
    let receiver = LoopbackServer::builder()
        .serve(move |request| {
            if failures.fetch_add(1, Ordering::SeqCst) < 2 {
                let mut busy = http::Response::new(b"busy".to_vec());
                *busy.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
                return busy;
            }
            handler.handle(&request)
        })
        .unwrap();
    first_callback_retried_twice(&emulator, &sleeps, &receiver, &rx);
    assert_eq!(receiver.control().requests_received(), 4);
}

#[test]
fn an_application_that_cannot_store_an_event_gets_it_again_until_it_can() {
    let sleeps = recording();
    let emulator = emulator(&sleeps);
    let (tx, rx) = channel();
    // The "database" is down for the first two attempts: the callback's errors answer
    // 500, and the emulator's v1 retries bring the event back.
    let failures = AtomicU32::new(0);
    let receiver = WebhookHandler::new(WebhookConfig::new(SDKAPPID), move |event| {
        if failures.fetch_add(1, Ordering::SeqCst) < 2 {
            return Err("database unavailable".to_owned());
        }
        tx.send(event).map_err(|e| e.to_string())
    })
    .dedup(callkit::webhook::MemoryDedupStore::new(
        1000,
        Duration::from_secs(600),
    ))
    .serve("127.0.0.1:0".parse().unwrap(), false)
    .unwrap();
    first_callback_retried_twice(&emulator, &sleeps, &receiver, &rx);
}
