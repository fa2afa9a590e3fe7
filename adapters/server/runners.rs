//! The threads that run a server's connections, and the handler calls on them.
//!
//! A handler is called inline, on the thread polling its connection. A quick one (a
//! webhook callback that puts its event in a channel, an emulator REST answer) then costs
//! no hand-off to another thread and back, which on a busy machine costs more than the
//! rest of the request. A handler may still be slow or block (on a lock, a file, a request
//! of its own to this same server): a monitor thread looks every [`TICK`] and, when every
//! runner has been inside the same handler call since its last look, starts one more
//! runner thread (up to the server's limit), which serves the other connections
//! meanwhile. So a slow handler holds up its own request only, and the others for at most
//! two ticks. A runner beyond the first retires after [`RETIRE_AFTER`] once another runner
//! is free besides itself, so a burst of slow handlers leaves no threads behind.
//!
//! Why real time for these two and not the server's [`Runtime`]: they are about a real
//! thread being stuck, which a test's manual clock cannot tell; the protocol's deadlines
//! (header, body, idle) stay on the server's runtime.
//!
//! What a quick call costs: three atomic counter updates and one flag read. The monitor
//! sleeps without a timer while no handler runs.
//!
//! The application's own tasks ([`Runners::spawn_task`], behind
//! `LoopbackServer::spawn`) run on the same executor, and each poll of one is watched like
//! a handler call: a task that blocks a runner gets the others served by a new one, and
//! one that panics ends alone. The server keeps their handles, to give them a grace to
//! finish when it stops.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use smol::channel::{Receiver, Sender};

use super::accept::unless_closed;
use crate::runtime::{Runtime, ThreadRuntime};

/// How often the monitor looks for runners stuck in a handler while handlers run.
pub(crate) const TICK: Duration = Duration::from_millis(5);

/// How long an extra runner waits between checks whether it is still needed.
pub(crate) const RETIRE_AFTER: Duration = Duration::from_millis(500);

/// The runner threads of one server, sharing one executor. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Runners {
    shared: Arc<Shared>,
}

struct Shared {
    executor: smol::Executor<'static>,
    /// Handler calls started so far.
    calls: AtomicU64,
    /// Runner threads now inside a handler call.
    inside: AtomicUsize,
    /// Runner threads running the executor.
    running: AtomicUsize,
    /// The most runner threads at once.
    limit: usize,
    /// The monitor is asleep until the next handler call (no handler was running).
    monitor_idle: AtomicBool,
    /// Wakes the idle monitor.
    wake_monitor: Sender<()>,
    /// Closed once the server has stopped (after its shutdown grace): the monitor and
    /// the extra runners end. Not at the shutdown signal: the grace may need a runner.
    stopped: Receiver<()>,
    /// Thread names: `{name}-{i}`.
    name: String,
    /// The application's tasks, until the server takes them to wait for at its stop.
    tasks: Mutex<Vec<smol::Task<()>>>,
}

impl std::fmt::Debug for Runners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runners")
            .field("running", &self.shared.running.load(SeqCst))
            .field("limit", &self.shared.limit)
            .finish_non_exhaustive()
    }
}

impl Runners {
    /// The runners of a server whose own thread will be the first (see [`run`](Self::run)),
    /// at most `limit` (at least 1) at once; starts the monitor thread.
    pub(crate) fn start(
        limit: usize,
        name: String,
        stopped: Receiver<()>,
    ) -> std::io::Result<Self> {
        let (wake_monitor, woken) = smol::channel::bounded(1);
        let shared = Arc::new(Shared {
            executor: smol::Executor::new(),
            calls: AtomicU64::new(0),
            inside: AtomicUsize::new(0),
            running: AtomicUsize::new(1),
            limit: limit.max(1),
            monitor_idle: AtomicBool::new(false),
            wake_monitor,
            stopped,
            name,
            tasks: Mutex::new(Vec::new()),
        });
        let monitored = Arc::clone(&shared);
        std::thread::Builder::new()
            .name(format!("{}-monitor", shared.name))
            .spawn(move || monitored.monitor(&woken))?;
        Ok(Runners { shared })
    }

