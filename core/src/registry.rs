//! The endpoint registry: every REST endpoint declared once, in one table.
//!
//! [`for_each_endpoint!`](crate::for_each_endpoint) hands the table to a macro of the
//! caller's choosing. From it come, in this crate, each endpoint's zero-sized type and
//! its [`Endpoint`] impl, [`EndpointId`] (one variant per endpoint) and [`ALL`]; in the
//! `callkit` crate, the async and blocking client methods; the emulator routes by
//! [`EndpointId::find`] and answers each with an exhaustive `match`. Adding an endpoint
//! is one entry here, its types, and its emulator behaviour.
//!
//! ```
//! use callkit_core::registry::{ALL, EndpointId};
//! assert_eq!(ALL.len(), 14);
//! let info = EndpointId::find("/v4/call_engine_http_srv/end_call").unwrap().info();
//! assert_eq!(info.method, "v4_end_call");
//! assert!(info.retry_safe);
//! assert!(!EndpointId::V4StartCallByRobot.info().retry_safe);
//! ```

use alloc::string::String;

use serde::de::IgnoredAny;

use crate::call_engine::{V4CallInfo, V4RobotCall, V4RobotCallStarted};
use crate::callback::{V1CallbackConfig, V4CallbackConfig, read_v1_get_reply, read_v4_get_reply};
use crate::endpoint::{Empty, Endpoint, Generation, RateClass};
use crate::records::{
    V1CallId, V1Record, V1RecordFilter, V1RecordPage, V4CallId, V4Record, V4RecordFilter,
    V4RecordPage, V4RecordReply, read_v4_page_reply,
};
use crate::response::codes::{V1_RECORDS_CODES, V4_CALL_ENGINE_CODES, V4_RECORD_CODES};
use crate::response::{ApiErrorKind, ResponseError, parse_response};

