//! What an endpoint is: a declaration, not a code path.
//!
//! Every REST endpoint is a zero-sized type implementing [`Endpoint`]: its path, the API
//! generation (which decides the host family and the response envelope), its rate-limit
//! class, whether it is safe to retry, its request body type and its response type.
//! [`crate::request::build_request`] and [`crate::response::parse_response`] do the rest,
//! so adding an endpoint is a few lines (see [`crate::callback`] for the seven callback
//! configuration endpoints).

use core::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::response::ApiErrorKind;
use crate::validate::Validate;

/// The two published generations of the CallKit server API.
///
/// They differ in host, path style, response envelope and, importantly, in what their
/// error codes mean (70001 is "invalid parameter" in v1 but "UserSig expired" in v4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Generation {
    /// The legacy API on `callkit[-intl].trtc.tencent-cloud.com`: `/v1/...` paths and a
    /// camelCase `{errorCode, errorMessage, requestId, data}` envelope.
    V1,
    /// The current API on the Tencent Chat REST gateway: `/v4/...` paths and a PascalCase
    /// `{ActionStatus, ErrorInfo, ErrorCode, RequestId, Response}` envelope.
    V4,
}

impl Generation {
    /// `"v1"` or `"v4"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Generation::V1 => "v1",
            Generation::V4 => "v4",
        }
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A group of endpoints that share one documented request budget (spec §8.5).
///
/// The docs give a per-second limit on each endpoint's page without saying whether
/// endpoints share it; the SDK assumes the cautious reading and lets the endpoints of a
/// class share one limiter ([`crate::ratelimit::RateLimiters`]). Every class has its own
/// budget and its own limiter: [`RateClass::per_second`] and [`RateClass::index`] are
/// exhaustive matches, so a new class cannot fall into another's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RateClass {
    /// v1 `/v1/callback/{set,get,update,delete}`: 10 requests per second.
    V1CallbackConfig,
    /// v1 `/v1/records/get_record_by_callId`: 20 requests per second.
    V1RecordByCallId,
    /// v1 `/v1/records/get_records_by_filter`: 200 requests per second.
    V1RecordsByFilter,
    /// Every v4 endpoint: 200 requests per second.
    V4,
}

impl RateClass {
    /// Every class, in [`RateClass::index`] order.
    pub const ALL: [RateClass; 4] = [
        RateClass::V1CallbackConfig,
        RateClass::V1RecordByCallId,
        RateClass::V1RecordsByFilter,
        RateClass::V4,
    ];

    /// How many requests may start in any one-second window.
    ///
    /// ```
    /// use callkit_core::endpoint::RateClass;
    /// assert_eq!(RateClass::V1CallbackConfig.per_second(), 10);
    /// assert_eq!(RateClass::V1RecordByCallId.per_second(), 20);
    /// assert_eq!(RateClass::V4.per_second(), 200);
    /// ```
    pub const fn per_second(self) -> u32 {
        match self {
            RateClass::V1CallbackConfig => 10,
            RateClass::V1RecordByCallId => 20,
            RateClass::V1RecordsByFilter => 200,
            RateClass::V4 => 200,
        }
    }

    /// The class's position in [`RateClass::ALL`] (and its limiter's slot).
    pub const fn index(self) -> usize {
        match self {
            RateClass::V1CallbackConfig => 0,
            RateClass::V1RecordByCallId => 1,
            RateClass::V1RecordsByFilter => 2,
            RateClass::V4 => 3,
        }
    }
}

/// A request body with no fields; it serializes as `{}`, which the APIs require
/// instead of an empty body (and reads any JSON object, ignoring its fields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// The declaration of one REST endpoint.
///
/// ```
/// use callkit_core::endpoint::{Endpoint, Generation};
/// use callkit_core::callback::V1GetCallback;
/// assert_eq!(V1GetCallback::PATH, "/v1/callback/get");
/// assert_eq!(V1GetCallback::GENERATION, Generation::V1);
/// assert_eq!(V1GetCallback::RATE.per_second(), 10);
/// ```
pub trait Endpoint {
    /// The URL path, starting with `/` (e.g. `/v1/callback/set`).
    const PATH: &'static str;
    /// The API generation: decides which hosts serve it and how the response is enveloped.
    const GENERATION: Generation;
    /// The request budget this endpoint draws from.
    const RATE: RateClass;
    /// Whether sending the same request twice leaves the service as sending it once,
    /// so the client may retry after a lost response, a rate limit or an expired UserSig.
    /// A request that is not retry safe is resent only when it surely never left this
    /// machine.
    const RETRY_SAFE: bool;
    /// The endpoint's private error codes and what they mean, consulted before the
    /// generation's common table ([`crate::response::codes::classify`]).
    const PRIVATE_CODES: &'static [(i64, ApiErrorKind)] = &[];

    /// The JSON body sent (checked with [`Validate`] before anything is sent).
    /// The emulator reads it back with `Deserialize`, and checks it with the same
    /// [`Validate`].
    type Request: Serialize + DeserializeOwned + Validate;
    /// The payload as it travels: v1 `data`, or v4 `Response`.
    type Data: DeserializeOwned;
    /// What a successful call returns to the caller.
    type Response;

    /// Turns the payload of a successful response into the caller's value.
    /// `None` means the response lacked a payload this endpoint needs.
    fn response(data: Option<Self::Data>) -> Option<Self::Response>;

    /// Reads the payload of a successful reply without serde, for the endpoints whose
    /// replies are large or frequent (a page of call records, the callback `get`s); tried
    /// first by [`parse_response`](crate::response::parse_response), which then turns it
    /// into the response with [`Endpoint::response`] as it does serde's. It must give
    /// `None` for any body it does not read exactly as the serde reading would (the
    /// default: every body), and serde then reads it.
    fn read_plain(body: &[u8]) -> Option<Self::Data> {
        let _ = body;
        None
    }
}