    /// Spawns `future` on the runners' executor.
    pub(crate) fn spawn<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> smol::Task<T> {
        self.shared.executor.spawn(future)
    }

    /// Spawns an application task, each poll of it watched like a handler call (see
    /// [`call`](Self::call)); a panic ends the task (logged) and nothing else. Its handle
    /// is kept for [`take_tasks`](Self::take_tasks).
    pub(crate) fn spawn_task(&self, task: impl Future<Output = ()> + Send + 'static) {
        let watched = Watched {
            runners: self.clone(),
            task: Box::pin(task),
        };
        let handle = self.shared.executor.spawn(watched);
        let mut tasks = super::control::lock(&self.shared.tasks);
        tasks.retain(|task| !task.is_finished());
        tasks.push(handle);
    }

    /// The application tasks spawned so far, for the server to wait for (and then drop,
    /// which cancels those still running) as it stops.
    pub(crate) fn take_tasks(&self) -> Vec<smol::Task<()>> {
        std::mem::take(&mut *super::control::lock(&self.shared.tasks))
    }

    /// Runs the executor on this thread (the first runner) until `future` is done, then
    /// runs what is left to run: a task cancelled while it waited is only dropped (its
    /// socket closed) when an executor runs it once more.
    pub(crate) fn run<T>(&self, future: impl Future<Output = T>) -> T {
        let output = smol::block_on(self.shared.executor.run(future));
        while self.shared.executor.try_tick() {}
        output
    }

    /// Calls `handler` here, on the runner thread, counted so that the monitor can tell
    /// when every runner is stuck in one; `Err` with the panic payload if it panicked.
    pub(crate) fn call<T>(&self, handler: impl FnOnce() -> T) -> std::thread::Result<T> {
        let shared = &*self.shared;
        shared.calls.fetch_add(1, SeqCst);
        if shared.monitor_idle.load(SeqCst) {
            // Full means a wake-up is already on its way.
            let _ = shared.wake_monitor.try_send(());
        }
        shared.inside.fetch_add(1, SeqCst);
        let result = std::panic::catch_unwind(AssertUnwindSafe(handler));
        shared.inside.fetch_sub(1, SeqCst);
        result
    }
}

/// An application task whose every poll is a watched call.
struct Watched {
    runners: Runners,
    task: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl Future for Watched {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Watched { runners, task } = &mut *self;
        runners
            .call(|| task.as_mut().poll(cx))
            .unwrap_or_else(|_panic| {
                // The panic hook has already printed its message.
                log::error!("a task spawned on the server panicked; it has ended");
                Poll::Ready(())
            })
    }
}

/// Waits until every one of `tasks` has ended, or `deadline` first.
pub(crate) async fn all_ended_or<'t>(
    tasks: impl IntoIterator<Item = &'t mut smol::Task<()>>,
    deadline: impl Future<Output = ()>,
) {
    let all_ended = async {
        for task in tasks {
            task.await;
        }
    };
    smol::future::or(all_ended, deadline).await;
}

/// Cancels `tasks` and waits until each is dropped (those already finished at once), but
/// at most one [`TICK`] of real time: a task whose poll is stuck on a thread is dropped
/// only once that poll returns, whenever that is.
pub(crate) async fn cancel(tasks: Vec<smol::Task<()>>) {
    let mut cancelling: Vec<_> = tasks
        .into_iter()
        .map(|task| Box::pin(task.cancel()))
        .collect();
    let all_cancelled = std::future::poll_fn(|cx| {
        cancelling.retain_mut(|task| task.as_mut().poll(cx).is_pending());
        if cancelling.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    });
    smol::future::or(all_cancelled, ThreadRuntime.sleep(TICK)).await;
}

/// Sleeps `duration` of real time; `true` if the server stopped first.
async fn sleep_unless_stopped(duration: Duration, stopped: &Receiver<()>) -> bool {
    unless_closed(ThreadRuntime.sleep(duration), stopped)
        .await
        .is_none()
}

