//! Where a client's calls wait their turn: the documented per-second budgets, kept in the
//! process by default, or shared with other processes ([`SharedRateLimiter`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use callkit_core::endpoint::{Endpoint, RateClass};
use callkit_core::ratelimit::RateLimiters;

/// What [`SharedRateLimiter::reserve`] returns: how long to wait before sending.
pub type PaceFuture<'a> = Pin<Box<dyn Future<Output = Duration> + Send + 'a>>;

/// A rate budget shared beyond this process, so that several instances of a service
/// together keep Tencent's per-app limits (for example
/// [`RedisRateLimiter`](crate::fleet::RedisRateLimiter), feature `redis`). Give it to
/// [`ClientBuilder::rate_limiter`](super::ClientBuilder::rate_limiter).
///
/// ```
/// use std::time::Duration;
/// use callkit::client::{PaceFuture, SharedRateLimiter};
/// use callkit::core::endpoint::RateClass;
///
/// /// Never waits: for a test that wants no pacing at all.
/// struct Unlimited;
///
/// impl SharedRateLimiter for Unlimited {
///     fn reserve(&self, _sdkappid: u32, _class: RateClass) -> PaceFuture<'_> {
///         Box::pin(async { Duration::ZERO })
///     }
/// }
/// ```
pub trait SharedRateLimiter: Send + Sync + 'static {
    /// Reserves a start for one request of `class` on app `sdkappid`; resolves to how long
    /// to wait before sending it. It must not fail: when its store is away it paces
    /// locally (and conservatively) instead.
    fn reserve(&self, sdkappid: u32, class: RateClass) -> PaceFuture<'_>;
}

/// The budget a client draws from.
pub(crate) enum Pace {
    /// One limiter per class in this process, shared by the client's clones (boxed: the
    /// limiters are large next to the other variant).
    Local(Box<Mutex<RateLimiters>>),
    /// A budget shared with other processes.
    Shared(std::sync::Arc<dyn SharedRateLimiter>),
}

/// How long an attempt waits for its slot: known at once, or after asking a shared budget.
pub(crate) enum Wait<'a> {
    /// Wait this long.
    Known(Duration),
    /// Wait what this resolves to.
    Asked(PaceFuture<'a>),
}

impl Pace {
    /// Reserves a slot for one request to `E`.
    pub(crate) fn reserve<E: Endpoint>(&self, sdkappid: u32, now: Duration) -> Wait<'_> {
        match self {
            Pace::Local(limiters) => Wait::Known(
                limiters
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .reserve_for::<E>(now),
            ),
            Pace::Shared(shared) => Wait::Asked(shared.reserve(sdkappid, E::RATE)),
        }
    }
}
