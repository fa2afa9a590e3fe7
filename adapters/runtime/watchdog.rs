//! Request deadlines that cost no reactor round trip per request.
//!
//! An async-io `Timer` per request pushes a timer operation and wakes the reactor thread
//! (an eventfd write, then an extra `epoll_wait`, `read` and `timerfd_settime` somewhere)
//! every time it is armed, although almost every request finishes long before its
//! deadline. Here one watchdog thread, started on first use, holds every pending deadline
//! in a map and sleeps on a condition variable until the earliest one it knows of.
//! Arming a deadline is a mutex and a map insert; the thread is woken only when a new
//! deadline is earlier than the one it sleeps towards (the first request after an idle
//! spell, or a shorter timeout), so a steady stream of requests with the same timeout
//! wakes it about once per timeout period, not once per request.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Pending deadlines, ordered by time (the id keeps equal instants apart).
#[derive(Default)]
struct Pending {
    wakers: BTreeMap<(Instant, u64), Waker>,
    next_id: u64,
    /// Where the watchdog thread's current wait ends; `None` while it waits for work.
    wakes_at: Option<Instant>,
}

struct Watchdog {
    pending: Mutex<Pending>,
    changed: Condvar,
}

impl Watchdog {
    /// The map stays consistent under a panic elsewhere (each update is one call), so a
    /// poisoned lock is used as is.
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn run(&self) {
        let mut pending = self.lock();
        loop {
            let now = Instant::now();
            let mut due = Vec::new();
            while let Some(entry) = pending.wakers.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                due.push(entry.remove());
            }
            if !due.is_empty() {
                // Wake outside the lock: a waker may poll (and so re-lock) right away.
                drop(pending);
                due.into_iter().for_each(Waker::wake);
                pending = self.lock();
                continue;
            }
            pending = match pending.wakers.first_key_value() {
                Some((&(at, _), _)) => {
                    pending.wakes_at = Some(at);
                    let wait = at.saturating_duration_since(now);
                    self.changed
                        .wait_timeout(pending, wait)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => {
                    pending.wakes_at = None;
                    self.changed
                        .wait(pending)
                        .unwrap_or_else(PoisonError::into_inner)
                }
            };
        }
    }

    fn insert(&self, at: Instant, waker: &Waker) -> u64 {
        let mut pending = self.lock();
        let id = pending.next_id;
        pending.next_id = pending.next_id.wrapping_add(1);
        pending.wakers.insert((at, id), waker.clone());
        if pending.wakes_at.is_none_or(|wakes_at| at < wakes_at) {
            pending.wakes_at = Some(at);
            self.changed.notify_one();
        }
        id
    }

    fn update(&self, key: (Instant, u64), waker: &Waker) {
        if let Some(stored) = self.lock().wakers.get_mut(&key)
            && !stored.will_wake(waker)
        {
            stored.clone_from(waker);
        }
    }

    fn remove(&self, key: (Instant, u64)) {
        self.lock().wakers.remove(&key);
    }
}

/// The watchdog, its thread started on first use. `None` if the thread could not be
/// started; callers then fall back to the runtime's timer.
fn watchdog() -> Option<&'static Watchdog> {
    static WATCHDOG: OnceLock<Option<&'static Watchdog>> = OnceLock::new();
    *WATCHDOG.get_or_init(|| {
        let watchdog: &'static Watchdog = Box::leak(Box::new(Watchdog {
            pending: Mutex::new(Pending::default()),
            changed: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("callkit-deadlines".to_owned())
            .spawn(move || watchdog.run())
            .ok()
            .map(|_| watchdog)
    })
}

/// Resolves once `after` has passed since it was made. Armed on first poll, disarmed
/// when dropped.
pub(crate) struct Deadline {
    at: Instant,
    armed: Option<(&'static Watchdog, u64)>,
}

impl Deadline {
    /// A deadline `after` from now, or `None` if the watchdog thread is unavailable.
    pub(crate) fn after(after: Duration) -> Option<Deadline> {
        watchdog()?;
        Some(Deadline {
            // A timeout too large for `Instant` never fires.
            at: Instant::now().checked_add(after)?,
            armed: None,
        })
    }
}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if Instant::now() >= this.at {
            if let Some((watchdog, id)) = this.armed.take() {
                watchdog.remove((this.at, id));
            }
            return Poll::Ready(());
        }
        match this.armed {
            Some((watchdog, id)) => watchdog.update((this.at, id), cx.waker()),
            None => {
                if let Some(watchdog) = watchdog() {
                    this.armed = Some((watchdog, watchdog.insert(this.at, cx.waker())));
                }
            }
        }
        Poll::Pending
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some((watchdog, id)) = self.armed.take() {
            watchdog.remove((self.at, id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_fires_after_its_time_and_not_before() {
        let started = Instant::now();
        futures_lite::future::block_on(Deadline::after(Duration::from_millis(30)).unwrap());
        assert!(started.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn an_earlier_deadline_is_not_held_up_by_a_later_one() {
        let late = Deadline::after(Duration::from_secs(3600)).unwrap();
        let mut late = Box::pin(late);
        // Arm the late one first, so the watchdog sleeps towards it.
        let waker = Waker::noop();
        assert!(
            late.as_mut()
                .poll(&mut Context::from_waker(waker))
                .is_pending()
        );
        let started = Instant::now();
        futures_lite::future::block_on(Deadline::after(Duration::from_millis(20)).unwrap());
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(20));
        assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    }

    #[test]
    fn a_dropped_deadline_leaves_nothing_behind() {
        let mut deadline = Box::pin(Deadline::after(Duration::from_secs(3600)).unwrap());
        let waker = Waker::noop();
        let _ = deadline.as_mut().poll(&mut Context::from_waker(waker));
        let (watchdog, id) = deadline.armed.unwrap();
        let key = (deadline.at, id);
        assert!(watchdog.lock().wakers.contains_key(&key));
        drop(deadline);
        assert!(!watchdog.lock().wakers.contains_key(&key));
    }
}
