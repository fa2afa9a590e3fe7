//! Test helpers: [`ManualRuntime`], a [`Runtime`] whose time moves only when the test
//! says so.
//!
//! ```
//! use std::time::Duration;
//! use callkit::runtime::Runtime;
//! use callkit::testing::ManualRuntime;
//!
//! let runtime = ManualRuntime::new(Duration::from_secs(1_700_000_000));
//! let mut timer = runtime.sleep(Duration::from_millis(1_050));
//! // Nothing fires until the test moves the time past it.
//! assert!(futures_lite::future::block_on(futures_lite::future::poll_once(&mut timer)).is_none());
//! runtime.advance(Duration::from_secs(1));
//! assert!(futures_lite::future::block_on(futures_lite::future::poll_once(&mut timer)).is_none());
//! runtime.advance(Duration::from_millis(50));
//! futures_lite::future::block_on(timer);
//! assert_eq!(runtime.now(), Duration::from_millis(1_050));
//! assert_eq!(runtime.unix_time(), Duration::from_millis(1_700_000_001_050));
//! assert_eq!(runtime.sleeps(), [Duration::from_millis(1_050)]);
//! ```

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::runtime::{Resolve, Runtime, Sleep, Task, resolve_blocking, spawn_thread};

#[derive(Debug, Default)]
struct State {
    unix_start: Duration,
    elapsed: Duration,
    /// Armed timers by deadline (the id keeps equal deadlines apart).
    timers: BTreeMap<(Duration, u64), Waker>,
    next_id: u64,
    sleeps: Vec<Duration>,
    auto_advance: bool,
    /// How far each read of the Unix time moves the clock.
    unix_step: Duration,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when a timer is armed, for [`ManualRuntime::wait_for_timers`].
    armed: Condvar,
}

/// A runtime for tests: the monotonic time starts at zero and the Unix time at the value
/// given, and both move only by [`advance`](ManualRuntime::advance). A timer fires when
/// the test advances past its deadline; nothing really sleeps. Clones share the same
/// time. Spawned tasks run on threads of their own; names resolve as the system does
/// (loopback in tests).
///
/// [`ManualRuntime::auto_advance`] makes one whose every sleep moves the time to its end
/// at once: a client's backoffs and rate-limit waits then run instantly, and the test
/// reads them back from [`sleeps`](ManualRuntime::sleeps). Exact on one thread (many
/// futures joined on one thread included); with threads sleeping at the same moment the
/// time moves by the sum of their waits.
#[derive(Debug, Clone, Default)]
pub struct ManualRuntime {
    shared: Arc<Shared>,
}

impl ManualRuntime {
    /// A runtime whose Unix time starts at `unix_start` (since the epoch); its timers
    /// fire only when the test advances the time.
    pub fn new(unix_start: Duration) -> Self {
        let runtime = ManualRuntime::default();
        runtime.lock().unix_start = unix_start;
        runtime
    }

    /// A runtime whose every sleep advances the time to its end at once.
    pub fn auto_advance(unix_start: Duration) -> Self {
        let runtime = ManualRuntime::new(unix_start);
        runtime.lock().auto_advance = true;
        runtime
    }

    /// Makes every read of the Unix time move the clock on by `step` afterwards: a clock
    /// that never reads the same twice (no two UserSigs alike), or that spreads requests
    /// out (a server's rate limit never trips).
    #[must_use]
    pub fn with_unix_step(self, step: Duration) -> Self {
        self.lock().unix_step = step;
        self
    }

    /// The runtime as the `Arc<dyn Runtime>` builders take.
    pub fn shared(&self) -> Arc<dyn Runtime> {
        Arc::new(self.clone())
    }

    /// The state stays consistent under a panic elsewhere (each update is one step), so
    /// a poisoned lock is used as is.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the time forward by `by`, firing every timer it passes.
    pub fn advance(&self, by: Duration) {
        let due = {
            let mut state = self.lock();
            state.elapsed = state.elapsed.saturating_add(by);
            take_due(&mut state)
        };
        // Wake outside the lock: a waker may poll (and so re-lock) right away.
        due.into_iter().for_each(Waker::wake);
    }

    /// Every sleep asked of the runtime, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// How many timers are armed and waiting.
    pub fn pending_timers(&self) -> usize {
        self.lock().timers.len()
    }

