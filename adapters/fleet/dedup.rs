//! The webhook receiver's memory of handled events, shared through Redis.
//!
//! Each event key is one Redis string, `PREFIX:webhook:HEX`, holding `claimed` while one
//! receiver handles the event and `handled` once it succeeded:
//!
//! * claim: one Lua script that sets `claimed` with the claim's expiry if the key is absent
//!   (`SET NX PX`, and on failure reads what is there, atomically), so of two receivers
//!   handed the same delivery exactly one handles it;
//! * mark handled: `SET key handled PX handled_ttl` (overwrites the claim);
//! * release: delete the key, only while it still says `claimed` (so a late release never
//!   erases a success).
//!
//! A claim expires by itself (60 s by default), so a receiver that dies while handling does
//! not block the event for good; a success is remembered for 24 h by default, far longer
//! than CallKit's v1 retries (0, 1, 1, 2, 3 and 5 s apart).

use std::time::Duration;

use callkit_core::webhook::EventKey;
use redis::Script;

use super::{Link, RedisError};
use crate::webhook::{Claim, DedupStore, StoreError, StoreFuture};

const CLAIM: &str = r"
if redis.call('SET', KEYS[1], 'claimed', 'NX', 'PX', ARGV[1]) then
  return 0
end
if redis.call('GET', KEYS[1]) == 'handled' then
  return 1
end
return 2
";

const MARK_HANDLED: &str = r"
return redis.call('SET', KEYS[1], 'handled', 'PX', ARGV[1]) and 1
";

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == 'claimed' then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A [`DedupStore`] in Redis, for receivers that run side by side behind a load balancer.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use callkit::fleet::RedisDedupStore;
///
/// let store = RedisDedupStore::new("redis://10.0.0.5:6379")?;
/// // give it to the receiver's deduplication stage (see `callkit::webhook`)
/// # let _ = store;
/// # Ok(()) }
/// ```
pub struct RedisDedupStore {
    link: Link,
    prefix: String,
    claim_ttl: Duration,
    handled_ttl: Duration,
    claim: Script,
    mark_handled: Script,
    release: Script,
}

impl std::fmt::Debug for RedisDedupStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDedupStore")
            .field("url", &self.link.shown_url)
            .field("prefix", &self.prefix)
            .field("claim_ttl", &self.claim_ttl)
            .field("handled_ttl", &self.handled_ttl)
            .finish_non_exhaustive()
    }
}

impl RedisDedupStore {
    /// A store on the Redis at `url` (`redis://[user:password@]host[:port][/db]`). It
    /// connects on first use (one-second connect and response timeouts) and again after a
    /// failure. While Redis is away every claim fails, and the receiver answers "not
    /// handled", so CallKit delivers again later and nothing is lost. Fails only on a URL
    /// that cannot be a Redis address.
    pub fn new(url: &str) -> Result<Self, RedisError> {
        Ok(RedisDedupStore {
            link: Link::new(url)?,
            prefix: "callkit".to_owned(),
            claim_ttl: Duration::from_secs(60),
            handled_ttl: Duration::from_secs(24 * 3600),
            claim: Script::new(CLAIM),
            mark_handled: Script::new(MARK_HANDLED),
            release: Script::new(RELEASE),
        })
    }

    /// The prefix of the Redis keys (default `callkit`): events live at
    /// `PREFIX:webhook:HEX`.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a claim holds when its receiver neither succeeds nor fails (default 60 s).
    pub fn claim_ttl(mut self, ttl: Duration) -> Self {
        self.claim_ttl = ttl;
        self
    }

    /// How long a handled event is remembered (default 24 h).
    pub fn handled_ttl(mut self, ttl: Duration) -> Self {
        self.handled_ttl = ttl;
        self
    }

    fn key(&self, key: &EventKey) -> String {
        format!("{}:webhook:{}", self.prefix, key.to_hex())
    }

    fn error(&self, error: &redis::RedisError) -> StoreError {
        StoreError(format!("Redis at {}: {error}", self.link.shown_url))
    }
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl DedupStore for RedisDedupStore {
    fn claim<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, Claim> {
        Box::pin(async move {
            let mut invocation = self.claim.key(self.key(key));
            invocation.arg(millis(self.claim_ttl));
            let answer: i64 = self
                .link
                .invoke(&invocation)
                .await
                .map_err(|e| self.error(&e))?;
            Ok(match answer {
                0 => Claim::Claimed,
                1 => Claim::AlreadyHandled,
                _ => Claim::InProgress,
            })
        })
    }

    fn mark_handled<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut invocation = self.mark_handled.key(self.key(key));
            invocation.arg(millis(self.handled_ttl));
            self.link
                .invoke::<i64>(&invocation)
                .await
                .map(drop)
                .map_err(|e| self.error(&e))
        })
    }

    fn release<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let invocation = self.release.key(self.key(key));
            self.link
                .invoke::<i64>(&invocation)
                .await
                .map(drop)
                .map_err(|e| self.error(&e))
        })
    }
}
