//! What a test can see on a running [`LoopbackServer`] (feature `test-util`; the server
//! keeps the counters either way), and what it can steer ([`faults`](super::faults)).
//!
//! [`LoopbackServer`]: super::LoopbackServer

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(feature = "test-util")]
use std::time::Duration;

/// The request count, and how many threads wait for it to change: a request only
/// notifies the condition when someone waits (a notification is a system call).
#[derive(Debug, Default)]
struct Requests {
    received: u64,
    waiters: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Shared {
    accepted: AtomicU64,
    accept_errors: AtomicU64,
    requests: Mutex<Requests>,
    requests_changed: Condvar,
    closed: Mutex<u64>,
    closed_changed: Condvar,
    #[cfg(feature = "test-util")]
    pub(super) faults: Mutex<super::faults::Faults>,
}

/// A handle on a running server's counters and fault injection. Cheap to clone; usable
/// from any thread.
#[derive(Debug, Clone)]
pub struct ServerControl {
    pub(crate) shared: Arc<Shared>,
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not wedge the server: the data stays consistent.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ServerControl {
    pub(crate) fn new() -> Self {
        ServerControl {
            shared: Arc::new(Shared::default()),
        }
    }

    pub(crate) fn connection_accepted(&self) {
        self.shared.accepted.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn accept_failed(&self) {
        self.shared.accept_errors.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn connection_closed(&self) {
        *lock(&self.shared.closed) += 1;
        self.shared.closed_changed.notify_all();
    }

    pub(crate) fn request_received(&self) {
        let mut requests = lock(&self.shared.requests);
        requests.received += 1;
        // Read under the lock: a waiter counts itself before it releases the lock to wait.
        if requests.waiters > 0 {
            drop(requests);
            self.shared.requests_changed.notify_all();
        }
    }
}

/// What a test reads (what it steers is in the `faults` module).
#[cfg(feature = "test-util")]
impl ServerControl {
    /// TCP connections accepted so far.
    pub fn connections_accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Accept calls that failed (e.g. the descriptor table was full); each one paused
    /// accepting for a while (see the [server docs](super#facing-the-internet)).
    pub fn accept_errors(&self) -> u64 {
        self.shared.accept_errors.load(Ordering::SeqCst)
    }

    /// Connections that have ended (closed by either side, or a failed TLS handshake).
    pub fn connections_closed(&self) -> u64 {
        *lock(&self.shared.closed)
    }

    /// Requests received (including ones refused for their body size).
    pub fn requests_received(&self) -> u64 {
        lock(&self.shared.requests).received
    }

    /// Blocks until at least `count` requests have been received, or `max_wait` passed.
    /// Returns whether the count was reached (a webhook receiver's test waits for the
    /// delivery this way, without polling a clock).
    pub fn wait_for_requests(&self, count: u64, max_wait: Duration) -> bool {
        let mut requests = lock(&self.shared.requests);
        requests.waiters += 1;
        let (mut requests, _) = self
            .shared
            .requests_changed
            .wait_timeout_while(requests, max_wait, |requests| requests.received < count)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        requests.waiters -= 1;
        requests.received >= count
    }

    /// Blocks until at least `count` connections have ended, or `max_wait` passed.
    /// Returns whether the count was reached. Waits on a condition, not on a clock: it
    /// returns as soon as the server closes the connection.
    pub fn wait_for_connections_closed(&self, count: u64, max_wait: Duration) -> bool {
        let closed = lock(&self.shared.closed);
        let (closed, _) = self
            .shared
            .closed_changed
            .wait_timeout_while(closed, max_wait, |closed| *closed < count)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *closed >= count
    }
}
