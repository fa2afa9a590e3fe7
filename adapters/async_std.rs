//! [`AsyncStdTransport`]: the same hyper client on async-std's executor and timers.
//!
//! async-std is discontinued upstream (its authors point to smol); this transport exists
//! for services that still run on it. New code should prefer [`crate::SmolTransport`].
//! Both runtimes drive sockets with the async-io reactor, so the connection code is shared.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::hyper_client::facade::runtime_transport;
use crate::hyper_client::runtime::{Runtime, Task, resolve_blocking};

/// async-std: `task::spawn`, `task::sleep`, `task::spawn_blocking` for DNS.
pub(crate) struct AsyncStd;

impl Runtime for AsyncStd {
    fn spawn(task: Task) {
        // Dropping the JoinHandle detaches the task.
        drop(async_std::task::spawn(task));
    }

    async fn sleep(duration: Duration) {
        async_std::task::sleep(duration).await;
    }

    async fn resolve(host: String, port: u16) -> io::Result<Vec<SocketAddr>> {
        async_std::task::spawn_blocking(move || resolve_blocking(&host, port)).await
    }
}

runtime_transport!(
    AsyncStdTransport,
    AsyncStdTransportBuilder,
    AsyncStd,
    "async-std (discontinued upstream)"
);
