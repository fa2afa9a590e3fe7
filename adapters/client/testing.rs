//! Test helpers: a [`ManualClock`] that only moves when told to, and sleepers that record
//! each requested wait and advance that clock instead of waiting.
//!
//! ```
//! use std::time::Duration;
//! use callkit::client::{Clock, testing::ManualClock};
//!
//! let clock = ManualClock::new(Duration::from_secs(1_700_000_000));
//! let sleep = clock.blocking_sleeper();
//! sleep(Duration::from_millis(1_050));
//! assert_eq!(clock.monotonic(), Duration::from_millis(1_050));
//! assert_eq!(clock.unix_time(), Duration::from_millis(1_700_000_001_050));
//! assert_eq!(clock.sleeps(), [Duration::from_millis(1_050)]);
//! ```

use std::future::{Ready, ready};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::Clock;

#[derive(Debug, Default)]
struct State {
    unix_start: Duration,
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

/// A clock for tests: the monotonic time starts at zero, the Unix time at the value
/// given, and both move only by [`advance`](ManualClock::advance) or the sleepers.
/// Clones share the same time.
///
/// The sleepers return at once, having advanced the clock by the requested wait, so a
/// test runs a rate-limited or retried call instantly and reads back the waits. Exact on
/// one thread (including many futures joined on one thread); with threads sleeping at the
/// same moment the clock advances by the sum of their waits.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    state: Arc<Mutex<State>>,
}

impl ManualClock {
    /// A clock whose Unix time starts at `unix_start` (since the epoch).
    pub fn new(unix_start: Duration) -> Self {
        ManualClock {
            state: Arc::new(Mutex::new(State {
                unix_start,
                ..State::default()
            })),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.with(|state| state.elapsed += by);
    }

    /// Every wait requested from the sleepers, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.with(|state| state.sleeps.clone())
    }

    /// Records `duration` and advances the clock by it.
    pub fn sleep(&self, duration: Duration) {
        self.with(|state| {
            state.sleeps.push(duration);
            state.elapsed += duration;
        });
    }

    /// An async sleeper for [`ClientBuilder::sleep`](super::ClientBuilder::sleep): records
    /// the wait, advances the clock, and is ready at once.
    pub fn sleeper(&self) -> impl Fn(Duration) -> Ready<()> + Send + Sync + 'static {
        let clock = self.clone();
        move |duration| {
            clock.sleep(duration);
            ready(())
        }
    }

    /// The blocking sleeper for the blocking client's `sleep`: records, advances, returns.
    pub fn blocking_sleeper(&self) -> impl Fn(Duration) + Send + Sync + 'static {
        let clock = self.clone();
        move |duration| clock.sleep(duration)
    }
}

impl Clock for ManualClock {
    fn unix_time(&self) -> Duration {
        self.with(|state| state.unix_start + state.elapsed)
    }

    fn monotonic(&self) -> Duration {
        self.with(|state| state.elapsed)
    }
}
