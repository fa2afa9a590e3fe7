//! Which failures are worth another attempt, and how long to wait first. Plain functions
//! of the error and the attempt number, shared by the async and blocking clients.

use std::time::Duration;

use callkit_core::response::ResponseError;

use super::Error;
use crate::TransportError;

/// After a rate-limit answer: the length of the service's window (1 s, both generations),
/// on top of whatever the client-side limiter then asks for.
pub(crate) const RATE_LIMITED_BACKOFF: Duration = Duration::from_secs(1);

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

/// Judges the error of attempt `attempt` (1-based).
///
/// * API errors: [`ApiError::is_retryable`](callkit_core::response::ApiError::is_retryable)
///   (rate limits, expired UserSigs, server errors, and only on `RETRY_SAFE` endpoints).
///   A rate limit waits [`RATE_LIMITED_BACKOFF`]; an expired UserSig retries at once with
///   a new one; a server error backs off exponentially.
/// * 429 and 5xx statuses on retry-safe endpoints: as a rate limit and a server error.
/// * Transport errors: only a failure to connect, where the request surely was not sent,
///   on any endpoint (nothing reached the server, so even a non-idempotent call is safe).
///   Anything after connecting may have been processed and is returned.
pub(crate) fn judge(error: &Error, attempt: u32) -> Verdict {
    let backoff = exponential(attempt);
    match error {
        Error::Response(ResponseError::Api(api)) => Verdict {
            retry_after: api.is_retryable().then(|| {
                if api.is_rate_limited() {
                    RATE_LIMITED_BACKOFF
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
                RATE_LIMITED_BACKOFF
            } else {
                backoff
            }),
            renew_usersig: false,
        },
        Error::Transport { not_sent: true, .. } => Verdict {
            retry_after: Some(backoff),
            renew_usersig: false,
        },
        _ => Verdict {
            retry_after: None,
            renew_usersig: false,
        },
    }
}

/// `BASE_BACKOFF * 2^(attempt-1)`, at most `MAX_BACKOFF`.
fn exponential(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    BASE_BACKOFF.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

/// Whether a transport error means the request surely never left this machine: a
/// [`TransportError::Connect`] (DNS or TCP), a [`TransportError::Tls`] (the handshake
/// failed, so no HTTP byte was sent; a hijacked name fails here) or a connect timeout of
/// a bundled transport. Errors of other types (a closure's own) are assumed possibly
/// sent.
pub(crate) fn surely_not_sent(error: &(dyn std::error::Error + 'static)) -> bool {
    matches!(
        error.downcast_ref::<TransportError>(),
        Some(TransportError::Connect { .. })
            | Some(TransportError::Tls { .. })
            | Some(TransportError::Timeout {
                what: crate::TimeoutKind::Connect,
                ..
            })
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(exponential(1), Duration::from_millis(200));
        assert_eq!(exponential(2), Duration::from_millis(400));
        assert_eq!(exponential(3), Duration::from_millis(800));
        assert_eq!(exponential(5), MAX_BACKOFF);
        assert_eq!(exponential(u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn only_connect_and_handshake_failures_count_as_not_sent() {
        let refused = TransportError::Connect {
            target: "h:1".into(),
            source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        };
        assert!(surely_not_sent(&refused));
        let handshake = TransportError::Tls {
            target: "h:443".into(),
            source: std::io::Error::other("certificate for another name"),
        };
        assert!(surely_not_sent(&handshake));
        let connect_timeout = TransportError::Timeout {
            what: crate::TimeoutKind::Connect,
            target: "h".into(),
            after: Duration::from_secs(1),
        };
        assert!(surely_not_sent(&connect_timeout));
        let request_timeout = TransportError::Timeout {
            what: crate::TimeoutKind::Request,
            target: "h".into(),
            after: Duration::from_secs(1),
        };
        assert!(!surely_not_sent(&request_timeout));
        let other = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(!surely_not_sent(&other));
    }
}
