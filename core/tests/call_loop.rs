//! The call loop driven by a scripted network: retries, their waits, retry safety,
//! UserSig renewal and pacing, with no clock, sleep or socket.

use core::cell::RefCell;
use core::time::Duration;

use callkit_core::call_engine::V4RobotCall;
use callkit_core::call_loop::{Agent, CallError, CallLoop, FailureKind, Now, Policy, Step};
use callkit_core::callback::{V4CallbackConfig, V4Command};
use callkit_core::endpoint::{Empty, Endpoint};
use callkit_core::failover::Host;
use callkit_core::region::{BaseUrl, Server};
use callkit_core::registry::{V1GetCallback, V4GetCallback, V4SetCallback, V4StartCallByRobot};
use callkit_core::response::ApiErrorKind;
use callkit_core::secret::SecretKey;
use callkit_core::usersig::{AdminSigner, verify_user_sig};
use callkit_core::webhook::MediaType;

const APP: u32 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const UNIX: u64 = 1_700_000_000;
const V4_OK: &[u8] = br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#;
const V4_EXPIRED: &[u8] = br#"{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"expired"}"#;
const V4_BUSY: &[u8] = br#"{"ActionStatus":"FAIL","ErrorCode":100001,"ErrorInfo":"busy"}"#;
const V1_LIMITED: &[u8] = br#"{"errorCode":70005,"errorMessage":"limited","requestId":"r"}"#;

