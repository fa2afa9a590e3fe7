//! The callbacks the service sends to the app during a call, as outgoing requests
//! (sans-IO: an adapter POSTs them), and how to tell whether the app acknowledged one.
//!
//! Order and content follow spec §6: v1 call-event callbacks for each user action, then
//! one call-status callback with the result; v4 `StartCall`, `MemberChanged`(s),
//! `EndCall`. Only the commands the app's configuration subscribes to are emitted, to
//! that configuration's address; an app with both a v1 and a v4 configuration gets both
//! series (v1 first).
//!
//! Timing (a documented choice, the spec gives none): the call starts at `now`; callees
//! ring at once; an answer or rejection comes after [`CallScenario::ring`]; a caller
//! cancels after `ring`; an unanswered call times out after [`CallScenario::timeout`];
//! an answered call lasts `talk` and the caller hangs up.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::store::{LiveCall, StoredCall};
use super::wire::{hex32, mix};
use super::{AppState, Emulator};
use crate::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use crate::endpoint::Generation;
use crate::text::Text;
use crate::webhook::{
    self, ActionType, CallInfo, CallMember, CallRecord, CallResult, CallType, EndCall, Event,
    MediaType, MemberAction, MemberChanged, OptPlatform, Payload, Role, RoomIdType, StartCall,
    Timestamp, UserStatus, V1Callback,
};

/// Delays before each retry of a v1 callback the app did not acknowledge (spec §6.1:
/// "0s, 1s, 1s, 2s, 3s, 5s", then the callback is dropped): up to six retries.
pub const V1_RETRY_SCHEDULE: [Duration; 6] = [
    Duration::from_secs(0),
    Duration::from_secs(1),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(3),
    Duration::from_secs(5),
];

/// v4 `Call.*` callbacks: no retry is documented for them, so each is delivered once.
pub const V4_RETRY_SCHEDULE: [Duration; 0] = [];

/// How a simulated call goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallOutcome {
    /// Every callee answers; after `talk` the caller hangs up.
    Answered {
        /// How long the call lasts once answered.
        talk: Duration,
    },
    /// The callees decline.
    Rejected,
    /// Nobody answers before the timeout.
    NotAnswered,
    /// The caller cancels before anyone answers.
    Cancelled,
    /// The callee's line is busy.
    Busy,
    /// Every callee answers after `ring`, and the call stays live (`get_call_info` shows
    /// everyone `Calling`) until `end_call` ends it: only the callbacks up to the answer
    /// are sent now; `end_call` sends the ending ones and writes the record.
    Connected,
    /// The callees' phones ring, and the call stays live (`get_call_info` shows the
    /// callees `Waiting`) until the emulator's answer action makes a callee `Calling`,
    /// `end_call` ends it (as cancelled, or normally once answered), or it rings out
    /// after `timeout` (recorded as not answered). Only the start callbacks are sent now.
    Ringing,
}

impl CallOutcome {
    /// Whether the call is still live once simulated (its end is left to `end_call`).
    fn stays_live(self) -> bool {
        matches!(self, CallOutcome::Connected | CallOutcome::Ringing)
    }
}

/// A call to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallScenario {
    /// The caller's UserID.
    pub caller: String,
    /// The callees' UserIDs (more than one makes a group call).
    pub callees: Vec<String>,
    /// Audio or video.
    pub media: MediaType,
    /// What happens.
    pub outcome: CallOutcome,
    /// The call id; `None` derives a UUID-shaped one from a counter.
    pub call_id: Option<String>,
    /// The room id (a string room, `RoomIdType` 2).
    pub room_id: String,
    /// How long callees ring before answering or rejecting (and before a cancel).
    pub ring: Duration,
    /// How long an unanswered call rings before it times out.
    pub timeout: Duration,
}

impl CallScenario {
    /// A call from `caller` to `callees` with `outcome`: audio, room `room-1`, ringing
    /// 2 s before an answer, timing out after 30 s.
    pub fn new(
        caller: impl Into<String>,
        callees: impl IntoIterator<Item = impl Into<String>>,
        outcome: CallOutcome,
    ) -> Self {
        CallScenario {
            caller: caller.into(),
            callees: callees.into_iter().map(Into::into).collect(),
            media: MediaType::Audio,
            outcome,
            call_id: None,
            room_id: String::from("room-1"),
            ring: Duration::from_secs(2),
            timeout: Duration::from_secs(30),
        }
    }

