//! How many attempts a call gets, and how long it waits between them: plain functions
//! of the attempt number and the request's `random`.

use core::time::Duration;

/// After a rate-limit answer: at least the length of the service's window (1 s, both
/// generations), on top of whatever the rate limiter then asks for. It doubles with each
/// attempt, up to [`MAX_RATE_LIMITED_BACKOFF`], and a jitter adds up to as much again.
pub const RATE_LIMITED_BACKOFF: Duration = Duration::from_secs(1);

/// The longest rate-limit wait before its jitter.
pub const MAX_RATE_LIMITED_BACKOFF: Duration = Duration::from_secs(8);

/// First wait after a server error or a request that was not sent; doubled per attempt,
/// capped at [`MAX_BACKOFF`].
pub const BASE_BACKOFF: Duration = Duration::from_millis(200);

/// The longest backoff after a server error or a request that was not sent.
pub const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// The default number of attempts per call (the first plus two retries).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// How persistent a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    max_attempts: u32,
}

impl Policy {
    /// At most `max_attempts` attempts per call (0 counts as 1).
    pub const fn new(max_attempts: u32) -> Self {
        Policy {
            max_attempts: if max_attempts == 0 { 1 } else { max_attempts },
        }
    }

    /// The most attempts a call makes.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }
}

impl Default for Policy {
    /// [`DEFAULT_MAX_ATTEMPTS`] attempts.
    fn default() -> Self {
        Policy::new(DEFAULT_MAX_ATTEMPTS)
    }
}

/// The wait after a rate-limit answer to attempt `attempt` (from 1):
/// `w = RATE_LIMITED_BACKOFF * 2^(attempt-1)` (at most `MAX_RATE_LIMITED_BACKOFF`), plus
/// `w * random / 2^32`.
///
/// Why jitter: clients (or processes) refused in the same second would otherwise all come
/// back after the same wait and be refused together again. `random` is the `random` the
/// refused request carried: already uniform over `u32`, drawn afresh per attempt by the
/// driver, so the jitter needs no second source of randomness.
pub fn rate_limited(attempt: u32, random: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    let wait = RATE_LIMITED_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_RATE_LIMITED_BACKOFF);
    let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
    let extra = (u128::from(nanos) * u128::from(random)) >> 32;
    wait.saturating_add(Duration::from_nanos(
        u64::try_from(extra).unwrap_or(u64::MAX),
    ))
}

/// The wait after a server error or a request that was not sent, on attempt `attempt`:
/// `BASE_BACKOFF * 2^(attempt-1)`, at most `MAX_BACKOFF`.
pub fn exponential(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    BASE_BACKOFF.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn rate_limit_waits_grow_and_spread_by_the_requests_random() {
        let secs = Duration::from_secs;
        // No jitter at random 0: 1, 2, 4, 8, 8 s.
        let bare: Vec<Duration> = (1..=5).map(|a| rate_limited(a, 0)).collect();
        assert_eq!(bare, [secs(1), secs(2), secs(4), secs(8), secs(8)]);
        // Half the range adds half the wait; the top of the range nearly doubles it.
        assert_eq!(rate_limited(1, 1 << 31), Duration::from_millis(1500));
        assert_eq!(rate_limited(3, 1 << 31), secs(6));
        assert!(rate_limited(1, u32::MAX) < secs(2) && rate_limited(1, u32::MAX) > secs(1));
        // Two clients refused together come back at different times.
        assert_ne!(rate_limited(1, 0x1234_5678), rate_limited(1, 0x8765_4321));
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(exponential(1), Duration::from_millis(200));
        assert_eq!(exponential(2), Duration::from_millis(400));
        assert_eq!(exponential(3), Duration::from_millis(800));
        assert_eq!(exponential(5), MAX_BACKOFF);
        assert_eq!(exponential(u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn a_policy_makes_at_least_one_attempt() {
        assert_eq!(Policy::new(0).max_attempts(), 1);
        assert_eq!(Policy::default().max_attempts(), DEFAULT_MAX_ATTEMPTS);
    }
}
