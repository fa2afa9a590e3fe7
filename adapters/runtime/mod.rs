//! The one runtime seam: the clock, timers, and the spawning and name resolution the
//! transports need, behind one object-safe trait ([`Runtime`]), in the spirit of quinn's.
//!
//! Everything in callkit that reads the time or waits goes through a runtime: the
//! clients (UserSig issue times, rate limits, backoffs), the hyper transports (connect and
//! request deadlines, connection tasks, DNS), the emulator (its clock, callback delivery
//! retries), the webhook receiver (`RequestTime` checks, its deduplication window) and
//! the Redis limiter. Implementations:
//!
//! | runtime | clock | timers | tasks and DNS |
//! | --- | --- | --- | --- |
//! | [`SmolRuntime`] (feature `smol`) | system | one watchdog thread | smol's executor and blocking pool |
//! | [`AsyncStdRuntime`] (feature `async-std`) | system | one watchdog thread | async-std's |
//! | [`ThreadRuntime`] | system | one watchdog thread | a thread per task, DNS inline |
//! | [`ManualRuntime`](crate::testing::ManualRuntime) (tests) | by hand | fire when the test advances past them | a thread per task |
//!
//! [`default_runtime`] is what everything uses unless given another.
//!
//! ```
//! use std::time::Duration;
//! use callkit::runtime::{Runtime, default_runtime};
//!
//! let runtime = default_runtime();
//! let before = runtime.now();
//! futures_lite::future::block_on(runtime.sleep(Duration::from_millis(1)));
//! assert!(runtime.now() >= before + Duration::from_millis(1));
//! assert!(runtime.unix_time() > Duration::from_secs(1_700_000_000));
//! ```

mod watchdog;

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// A boxed background task (a connection's driver).
pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A timer: resolves once its time has come.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A name resolution in progress.
pub type Resolve = Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send + 'static>>;

/// An async runtime as callkit sees it: time, timers, tasks, names. Object safe; shared
/// as `Arc<dyn Runtime>`.
pub trait Runtime: fmt::Debug + Send + Sync + 'static {
    /// Monotonic time since an arbitrary fixed point; never goes backwards.
    fn now(&self) -> Duration;

    /// Time since the Unix epoch (for UserSigs and the webhooks' `RequestTime`).
    fn unix_time(&self) -> Duration;

    /// A timer that fires once `duration` has passed on [`now`](Runtime::now) (at once
    /// for zero).
    fn sleep(&self, duration: Duration) -> Sleep;

    /// Runs `task` in the background, detached.
    fn spawn(&self, task: Task);

    /// Resolves `host` (a DNS name) to the addresses for `port`, off the async threads.
    fn resolve(&self, host: String, port: u16) -> Resolve;
}

/// The runtime used when none is given: [`SmolRuntime`] with the `smol` feature, else
/// [`AsyncStdRuntime`] with `async-std`, else [`ThreadRuntime`]. One per process.
pub fn default_runtime() -> Arc<dyn Runtime> {
    static DEFAULT: OnceLock<Arc<dyn Runtime>> = OnceLock::new();
    Arc::clone(DEFAULT.get_or_init(|| {
        #[cfg(feature = "smol")]
        return Arc::new(SmolRuntime);
        #[cfg(all(not(feature = "smol"), feature = "async-std"))]
        return Arc::new(AsyncStdRuntime);
        #[cfg(not(any(feature = "smol", feature = "async-std")))]
        return Arc::new(ThreadRuntime);
    }))
}

/// The system clock's monotonic side: an [`Instant`] measured from the first use in the
/// process.
fn system_now() -> Duration {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed()
}

/// The system clock's wall side. A clock before 1970 is misconfigured; 0 makes UserSigs
/// fail loudly.
fn system_unix_time() -> Duration {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
}

/// A timer on the watchdog thread, or async-io's timer if that thread cannot start.
///
/// Why the watchdog: an async-io `Timer` per request wakes the reactor thread each time
/// it is armed, although almost every request finishes long before its deadline (see
/// the `watchdog` module).
fn system_sleep(duration: Duration) -> Sleep {
    if duration.is_zero() {
        return Box::pin(std::future::ready(()));
    }
    match watchdog::Deadline::after(duration) {
        Some(deadline) => Box::pin(deadline),
        None => Box::pin(async move {
            async_io::Timer::after(duration).await;
        }),
    }
}

/// The clock and timers of every runtime on the system clock: the `Runtime` methods
/// `now`, `unix_time` and `sleep`, written once.
macro_rules! system_time {
    () => {
        fn now(&self) -> Duration {
            system_now()
        }

        fn unix_time(&self) -> Duration {
            system_unix_time()
        }

        fn sleep(&self, duration: Duration) -> Sleep {
            system_sleep(duration)
        }
    };
}

/// Blocking DNS resolution; runtimes call it on their blocking pool.
pub(crate) fn resolve_blocking(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    use std::net::ToSocketAddrs;
    Ok((host, port).to_socket_addrs()?.collect())
}

/// The system clock and the watchdog timers, with a thread per spawned task and DNS
/// resolved inline: for builds without an executor feature (the clients need only its
/// clock and timers).
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadRuntime;

impl Runtime for ThreadRuntime {
    system_time!();

    fn spawn(&self, task: Task) {
        spawn_thread(task);
    }

    fn resolve(&self, host: String, port: u16) -> Resolve {
        Box::pin(async move { resolve_blocking(&host, port) })
    }
}

/// Runs `task` to completion on a thread of its own (the runtimes without an executor).
pub(crate) fn spawn_thread(task: Task) {
    // A task that cannot get a thread is dropped: its connection closes, and the request
    // using it fails with a transport error.
    let _ = std::thread::Builder::new()
        .name("callkit-task".to_owned())
        .spawn(move || futures_lite::future::block_on(task));
}

/// smol: the system clock, the watchdog timers, tasks on smol's global executor, DNS on
/// its blocking pool.
#[cfg(feature = "smol")]
#[cfg_attr(docsrs, doc(cfg(feature = "smol")))]
#[derive(Debug, Clone, Copy, Default)]
pub struct SmolRuntime;

#[cfg(feature = "smol")]
impl Runtime for SmolRuntime {
    system_time!();

    fn spawn(&self, task: Task) {
        smol::spawn(task).detach();
    }

    fn resolve(&self, host: String, port: u16) -> Resolve {
        Box::pin(smol::unblock(move || resolve_blocking(&host, port)))
    }
}

/// async-std (discontinued upstream): the system clock, the watchdog timers, tasks on
/// async-std's executor, DNS on its blocking pool.
#[cfg(feature = "async-std")]
#[cfg_attr(docsrs, doc(cfg(feature = "async-std")))]
#[derive(Debug, Clone, Copy, Default)]
pub struct AsyncStdRuntime;

#[cfg(feature = "async-std")]
impl Runtime for AsyncStdRuntime {
    system_time!();

    fn spawn(&self, task: Task) {
        // Dropping the JoinHandle detaches the task.
        drop(async_std::task::spawn(task));
    }

    fn resolve(&self, host: String, port: u16) -> Resolve {
        Box::pin(async_std::task::spawn_blocking(move || {
            resolve_blocking(&host, port)
        }))
    }
}
