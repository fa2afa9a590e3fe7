//! Fleets: one rate budget and one webhook memory shared by every instance of a service,
//! through Redis (feature `redis`).
//!
//! Tencent's limits are per app, not per process: ten instances that each keep 10 calls per
//! second make 100, and the service refuses 90 of them. A v1 callback retried after a
//! timeout can land on another instance behind the load balancer, where a per-process
//! memory of handled events does not see it. When a service runs more than one instance,
//! point them all at one Redis (6 or later, or Valkey):
//!
//! * [`RedisRateLimiter`]: one budget per (SDKAppID, rate class) across every process,
//!   reserved atomically in Redis by a Lua script; plug it into a client with
//!   [`ClientBuilder::rate_limiter`](crate::ClientBuilder::rate_limiter).
//! * [`RedisDedupStore`]: the webhook receiver's memory of handled events
//!   ([`DedupStore`](crate::webhook::DedupStore)) in Redis.
//!
//! Both use the `redis` crate on smol's reactor (async-io, so they work under smol,
//! async-std or any executor); no tokio runtime is involved.

mod dedup;
mod limiter;

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;

pub use dedup::RedisDedupStore;
pub use limiter::RedisRateLimiter;

/// Connect and response timeout for Redis: one on the same network answers in about a
/// millisecond, so a second means it is away.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// A Redis address and the connection to it, opened on first use and opened again after
/// a failure: what both the limiter and the store need, since neither may give up for good
/// when Redis restarts.
struct Link {
    client: redis::Client,
    /// The URL with any password replaced, for messages.
    shown_url: String,
    timeout: Duration,
    connection: Mutex<Option<MultiplexedConnection>>,
    /// Held while connecting, so that a burst of first calls opens one connection, not
    /// one each (a hundred simultaneous connects can miss the timeout on a busy machine).
    connecting: async_lock::Mutex<()>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Link {
    fn new(url: &str) -> Result<Self, RedisError> {
        let client = redis::Client::open(url).map_err(|e| RedisError(e.to_string()))?;
        Ok(Link {
            client,
            shown_url: redact_redis_url(url),
            timeout: DEFAULT_TIMEOUT,
            connection: Mutex::new(None),
            connecting: async_lock::Mutex::new(()),
        })
    }

    /// The open connection, or a new one (under the connect timeout).
    async fn get(&self) -> Result<MultiplexedConnection, redis::RedisError> {
        if let Some(connection) = lock(&self.connection).clone() {
            return Ok(connection);
        }
        let _connecting = self.connecting.lock().await;
        // Another caller may have connected while this one waited.
        if let Some(connection) = lock(&self.connection).clone() {
            return Ok(connection);
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout));
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        *lock(&self.connection) = Some(connection.clone());
        Ok(connection)
    }

    /// Runs `script` on a connection; after a failure the next call connects afresh.
    async fn invoke<T: redis::FromRedisValue>(
        &self,
        script: &redis::ScriptInvocation<'_>,
    ) -> Result<T, redis::RedisError> {
        let mut connection = self.get().await?;
        let result = script.invoke_async(&mut connection).await;
        if result.is_err() {
            *lock(&self.connection) = None;
        }
        result
    }
}

/// Redis could not be used: a bad URL, or (from [`RedisDedupStore`]) an unreachable server.
#[derive(Debug, thiserror::Error)]
#[error("redis: {0}")]
pub struct RedisError(String);

/// `redis://user:password@host:port/db` with the password replaced, for messages.
pub(crate) fn redact_redis_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:<redacted>@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_redis_url;

    #[test]
    fn redis_passwords_are_never_shown() {
        assert_eq!(
            redact_redis_url("redis://app:s3cret@10.0.0.5:6379/2"),
            "redis://app:<redacted>@10.0.0.5:6379/2"
        );
        assert_eq!(
            redact_redis_url("redis://:s3cret@cache"),
            "redis://:<redacted>@cache"
        );
        assert_eq!(
            redact_redis_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }
}