    fn call_type(&self) -> CallType {
        if self.callees.len() > 1 {
            CallType::Group
        } else {
            CallType::Single
        }
    }
}

/// One callback to POST to the app.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// Which generation's configuration and wire format.
    pub generation: Generation,
    /// The command word (`caller_start_call`, `Call.CallbackAfterEndCall`, ...).
    pub command: String,
    /// The full URL: the configured address plus the callback query.
    pub url: String,
    /// The method: always `POST`.
    pub method: &'static str,
    /// The `Content-Type`: `application/json`.
    pub content_type: &'static str,
    /// The JSON body.
    pub body: Vec<u8>,
    /// When the service sends it (time since the Unix epoch).
    pub at: Duration,
    /// Delays before each retry while the app does not acknowledge ([`is_ack`]):
    /// [`V1_RETRY_SCHEDULE`] or [`V4_RETRY_SCHEDULE`].
    pub retry_schedule: &'static [Duration],
}

/// Whether the app's reply (`status`, `body`) acknowledges a callback of `generation`:
/// HTTP 200 and a JSON object with `ErrorCode` 0 (v1, spec §6.1); for v4 also
/// `ActionStatus` `OK` when present (spec §6.3).
///
/// ```
/// use callkit_core::emulator::is_ack;
/// use callkit_core::endpoint::Generation;
/// assert!(is_ack(Generation::V1, 200, br#"{"ErrorCode":0,"ErrorMessage":"Success"}"#));
/// assert!(!is_ack(Generation::V1, 200, br#"{"ErrorCode":1}"#));
/// assert!(!is_ack(Generation::V4, 500, br#"{"ActionStatus":"OK","ErrorCode":0}"#));
/// ```
pub fn is_ack(generation: Generation, status: u16, body: &[u8]) -> bool {
    if status != 200 {
        return false;
    }
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
        return false;
    };
    let code_ok = map.get("ErrorCode").and_then(serde_json::Value::as_i64) == Some(0);
    match generation {
        Generation::V4 => {
            code_ok
                && map
                    .get("ActionStatus")
                    .is_none_or(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case("OK")))
        }
        _ => code_ok,
    }
}

/// The moments of a call, from `now`.
struct Timeline {
    start: Duration,
    /// When the callees answered, if they did.
    accept: Option<Duration>,
    /// When the ringing stopped without an answer (reject, cancel, timeout, busy).
    decided: Duration,
    end: Duration,
}

impl Timeline {
    fn of(scenario: &CallScenario, now: Duration) -> Timeline {
        let after = |d: Duration| now.saturating_add(d);
        match scenario.outcome {
            CallOutcome::Answered { talk } => {
                let accept = after(scenario.ring);
                Timeline {
                    start: now,
                    accept: Some(accept),
                    decided: accept,
                    end: accept.saturating_add(talk),
                }
            }
            // Ends only when `end_call` says so: never, as far as this timeline knows.
            CallOutcome::Connected => {
                let accept = after(scenario.ring);
                Timeline {
                    start: now,
                    accept: Some(accept),
                    decided: accept,
                    end: Duration::MAX,
                }
            }
            CallOutcome::Rejected | CallOutcome::Cancelled => Timeline {
                start: now,
                accept: None,
                decided: after(scenario.ring),
                end: after(scenario.ring),
            },
            CallOutcome::NotAnswered | CallOutcome::Ringing => Timeline {
                start: now,
                accept: None,
                decided: after(scenario.timeout),
                end: after(scenario.timeout),
            },
            CallOutcome::Busy => Timeline {
                start: now,
                accept: None,
                decided: now,
                end: now,
            },
        }
    }
}

fn secs(t: Duration) -> Option<Timestamp> {
    Timestamp::from_secs(t.as_secs())
}

fn millis(t: Duration) -> Option<Timestamp> {
    Some(Timestamp::from_millis(
        u64::try_from(t.as_millis()).unwrap_or(u64::MAX),
    ))
}

