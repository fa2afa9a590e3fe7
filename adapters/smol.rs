//! [`SmolTransport`]: the hyper client on smol's global executor and async-io timers.
//!
//! ```no_run
//! use std::time::Duration;
//! use callkit::transport::Transport;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let transport = callkit::SmolTransport::builder()
//!     .request_timeout(Duration::from_secs(5))
//!     .build()?;
//! let request = http::Request::post("https://console.tim.qq.com/v4/...").body(b"{}".to_vec())?;
//! let response = smol::block_on(transport.send(request))?;
//! println!("{}", response.status());
//! # Ok(()) }
//! ```

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::hyper_client::facade::runtime_transport;
use crate::hyper_client::runtime::{Runtime, Task, resolve_blocking};

/// smol: tasks on the global executor, timers from async-io, DNS on the blocking pool.
pub(crate) struct Smol;

impl Runtime for Smol {
    fn spawn(task: Task) {
        smol::spawn(task).detach();
    }

    async fn sleep(duration: Duration) {
        async_io::Timer::after(duration).await;
    }

    async fn resolve(host: String, port: u16) -> io::Result<Vec<SocketAddr>> {
        smol::unblock(move || resolve_blocking(&host, port)).await
    }
}

runtime_transport!(SmolTransport, SmolTransportBuilder, Smol, "smol");
