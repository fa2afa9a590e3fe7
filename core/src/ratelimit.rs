//! Client-side rate limiting, sans-IO: the caller passes the monotonic time in and gets
//! back how long to wait.
//!
//! [`RateLimiter`] keeps the start times of the last `N` requests (a sliding-window log),
//! so no window of one second ever holds more than `N` starts: a burst of `k` requests
//! goes out as `N` at once, then `N` one second later, and so on, fitting in
//! `ceil(k / N)` one-second windows. [`RateLimiters`] holds one limiter per
//! [`RateClass`]: the client reserves slots in it (with a margin, see
//! [`RateLimiters::with_margin`]) and the emulator admits requests with it. Put it behind
//! a mutex to share it: each caller reserves a slot under the lock, releases the lock,
//! then sleeps the returned delay.
//!
//! ```
//! use core::time::Duration;
//! use callkit_core::ratelimit::RateLimiter;
//! use callkit_core::endpoint::RateClass;
//! let mut limiter = RateLimiter::new(RateClass::V1CallbackConfig);
//! let now = Duration::from_secs(100);
//! let delays: Vec<Duration> = (0..12).map(|_| limiter.reserve(now)).collect();
//! assert!(delays[..10].iter().all(|d| d.is_zero()));
//! assert_eq!(delays[10], Duration::from_secs(1));
//! assert_eq!(delays[11], Duration::from_secs(1));
//! ```

use alloc::vec::Vec;
use core::num::NonZeroU32;
use core::time::Duration;

use crate::endpoint::{Endpoint, RateClass};

/// A sliding-window limiter: at most `max` request starts in any window of `window`
/// (half-open: a start exactly `window` after another does not share its window).
#[derive(Debug, Clone)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    /// Start times of the last `max` reservations; `next` is the oldest once full.
    starts: Vec<Duration>,
    next: usize,
    /// The latest start handed out, so starts never go backwards even if `now` does.
    latest: Duration,
}

impl RateLimiter {
    /// A limiter for a class's documented budget: `per_second` starts per second.
    pub fn new(class: RateClass) -> Self {
        Self::for_class(class, Duration::ZERO)
    }

    /// A limiter for a class's budget whose one-second window is `margin` longer.
    fn for_class(class: RateClass, margin: Duration) -> Self {
        let max = NonZeroU32::new(class.per_second()).unwrap_or(NonZeroU32::MIN);
        Self::with_window(max, Duration::from_secs(1).saturating_add(margin))
    }

    /// A limiter for `max` starts per `window`.
    pub fn with_window(max: NonZeroU32, window: Duration) -> Self {
        let max = usize::try_from(max.get()).unwrap_or(usize::MAX);
        RateLimiter {
            max,
            window,
            starts: Vec::new(),
            next: 0,
            latest: Duration::ZERO,
        }
    }

    /// The earliest time, not before `now`, at which a request could start.
    pub fn next_start(&self, now: Duration) -> Duration {
        let earliest = if self.starts.len() < self.max {
            now
        } else {
            // Full: the oldest of the last `max` starts must have left the window.
            self.starts
                .get(self.next)
                .map_or(now, |oldest| oldest.saturating_add(self.window))
        };
        earliest.max(now).max(self.latest)
    }

    /// Reserves the next free slot and returns how long to wait before sending
    /// (zero: send now). The slot is spent even if the caller then gives up.
    pub fn reserve(&mut self, now: Duration) -> Duration {
        let start = self.next_start(now);
        self.record(start);
        start.saturating_sub(now)
    }

    /// Takes a slot only if one is free now; otherwise returns how long to wait and
    /// reserves nothing.
    pub fn acquire(&mut self, now: Duration) -> Result<(), Duration> {
        let start = self.next_start(now);
        if start > now {
            return Err(start - now);
        }
        self.record(now.max(self.latest));
        Ok(())
    }

    fn record(&mut self, start: Duration) {
        self.latest = start;
        if self.starts.len() < self.max {
            self.starts.push(start);
        } else if let Some(slot) = self.starts.get_mut(self.next) {
            *slot = start;
            self.next = (self.next + 1) % self.max;
        }
    }
}

/// One [`RateLimiter`] per [`RateClass`], sized from the documented budgets: the one
/// limiter implementation the client and the emulator both use.
#[derive(Debug, Clone)]
pub struct RateLimiters {
    classes: [RateLimiter; RateClass::ALL.len()],
}

impl Default for RateLimiters {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimiters {
    /// Limiters for every class at its documented budget, with exact one-second windows
    /// (how the service counts).
    pub fn new() -> Self {
        Self::with_margin(Duration::ZERO)
    }

    /// Limiters whose windows are one second plus `margin`.
    ///
    /// Why a client wants a margin: the service counts requests by when they *arrive*,
    /// and the network delays each request differently. If the client starts request 1
    /// at t = 0 and request 11 at t = 1.000 s, a 30 ms slower trip for request 1 puts
    /// both in one server-side second, and the 11th is refused. A window longer by the
    /// margin absorbs that much jitter, at the cost of a little of the budget.
    pub fn with_margin(margin: Duration) -> Self {
        RateLimiters {
            classes: RateClass::ALL.map(|class| RateLimiter::for_class(class, margin)),
        }
    }

    /// The limiter of `class`.
    pub fn limiter_mut(&mut self, class: RateClass) -> &mut RateLimiter {
        // `index` is an exhaustive match over the classes `ALL` lists, in order.
        &mut self.classes[class.index()]
    }