/// Common fields of one scenario's v1 callbacks.
struct V1Ctx<'a> {
    scenario: &'a CallScenario,
    call_id: &'a str,
    time: &'a Timeline,
}

impl V1Ctx<'_> {
    /// A call-event callback for `action` by `user` on `role`'s side, sent at `at`.
    fn event(
        &self,
        action: V1Action,
        user: &str,
        role: Role,
        at: Duration,
    ) -> (V1Callback, Duration) {
        let mut cb = self.base(action.clone(), user, role, at);
        let word = action.as_str();
        let event = word
            .strip_prefix("caller_")
            .or_else(|| word.strip_prefix("callee_"))
            .unwrap_or(word);
        cb.event = Some(String::from(event));
        if matches!(action, V1Action::CallerCallEnd | V1Action::CalleeCallEnd) {
            cb.call_result = Some(CallResult::NormalEnd);
        }
        (cb, at)
    }

    fn base(&self, command: V1Action, user: &str, role: Role, at: Duration) -> V1Callback {
        let mut cb = V1Callback::new(command);
        cb.user_id = String::from(user);
        cb.room_id = self.scenario.room_id.clone();
        cb.total_num = u32::try_from(self.scenario.callees.len() + 1).ok();
        cb.media_type = Some(self.scenario.media.clone());
        cb.call_type = Some(self.scenario.call_type());
        cb.call_id = String::from(self.call_id);
        cb.role = Some(role);
        cb.event_time = secs(at);
        cb
    }

    /// The call-status callback with the call's result, sent at the end.
    fn status(&self) -> (V1Callback, Duration) {
        let s = self.scenario;
        // Spec §6.1: group calls only ever report normal_end.
        let (command, result) = match (s.call_type(), s.outcome) {
            (CallType::Group, _)
            | (_, CallOutcome::Answered { .. })
            | (_, CallOutcome::Connected) => (V1Action::NormalEnd, CallResult::NormalEnd),
            (_, CallOutcome::Rejected) => (V1Action::Reject, CallResult::Reject),
            (_, CallOutcome::NotAnswered | CallOutcome::Ringing) => {
                (V1Action::NotAnswer, CallResult::NotAnswer)
            }
            (_, CallOutcome::Cancelled) => (V1Action::Cancel, CallResult::Cancel),
            (_, CallOutcome::Busy) => (V1Action::CallBusy, CallResult::CallBusy),
        };
        let mut cb = self.base(command, &s.caller, Role::Caller, self.time.end);
        cb.call_result = Some(result.clone());
        // "only returned on normal_end"
        if result == CallResult::NormalEnd {
            cb.start_call_ts = secs(self.time.start);
            cb.accept_ts = self.time.accept.and_then(secs);
            cb.end_ts = secs(self.time.end);
        }
        (cb, self.time.end)
    }
}

/// The v1 callbacks of a call, in order, with their send times.
fn v1_series(
    scenario: &CallScenario,
    call_id: &str,
    time: &Timeline,
) -> Vec<(V1Callback, Duration)> {
    use V1Action as C;
    let ctx = V1Ctx {
        scenario,
        call_id,
        time,
    };
    let caller = scenario.caller.as_str();
    let mut out = Vec::new();
    let mut push = |sent: (V1Callback, Duration)| out.push(sent);
    push(ctx.event(C::CallerStartCall, caller, Role::Caller, time.start));
    if scenario.outcome != CallOutcome::Busy {
        for callee in &scenario.callees {
            push(ctx.event(C::CalleeReceiveCall, callee, Role::Callee, time.start));
        }
    }
    let (callee_action, caller_action) = match scenario.outcome {
        CallOutcome::Answered { .. } | CallOutcome::Connected => {
            (Some(C::CalleeAcceptCall), C::CallerCallAccepted)
        }
        CallOutcome::Rejected => (Some(C::CalleeRejectCall), C::CallerCallRejected),
        CallOutcome::NotAnswered | CallOutcome::Ringing => {
            (Some(C::CalleeNotAnswerCall), C::CallerCallMissed)
        }
        CallOutcome::Cancelled => (None, C::CallerCancelCall),
        CallOutcome::Busy => (None, C::CallerCallBusy),
    };
    if let Some(action) = callee_action {
        for callee in &scenario.callees {
            push(ctx.event(action.clone(), callee, Role::Callee, time.decided));
        }
    }
    push(ctx.event(caller_action, caller, Role::Caller, time.decided));
    match scenario.outcome {
        CallOutcome::Cancelled => {
            for callee in &scenario.callees {
                push(ctx.event(C::CalleeCallCanceled, callee, Role::Callee, time.decided));
            }
        }
        CallOutcome::Answered { .. } | CallOutcome::Connected => {
            push(ctx.event(C::CallerCallEnd, caller, Role::Caller, time.end));
            for callee in &scenario.callees {
                push(ctx.event(C::CalleeCallEnd, callee, Role::Callee, time.end));
            }
        }
        _ => {}
    }
    push(ctx.status());
    out
}

