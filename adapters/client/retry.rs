//! Which failures are worth another attempt, and how long to wait first. Plain functions
//! of the error and the attempt number, shared by the async and blocking clients.

use std::time::Duration;

use callkit_core::response::ResponseError;

use super::Error;

/// After a rate-limit answer: at least the length of the service's window (1 s, both
/// generations), on top of whatever the client-side limiter then asks for. It doubles with
/// each attempt, up to [`MAX_RATE_LIMITED_BACKOFF`], and a jitter adds up to as much again.
pub(crate) const RATE_LIMITED_BACKOFF: Duration = Duration::from_secs(1);

/// The longest rate-limit wait before its jitter.
pub(crate) const MAX_RATE_LIMITED_BACKOFF: Duration = Duration::from_secs(8);

/// First wait after a server error or a connect failure; doubled per attempt, capped.
pub(crate) const BASE_BACKOFF: Duration = Duration::from_millis(200);

/// The longest backoff after a server error or a connect failure.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// `Some(wait)`: worth retrying after `wait` (if attempts remain).
    pub retry_after: Option<Duration>,
    /// The service said the UserSig expired: drop the cached one.
    pub renew_usersig: bool,
}

/// Judges the error of attempt `attempt` (1-based), whose request carried `random`.
///
/// * API errors: [`ApiError::is_retryable`](callkit_core::response::ApiError::is_retryable)
///   (rate limits, expired UserSigs, server errors, and only on `RETRY_SAFE` endpoints).
///   A rate limit waits a growing, jittered time (see [`rate_limited`]); an expired UserSig
///   retries at once with a new one; a server error backs off exponentially.
/// * 429 and 5xx statuses on retry-safe endpoints: as a rate limit and a server error.
/// * Transport errors: only [`FailureKind::NotSent`](crate::transport::FailureKind::NotSent)
///   (DNS, connect, TLS handshake, connect timeout), on any endpoint (nothing reached the
///   server, so even a non-idempotent call is safe). Anything after connecting may have
///   been processed and is returned.
pub(crate) fn judge(error: &Error, attempt: u32, random: u32) -> Verdict {
    let backoff = exponential(attempt);
    let rate_limited = rate_limited(attempt, random);
    match error {
        Error::Response(ResponseError::Api(api)) => Verdict {
            retry_after: api.is_retryable().then(|| {
                if api.is_rate_limited() {
                    rate_limited
                } else if api.is_usersig_expired() {
                    Duration::ZERO
                } else {
                    backoff
                }
            }),
            renew_usersig: api.is_usersig_expired(),
        },
        Error::Response(response @ ResponseError::HttpStatus { status, .. }) => Verdict {
            retry_after: response.is_retryable().then_some(if *status == 429 {
                rate_limited
            } else {
                backoff
            }),
            renew_usersig: false,
        },
        Error::Transport { kind, .. } if kind.is_retryable() => Verdict {
            retry_after: Some(backoff),
            renew_usersig: false,
        },
        _ => Verdict {
            retry_after: None,
            renew_usersig: false,
        },
    }
}

/// The wait after a rate-limit answer to attempt `attempt`:
/// `w = RATE_LIMITED_BACKOFF * 2^(attempt-1)` (at most `MAX_RATE_LIMITED_BACKOFF`), plus
/// `w * random / 2^32`.
///
/// Why jitter: clients (or processes) refused in the same second would otherwise all come
/// back after the same wait and be refused together again. `random` is the `random` the
/// refused request carried: already uniform over `u32`, drawn afresh per attempt, and
/// injected in tests, so the jitter needs no second source of randomness.
pub(crate) fn rate_limited(attempt: u32, random: u32) -> Duration {
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

/// `BASE_BACKOFF * 2^(attempt-1)`, at most `MAX_BACKOFF`.
fn exponential(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    BASE_BACKOFF.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
