//! AsyncStdTransport (async-std executor and timers) against the loopback server.
#![cfg(all(feature = "server", feature = "async-std"))]

mod support;
#[macro_use]
mod transport_common;

use callkit::AsyncStdTransport;
use support::*;

hyper_transport_tests!(
    AsyncStdTransport,
    callkit::AsyncStdTransportBuilder,
    async_std::task::block_on
);
