//! Simulated calls: the callbacks the emulator would POST, filtered by the app's
//! subscriptions, in order, each parsing back with `webhook::parse` to the expected event.
#![cfg(feature = "emulator")]

use core::time::Duration;

use callkit_core::callback::*;
use callkit_core::emulator::{
    App, CallOutcome, CallScenario, Delivery, Emulator, V1_RETRY_SCHEDULE, is_ack,
};
use callkit_core::secret::SecretKey;
use callkit_core::webhook::{
    self, ActionType, CallResult, CallType, Event, Generation, MediaType, Payload, Role,
    UserStatus, V1Action, WebhookConfig,
};

const APP: u32 = 1_400_000_000;
const NOW: Duration = Duration::from_secs(1_700_000_000);

fn emulator(v1: Option<Vec<V1Action>>, v4: Option<Vec<V4Command>>) -> Emulator {
    let mut e = Emulator::new();
    e.add_app(App::new(APP, SecretKey::new("k").unwrap()))
        .unwrap();
    e.set_v1_config(
        APP,
        v1.map(|actions| V1CallbackConfig {
            address: "https://app.example/v1?token=t".into(),
            actions,
        }),
    );
    e.set_v4_config(
        APP,
        v4.map(|commands| V4CallbackConfig {
            url: "https://app.example/v4".into(),
            commands,
        }),
    );
    e
}

/// Parses a delivery as the app would: split the URL, check it is for our app.
fn parse(d: &Delivery) -> Event {
    let (_, query) = d.url.split_once('?').expect("a query");
    assert_eq!(d.method, "POST");
    assert_eq!(d.content_type, "application/json");
    webhook::parse("POST", query, &d.body, &WebhookConfig::new(APP), 0)
        .unwrap_or_else(|e| panic!("{}: {e}", d.url))
}

fn v1(d: &Delivery) -> webhook::V1Callback {
    match parse(d).payload {
        Payload::V1(cb) => cb,
        other => panic!("not v1: {other:?}"),
    }
}

fn all_v1() -> Vec<V1Action> {
    V1Action::ALL.to_vec()
}

#[test]
fn v1_answered_call_in_order() {
    let mut e = emulator(Some(all_v1()), None);
    let scenario = CallScenario::new(
        "alice",
        ["bob"],
        CallOutcome::Answered {
            talk: Duration::from_secs(60),
        },
    );
    let out = e.simulate_call(APP, &scenario, NOW);
    let commands: Vec<&str> = out.iter().map(|d| d.command.as_str()).collect();
    assert_eq!(
        commands,
        [
            "caller_start_call",
            "callee_receive_call",
            "callee_accept_call",
            "caller_call_accepted",
            "caller_call_end",
            "callee_call_end",
            "normal_end"
        ]
    );
    for d in &out {
        assert!(
            d.url
                .starts_with("https://app.example/v1?token=t&sdkappid=1400000000&command=")
        );
        assert_eq!(d.generation, Generation::V1);
        assert_eq!(d.retry_schedule, &V1_RETRY_SCHEDULE[..]);
        let cb = v1(d);
        assert_eq!(cb.command.as_str(), d.command);
        assert_eq!(cb.call_type, Some(CallType::Single));
        assert_eq!(cb.total_num, Some(2));
        assert_eq!(cb.media_type, Some(MediaType::Audio));
        assert_eq!(cb.event_time.unwrap().as_secs(), d.at.as_secs());
    }
    // One call id for every callback.
    let id = v1(&out[0]).call_id;
    assert!(!id.is_empty() && out.iter().all(|d| v1(d).call_id == id));
    let start = v1(&out[0]);
    assert_eq!(
        (start.user_id.as_str(), start.role.clone()),
        ("alice", Some(Role::Caller))
    );
    assert_eq!(start.event.as_deref(), Some("start_call"));
    let accept = v1(&out[2]);
    assert_eq!(
        (accept.user_id.as_str(), accept.role),
        ("bob", Some(Role::Callee))
    );
    assert_eq!(accept.event_time.unwrap().as_secs(), NOW.as_secs() + 2);
    let status = v1(&out[6]);
    assert_eq!(status.call_result, Some(CallResult::NormalEnd));
    assert_eq!(status.start_call_ts.unwrap().as_secs(), NOW.as_secs());
    assert_eq!(status.accept_ts.unwrap().as_secs(), NOW.as_secs() + 2);
    assert_eq!(status.end_ts.unwrap().as_secs(), NOW.as_secs() + 62);
    // Sending times never go backwards.
    assert!(out.windows(2).all(|w| w[0].at <= w[1].at));
}