type Reply = Result<(u16, &'static [u8]), FailureKind>;

fn agent(server: &str) -> RefCell<Agent> {
    let key = SecretKey::new(KEY).unwrap();
    let signer = AdminSigner::new(APP, &key, "administrator").unwrap();
    RefCell::new(Agent::new(
        signer,
        Server::from(BaseUrl::parse(server).unwrap()),
    ))
}

/// What the driver saw: each wait, and each request's `random` and UserSig.
#[derive(Debug, Default)]
struct Trace {
    waits: Vec<Duration>,
    sent: Vec<(u32, String)>,
}

/// Drives one call to the end against `replies` (in order), randoms from 100, the clock
/// moved only by the waits.
fn drive<E: Endpoint>(
    agent: &RefCell<Agent>,
    body: &E::Request,
    replies: &[Reply],
) -> (Result<E::Response, CallError>, Trace) {
    let mut call = CallLoop::<E>::new(body);
    let mut trace = Trace::default();
    let mut now = Duration::ZERO;
    let mut random = 100;
    let mut replies = replies.iter();
    loop {
        match call.poll() {
            Step::Build => {
                call.build(agent, random, || Now {
                    monotonic: now,
                    unix: Duration::from_secs(UNIX) + now,
                });
                random += 1;
            }
            Step::Pace(_) => call.paced(Duration::ZERO, now),
            Step::WaitUntil(until) => {
                trace.waits.push(until - now);
                now = until;
                call.handle_timeout(now);
            }
            Step::Send(request) => {
                let usersig = request
                    .url()
                    .split(['?', '&'])
                    .find_map(|pair| pair.strip_prefix("usersig="))
                    .unwrap()
                    .to_owned();
                trace.sent.push((request.random(), usersig));
                let reply = *replies.next().expect("a scripted reply");
                let report = match reply {
                    Ok((status, body)) => call.reply(agent, status, body, now),
                    Err(kind) => call.failed(agent, kind, now),
                };
                assert!(report.is_some());
            }
            Step::Idle => panic!("idle with nothing out"),
            Step::Done(result) => return (result, trace),
        }
    }
}

fn robot() -> V4RobotCall {
    V4RobotCall::new("robot-1", ["user5"], 30_000, MediaType::Audio)
}

#[test]
fn server_errors_back_off_and_the_last_one_is_returned_when_attempts_run_out() {
    let agent = agent("https://callkit.test");
    let (result, trace) = drive::<V4GetCallback>(&agent, &Empty {}, &[Ok((200, V4_BUSY)); 3]);
    let error = result.unwrap_err();
    match &error {
        CallError::RetriesExhausted { attempts: 3, last } => {
            assert!(matches!(**last, CallError::Response(_)), "{last:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        trace.waits,
        [Duration::from_millis(200), Duration::from_millis(400)]
    );
    assert_eq!(
        trace.sent.iter().map(|s| s.0).collect::<Vec<_>>(),
        [100, 101, 102]
    );
}

#[test]
fn a_rate_limit_waits_with_the_jitter_of_the_refused_requests_random() {
    let agent = agent("https://callkit.test");
    agent.replace_with(|a| {
        let key = SecretKey::new(KEY).unwrap();
        let signer = AdminSigner::new(APP, &key, "administrator").unwrap();
        Agent::new(signer, a.server(Host::Primary).clone()).with_policy(Policy::new(2))
    });
    let (result, trace) = drive::<V1GetCallback>(
        &agent,
        &Empty {},
        &[Ok((200, V1_LIMITED)), Ok((200, V1_LIMITED))],
    );
    match result.unwrap_err() {
        CallError::RetriesExhausted { attempts: 2, last } => assert!(
            matches!(&*last, CallError::Response(r) if r.kind() == Some(ApiErrorKind::RateLimited)),
            "{last:?}"
        ),
        other => panic!("{other:?}"),
    }
    // 1 s plus 1 s * 100 / 2^32 of jitter.
    assert_eq!(
        trace.waits,
        [Duration::from_secs(1) + Duration::from_nanos((1_000_000_000 * 100) >> 32)]
    );
}

#[test]
fn an_expired_usersig_is_renewed_and_retried_at_once() {
    let agent = agent("https://callkit.test");
    let (result, trace) = drive::<V4GetCallback>(
        &agent,
        &Empty {},
        &[
            Ok((200, V4_EXPIRED)),
            Ok((200, br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","Response":{"Url":"https://a.example/cb","CallbackCommandList":[]}}"#)),
        ],
    );
    assert_eq!(result.unwrap().url, "https://a.example/cb");
    assert!(trace.waits.is_empty());
    // A newly signed UserSig (the cache was dropped), valid for the admin.
    let key = SecretKey::new(KEY).unwrap();
    for (_, usersig) in &trace.sent {
        verify_user_sig(APP, &key, "administrator", usersig, UNIX).unwrap();
    }
    assert_eq!(agent.borrow().signer().issued_at(), Some(UNIX));
}

#[test]
fn the_robot_call_is_resent_only_when_not_sent() {
    let agent = agent("https://callkit.test");
    let (result, trace) = drive::<V4StartCallByRobot>(
        &agent,
        &robot(),
        &[Err(FailureKind::NotSent), Ok((200, V4_OK))],
    );
    result.unwrap();
    assert_eq!(trace.sent.len(), 2);

    for kind in [
        FailureKind::MaybeSent,
        FailureKind::TimedOut,
        FailureKind::BodyTooLarge,
    ] {
        let (result, trace) = drive::<V4StartCallByRobot>(&agent, &robot(), &[Err(kind)]);
        match result.unwrap_err() {
            CallError::MaybeSent { path, last } => {
                assert_eq!(path, V4StartCallByRobot::PATH);
                assert!(matches!(*last, CallError::Transport { kind: k, .. } if k == kind));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(trace.sent.len(), 1);
    }
    // A server error may have been acted on: not resent either.
    let (result, _) = drive::<V4StartCallByRobot>(&agent, &robot(), &[Ok((200, V4_BUSY))]);
    let error = result.unwrap_err();
    assert!(matches!(error, CallError::MaybeSent { .. }), "{error:?}");
    assert!(
        matches!(error.last(), CallError::Response(r) if r.kind() == Some(ApiErrorKind::ServerError))
    );
    // Refused by the transport: nothing left, nothing to mark, not retried.
    let (result, trace) =
        drive::<V4StartCallByRobot>(&agent, &robot(), &[Err(FailureKind::Refused)]);
    assert!(matches!(
        result.unwrap_err(),
        CallError::Transport {
            kind: FailureKind::Refused,
            ..
        }
    ));
    assert_eq!(trace.sent.len(), 1);
}

#[test]
fn an_invalid_body_ends_the_call_before_anything_is_sent_or_reserved() {
    let agent = agent("https://callkit.test");
    let config = V4CallbackConfig {
        url: "not a url".into(),
        commands: vec![V4Command::AfterEndCall],
    };
    let (result, trace) = drive::<V4SetCallback>(&agent, &config, &[]);
    assert!(matches!(result.unwrap_err(), CallError::InvalidInput(_)));
    assert!(trace.sent.is_empty());
}

#[test]
fn the_local_limiter_queues_a_burst_and_inputs_out_of_turn_change_nothing() {
    let agent = agent("https://callkit.test");
    let mut now = Duration::ZERO;
    let clock = |now: Duration| {
        move || Now {
            monotonic: now,
            unix: Duration::from_secs(UNIX),
        }
    };
    // v1 callback configuration: 10 a second; the 11th waits for the window.
    let mut waits = Vec::new();
    for random in 0..11 {
        let mut call = CallLoop::<V1GetCallback>::new(&Empty {});
        // Out of turn: nothing happens.
        call.handle_timeout(now);
        assert!(call.failed(&agent, FailureKind::NotSent, now).is_none());
        call.paced(Duration::from_secs(9), now);
        call.build(&agent, random, clock(now));
        // A second build is ignored.
        call.build(&agent, random, clock(now));
        match call.poll() {
            Step::Send(_) => waits.push(Duration::ZERO),
            Step::WaitUntil(until) => {
                waits.push(until - now);
                call.handle_timeout(until);
                assert!(matches!(call.poll(), Step::Send(_)));
            }
            _ => panic!("a built call sends or waits"),
        }
        now += Duration::from_millis(1);
    }
    assert!(waits[..10].iter().all(Duration::is_zero));
    assert_eq!(waits[10], Duration::from_millis(990));
}