/// Calls `$callback!` with the endpoint table (optionally preceded by `[tokens]` passed
/// through as given).
///
/// Each entry reads:
///
/// ```text
/// /// docs
/// Name => method(arg) {
///     path: "...", generation: V1|V4, rate: <RateClass variant>, retry_safe: bool,
///     codes: <private code table>, request: Type, data: Type, response: Type,
///     convert: |data| expression,
///     read_plain: function,   // optional: see Endpoint::read_plain
/// }
/// ```
///
/// `method()` (no argument) means the body is [`Empty`]; `method(arg)` takes
/// `&Request`. Types are named as the registry module imports them: a callback macro
/// outside this crate should use only the names, methods and docs, and reach types
/// through `<callkit_core::registry::Name as Endpoint>`.
#[macro_export]
macro_rules! for_each_endpoint {
    ($callback:ident $(, [$($extra:tt)*])?) => {
        $callback! {
            [$($($extra)*)?]

            /// `POST /v1/callback/set`: creates the v1 callback configuration, replacing
            /// any (last call wins). Returns the address the service stored.
            V1SetCallback => v1_set_callback(config) {
                path: "/v1/callback/set", generation: V1, rate: V1CallbackConfig,
                retry_safe: true, codes: [],
                request: V1CallbackConfig, data: String, response: String,
                convert: |data| data,
            }

            /// `POST /v1/callback/get`: reads the v1 callback configuration (body `{}`).
            /// With none configured the service answers an error, probably code 999
            /// (`ApiErrorKind::NoConfiguration`).
            V1GetCallback => v1_get_callback() {
                path: "/v1/callback/get", generation: V1, rate: V1CallbackConfig,
                retry_safe: true, codes: [],
                request: Empty, data: V1CallbackConfig, response: V1CallbackConfig,
                convert: |data| data,
                read_plain: read_v1_get_reply,
            }

            /// `POST /v1/callback/update`: replaces the v1 callback configuration; fails
            /// with 999 (no configuration) if none was set. Returns the address stored.
            V1UpdateCallback => v1_update_callback(config) {
                path: "/v1/callback/update", generation: V1, rate: V1CallbackConfig,
                retry_safe: true, codes: [],
                request: V1CallbackConfig, data: String, response: String,
                convert: |data| data,
            }

            /// `POST /v1/callback/delete`: removes the v1 callback configuration (body
            /// `{}`). The documented `data` is `""`; whatever comes is ignored.
            V1DeleteCallback => v1_delete_callback() {
                path: "/v1/callback/delete", generation: V1, rate: V1CallbackConfig,
                retry_safe: true, codes: [],
                request: Empty, data: IgnoredAny, response: (),
                convert: |_data| Some(()),
            }

            /// `POST /v1/records/get_record_by_callId`: one call's record (the last 7
            /// days only; 20 per second).
            V1GetRecordByCallId => v1_get_record_by_call_id(call_id) {
                path: "/v1/records/get_record_by_callId", generation: V1,
                rate: V1RecordByCallId, retry_safe: true, codes: [V1_RECORDS_CODES],
                request: V1CallId, data: V1Record, response: V1Record,
                convert: |data| data,
            }

            /// `POST /v1/records/get_records_by_filter`: one page of the records of calls
            /// started in a time range (the last 7 days only; 200 per second).
            V1GetRecordsByFilter => v1_get_records_by_filter(filter) {
                path: "/v1/records/get_records_by_filter", generation: V1,
                rate: V1RecordsByFilter, retry_safe: true, codes: [V1_RECORDS_CODES],
                request: V1RecordFilter, data: V1RecordPage, response: V1RecordPage,
                convert: |data| data,
            }

            /// `POST /v4/call_config/set_callback`: sets the v4 callback configuration,
            /// replacing any. The reply is the envelope only.
            V4SetCallback => v4_set_callback(config) {
                path: "/v4/call_config/set_callback", generation: V4, rate: V4,
                retry_safe: true, codes: [],
                request: V4CallbackConfig, data: IgnoredAny, response: (),
                convert: |_data| Some(()),
            }

            /// `POST /v4/call_config/get_callback`: reads the v4 callback configuration
            /// (body `{}`); code 100301
            /// (`ApiErrorKind::NoConfiguration`)
            /// when there is none.
            V4GetCallback => v4_get_callback() {
                path: "/v4/call_config/get_callback", generation: V4, rate: V4,
                retry_safe: true, codes: [],
                request: Empty, data: V4CallbackConfig, response: V4CallbackConfig,
                convert: |data| data,
                read_plain: read_v4_get_reply,
            }

            /// `POST /v4/call_config/delete_callback`: removes the v4 callback
            /// configuration (body `{}`). The reply is the envelope only.
            V4DeleteCallback => v4_delete_callback() {
                path: "/v4/call_config/delete_callback", generation: V4, rate: V4,
                retry_safe: true, codes: [],
                request: Empty, data: IgnoredAny, response: (),
                convert: |_data| Some(()),
            }

            /// `POST /v4/call_record_http_srv/get_record_by_callid`: one call's record
            /// (the last 7 days only); code 101050
            /// (`ApiErrorKind::RecordNotFound`)
            /// when there is none.
            V4GetRecordByCallId => v4_get_record_by_call_id(call_id) {
                path: "/v4/call_record_http_srv/get_record_by_callid", generation: V4,
                rate: V4, retry_safe: true, codes: [V4_RECORD_CODES],
                request: V4CallId, data: V4RecordReply, response: V4Record,
                convert: |data| data.map(|reply| reply.record),
            }

            /// `POST /v4/call_record_http_srv/get_record_by_filter`: one page of the
            /// records of the last 7 days (`{}`: the first 10).
            V4GetRecordByFilter => v4_get_record_by_filter(filter) {
                path: "/v4/call_record_http_srv/get_record_by_filter", generation: V4,
                rate: V4, retry_safe: true, codes: [V4_RECORD_CODES],
                request: V4RecordFilter, data: V4RecordPage, response: V4RecordPage,
                convert: |data| data,
                read_plain: read_v4_page_reply,
            }

            /// `POST /v4/call_engine_http_srv/get_call_info`: a live call's state and its
            /// members; code 101004
            /// (`ApiErrorKind::CallNotFound`)
            /// once it has ended.
            V4GetCallInfo => v4_get_call_info(call_id) {
                path: "/v4/call_engine_http_srv/get_call_info", generation: V4, rate: V4,
                retry_safe: true, codes: [V4_CALL_ENGINE_CODES],
                request: V4CallId, data: V4CallInfo, response: V4CallInfo,
                convert: |data| data,
            }

            /// `POST /v4/call_engine_http_srv/start_call_by_robot`: a robot account calls
            /// the callees. **Not retry safe**: a second request could ring them twice,
            /// so after a failure where the request may have reached the service it is
            /// never resent.
            V4StartCallByRobot => v4_start_call_by_robot(call) {
                path: "/v4/call_engine_http_srv/start_call_by_robot", generation: V4,
                rate: V4, retry_safe: false, codes: [V4_CALL_ENGINE_CODES],
                request: V4RobotCall, data: V4RobotCallStarted, response: V4RobotCallStarted,
                // The API page documents the envelope only: no payload is a success.
                convert: |data| Some(data.unwrap_or_default()),
            }

            /// `POST /v4/call_engine_http_srv/end_call`: ends a live call. Ending one that
            /// already ended (or never existed) fails with 101004
            /// (`ApiErrorKind::CallNotFound`).
            V4EndCall => v4_end_call(call_id) {
                path: "/v4/call_engine_http_srv/end_call", generation: V4, rate: V4,
                retry_safe: true, codes: [V4_CALL_ENGINE_CODES],
                request: V4CallId, data: IgnoredAny, response: (),
                convert: |_data| Some(()),
            }
        }
    };
}

