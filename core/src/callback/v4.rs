//! The v4 (current) callback configuration endpoints on the Chat gateways (spec §4.1-4.3).
//!
//! Envelope `{ActionStatus, ErrorInfo, ErrorCode, RequestId, Response}`; 200 requests per
//! second; `set_callback` overwrites and there is no `update_callback`.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::validate::{InvalidBody, Validate, check_callback_address, check_list};

string_enum! {
    /// A v4 callback command (spec §5.2).
    V4Command {
        /// `Call.CallbackAfterStartCall`: after a call starts.
        AfterStartCall = "Call.CallbackAfterStartCall",
        /// `Call.CallbackAfterEndCall`: after a call ends.
        AfterEndCall = "Call.CallbackAfterEndCall",
        /// `Call.CallbackAfterMemberChanged`: after a member's status changes.
        AfterMemberChanged = "Call.CallbackAfterMemberChanged",
    }
}

/// The v4 callback configuration: the body of `set_callback` and the `Response` of
/// `get_callback`. Missing fields read as empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct V4CallbackConfig {
    /// `Url`: the callback URL (`http` or `https`; https recommended).
    #[serde(rename = "Url", default)]
    pub url: String,
    /// `CallbackCommandList`: the commands to receive.
    #[serde(rename = "CallbackCommandList", default)]
    pub commands: Vec<V4Command>,
}

impl Validate for V4CallbackConfig {
    fn validate(&self) -> Result<(), InvalidBody> {
        check_callback_address(&self.url)?;
        check_list("CallbackCommandList", &self.commands, |entry| match entry {
            V4Command::Other(text) => Some(text.as_str()),
            _ => None,
        })
    }
}