/// The v4 callbacks of a call, in order, with their send times.
fn v4_series(scenario: &CallScenario, call_id: &str, time: &Timeline) -> Vec<(Payload, Duration)> {
    let members = |callee_status: UserStatus| -> Vec<CallMember> {
        let mut users = alloc::vec![CallMember::new(
            scenario.caller.clone(),
            Some(UserStatus::Calling)
        )];
        users.extend(
            scenario
                .callees
                .iter()
                .map(|c| CallMember::new(c.clone(), Some(callee_status.clone()))),
        );
        users
    };
    let changed = |action: ActionType, at: Duration, status: UserStatus| {
        let change = MemberChanged {
            call_id: String::from(call_id),
            users: members(status),
            changed: scenario
                .callees
                .iter()
                .map(|c| MemberAction::new(c.clone(), Some(action.clone())))
                .collect(),
            event_time: millis(at),
        };
        (Payload::MemberChanged(change), at)
    };
    let mut out = Vec::new();
    out.push((
        Payload::StartCall(StartCall {
            call_info: CallInfo {
                call_id: String::from(call_id),
                media_type: Some(scenario.media.clone()),
                chat_group_id: String::new(),
                room_id: scenario.room_id.clone(),
                room_id_type: Some(RoomIdType::Text),
            },
            users: members(UserStatus::Waiting),
            event_time: millis(time.start),
        }),
        time.start,
    ));
    match scenario.outcome {
        CallOutcome::Answered { .. } | CallOutcome::Connected => {
            out.push(changed(
                ActionType::Accept,
                time.decided,
                UserStatus::Calling,
            ));
            out.push(changed(ActionType::HangUp, time.end, UserStatus::Calling));
        }
        CallOutcome::Rejected => {
            out.push(changed(
                ActionType::Reject,
                time.decided,
                UserStatus::Waiting,
            ));
        }
        CallOutcome::NotAnswered | CallOutcome::Ringing => {
            out.push(changed(
                ActionType::NotAnswer,
                time.decided,
                UserStatus::Waiting,
            ));
        }
        CallOutcome::Cancelled => {
            out.push(changed(
                ActionType::CancelInvite,
                time.decided,
                UserStatus::Waiting,
            ));
        }
        CallOutcome::Busy => {}
    }
    let result = result_of(scenario.outcome);
    let mut callees = alloc::vec![scenario.caller.clone()];
    callees.extend(scenario.callees.iter().cloned());
    out.push((
        Payload::EndCall(EndCall {
            record: CallRecord {
                call_id: String::from(call_id),
                caller: scenario.caller.clone(),
                media_type: Some(scenario.media.clone()),
                call_type: Some(scenario.call_type()),
                start_time: secs(time.start),
                end_time: secs(time.end),
                accept_time: time.accept.and_then(secs),
                call_result: Some(result),
                callees,
                room_id: scenario.room_id.clone(),
                room_id_type: Some(RoomIdType::Text),
            },
            event_time: millis(time.end),
        }),
        time.end,
    ));
    out
}

fn v1_subscribed(config: &V1CallbackConfig, command: &V1Action) -> bool {
    config
        .actions
        .iter()
        .any(|a: &V1Action| a.as_str() == command.as_str())
}

