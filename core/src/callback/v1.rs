//! The v1 (legacy) callback configuration endpoints on the CallKit hosts (spec §3.1-3.4).
//!
//! Envelope `{errorCode, errorMessage, requestId, data}`; 10 requests per second
//! shared by the four; `set` overwrites, `update` fails with 999 when nothing was set.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::validate::{InvalidBody, Validate, check_callback_address, check_list};

string_enum! {
    /// A v1 callback action (spec §5.1): the 6 call-status results, then the 19 call
    /// events.
    V1Action {
        /// Call status: the caller cancelled before the callee answered.
        Cancel = "cancel",
        /// Call status: the callee declined.
        Reject = "reject",
        /// Call status: the callee did not answer before the timeout.
        NotAnswer = "not_answer",
        /// Call status: connected and ended normally.
        NormalEnd = "normal_end",
        /// Call status: the line was busy.
        CallBusy = "call_busy",
        /// Call status: interrupted (network or similar).
        Interrupt = "interrupt",
        /// Event: the caller starts a call.
        CallerStartCall = "caller_start_call",
        /// Event, caller side: the call was answered.
        CallerCallAccepted = "caller_call_accepted",
        /// Event, caller side: missed.
        CallerCallMissed = "caller_call_missed",
        /// Event, caller side: rejected.
        CallerCallRejected = "caller_call_rejected",
        /// Event, caller side: line busy.
        CallerCallBusy = "caller_call_busy",
        /// Event: the caller cancels.
        CallerCancelCall = "caller_cancel_call",
        /// Event: the caller failed to start the call.
        CallerCallFailed = "caller_call_failed",
        /// Event, caller side: ended normally.
        CallerCallEnd = "caller_call_end",
        /// Event, caller side: interrupted.
        CallerCallInterrupted = "caller_call_interrupted",
        /// Event: the callee receives the call.
        CalleeReceiveCall = "callee_receive_call",
        /// Event: the callee answers.
        CalleeAcceptCall = "callee_accept_call",
        /// Event: the callee does not answer.
        CalleeNotAnswerCall = "callee_not_answer_call",
        /// Event: the callee rejects.
        CalleeRejectCall = "callee_reject_call",
        /// Event: the callee ignores the call.
        CalleeIgnoreCall = "callee_ignore_call",
        /// Event, callee side: the call was cancelled.
        CalleeCallCanceled = "callee_call_canceled",
        /// Event, callee side: ended normally.
        CalleeCallEnd = "callee_call_end",
        /// Event, callee side: interrupted.
        CalleeCallInterrupted = "callee_call_interrupted",
        /// Event: a user is invited mid-call.
        InviteUser = "invite_user",
        /// Event: a user joins a group call mid-call.
        JoinInGroupCall = "join_in_group_call",
    }
}

impl V1Action {
    /// Whether this is one of the six call results (a call-status callback's command);
    /// the other nineteen are call events.
    pub fn is_call_result(&self) -> bool {
        matches!(
            self,
            Self::Cancel
                | Self::Reject
                | Self::NotAnswer
                | Self::NormalEnd
                | Self::CallBusy
                | Self::Interrupt
        )
    }
}

/// The v1 callback configuration: where CallKit posts callbacks, and which.
///
/// The body of `set` and `update`, and the `data` of `get`. Missing fields read as
/// empty, so a sparse `get` reply still parses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct V1CallbackConfig {
    /// The callback URL (`http` or `https`; https recommended).
    #[serde(default)]
    pub address: String,
    /// The actions to receive.
    #[serde(default)]
    pub actions: Vec<V1Action>,
}

impl Validate for V1CallbackConfig {
    fn validate(&self) -> Result<(), InvalidBody> {
        check_callback_address(&self.address)?;
        check_list("actions", &self.actions, |entry| match entry {
            V1Action::Other(text) => Some(text.as_str()),
            _ => None,
        })
    }
}
