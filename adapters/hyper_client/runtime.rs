//! The little a hyper client needs from an async runtime: spawn, sleep, resolve.
//!
//! Sockets come from `async-io` for every runtime: smol and async-std both drive their
//! I/O with the async-io reactor, so an `Async<TcpStream>` works under either.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

/// A boxed background task (a connection's driver).
pub(crate) type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// One async runtime's executor and timer.
pub(crate) trait Runtime: Send + Sync + 'static {
    /// Runs `task` in the background, detached.
    fn spawn(task: Task);

    /// Resolves after `duration`.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;

    /// Resolves `host` (a DNS name) off the async threads.
    fn resolve(host: String, port: u16)
    -> impl Future<Output = io::Result<Vec<SocketAddr>>> + Send;
}

/// Blocking DNS resolution; runtimes call it on their blocking pool.
pub(crate) fn resolve_blocking(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    use std::net::ToSocketAddrs;
    Ok((host, port).to_socket_addrs()?.collect())
}
