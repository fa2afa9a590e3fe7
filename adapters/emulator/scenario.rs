//! The JSON form of a call scenario, as the control path
//! (`POST /emulator/simulate_call?sdkappid=N`) and the CLI send it.

use std::time::Duration;

use callkit_core::emulator::{CallOutcome, CallScenario};
use callkit_core::webhook::MediaType;
use serde::{Deserialize, Serialize};

/// The path of the control endpoint that makes a running emulator simulate a call. Not a
/// Tencent path: it exists only on the emulator.
pub const SIMULATE_CALL_PATH: &str = "/emulator/simulate_call";

/// A call to simulate, as JSON: `{"caller": "alice", "callees": ["bob"],
/// "outcome": "answered", "media": "audio", "talk_secs": 10}`. Only `caller` and
/// `callees` are required; `outcome` defaults to `answered`, `media` to `audio`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScenarioSpec {
    /// The caller's UserID.
    pub caller: String,
    /// The callees' UserIDs (more than one makes a group call).
    pub callees: Vec<String>,
    /// `answered`, `rejected`, `not-answered`, `cancelled`, `busy`, or one that leaves
    /// the call live: `connected` or `ringing`.
    #[serde(default)]
    pub outcome: OutcomeName,
    /// `audio` or `video`.
    #[serde(default)]
    pub media: MediaName,
    /// How long an answered call lasts, in seconds (default 10).
    #[serde(default)]
    pub talk_secs: Option<u64>,
    /// How long callees ring before answering, rejecting or the caller cancelling, in
    /// seconds (default 2).
    #[serde(default)]
    pub ring_secs: Option<u64>,
    /// The call id (default: derived by the emulator).
    #[serde(default)]
    pub call_id: Option<String>,
}

/// How the call goes, by name: [`name`](OutcomeName::name) is its spelling in the JSON
/// form and on the command line (`callkit emulator simulate-call --outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
#[non_exhaustive]
pub enum OutcomeName {
    /// Every callee answers, then the caller hangs up.
    #[default]
    Answered,
    /// The callees decline.
    Rejected,
    /// Nobody answers before the timeout.
    NotAnswered,
    /// The caller cancels first.
    Cancelled,
    /// The callee's line is busy.
    Busy,
    /// Every callee answers and the call stays live until `end_call`.
    Connected,
    /// The callees ring and the call stays live until answered (`/emulator/answer_call`),
    /// ended (`end_call`) or rung out.
    Ringing,
}

impl OutcomeName {
    /// Every outcome, in the order the docs list them.
    pub const ALL: [OutcomeName; 7] = [
        OutcomeName::Answered,
        OutcomeName::Rejected,
        OutcomeName::NotAnswered,
        OutcomeName::Cancelled,
        OutcomeName::Busy,
        OutcomeName::Connected,
        OutcomeName::Ringing,
    ];

    /// Its name: `answered`, `rejected`, `not-answered`, `cancelled`, `busy`,
    /// `connected` or `ringing`.
    pub fn name(self) -> &'static str {
        match self {
            OutcomeName::Answered => "answered",
            OutcomeName::Rejected => "rejected",
            OutcomeName::NotAnswered => "not-answered",
            OutcomeName::Cancelled => "cancelled",
            OutcomeName::Busy => "busy",
            OutcomeName::Connected => "connected",
            OutcomeName::Ringing => "ringing",
        }
    }

    /// What happens, in a line (for a command line's help).
    pub fn describe(self) -> &'static str {
        match self {
            OutcomeName::Answered => "every callee answers; the caller hangs up after 10 s",
            OutcomeName::Rejected => "the callees decline",
            OutcomeName::NotAnswered => "nobody answers before the timeout",
            OutcomeName::Cancelled => "the caller cancels first",
            OutcomeName::Busy => "the callee's line is busy",
            OutcomeName::Connected => "the callees answer; the call stays live until ended",
            OutcomeName::Ringing => {
                "the callees ring; the call stays live until answered, ended or rung out (30 s)"
            }
        }
    }
}

/// A name that is not one of [`OutcomeName::ALL`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown outcome {0:?} (answered, rejected, not-answered, cancelled, busy, connected, ringing)"
)]
pub struct UnknownOutcome(pub String);

impl std::str::FromStr for OutcomeName {
    type Err = UnknownOutcome;

    fn from_str(name: &str) -> Result<Self, UnknownOutcome> {
        OutcomeName::ALL
            .into_iter()
            .find(|outcome| outcome.name() == name)
            .ok_or_else(|| UnknownOutcome(name.to_owned()))
    }
}

impl TryFrom<String> for OutcomeName {
    type Error = UnknownOutcome;

    fn try_from(name: String) -> Result<Self, UnknownOutcome> {
        name.parse()
    }
}

impl From<OutcomeName> for &'static str {
    fn from(outcome: OutcomeName) -> &'static str {
        outcome.name()
    }
}

/// Audio or video, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MediaName {
    /// An audio call.
    #[default]
    Audio,
    /// A video call.
    Video,
}

/// Default talk time of an answered call.
const DEFAULT_TALK: Duration = Duration::from_secs(10);

impl ScenarioSpec {
    /// A scenario from `caller` to `callees` ending with `outcome`, other fields default.
    pub fn new(
        caller: impl Into<String>,
        callees: impl IntoIterator<Item = impl Into<String>>,
        outcome: OutcomeName,
    ) -> Self {
        ScenarioSpec {
            caller: caller.into(),
            callees: callees.into_iter().map(Into::into).collect(),
            outcome,
            media: MediaName::Audio,
            talk_secs: None,
            ring_secs: None,
            call_id: None,
        }
    }

    /// The core's scenario.
    pub fn to_scenario(&self) -> CallScenario {
        let outcome = match self.outcome {
            OutcomeName::Answered => CallOutcome::Answered {
                talk: self.talk_secs.map_or(DEFAULT_TALK, Duration::from_secs),
            },
            OutcomeName::Rejected => CallOutcome::Rejected,
            OutcomeName::NotAnswered => CallOutcome::NotAnswered,
            OutcomeName::Cancelled => CallOutcome::Cancelled,
            OutcomeName::Busy => CallOutcome::Busy,
            OutcomeName::Connected => CallOutcome::Connected,
            OutcomeName::Ringing => CallOutcome::Ringing,
        };
        let mut scenario = CallScenario::new(self.caller.clone(), self.callees.clone(), outcome);
        scenario.media = match self.media {
            MediaName::Audio => MediaType::Audio,
            MediaName::Video => MediaType::Video,
        };
        if let Some(ring) = self.ring_secs {
            scenario.ring = Duration::from_secs(ring);
        }
        scenario.call_id.clone_from(&self.call_id);
        scenario
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_is_read_and_written_by_its_one_name() {
        for outcome in OutcomeName::ALL {
            let name = outcome.name();
            assert_eq!(name.parse::<OutcomeName>(), Ok(outcome));
            let json = serde_json::to_string(&outcome).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<OutcomeName>(&json).unwrap(), outcome);
        }
        assert_eq!(OutcomeName::NotAnswered.name(), "not-answered");
        assert_eq!(
            "Answered".parse::<OutcomeName>(),
            Err(UnknownOutcome("Answered".into()))
        );
        let refused = serde_json::from_str::<ScenarioSpec>(
            r#"{"caller": "a", "callees": ["b"], "outcome": "hung-up"}"#,
        )
        .unwrap_err();
        assert!(refused.to_string().contains("unknown outcome"), "{refused}");
    }
}
