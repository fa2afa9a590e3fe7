//! The callback-configuration endpoints of both generations, as declarations.
//!
//! * [`v1`]: `/v1/callback/{set,get,update,delete}` on the CallKit hosts, with the 25
//!   snake_case actions ([`V1Action`]).
//! * [`v4`]: `/v4/call_config/{set,get,delete}_callback` on the Chat gateways, with the
//!   three `Call.CallbackAfter*` commands ([`V4Command`]).
//!
//! Each endpoint is a zero-sized type implementing [`crate::endpoint::Endpoint`]; build
//! its request with [`crate::request::build_request`] and parse the reply with
//! [`crate::response::parse_response`].
//!
//! Retry safety: every one of the seven is safe to retry. `get` reads. `set`, `update`
//! and `set_callback` replace the whole configuration with the body sent ("the last call
//! wins", spec §3.1, §4.1), so sending the same body twice leaves the same state.
//! `delete` and `delete_callback` remove the one configuration an app has; a second
//! delete leaves nothing, as the first did (its reply may differ, not the state).

#[macro_use]
mod string_enum;

/// Declares callback-configuration endpoints of one generation: each a zero-sized type
/// whose [`Endpoint`](crate::endpoint::Endpoint) impl names its path, request body, the
/// `data` it expects and how that becomes the caller's response.
macro_rules! callback_endpoints {
    (
        generation: $generation:ident, rate: $rate:ident;
        $(
            $(#[$doc:meta])*
            $name:ident, $path:literal, $request:ty, $data:ty, $response:ty,
            |$d:ident| $convert:expr;
        )+
    ) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct $name;

            impl Endpoint for $name {
                const PATH: &'static str = $path;
                const GENERATION: Generation = Generation::$generation;
                const RATE: RateLimit = RateLimit::$rate;
                // See the module docs: every callback endpoint leaves the same state when
                // repeated.
                const RETRY_SAFE: bool = true;
                type Request = $request;
                type Data = $data;
                type Response = $response;
                fn response($d: Option<Self::Data>) -> Option<Self::Response> {
                    $convert
                }
            }
        )+
    };
}

pub mod v1;
pub mod v4;

pub use v1::{
    V1Action, V1CallbackConfig, V1DeleteCallback, V1GetCallback, V1SetCallback, V1UpdateCallback,
};
pub use v4::{V4CallbackConfig, V4Command, V4DeleteCallback, V4GetCallback, V4SetCallback};
