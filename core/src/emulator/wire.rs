//! The emulator's view of HTTP: the request it is handed, the response it gives back,
//! and the two response envelopes it writes.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::endpoint::Generation;

/// The `Content-Type` of every API answer.
pub const JSON: &str = "application/json";
/// The `Content-Type` of the non-JSON bodies fault injection produces.
pub const TEXT: &str = "text/plain; charset=utf-8";

/// One HTTP request as the emulator needs it: method, request target, body.
///
/// `target` is either origin-form (`/v4/call_config/get_callback?sdkappid=..`) or an
/// absolute URL (`https://host/v1/callback/get?..`); the scheme and authority of an
/// absolute URL are ignored, as is a `#fragment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceRequest<'a> {
    /// The method, e.g. `"POST"` (compared case-sensitively, as HTTP does).
    pub method: &'a str,
    /// The path and query, or the full URL.
    pub target: &'a str,
    /// The body bytes.
    pub body: &'a [u8],
}

impl<'a> ServiceRequest<'a> {
    /// A request from its three parts.
    pub fn new(method: &'a str, target: &'a str, body: &'a [u8]) -> Self {
        ServiceRequest {
            method,
            target,
            body,
        }
    }

    /// Splits the target into its path and raw query (without `?`, empty if none).
    pub(crate) fn path_and_query(&self) -> (&'a str, &'a str) {
        let mut rest = self.target;
        if let Some(hash) = rest.find('#') {
            rest = rest.get(..hash).unwrap_or("");
        }
        // An absolute URL: drop `scheme://authority`. An origin-form target (starting
        // with `/`) is never one, even when its query holds a `://` (found by fuzzing).
        if let Some(scheme_end) = rest.find("://").filter(|_| !rest.starts_with('/')) {
            let after = rest.get(scheme_end + 3..).unwrap_or("");
            rest = match after.find(['/', '?']) {
                Some(i) => after.get(i..).unwrap_or(""),
                None => "",
            };
        }
        match rest.split_once('?') {
            Some((path, query)) => (if path.is_empty() { "/" } else { path }, query),
            None => (if rest.is_empty() { "/" } else { rest }, ""),
        }
    }
}

/// The emulator's answer: status, content type, body, and how long the server adapter
/// should wait before sending it (set by [`super::Fault::Delay`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceReply {
    /// The HTTP status: 200 for every API-level answer, as the service documents.
    pub status: u16,
    /// The `Content-Type` header value.
    pub content_type: &'static str,
    /// The body bytes.
    pub body: Vec<u8>,
    /// Wait this long before answering (`None`: answer at once).
    pub delay: Option<Duration>,
}

impl ServiceReply {
    pub(crate) fn json(status: u16, body: Vec<u8>) -> Self {
        ServiceReply {
            status,
            content_type: JSON,
            body,
            delay: None,
        }
    }

    pub(crate) fn text(status: u16, body: Vec<u8>) -> Self {
        ServiceReply {
            status,
            content_type: TEXT,
            body,
            delay: None,
        }
    }
}

/// The v1 `data`: the payload, or `""` when there is none (as the error envelopes).
#[derive(Serialize)]
#[serde(untagged)]
enum V1Data<'a> {
    Text(&'a str),
    Value(&'a RawValue),
}

#[derive(Serialize)]
struct V1Envelope<'a> {
    #[serde(rename = "errorCode")]
    error_code: i64,
    #[serde(rename = "errorMessage")]
    error_message: &'a str,
    #[serde(rename = "requestId")]
    request_id: &'a str,
    data: V1Data<'a>,
}

#[derive(Serialize)]
struct V4Envelope<'a> {
    #[serde(rename = "ActionStatus")]
    action_status: &'a str,
    #[serde(rename = "ErrorInfo")]
    error_info: &'a str,
    #[serde(rename = "ErrorCode")]
    error_code: i64,
    #[serde(rename = "RequestId")]
    request_id: &'a str,
    #[serde(rename = "Response", skip_serializing_if = "Option::is_none")]
    response: Option<&'a RawValue>,
}

/// A success body in `generation`'s envelope, with the payload as `data` (v1) or
/// `Response` (v4).
pub(crate) fn success(
    generation: Generation,
    request_id: &str,
    payload: Option<&RawValue>,
) -> Vec<u8> {
    match generation {
        Generation::V1 => to_json(&V1Envelope {
            error_code: 0,
            error_message: "Success",
            request_id,
            data: payload.map_or(V1Data::Text(""), V1Data::Value),
        }),
        Generation::V4 => to_json(&V4Envelope {
            action_status: "OK",
            error_info: "",
            error_code: 0,
            request_id,
            response: payload,
        }),
    }
}

/// An error body in `generation`'s envelope (v1 with `"data": ""`).
pub(crate) fn failure(
    generation: Generation,
    request_id: &str,
    code: i64,
    message: &str,
) -> Vec<u8> {
    match generation {
        Generation::V1 => to_json(&V1Envelope {
            error_code: code,
            error_message: message,
            request_id,
            data: V1Data::Text(""),
        }),
        Generation::V4 => to_json(&V4Envelope {
            action_status: "FAIL",
            error_info: message,
            error_code: code,
            request_id,
            response: None,
        }),
    }
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // These types hold only strings, integers and JSON values, which serde_json always
    // serializes; an empty body would still be a visible failure.
    serde_json::to_vec(value).unwrap_or_default()
}

/// A 64-bit mixer (SplitMix64's finaliser): deterministic, well spread ids without an RNG.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// 32 lowercase hex digits derived from the sequence number and the SDKAppID.
pub(crate) fn hex32(sdkappid: u32, seq: u64) -> String {
    let a = mix(seq ^ (u64::from(sdkappid) << 32));
    let b = mix(a ^ seq.rotate_left(17));
    alloc::format!("{a:016x}{b:016x}")
}

/// The request id in `generation`'s documented shape: v1 32 lowercase hex digits, v4
/// `Id-<32 hex>-O-Seq-<n>`.
pub(crate) fn request_id(generation: Generation, sdkappid: u32, seq: u64) -> String {
    let hex = hex32(sdkappid, seq);
    match generation {
        Generation::V1 => hex,
        Generation::V4 => alloc::format!("Id-{hex}-O-Seq-{seq}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split() {
        let split = |t| ServiceRequest::new("POST", t, b"").path_and_query();
        assert_eq!(split("/v1/callback/get?a=1"), ("/v1/callback/get", "a=1"));
        assert_eq!(split("https://h:1/v4/x?b#f"), ("/v4/x", "b"));
        assert_eq!(split("http://h?q"), ("/", "q"));
        assert_eq!(split("http://h"), ("/", ""));
        assert_eq!(split(""), ("/", ""));
        assert_eq!(
            split("/v1/callback/set?a=http://h/x"),
            ("/v1/callback/set", "a=http://h/x")
        );
    }

    #[test]
    fn ids_have_the_documented_shapes() {
        let v1 = request_id(Generation::V1, 1400000000, 7);
        assert_eq!(v1.len(), 32);
        assert!(
            v1.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        let v4 = request_id(Generation::V4, 1400000000, 7);
        assert!(v4.starts_with("Id-") && v4.ends_with("-O-Seq-7"), "{v4}");
        assert_ne!(hex32(1, 1), hex32(1, 2));
        assert_ne!(hex32(1, 1), hex32(2, 1));
    }
}
