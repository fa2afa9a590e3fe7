//! The accept loop: a connection cap, and a back-off on accept errors so that a full
//! descriptor table (EMFILE/ENFILE) or a burst of aborted handshakes never spins a core.
//!
//! When accept fails with the descriptor table full, the pending connection stays in the
//! kernel's backlog and the listener stays readable: retrying at once fails again at once,
//! forever. The loop pauses instead (10 ms, doubling up to 1 s), keeps serving the
//! connections already open meanwhile, and resets the pause after the next success.

use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use smol::channel::{Receiver, Sender};
use smol::lock::Semaphore;
use smol::net::TcpStream;

use super::connection::{self, Context};
use super::control::{ServerControl, lock};
use super::runners;

/// Where connections come from: the real listener, or in tests one that fails on demand.
pub(crate) trait Accept: Send + Sync + 'static {
    /// The next connection.
    fn accept(&self) -> impl Future<Output = io::Result<TcpStream>> + Send;
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

/// Waits for `future`, or gives `None` once `signal` is closed (the server shutting down,
/// or stopped).
pub(crate) async fn unless_closed<T>(
    future: impl Future<Output = T>,
    signal: &Receiver<()>,
) -> Option<T> {
    smol::future::or(async { Some(future.await) }, async {
        closed(signal).await;
        None
    })
    .await
}

/// A second handle on a connection's socket, for shutting it down while its task is stuck
/// in a handler; emptied when the task ends, so that the socket closes with it.
#[derive(Clone)]
struct OpenSocket(Arc<Mutex<Option<TcpStream>>>);

impl OpenSocket {
    /// Shuts the socket down (its client sees the close), if its connection is still open.
    fn shut_down(&self) {
        if let Some(socket) = self.forget() {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Lets go of the second handle (the connection has ended), returning it if held.
    fn forget(&self) -> Option<TcpStream> {
        lock(&self.0).take()
    }
}

/// Counts the connection as closed when dropped, i.e. after its socket is gone.
struct ClosedOnDrop(ServerControl);

impl Drop for ClosedOnDrop {
    fn drop(&mut self) {
        self.0.connection_closed();
    }
}

/// Drops the [`OpenSocket`]'s handle when the connection's task ends or is cancelled.
struct ForgetOnDrop(OpenSocket);

impl Drop for ForgetOnDrop {
    fn drop(&mut self) {
        self.0.forget();
    }
}

/// An open connection's task (a function, not a closure: the accept loop's future must be
/// `Send` for every lifetime of the borrow).
fn task_of((task, _socket): &mut (smol::Task<()>, OpenSocket)) -> &mut smol::Task<()> {
    task
}

/// Accepts until shutdown, at most `max_connections` at a time (beyond that, new
/// connections wait in the kernel's backlog), then waits up to `grace` for the open ones
/// and cancels the rest, then the same for the application's tasks. Runs on the calling
/// thread, the server's first runner; `stopped` is dropped once the listener is closed,
/// every connection has ended and every application task has ended or been cancelled.
pub(crate) fn run(
    listener: impl Accept,
    context: Arc<Context>,
    shutdown: Receiver<()>,
    max_connections: usize,
    grace: Duration,
    stopped: Sender<()>,
) {
    let runners = context.runners.clone();
    // A task rather than the runner's own future: when this thread is stuck in a slow
    // handler, another runner accepts meanwhile.
    let accepting = runners.spawn(async move {
        let slots = Arc::new(Semaphore::new(max_connections.max(1)));
        // Each connection's task, and its socket to close at the end of the grace.
        let mut connections: Vec<(smol::Task<()>, OpenSocket)> = Vec::new();
        let mut backoff = Backoff::default();
        loop {
            let Some(slot) = unless_closed(slots.acquire_arc(), &shutdown).await else {
                break;
            };
            match unless_closed(listener.accept(), &shutdown).await {
                None => break,
                Some(Ok(stream)) => {
                    backoff.succeeded();
                    context.control.connection_accepted();
                    connections.retain(|(task, _)| !task.is_finished());
                    let socket = OpenSocket(Arc::new(Mutex::new(Some(stream.clone()))));
                    let closed = ClosedOnDrop(context.control.clone());
                    let forget_on_end = ForgetOnDrop(socket.clone());
                    let connection_context = Arc::clone(&context);
                    let task = context.runners.spawn(async move {
                        // Dropped in reverse order when the task ends or is cancelled
                        // while running: the socket's last handle first, then the count.
                        let _closed = closed;
                        let _forget_on_end = forget_on_end;
                        connection::serve(stream, connection_context).await;
                        drop(slot);
                    });
                    connections.push((task, socket));
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
        let tasks = connections.iter_mut().map(task_of);
        runners::all_ended_or(tasks, context.runtime.sleep(grace)).await;
        // Past the grace: the connections still open are closed and their tasks cancelled.
        // A task inside a handler that is still running ends when the handler returns (its
        // response is discarded); its socket is shut down now, so its client sees the close.
        for (_task, socket) in connections {
            socket.shut_down();
        }
        // The application's tasks get a grace of their own, after the handler is dropped
        // (unless a stuck call still holds it): a task draining a channel the handler sent
        // into sees it close, takes what is left and ends. Those still running then are
        // cancelled.
        let runtime = Arc::clone(&context.runtime);
        let mut tasks = context.runners.take_tasks();
        drop(context);
        runners::all_ended_or(&mut tasks, runtime.sleep(grace)).await;
        runners::cancel(tasks).await;
        drop(stopped);
    });
    runners.run(accepting);
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