#[test]
fn v1_filters_by_actions_and_reports_each_outcome() {
    let cases = [
        (
            CallOutcome::Rejected,
            "reject",
            "callee_reject_call",
            "caller_call_rejected",
        ),
        (
            CallOutcome::NotAnswered,
            "not_answer",
            "callee_not_answer_call",
            "caller_call_missed",
        ),
        (
            CallOutcome::Cancelled,
            "cancel",
            "callee_call_canceled",
            "caller_cancel_call",
        ),
    ];
    for (outcome, result, callee, caller) in cases {
        let mut e = emulator(Some(all_v1()), None);
        let out = e.simulate_call(APP, &CallScenario::new("a", ["b"], outcome), NOW);
        let commands: Vec<&str> = out.iter().map(|d| d.command.as_str()).collect();
        assert!(
            commands.contains(&callee) && commands.contains(&caller),
            "{commands:?}"
        );
        assert_eq!(commands.last(), Some(&result));
        assert_eq!(
            v1(out.last().unwrap()).call_result.unwrap().as_v1_str(),
            result
        );
    }
    // Busy: no ringing at all.
    let mut e = emulator(Some(all_v1()), None);
    let out = e.simulate_call(APP, &CallScenario::new("a", ["b"], CallOutcome::Busy), NOW);
    let commands: Vec<&str> = out.iter().map(|d| d.command.as_str()).collect();
    assert_eq!(
        commands,
        ["caller_start_call", "caller_call_busy", "call_busy"]
    );

    // Only subscribed actions are sent.
    let mut e = emulator(
        Some(vec![V1Action::CalleeRejectCall, V1Action::Reject]),
        None,
    );
    let out = e.simulate_call(
        APP,
        &CallScenario::new("a", ["b", "c"], CallOutcome::Rejected),
        NOW,
    );
    let commands: Vec<&str> = out.iter().map(|d| d.command.as_str()).collect();
    // Two callees reject; a group call's status is normal_end (spec §6.1), not subscribed.
    assert_eq!(commands, ["callee_reject_call", "callee_reject_call"]);
    assert_eq!(v1(&out[1]).user_id, "c");
    assert_eq!(v1(&out[1]).call_type, Some(CallType::Group));
}

