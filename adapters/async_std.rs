//! [`AsyncStdTransport`]: the same hyper client on async-std's executor and timers.
//!
//! async-std is discontinued upstream (its authors point to smol); this transport exists
//! for services that still run on it. New code should prefer [`crate::SmolTransport`].
//! Both runtimes drive sockets with the async-io reactor, so the connection code is shared.

use crate::hyper_client::facade::runtime_transport;

runtime_transport!(
    ///
    /// async-std is discontinued upstream (its authors recommend smol); this transport is
    /// for services that still run on it. New code should prefer
    /// [`SmolTransport`](crate::SmolTransport): the two share all their code except the
    /// executor, timer and DNS thread pool.
    AsyncStdTransport,
    AsyncStdTransportBuilder,
    crate::runtime::AsyncStdRuntime,
    "async-std"
);
