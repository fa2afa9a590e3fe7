//! Where a client's calls wait their turn: the documented per-second budgets, kept in the
//! process by default, or shared with other processes ([`SharedRateLimiter`]).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use callkit_core::endpoint::RateClass;

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
