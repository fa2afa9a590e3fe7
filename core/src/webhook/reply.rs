//! The bodies the app sends back: the ack each generation expects, and failure bodies in
//! the same shapes.

use alloc::vec::Vec;

use super::{Event, Generation, WebhookError};

/// v1 ack (spec §6.1): anything else makes CallKit retry.
pub const V1_ACK: &[u8] = br#"{"ErrorCode":0,"ErrorMessage":"Success"}"#;
/// v4 ack (spec §6.3).
pub const V4_ACK: &[u8] = br#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#;

impl Generation {
    /// The success body this generation expects.
    pub fn ack_body(self) -> &'static [u8] {
        match self {
            Generation::V1 => V1_ACK,
            Generation::V4 => V4_ACK,
        }
    }
}

/// The HTTP status (200) and body that acknowledge a callback of `generation`.
pub fn ack(generation: Generation) -> (u16, Vec<u8>) {
    (200, generation.ack_body().to_vec())
}

/// The reply for the outcome of [`parse`](super::parse): the ack for the event's
/// generation, or the error's [`response`](WebhookError::response).
///
/// ```
/// use callkit_core::webhook::{parse, reply_for, WebhookConfig};
/// let body = br#"{"CallId":"c1","UserId":"u1"}"#;
/// let result = parse("POST", "sdkappid=1&command=cancel", body, &WebhookConfig::new(1), 0);
/// assert_eq!(reply_for(&result), (200, br#"{"ErrorCode":0,"ErrorMessage":"Success"}"#.to_vec()));
/// ```
pub fn reply_for(result: &Result<Event, WebhookError>) -> (u16, Vec<u8>) {
    match result {
        Ok(event) => ack(event.generation()),
        Err(error) => error.response(),
    }
}

/// What [`not_handled`] says.
pub(crate) const NOT_HANDLED: &str = "the event was not handled; deliver it again";

/// The reply when an accepted event could not be handled (the app's callback failed):
/// HTTP 500 with a failure body in the generation's shape (`ErrorCode` 500).
///
/// v1 retries on any HTTP error or non-zero `ErrorCode` (spec §6.1: after 0, 1, 1, 2, 3
/// and 5 s, then drops the callback). For v4 the spec states no retry policy for the
/// `Call.*` callbacks; Chat's generic rules (which they reuse) do not retry "after"
/// callbacks unless retry-on-timeout is enabled in the console, so a v4 event refused
/// this way may not come again (§6.3).
///
/// ```
/// use callkit_core::webhook::{not_handled, Generation};
/// let (status, body) = not_handled(Generation::V1);
/// assert_eq!(status, 500);
/// assert!(body.starts_with(br#"{"ErrorCode":500,"ErrorMessage":"#));
/// ```
pub fn not_handled(generation: Generation) -> (u16, Vec<u8>) {
    (500, failure_body(Some(generation), 500, NOT_HANDLED))
}

#[derive(serde::Serialize)]
struct V1Failure<'a> {
    #[serde(rename = "ErrorCode")]
    code: u16,
    #[serde(rename = "ErrorMessage")]
    message: &'a str,
}

#[derive(serde::Serialize)]
struct V4Failure<'a> {
    #[serde(rename = "ActionStatus")]
    status: &'static str,
    #[serde(rename = "ErrorInfo")]
    info: &'a str,
    #[serde(rename = "ErrorCode")]
    code: u16,
}

/// Both sets of keys, for a sender whose generation is unknown.
#[derive(serde::Serialize)]
struct NeutralFailure<'a> {
    #[serde(rename = "ActionStatus")]
    status: &'static str,
    #[serde(rename = "ErrorCode")]
    code: u16,
    #[serde(rename = "ErrorInfo")]
    info: &'a str,
    #[serde(rename = "ErrorMessage")]
    message: &'a str,
}

/// A failure body with `code` (non-zero) and `message` in the generation's shape.
pub(crate) fn failure_body(generation: Option<Generation>, code: u16, message: &str) -> Vec<u8> {
    let written = match generation {
        Some(Generation::V1) => serde_json::to_vec(&V1Failure { code, message }),
        Some(Generation::V4) => serde_json::to_vec(&V4Failure {
            status: "FAIL",
            info: message,
            code,
        }),
        None => serde_json::to_vec(&NeutralFailure {
            status: "FAIL",
            code,
            info: message,
            message,
        }),
    };
    // Serializing these structs of strings and integers into a Vec cannot fail; should
    // serde_json ever disagree, still send a well-formed failure.
    written.unwrap_or_else(|_| br#"{"ActionStatus":"FAIL","ErrorCode":500}"#.to_vec())
}
