//! SmolTransport against the loopback server.
#![cfg(feature = "server")]

mod support;
#[macro_use]
mod transport_common;

use callkit::SmolTransport;
use support::*;

hyper_transport_tests!(SmolTransport, callkit::SmolTransportBuilder, smol::block_on);
