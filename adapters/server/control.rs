//! What a test (or the emulator) can see and steer on a running [`LoopbackServer`].
//!
//! [`LoopbackServer`]: super::LoopbackServer

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// How an oversized test body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyFraming {
    /// With a `Content-Length` header: a client can refuse it before reading.
    ContentLength,
    /// Chunked, length unknown up front: a client must count while reading.
    Chunked,
}

#[derive(Debug, Default)]
struct Faults {
    delay_remaining: usize,
    delay: Duration,
    oversize_remaining: usize,
    oversize_bytes: usize,
    oversize_framing: Option<BodyFraming>,
    close_idle_after: Option<Duration>,
}

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
    faults: Mutex<Faults>,
}

/// A handle on a running server's counters and fault injection. Cheap to clone; usable
/// from any thread.
#[derive(Debug, Clone)]
pub struct ServerControl {
    pub(crate) shared: Arc<Shared>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
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

    /// Delays the next `count` responses by `delay` (to trigger client timeouts).
    pub fn delay_next(&self, count: usize, delay: Duration) {
        let mut faults = lock(&self.shared.faults);
        faults.delay_remaining = count;
        faults.delay = delay;
    }

    /// Replaces the next `count` responses with a 200 whose body is `bytes` long.
    pub fn oversize_next(&self, count: usize, bytes: usize, framing: BodyFraming) {
        let mut faults = lock(&self.shared.faults);
        faults.oversize_remaining = count;
        faults.oversize_bytes = bytes;
        faults.oversize_framing = Some(framing);
    }

    /// Overrides the server's [idle timeout](super::ServerBuilder::idle_timeout) from now
    /// on: a connection is closed once it has been idle for `after` following a response
    /// (without a `Connection: close` header, as a server's idle timeout does); `None`
    /// (the default) goes back to the configured timeout.
    pub fn close_idle_after(&self, after: Option<Duration>) {
        lock(&self.shared.faults).close_idle_after = after;
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

    pub(crate) fn take_delay(&self) -> Option<Duration> {
        let mut faults = lock(&self.shared.faults);
        if faults.delay_remaining == 0 {
            return None;
        }
        faults.delay_remaining -= 1;
        Some(faults.delay)
    }

    pub(crate) fn take_oversize(&self) -> Option<(usize, BodyFraming)> {
        let mut faults = lock(&self.shared.faults);
        if faults.oversize_remaining == 0 {
            return None;
        }
        faults.oversize_remaining -= 1;
        Some((
            faults.oversize_bytes,
            faults
                .oversize_framing
                .unwrap_or(BodyFraming::ContentLength),
        ))
    }

    pub(crate) fn idle_close(&self) -> Option<Duration> {
        lock(&self.shared.faults).close_idle_after
    }
}
