//! The client-side rate limiter: the core's sliding-window [`RateLimiter`], one per
//! [`RateClass`], with a window slightly longer than the documented second.
//!
//! Why the margin: the service counts requests by when they *arrive*, and the network
//! delays each request differently. If the client starts request 1 at t = 0 and request
//! 11 at t = 1.000 s, a 30 ms slower trip for request 1 puts both in one server-side
//! second, and the 11th is refused. Widening the client's window by the margin (default
//! 50 ms) absorbs that much jitter, at the cost of about 5% of the budget. The core's
//! `RateLimiters` fixes the window at exactly one second, hence this small wrapper.

use std::num::NonZeroU32;
use std::time::Duration;

use callkit_core::endpoint::{RateClass, RateLimit};
use callkit_core::ratelimit::RateLimiter;

/// The default extra length of each one-second window.
pub(crate) const DEFAULT_MARGIN: Duration = Duration::from_millis(50);

/// One limiter per rate class, created on first use.
#[derive(Debug)]
pub(crate) struct Limiters {
    window: Duration,
    classes: Vec<(RateClass, RateLimiter)>,
}

impl Limiters {
    /// Limiters whose windows are one second plus `margin`.
    pub(crate) fn new(margin: Duration) -> Self {
        Limiters {
            window: Duration::from_secs(1).saturating_add(margin),
            classes: Vec::new(),
        }
    }

    /// Reserves a start for a request drawing from `rate`; returns how long to wait.
    pub(crate) fn reserve(&mut self, rate: RateLimit, now: Duration) -> Duration {
        let index = match self
            .classes
            .iter()
            .position(|(class, _)| *class == rate.class)
        {
            Some(index) => index,
            None => {
                let max = NonZeroU32::new(rate.per_second).unwrap_or(NonZeroU32::MIN);
                self.classes
                    .push((rate.class, RateLimiter::with_window(max, self.window)));
                self.classes.len() - 1
            }
        };
        match self.classes.get_mut(index) {
            Some((_, limiter)) => limiter.reserve(now),
            None => Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_v1_request_waits_a_second_plus_the_margin() {
        let mut limiters = Limiters::new(DEFAULT_MARGIN);
        let now = Duration::from_secs(10);
        for _ in 0..10 {
            assert_eq!(
                limiters.reserve(RateLimit::V1_CALLBACK_CONFIG, now),
                Duration::ZERO
            );
        }
        assert_eq!(
            limiters.reserve(RateLimit::V1_CALLBACK_CONFIG, now),
            Duration::from_millis(1050)
        );
        // Another class has its own budget.
        assert_eq!(limiters.reserve(RateLimit::V4, now), Duration::ZERO);
    }
}