    /// Reserves a slot for a request drawing from `class`; returns how long to wait
    /// before sending.
    pub fn reserve(&mut self, class: RateClass, now: Duration) -> Duration {
        self.limiter_mut(class).reserve(now)
    }

    /// Takes a slot of `class` only if one is free now (see [`RateLimiter::acquire`]).
    pub fn acquire(&mut self, class: RateClass, now: Duration) -> Result<(), Duration> {
        self.limiter_mut(class).acquire(now)
    }

    /// Reserves a slot for a request to `E`; returns how long to wait before sending.
    pub fn reserve_for<E: Endpoint>(&mut self, now: Duration) -> Duration {
        self.reserve(E::RATE, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::{V1GetCallback, V4GetCallback};

    const MS: Duration = Duration::from_millis(1);

    /// Checks that no half-open window of one second holds more than `max` starts.
    fn assert_window_respected(starts: &[Duration], max: usize) {
        for (i, first) in starts.iter().enumerate() {
            let inside = starts[i..]
                .iter()
                .filter(|s| **s < *first + Duration::from_secs(1))
                .count();
            assert!(inside <= max, "{inside} starts within 1 s of {first:?}");
        }
    }

    #[test]
    fn a_burst_goes_out_ten_per_second() {
        let mut limiter = RateLimiter::new(RateClass::V1CallbackConfig);
        let now = Duration::from_secs(5);
        let starts: Vec<Duration> = (0..35).map(|_| now + limiter.reserve(now)).collect();
        for (i, start) in starts.iter().enumerate() {
            assert_eq!(
                *start,
                now + Duration::from_secs(i as u64 / 10),
                "request {i}"
            );
        }
        // 35 requests fit in ceil(35/10) = 4 one-second windows.
        assert!(*starts.last().unwrap() < now + Duration::from_secs(4));
        assert_window_respected(&starts, 10);
    }

    #[test]
    fn irregular_arrivals_never_exceed_the_budget() {
        let mut limiter = RateLimiter::new(RateClass::V1CallbackConfig);
        // A deterministic pseudo-random arrival pattern (xorshift), 0-150 ms apart.
        let mut x: u32 = 0x9e37_79b9;
        let mut now = Duration::ZERO;
        let mut starts = Vec::new();
        for _ in 0..500 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            now += MS * (x % 150);
            let wait = limiter.reserve(now);
            starts.push(now + wait);
        }
        assert!(starts.windows(2).all(|w| w[0] <= w[1]));
        assert_window_respected(&starts, 10);
    }

    #[test]
    fn acquire_waits_without_reserving() {
        let mut limiter = RateLimiter::with_window(NonZeroU32::new(2).unwrap(), MS * 100);
        let t0 = Duration::from_secs(1);
        assert_eq!(limiter.acquire(t0), Ok(()));
        assert_eq!(limiter.acquire(t0 + MS * 10), Ok(()));
        assert_eq!(limiter.acquire(t0 + MS * 20), Err(MS * 80));
        assert_eq!(limiter.acquire(t0 + MS * 99), Err(MS));
        assert_eq!(limiter.acquire(t0 + MS * 100), Ok(()));
        assert_eq!(limiter.acquire(t0 + MS * 100), Err(MS * 10));
        assert_eq!(limiter.acquire(t0 + MS * 110), Ok(()));
    }

    #[test]
    fn a_clock_that_steps_back_does_not_break_the_limit() {
        let mut limiter = RateLimiter::with_window(NonZeroU32::new(1).unwrap(), MS * 100);
        assert_eq!(limiter.reserve(MS * 500), Duration::ZERO);
        // Earlier than the last start: wait for the window after the last start.
        assert_eq!(limiter.reserve(MS * 400), MS * 200);
    }

    #[test]
    fn classes_are_independent() {
        let mut limiters = RateLimiters::new();
        let now = Duration::from_secs(1);
        for _ in 0..10 {
            assert_eq!(limiters.reserve_for::<V1GetCallback>(now), Duration::ZERO);
        }
        assert_eq!(
            limiters.reserve_for::<V1GetCallback>(now),
            Duration::from_secs(1)
        );
        for _ in 0..200 {
            assert_eq!(limiters.reserve_for::<V4GetCallback>(now), Duration::ZERO);
        }
        assert_eq!(
            limiters.reserve_for::<V4GetCallback>(now),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn every_class_has_its_own_limiter_and_budget() {
        let mut limiters = RateLimiters::new();
        let now = Duration::from_secs(1);
        for class in RateClass::ALL {
            assert_eq!(RateClass::ALL[class.index()], class);
            let budget = class.per_second();
            for _ in 0..budget {
                assert_eq!(limiters.reserve(class, now), Duration::ZERO, "{class:?}");
            }
            // Full: the next one waits, while the other classes (not yet used) stay free.
            assert_eq!(limiters.reserve(class, now), Duration::from_secs(1));
        }
    }

    #[test]
    fn a_margin_lengthens_the_window() {
        let mut limiters = RateLimiters::with_margin(MS * 50);
        let now = Duration::from_secs(10);
        for _ in 0..10 {
            limiters.reserve(RateClass::V1CallbackConfig, now);
        }
        assert_eq!(
            limiters.reserve(RateClass::V1CallbackConfig, now),
            MS * 1050
        );
        assert_eq!(limiters.reserve(RateClass::V4, now), Duration::ZERO);
    }
}
