//! One rate budget per (SDKAppID, rate class), shared by every process through Redis.
//!
//! # The algorithm: a sliding-window log of reserved starts
//!
//! Tencent counts requests per one-second window, so the budget is the same sliding-window
//! log as the local limiter ([`callkit_core::ratelimit::RateLimiter`]), kept in a Redis
//! sorted set of request start times. One Lua script, run atomically by Redis, forgets the
//! starts that left the window, then reserves the earliest start at which the request
//! would be the only one over the limit to have left: `now` while fewer than `limit`
//! starts are in the window, else `limit`-th latest start + window. The caller sleeps until
//! its reserved start. Every `limit + 1` consecutive starts therefore span at least one
//! window, whichever processes made them, and callers are served first come, first served.
//!
//! Why a log and not GCRA: GCRA with a burst of `limit` lets `limit` requests go at once and
//! then one every `1/limit` seconds, so a one-second window can hold nearly twice the
//! limit; the service's own check is a window count, and the log matches it exactly, at the
//! cost of `limit` entries per budget (at most 200).
//!
//! Time is Redis's own (`TIME` inside the script), so the machines' clocks need not agree.
//!
//! # When Redis is away
//!
//! A call never waits on an unreachable Redis for long (connect and response timeouts,
//! 1 s by default) and never goes out unpaced: the limiter falls back to a local budget of
//! `limit / instances` per window (the instance count is configured), logs the switch once,
//! and tries Redis again after a pause (1 s by default); the first success logs the way
//! back, once.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use callkit_core::endpoint::RateClass;
use callkit_core::ratelimit::RateLimiter;
use redis::Script;

use super::{Link, RedisError, lock};
use crate::client::{PaceFuture, SharedRateLimiter};
use crate::runtime::{Runtime, default_runtime};

/// Reserves one start in the budget's sorted set and returns how long to wait for it, in
/// milliseconds. See the module docs.
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local start = now
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local gate = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  start = math.max(start, tonumber(gate[2]) + window)
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  start = math.max(start, tonumber(last[2]))
end
redis.call('ZADD', KEYS[1], start, start .. ':' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], start - now + window)
return start - now
";

const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// The same margin the client's local limiter adds to each one-second window.
const DEFAULT_MARGIN: Duration = Duration::from_millis(50);

/// A rate limiter whose budget every process pointing at the same Redis shares.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use callkit::fleet::RedisRateLimiter;
/// use callkit::{Client, Region, SecretKey, SmolTransport};
///
/// // Four instances of the service, all pointing at one Redis.
/// let limiter = RedisRateLimiter::new("redis://10.0.0.5:6379")?.instances(4);
/// let key = SecretKey::new(std::env::var("CALLKIT_SECRET_KEY")?)?;
/// let client = Client::builder(1400000000, key, Region::CallkitIntl)
///     .rate_limiter(Arc::new(limiter))
///     .build(SmolTransport::new()?)?;
/// # Ok(()) }
/// ```
pub struct RedisRateLimiter {
    link: Link,
    script: Script,
    prefix: String,
    instances: NonZeroU32,
    margin: Duration,
    retry_after: Duration,
    runtime: Arc<dyn Runtime>,
    health: Mutex<Health>,
    fallback: Mutex<HashMap<(u32, RateClass), RateLimiter>>,
}

/// Whether Redis is in use, and when to try it again if not.
#[derive(Debug, Default)]
struct Health {
    /// `Some(t)`: Redis failed; use the local budget until the monotonic time `t`.
    down_until: Option<Duration>,
}