impl Shared {
    /// The monitor thread: adds a runner when every runner has been inside the same
    /// handler call for a whole tick.
    fn monitor(self: Arc<Self>, woken: &Receiver<()>) {
        let mut seen = self.calls.load(SeqCst);
        loop {
            if futures_lite::future::block_on(sleep_unless_stopped(TICK, &self.stopped)) {
                return;
            }
            let calls = self.calls.load(SeqCst);
            if calls == seen {
                let inside = self.inside.load(SeqCst);
                if inside == 0 {
                    // Nothing ran for a tick: sleep until a call starts. The flag is
                    // set before the count is read again, and a call bumps the count
                    // before it reads the flag, so one of the two sees the other.
                    self.monitor_idle.store(true, SeqCst);
                    if self.calls.load(SeqCst) == calls {
                        let wake = unless_closed(woken.recv(), &self.stopped);
                        // `Some(Err)` cannot happen: `self` holds the sender.
                        if !matches!(futures_lite::future::block_on(wake), Some(Ok(()))) {
                            return;
                        }
                    }
                    self.monitor_idle.store(false, SeqCst);
                } else if inside >= self.running.load(SeqCst) {
                    // No call started for a tick and every runner is in one: all stuck.
                    Arc::clone(&self).add_runner();
                }
            }
            seen = self.calls.load(SeqCst);
        }
    }

    /// Starts one more runner thread, unless at the limit (only the monitor adds).
    fn add_runner(self: Arc<Self>) {
        let running = self.running.load(SeqCst);
        if running >= self.limit {
            return;
        }
        self.running.fetch_add(1, SeqCst);
        let name = format!("{}-{running}", self.name);
        let runner = Arc::clone(&self);
        if std::thread::Builder::new()
            .name(name)
            .spawn(move || runner.run_extra())
            .is_err()
        {
            // No thread to be had: the stuck handlers' own threads serve on once free.
            self.running.fetch_sub(1, SeqCst);
        }
    }

    /// An extra runner: runs the executor until another runner besides it is free (it
    /// retires) or the server has stopped.
    fn run_extra(self: Arc<Self>) {
        let retired = async {
            loop {
                if sleep_unless_stopped(RETIRE_AFTER, &self.stopped).await {
                    self.running.fetch_sub(1, SeqCst);
                    return;
                }
                let running = self.running.load(SeqCst);
                let free = running.saturating_sub(self.inside.load(SeqCst));
                if free >= 2
                    && self
                        .running
                        .compare_exchange(running, running - 1, SeqCst, SeqCst)
                        .is_ok()
                {
                    return;
                }
            }
        };
        smol::block_on(self.executor.run(retired));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A handler blocked until a later call on the same runners releases it: only an
    /// extra runner can make that later call, and it retires once both are free.
    #[test]
    fn a_stuck_handler_gets_an_extra_runner_which_retires_afterwards() {
        let (stopped_tx, stopped) = smol::channel::bounded::<()>(1);
        let runners = Runners::start(4, "test-runner".to_owned(), stopped).unwrap();
        let (release_tx, release) = std::sync::mpsc::channel::<()>();
        let stuck = {
            let inner = runners.clone();
            runners.spawn(async move {
                inner.call(move || release.recv().unwrap()).unwrap();
                std::thread::current().name().map(str::to_owned)
            })
        };
        let releasing = {
            let inner = runners.clone();
            runners.spawn(async move {
                inner.call(move || release_tx.send(()).unwrap()).unwrap();
                std::thread::current().name().map(str::to_owned)
            })
        };
        let (first, second) = runners.run(async { (stuck.await, releasing.await) });
        assert_ne!(first, second, "the release came from another runner");
        // Once both are free again, the extra runner retires.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while runners.shared.running.load(SeqCst) > 1 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(runners.shared.running.load(SeqCst), 1);
        drop(stopped_tx);
    }

    #[test]
    fn panics_are_contained_and_counted_out() {
        let (_stopped_tx, stopped) = smol::channel::bounded::<()>(1);
        let runners = Runners::start(1, "test-runner".to_owned(), stopped).unwrap();
        assert!(runners.call(|| -> u8 { panic!("handler bug") }).is_err());
        assert_eq!(runners.call(|| 7).unwrap(), 7);
        assert_eq!(runners.shared.inside.load(SeqCst), 0);
        assert_eq!(runners.shared.calls.load(SeqCst), 2);
    }
}