/// What [`ALL`] says about one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointInfo {
    /// Which endpoint.
    pub id: EndpointId,
    /// The type's name, e.g. `"V4EndCall"`.
    pub name: &'static str,
    /// The client method's name, e.g. `"v4_end_call"`.
    pub method: &'static str,
    /// [`Endpoint::PATH`].
    pub path: &'static str,
    /// [`Endpoint::GENERATION`].
    pub generation: Generation,
    /// [`Endpoint::RATE`].
    pub rate: RateClass,
    /// [`Endpoint::RETRY_SAFE`].
    pub retry_safe: bool,
    /// Whether the request body is [`Empty`] (the client method takes no argument).
    pub empty_body: bool,
}

macro_rules! declare {
    (
        []
        $(
            $(#[$doc:meta])*
            $name:ident => $method:ident($($arg:ident)?) {
                path: $path:literal, generation: $generation:ident, rate: $rate:ident,
                retry_safe: $safe:literal, codes: [$($codes:expr)?],
                request: $request:ty, data: $data:ty, response: $response:ty,
                convert: |$d:ident| $convert:expr,
                $(read_plain: $plain:path,)?
            }
        )+
    ) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct $name;

            impl Endpoint for $name {
                const PATH: &'static str = $path;
                const GENERATION: Generation = Generation::$generation;
                const RATE: RateClass = RateClass::$rate;
                const RETRY_SAFE: bool = $safe;
                $(const PRIVATE_CODES: &'static [(i64, ApiErrorKind)] = $codes;)?
                type Request = $request;
                type Data = $data;
                type Response = $response;
                fn response($d: Option<Self::Data>) -> Option<Self::Response> {
                    $convert
                }
                $(fn read_plain(body: &[u8]) -> Option<Self::Data> {
                    $plain(body)
                })?
            }
        )+

        /// One variant per registered endpoint, named as its type.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EndpointId {
            $(
                #[doc = concat!("[`", stringify!($name), "`]: `", $path, "`.")]
                $name,
            )+
        }

        /// Every registered endpoint, in table order.
        pub const ALL: &[EndpointInfo] = &[
            $(
                EndpointInfo {
                    id: EndpointId::$name,
                    name: stringify!($name),
                    method: stringify!($method),
                    path: $path,
                    generation: Generation::$generation,
                    rate: RateClass::$rate,
                    retry_safe: $safe,
                    empty_body: declare!(@empty $($arg)?),
                },
            )+
        ];

        impl EndpointId {
            /// Parses a reply to this endpoint ([`parse_response`]), keeping only whether
            /// it succeeded: for tests and tools that hold an id rather than a type.
            pub fn check_reply(self, status: u16, body: &[u8]) -> Result<(), ResponseError> {
                match self {
                    $(EndpointId::$name => parse_response::<$name>(status, body, 0).map(drop),)+
                }
            }
        }
    };
    (@empty) => { true };
    (@empty $arg:ident) => { false };
}

for_each_endpoint!(declare);

impl EndpointId {
    /// What the registry says about this endpoint.
    pub fn info(self) -> &'static EndpointInfo {
        // The variants and `ALL`'s entries come from one table in one order, so a
        // variant's discriminant is its entry's index.
        &ALL[self as usize]
    }

    /// The endpoint served at `path`, if any.
    pub fn find(path: &str) -> Option<EndpointId> {
        ALL.iter()
            .find(|info| info.path == path)
            .map(|info| info.id)
    }
}