impl std::fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("url", &self.link.shown_url)
            .field("prefix", &self.prefix)
            .field("instances", &self.instances)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl RedisRateLimiter {
    /// A limiter on the Redis at `url` (`redis://[user:password@]host[:port][/db]`). Does
    /// not connect yet: the first call does, and a Redis that is away then is handled like
    /// one that goes away later. Fails only on a URL that cannot be a Redis address.
    pub fn new(url: &str) -> Result<Self, RedisError> {
        Ok(RedisRateLimiter {
            link: Link::new(url)?,
            script: Script::new(RESERVE),
            prefix: "callkit".to_owned(),
            instances: NonZeroU32::MIN,
            margin: DEFAULT_MARGIN,
            retry_after: DEFAULT_RETRY_AFTER,
            runtime: default_runtime(),
            health: Mutex::new(Health::default()),
            fallback: Mutex::new(HashMap::new()),
        })
    }

    /// How many instances share the budget (default 1; 0 counts as 1): while Redis is away
    /// each one keeps `limit / instances` per window (at least one), so that together they
    /// stay within the limit.
    pub fn instances(mut self, count: u32) -> Self {
        self.instances = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        self
    }

    /// How much longer than one second each window is (default 50 ms), to absorb network
    /// jitter between the start and the service's count.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The prefix of the Redis keys (default `callkit`): budgets live at
    /// `PREFIX:rate:SDKAPPID:CLASS`.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Connect and response timeout for Redis (default 1 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.link.timeout = timeout;
        self
    }

    /// How long to stay on the local budget after Redis failed before trying it again
    /// (default 1 s).
    pub fn retry_after(mut self, pause: Duration) -> Self {
        self.retry_after = pause;
        self
    }

    /// The runtime whose clock the local fallback budget and the retry pause read
    /// (default [`default_runtime`]); tests give a
    /// [`ManualRuntime`](crate::testing::ManualRuntime).
    pub fn runtime(mut self, runtime: Arc<dyn Runtime>) -> Self {
        self.runtime = runtime;
        self
    }

    /// The Redis key of a budget.
    pub fn key(&self, sdkappid: u32, class: RateClass) -> String {
        format!("{}:rate:{sdkappid}:{class:?}", self.prefix)
    }

    /// Reserves a start for one request of `class` on app `sdkappid` and returns how long
    /// to wait before sending it (zero: now). The slot is spent even if the caller then
    /// gives up.
    pub async fn reserve(&self, sdkappid: u32, class: RateClass) -> Duration {
        let now = self.runtime.now();
        let try_redis = lock(&self.health)
            .down_until
            .is_none_or(|until| now >= until);
        if try_redis {
            match self.reserve_in_redis(sdkappid, class).await {
                Ok(wait) => {
                    if lock(&self.health).down_until.take().is_some() {
                        log::info!(
                            "callkit: Redis at {} answers again; the shared rate budget is back",
                            self.link.shown_url
                        );
                    }
                    return wait;
                }
                Err(error) => {
                    let was_up = lock(&self.health)
                        .down_until
                        .replace(now.saturating_add(self.retry_after))
                        .is_none();
                    if was_up {
                        log::warn!(
                            "callkit: Redis at {} is unreachable ({error}); pacing with a local \
                             budget of 1/{} of each limit until it is back",
                            self.link.shown_url,
                            self.instances
                        );
                    }
                }
            }
        }
        self.reserve_locally(sdkappid, class, now)
    }

    /// Whether the last reservation used Redis (false while on the local fallback).
    pub fn is_shared(&self) -> bool {
        lock(&self.health).down_until.is_none()
    }

    async fn reserve_in_redis(
        &self,
        sdkappid: u32,
        class: RateClass,
    ) -> Result<Duration, redis::RedisError> {
        let window_ms = Duration::from_secs(1)
            .saturating_add(self.margin)
            .as_millis()
            .max(1);
        let token = fastrand::u64(..);
        let mut invocation = self.script.key(self.key(sdkappid, class));
        invocation
            .arg(class.per_second())
            .arg(u64::try_from(window_ms).unwrap_or(u64::MAX))
            .arg(token);
        let wait_ms: i64 = self.link.invoke(&invocation).await?;
        Ok(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)))
    }

    fn reserve_locally(&self, sdkappid: u32, class: RateClass, now: Duration) -> Duration {
        let share = (class.per_second() / self.instances.get()).max(1);
        let window = Duration::from_secs(1).saturating_add(self.margin);
        lock(&self.fallback)
            .entry((sdkappid, class))
            .or_insert_with(|| {
                RateLimiter::with_window(NonZeroU32::new(share).unwrap_or(NonZeroU32::MIN), window)
            })
            .reserve(now)
    }
}

impl SharedRateLimiter for RedisRateLimiter {
    fn reserve(&self, sdkappid: u32, class: RateClass) -> PaceFuture<'_> {
        Box::pin(RedisRateLimiter::reserve(self, sdkappid, class))
    }
}