#[test]
fn v4_series_and_filtering() {
    let mut e = emulator(None, Some(V4Command::ALL.to_vec()));
    let mut scenario = CallScenario::new(
        "alice",
        ["bob"],
        CallOutcome::Answered {
            talk: Duration::from_secs(10),
        },
    );
    scenario.call_id = Some("call-1".into());
    scenario.media = MediaType::Video;
    let out = e.simulate_call(APP, &scenario, NOW);
    let commands: Vec<&str> = out.iter().map(|d| d.command.as_str()).collect();
    assert_eq!(
        commands,
        [
            "Call.CallbackAfterStartCall",
            "Call.CallbackAfterMemberChanged",
            "Call.CallbackAfterMemberChanged",
            "Call.CallbackAfterEndCall"
        ]
    );
    assert!(
        out.iter()
            .all(|d| d.retry_schedule.is_empty() && d.generation == Generation::V4)
    );
    assert!(
        out[0]
            .url
            .starts_with("https://app.example/v4?SdkAppid=1400000000&CallbackCommand=")
    );
    let Payload::StartCall(start) = parse(&out[0]).payload else {
        panic!()
    };
    assert_eq!(start.call_info.call_id, "call-1");
    assert_eq!(start.call_info.media_type, Some(MediaType::Video));
    assert_eq!(
        start.event_time.unwrap().as_millis(),
        NOW.as_millis() as u64
    );
    assert_eq!(start.users[1].status, Some(UserStatus::Waiting));
    let Payload::MemberChanged(answer) = parse(&out[1]).payload else {
        panic!()
    };
    assert_eq!(answer.changed[0].user_id, "bob");
    assert_eq!(answer.changed[0].action, Some(ActionType::Accept));
    let Payload::MemberChanged(hangup) = parse(&out[2]).payload else {
        panic!()
    };
    assert_eq!(hangup.changed[0].action, Some(ActionType::HangUp));
    let Payload::EndCall(end) = parse(&out[3]).payload else {
        panic!()
    };
    assert_eq!(end.record.call_result, Some(CallResult::NormalEnd));
    assert_eq!(end.record.accept_time.unwrap().as_secs(), NOW.as_secs() + 2);
    assert_eq!(end.record.end_time.unwrap().as_secs(), NOW.as_secs() + 12);
    assert_eq!(end.record.callees, ["alice", "bob"]);

    // Only EndCall subscribed; a rejected call.
    let mut e = emulator(None, Some(vec![V4Command::AfterEndCall]));
    let out = e.simulate_call(
        APP,
        &CallScenario::new("a", ["b"], CallOutcome::Rejected),
        NOW,
    );
    assert_eq!(out.len(), 1);
    let Payload::EndCall(end) = parse(&out[0]).payload else {
        panic!()
    };
    assert_eq!(end.record.call_result, Some(CallResult::Reject));
    assert_eq!(end.record.accept_time, None);
}

#[test]
fn both_generations_and_no_configuration() {
    let mut e = emulator(
        Some(vec![V1Action::NormalEnd]),
        Some(vec![V4Command::AfterEndCall]),
    );
    let scenario = CallScenario::new(
        "a",
        ["b"],
        CallOutcome::Answered {
            talk: Duration::from_secs(1),
        },
    );
    let out = e.simulate_call(APP, &scenario, NOW);
    let commands: Vec<&str> = out.iter().map(|d| d.command.as_str()).collect();
    assert_eq!(commands, ["normal_end", "Call.CallbackAfterEndCall"]);
    // Derived call ids differ per call.
    let again = e.simulate_call(APP, &scenario, NOW);
    assert_ne!(v1(&out[0]).call_id, v1(&again[0]).call_id);

    let mut bare = emulator(None, None);
    assert!(bare.simulate_call(APP, &scenario, NOW).is_empty());
    assert!(bare.simulate_call(1, &scenario, NOW).is_empty());
}

#[test]
fn acks() {
    assert!(is_ack(Generation::V1, 200, webhook::V1_ACK));
    assert!(is_ack(Generation::V4, 200, webhook::V4_ACK));
    assert!(is_ack(Generation::V1, 200, br#"{"ErrorCode":0}"#));
    assert!(!is_ack(Generation::V1, 502, webhook::V1_ACK));
    assert!(!is_ack(
        Generation::V1,
        200,
        br#"{"ErrorCode":1,"ErrorMessage":"no"}"#
    ));
    assert!(!is_ack(
        Generation::V1,
        200,
        br#"{"ErrorMessage":"Success"}"#
    ));
    assert!(!is_ack(Generation::V1, 200, b"OK"));
    assert!(!is_ack(
        Generation::V4,
        200,
        br#"{"ActionStatus":"FAIL","ErrorCode":0}"#
    ));
    assert!(!is_ack(Generation::V4, 200, br#"[0]"#));
}
