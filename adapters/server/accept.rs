//! The accept loop: a connection cap, and a back-off on accept errors so that a full
//! descriptor table (EMFILE/ENFILE) or a burst of aborted handshakes never spins a core.
//!
//! When accept fails with the descriptor table full, the pending connection stays in the
//! kernel's backlog and the listener stays readable: retrying at once fails again at once,
//! forever. The loop pauses instead (10 ms, doubling up to 1 s), keeps serving the
//! connections already open meanwhile, and resets the pause after the next success.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use smol::channel::Receiver;
use smol::lock::Semaphore;
use smol::net::TcpStream;

use super::connection::{self, Context};

/// Where connections come from: the real listener, or in tests one that fails on demand.
pub(crate) trait Accept: Send + 'static {
    /// The next connection.
    fn accept(&self) -> impl Future<Output = io::Result<TcpStream>>;
}

impl Accept for smol::net::TcpListener {
    async fn accept(&self) -> io::Result<TcpStream> {
        smol::net::TcpListener::accept(self)
            .await
            .map(|(stream, _peer)| stream)
    }
}

/// The pause after consecutive accept errors: `FIRST`, doubling, at most `MAX`.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The first pause.
    pub(crate) const FIRST: Duration = Duration::from_millis(10);
    /// The longest pause.
    pub(crate) const MAX: Duration = Duration::from_secs(1);

    /// Counts a failure and returns how long to pause before the next attempt.
    pub(crate) fn failed(&mut self) -> Duration {
        let pause = Self::FIRST
            .saturating_mul(1u32 << self.failures.min(16))
            .min(Self::MAX);
        self.failures = self.failures.saturating_add(1);
        pause
    }

    /// An accept succeeded: the next failure starts over from `FIRST`.
    pub(crate) fn succeeded(&mut self) {
        self.failures = 0;
    }
}

/// Resolves when the server shuts down (its channel is closed).
pub(crate) async fn closed(shutdown: &Receiver<()>) {
    let _ = shutdown.recv().await;
}

/// Accepts until shutdown, at most `max_connections` at a time (beyond that, new
/// connections wait in the kernel's backlog), then waits up to `grace` for the open ones.
pub(crate) fn run(
    listener: impl Accept,
    context: Arc<Context>,
    shutdown: Receiver<()>,
    max_connections: usize,
    grace: Duration,
) {
    let executor = smol::Executor::new();
    let slots = Arc::new(Semaphore::new(max_connections.max(1)));
    smol::block_on(executor.run(async {
        let mut connections: Vec<smol::Task<()>> = Vec::new();
        let mut backoff = Backoff::default();
        loop {
            let slot = smol::future::or(async { Some(slots.acquire_arc().await) }, async {
                closed(&shutdown).await;
                None
            });
            let Some(slot) = slot.await else { break };
            let accepted = smol::future::or(async { Some(listener.accept().await) }, async {
                closed(&shutdown).await;
                None
            });
            match accepted.await {
                None => break,
                Some(Ok(stream)) => {
                    backoff.succeeded();
                    context.control.connection_accepted();
                    connections.retain(|task| !task.is_finished());
                    let context = Arc::clone(&context);
                    connections.push(executor.spawn(async move {
                        connection::serve(stream, context).await;
                        drop(slot);
                    }));
                }
                Some(Err(error)) => {
                    drop(slot);
                    let pause = backoff.failed();
                    context.control.accept_failed();
                    log::warn!("accept failed ({error}); pausing accepts for {pause:?}");
                    smol::future::or(context.runtime.sleep(pause), closed(&shutdown)).await;
                }
            }
        }
        drop(listener);
        let all_done = async {
            for task in connections {
                task.await;
            }
        };
        smol::future::or(all_done, context.runtime.sleep(grace)).await;
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_10_ms_to_at_most_1_s_and_resets() {
        let mut backoff = Backoff::default();
        let pauses: Vec<u128> = (0..10).map(|_| backoff.failed().as_millis()).collect();
        assert_eq!(pauses, [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000]);
        for _ in 0..100 {
            assert_eq!(backoff.failed(), Backoff::MAX);
        }
        backoff.succeeded();
        assert_eq!(backoff.failed(), Backoff::FIRST);
    }
}