    /// Blocks until at least `count` timers are armed: a test on another thread than the
    /// code under test calls it before [`advance`](ManualRuntime::advance), so that the
    /// deadline it moves past exists. Waits on a condition, never on a clock.
    pub fn wait_for_timers(&self, count: usize) {
        let mut state = self.lock();
        while state.timers.len() < count {
            state = self
                .shared
                .armed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

fn take_due(state: &mut State) -> Vec<Waker> {
    let mut due = Vec::new();
    while let Some(entry) = state.timers.first_entry() {
        if entry.key().0 > state.elapsed {
            break;
        }
        due.push(entry.remove());
    }
    due
}

impl Runtime for ManualRuntime {
    fn now(&self) -> Duration {
        self.lock().elapsed
    }

    fn unix_time(&self) -> Duration {
        let (now, due) = {
            let mut state = self.lock();
            let now = state.unix_start.saturating_add(state.elapsed);
            let mut due = Vec::new();
            if !state.unix_step.is_zero() {
                state.elapsed = state.elapsed.saturating_add(state.unix_step);
                due = take_due(&mut state);
            }
            (now, due)
        };
        due.into_iter().for_each(Waker::wake);
        now
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let (at, due) = {
            let mut state = self.lock();
            state.sleeps.push(duration);
            let at = state.elapsed.saturating_add(duration);
            let mut due = Vec::new();
            if state.auto_advance {
                state.elapsed = at;
                due = take_due(&mut state);
            }
            (at, due)
        };
        due.into_iter().for_each(Waker::wake);
        Box::pin(ManualSleep {
            runtime: self.clone(),
            at,
            armed: None,
        })
    }

    fn spawn(&self, task: Task) {
        spawn_thread(task);
    }

    fn resolve(&self, host: String, port: u16) -> Resolve {
        Box::pin(async move { resolve_blocking(&host, port) })
    }
}

/// A [`ManualRuntime`] timer.
struct ManualSleep {
    runtime: ManualRuntime,
    at: Duration,
    armed: Option<u64>,
}

impl Future for ManualSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut state = this.runtime.lock();
        if state.elapsed >= this.at {
            if let Some(id) = this.armed.take() {
                state.timers.remove(&(this.at, id));
            }
            return Poll::Ready(());
        }
        let id = *this.armed.get_or_insert_with(|| {
            let id = state.next_id;
            state.next_id += 1;
            id
        });
        state.timers.insert((this.at, id), cx.waker().clone());
        drop(state);
        this.runtime.shared.armed.notify_all();
        Poll::Pending
    }
}

impl Drop for ManualSleep {
    fn drop(&mut self) {
        if let Some(id) = self.armed.take() {
            self.runtime.lock().timers.remove(&(self.at, id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future::{block_on, poll_once};

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn timers_fire_in_order_as_the_time_passes_them_and_a_dropped_one_is_forgotten() {
        let runtime = ManualRuntime::new(Duration::ZERO);
        let mut late = runtime.sleep(SEC * 3);
        let mut early = runtime.sleep(SEC);
        let mut dropped = runtime.sleep(SEC * 2);
        assert!(block_on(poll_once(&mut late)).is_none());
        assert!(block_on(poll_once(&mut early)).is_none());
        assert!(block_on(poll_once(&mut dropped)).is_none());
        assert_eq!(runtime.pending_timers(), 3);
        drop(dropped);
        assert_eq!(runtime.pending_timers(), 2);
        runtime.advance(SEC);
        assert!(block_on(poll_once(&mut early)).is_some());
        assert!(block_on(poll_once(&mut late)).is_none());
        assert_eq!(runtime.pending_timers(), 1);
        runtime.advance(SEC * 2);
        assert!(block_on(poll_once(&mut late)).is_some());
        assert_eq!(runtime.pending_timers(), 0);
        assert_eq!(runtime.sleeps(), [SEC * 3, SEC, SEC * 2]);
    }

    #[test]
    fn an_auto_advancing_runtime_spends_each_sleep_at_once() {
        let runtime = ManualRuntime::auto_advance(SEC * 100);
        block_on(runtime.sleep(SEC * 2));
        block_on(runtime.sleep(Duration::from_millis(500)));
        assert_eq!(runtime.now(), Duration::from_millis(2_500));
        assert_eq!(runtime.unix_time(), Duration::from_millis(102_500));
    }

    #[test]
    fn a_unix_step_moves_the_time_on_each_read() {
        let runtime = ManualRuntime::new(SEC * 10).with_unix_step(SEC);
        assert_eq!(runtime.unix_time(), SEC * 10);
        assert_eq!(runtime.unix_time(), SEC * 11);
        assert_eq!(runtime.now(), SEC * 2);
    }

    #[test]
    fn a_timer_on_another_thread_fires_when_the_test_advances() {
        let runtime = ManualRuntime::new(Duration::ZERO);
        let sleeper = runtime.clone();
        let waiting = std::thread::spawn(move || block_on(sleeper.sleep(SEC * 60)));
        runtime.wait_for_timers(1);
        runtime.advance(SEC * 60);
        waiting.join().unwrap();
        assert_eq!(runtime.pending_timers(), 0);
    }
}