fn v4_subscribed(config: &V4CallbackConfig, command: &str) -> bool {
    config
        .commands
        .iter()
        .any(|c: &V4Command| c.as_str() == command)
}

fn delivery(
    event: &Event,
    address: &str,
    at: Duration,
    retry_schedule: &'static [Duration],
) -> Option<Delivery> {
    let out = webhook::build(event, None).ok()?;
    Some(Delivery {
        generation: event.generation(),
        command: String::from(event.command()),
        url: out.url(address),
        method: webhook::OutgoingWebhook::METHOD,
        content_type: webhook::OutgoingWebhook::CONTENT_TYPE,
        body: out.body,
        at,
        retry_schedule,
    })
}

impl Emulator {
    /// The callbacks the service would send to app `sdkappid` for `scenario`, starting
    /// at `now` (time since the Unix epoch), in sending order: the v1 series to the v1
    /// address, then the v4 series to the v4 URL, each filtered by the configuration's
    /// subscriptions. Empty if the app is unknown or has no configuration. The call's
    /// record is written (both generations' records endpoints answer it), unless the
    /// outcome leaves the call live ([`CallOutcome::Connected`], [`CallOutcome::Ringing`]):
    /// then `get_call_info` shows it, only the callbacks sent before its next change
    /// are returned, and `end_call` ends it later.
    ///
    /// ```
    /// use std::time::Duration;
    /// use callkit_core::emulator::{App, CallOutcome, CallScenario, Emulator};
    /// use callkit_core::secret::SecretKey;
    ///
    /// let mut emulator = Emulator::new();
    /// let key = SecretKey::new("0123456789abcdef0123456789abcdef").unwrap();
    /// emulator.add_app(App::new(1400000000, key)).unwrap();
    /// let mut scenario = CallScenario::new("alice", ["bob"], CallOutcome::Ringing);
    /// scenario.call_id = Some("call-1".into());
    /// let now = Duration::from_secs(1_700_000_000);
    /// emulator.simulate_call(1400000000, &scenario, now);
    /// assert_eq!(emulator.live_calls(1400000000), 1);
    /// assert!(emulator.answer_call(1400000000, "call-1", "bob", now));
    /// ```
    pub fn simulate_call(
        &mut self,
        sdkappid: u32,
        scenario: &CallScenario,
        now: Duration,
    ) -> Vec<Delivery> {
        if !self.has_app(sdkappid) {
            return Vec::new();
        }
        let call_id = match &scenario.call_id {
            Some(id) => id.clone(),
            None => self.new_call_id(sdkappid),
        };
        let Some(app) = self.apps.get_mut(&sdkappid) else {
            return Vec::new();
        };
        let time = Timeline::of(scenario, now);
        if scenario.outcome.stays_live() {
            let live = LiveCall::simulated(call_id.clone(), scenario, &time);
            // What is sent before the call's next change: the start (and the answer).
            let next_change = if live.accept.is_some() {
                time.end
            } else {
                time.decided
            };
            app.live.insert(call_id.clone(), live);
            return app.deliveries(sdkappid, scenario, &call_id, &time, |_, at| {
                at < next_change
            });
        }
        app.records.push(StoredCall {
            call_id: call_id.as_str().into(),
            caller: scenario.caller.as_str().into(),
            callees: scenario.callees.iter().map(Text::from).collect(),
            media: scenario.media.clone(),
            result: result_of(scenario.outcome),
            room_id: scenario.room_id.as_str().into(),
            room_id_type: RoomIdType::Text,
            start: time.start.as_secs(),
            accept: time.accept.map_or(0, |t| t.as_secs()),
            end: time.end.as_secs(),
        });
        app.deliveries(sdkappid, scenario, &call_id, &time, |_, _| true)
    }
}

