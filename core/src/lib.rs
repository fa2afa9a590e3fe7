//! The sans-IO core of callkit: the protocol of Tencent RTC CallKit's server REST APIs
//! with no I/O, no clock and no random numbers inside.
//!
//! * [`usersig`]: TLSSigAPIv2 UserSig and PrivateMapKey generation and verification, and
//!   an admin signer that reuses its UserSig until shortly before it expires.
//! * [`callback`]: the seven callback-configuration endpoints (v1 and v4) as declarations
//!   ([`endpoint::Endpoint`]); requests are built as values ([`request::build_request`],
//!   [`request::SignedRequest`]) for a [`region::Server`], and responses parsed from
//!   `(status, body bytes)` ([`response::parse_response`]). [`validate`] holds the checks
//!   run before sending, [`ratelimit`] the client-side limiter, [`query`] the server's
//!   reading of the signed query.
//! * [`call_loop`]: a call's loop as a state machine ([`call_loop::CallLoop`]): rate
//!   limits, retries with jittered backoff, retry safety, UserSig renewal and failover,
//!   driven by an adapter with the time, the replies and the transport's failures.
//! * [`records`] and [`call_engine`]: call records of both generations, and the v4 call
//!   engine (live call state, robot calls, ending a call).
//! * [`registry`]: every endpoint declared once ([`for_each_endpoint!`]), with the
//!   [`registry::ALL`] list.
//! * [`webhook`]: the callbacks CallKit sends to the app, parsed into typed events.
//! * `emulator` (feature `emulator`): the CallKit REST service as a pure handler, for
//!   tests and local development.
//!
//! * [`redact`]: the UserSig redaction every message, excerpt and log line goes through.
//!
//! Time (`now`) and the request's `random` are always arguments.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod call_engine;
pub mod call_loop;
pub mod callback;
#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
pub mod emulator;
pub mod endpoint;
pub mod failover;
mod json_write;
mod plain_json;
pub mod query;
pub mod ratelimit;
pub mod records;
pub mod redact;
pub mod region;
pub mod registry;
pub mod request;
pub mod response;
pub mod secret;
mod spelling;
mod swar;
pub mod text;
mod url_check;
pub mod usersig;
pub mod validate;
pub mod webhook;
