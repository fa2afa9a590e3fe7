//! The callback-configuration endpoints of both generations, as declarations.
//!
//! * [`v1`]: `/v1/callback/{set,get,update,delete}` on the CallKit hosts, with the 25
//!   snake_case actions ([`V1Action`]).
//! * [`v4`]: `/v4/call_config/{set,get,delete}_callback` on the Chat gateways, with the
//!   three `Call.CallbackAfter*` commands ([`V4Command`]).
//!
//! Each endpoint is a zero-sized type implementing [`crate::endpoint::Endpoint`],
//! declared in [`crate::registry`] and re-exported here; build its request with
//! [`crate::request::build_request`] and parse the reply with
//! [`crate::response::parse_response`].
//!
//! Retry safety: every one of the seven is safe to retry. `get` reads. `set`, `update`
//! and `set_callback` replace the whole configuration with the body sent ("the last call
//! wins", spec §3.1, §4.1), so sending the same body twice leaves the same state.
//! `delete` and `delete_callback` remove the one configuration an app has; a second
//! delete leaves nothing, as the first did (its reply may differ, not the state).

#[macro_use]
mod string_enum;

mod plain;
pub mod v1;
pub mod v4;

pub use crate::registry::{
    V1DeleteCallback, V1GetCallback, V1SetCallback, V1UpdateCallback, V4DeleteCallback,
    V4GetCallback, V4SetCallback,
};
pub(crate) use plain::{read_v1_get_reply, read_v4_get_reply};
pub use v1::{V1Action, V1CallbackConfig};
pub use v4::{V4CallbackConfig, V4Command};