impl AppState {
    /// The callbacks of a call described by `scenario` and `time`, for this app's
    /// configurations, keeping those `keep` accepts (given the command and send time).
    fn deliveries(
        &self,
        sdkappid: u32,
        scenario: &CallScenario,
        call_id: &str,
        time: &Timeline,
        keep: impl Fn(&str, Duration) -> bool,
    ) -> Vec<Delivery> {
        let origin = |payload: Payload| {
            Event::new(sdkappid, payload)
                .with_origin(Some(String::from("127.0.0.1")), Some(OptPlatform::Ios))
        };
        let mut out = Vec::new();
        if let Some(config) = &self.v1 {
            for (cb, at) in v1_series(scenario, call_id, time) {
                if v1_subscribed(config, &cb.command) && keep(cb.command.as_str(), at) {
                    let event = origin(Payload::V1(cb));
                    out.extend(delivery(&event, &config.address, at, &V1_RETRY_SCHEDULE));
                }
            }
        }
        if let Some(config) = &self.v4 {
            for (payload, at) in v4_series(scenario, call_id, time) {
                if v4_subscribed(config, payload.command()) && keep(payload.command(), at) {
                    let event = origin(payload);
                    out.extend(delivery(&event, &config.url, at, &V4_RETRY_SCHEDULE));
                }
            }
        }
        out
    }

    /// The callbacks sent when a live call is ended at `now` (`end_call`): the v1
    /// call-status and end events, and the v4 `EndCall`, as subscribed.
    pub(super) fn end_call_deliveries(
        &self,
        sdkappid: u32,
        live: &LiveCall,
        now: u64,
    ) -> Vec<Delivery> {
        let at = |secs: u64| Duration::from_secs(secs);
        let answered = live.accept.map(at);
        let mut scenario = CallScenario::new(
            live.caller.clone(),
            live.callees.iter().map(|(c, _)| c.clone()),
            match answered {
                Some(accept) => CallOutcome::Answered {
                    talk: at(now).saturating_sub(accept),
                },
                None => CallOutcome::Cancelled,
            },
        );
        scenario.media = live.media.clone();
        scenario.room_id = live.room_id.clone();
        let time = Timeline {
            start: at(live.start),
            accept: answered,
            decided: answered.unwrap_or(at(now)),
            end: at(now),
        };
        let ending = |command: &str, _at| {
            V1Action::from(command).is_call_result()
                || matches!(
                    command,
                    "caller_call_end"
                        | "callee_call_end"
                        | "caller_cancel_call"
                        | "callee_call_canceled"
                )
                || command == V4Command::AfterEndCall.as_str()
        };
        self.deliveries(sdkappid, &scenario, &live.call_id, &time, ending)
    }
}

impl LiveCall {
    /// The live call a simulated [`CallOutcome::Connected`] or [`CallOutcome::Ringing`]
    /// leaves: callees `Calling` once answered, `Waiting` while ringing.
    fn simulated(call_id: String, scenario: &CallScenario, time: &Timeline) -> LiveCall {
        let status = if time.accept.is_some() {
            UserStatus::Calling
        } else {
            UserStatus::Waiting
        };
        LiveCall {
            call_id,
            caller: scenario.caller.clone(),
            callees: scenario
                .callees
                .iter()
                .map(|callee| (callee.clone(), status.clone()))
                .collect(),
            media: scenario.media.clone(),
            room_id: scenario.room_id.clone(),
            room_id_type: RoomIdType::Text,
            start: time.start.as_secs(),
            accept: time.accept.map(|t| t.as_secs()),
            ring_until: time.start.saturating_add(scenario.timeout).as_secs(),
        }
    }
}

/// The record's result of a simulated call.
fn result_of(outcome: CallOutcome) -> CallResult {
    match outcome {
        CallOutcome::Answered { .. } | CallOutcome::Connected => CallResult::NormalEnd,
        CallOutcome::Rejected => CallResult::Reject,
        CallOutcome::NotAnswered | CallOutcome::Ringing => CallResult::NotAnswer,
        CallOutcome::Cancelled => CallResult::Cancel,
        CallOutcome::Busy => CallResult::CallBusy,
    }
}

/// A UUID-shaped call id derived from the SDKAppID and a counter.
pub(crate) fn uuid(sdkappid: u32, seq: u64) -> String {
    let hex = hex32(sdkappid, mix(seq));
    let part = |r: core::ops::Range<usize>| hex.get(r).unwrap_or("");
    alloc::format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}
