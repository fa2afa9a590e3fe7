//! [`ClientBuilder`]: the configuration of a [`Client`] or [`BlockingClient`], and the
//! injection points for time and waiting (a [`Runtime`]) and randomness.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use callkit_core::region::Server;
use callkit_core::request::BuildError;
use callkit_core::secret::SecretKey;
use callkit_core::usersig::{AdminSigner, DEFAULT_ADMIN, DEFAULT_EXPIRE, DEFAULT_REFRESH_MARGIN};
use callkit_core::validate::check_identifier;

use super::engine::{Observer, Shared};
use super::{Attempt, BlockingClient, Client, Error};
use crate::runtime::{Runtime, default_runtime};
use crate::transport::{BlockingTransport, Transport};
use callkit_core::call_loop::{Agent, DEFAULT_MAX_ATTEMPTS, Policy};
use callkit_core::failover::DEFAULT_STAY;
use callkit_core::ratelimit::RateLimiters;

use super::pace::SharedRateLimiter;

/// The default extra length of each one-second rate-limit window: it absorbs that much
/// network jitter (see [`RateLimiters::with_margin`]), at about 5% of the budget.
const DEFAULT_RATE_LIMIT_MARGIN: Duration = Duration::from_millis(50);

/// Marks a [`ClientBuilder`] that builds the async [`Client`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Async;

/// Marks a [`ClientBuilder`] that builds the [`BlockingClient`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Blocking;

/// Configures a [`Client`] (`ClientBuilder<Async>`, from [`Client::builder`]) or a
/// [`BlockingClient`] (`ClientBuilder<Blocking>`, from [`BlockingClient::builder`]).
///
/// Nothing is checked until [`build`](ClientBuilder::build). `Debug` never shows the key.
#[must_use]
pub struct ClientBuilder<S> {
    sdkappid: u32,
    key: SecretKey,
    server: Server,
    admin: String,
    lifetime: (Duration, Duration),
    max_attempts: u32,
    rate_limit_margin: Duration,
    shared_limiter: Option<Arc<dyn SharedRateLimiter>>,
    runtime: Arc<dyn Runtime>,
    random: Arc<dyn Fn() -> u32 + Send + Sync>,
    observer: Option<Observer>,
    backup: Option<Server>,
    failover_stay: Duration,
    mode: PhantomData<S>,
}

impl<S> fmt::Debug for ClientBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("sdkappid", &self.sdkappid)
            .field("key", &"<redacted>")
            .field("server", &self.server.base_url())
            .field("admin", &self.admin)
            .field("usersig_lifetime", &self.lifetime)
            .field("max_attempts", &self.max_attempts)
            .field("rate_limit_margin", &self.rate_limit_margin)
            .field("shared_limiter", &self.shared_limiter.is_some())
            .field("runtime", &self.runtime)
            .finish_non_exhaustive()
    }
}

impl<S> ClientBuilder<S> {
    pub(crate) fn new(sdkappid: u32, key: SecretKey, server: Server) -> Self {
        ClientBuilder {
            sdkappid,
            key,
            server: server.clone(),
            admin: DEFAULT_ADMIN.to_owned(),
            lifetime: (
                Duration::from_secs(DEFAULT_EXPIRE),
                Duration::from_secs(DEFAULT_REFRESH_MARGIN),
            ),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            rate_limit_margin: DEFAULT_RATE_LIMIT_MARGIN,
            shared_limiter: None,
            runtime: default_runtime(),
            random: Arc::new(|| fastrand::u32(..)),
            observer: None,
            backup: server.failover(),
            failover_stay: DEFAULT_STAY,
            mode: PhantomData,
        }
    }
}

impl<S> ClientBuilder<S> {
    /// The admin account the calls are signed as (default [`DEFAULT_ADMIN`](callkit_core::usersig::DEFAULT_ADMIN),
    /// `administrator`). It must be an app administrator in the Chat console.
    pub fn admin(mut self, identifier: impl Into<String>) -> Self {
        self.admin = identifier.into();
        self
    }

    /// How long each admin UserSig is valid (`expire`, default 180 days) and how long
    /// before that a new one is signed (`margin`, default 1 day). Whole seconds; `margin`
    /// must be shorter than `expire`.
    pub fn usersig_lifetime(mut self, expire: Duration, margin: Duration) -> Self {
        self.lifetime = (expire, margin);
        self
    }

    /// How many times a call is attempted at most (default 3; 0 counts as 1). Only
    /// retryable failures are retried: rate limits, expired UserSigs and server errors on
    /// retry-safe endpoints, and requests the transport says were not sent
    /// ([`FailureKind::NotSent`](crate::transport::FailureKind::NotSent)).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// How much longer than one second the client's rate-limit window is (default 50 ms),
    /// so that network jitter does not make the service see one request too many in a
    /// second.
    pub fn rate_limit_margin(mut self, margin: Duration) -> Self {
        self.rate_limit_margin = margin;
        self
    }

    /// Draws rate-limit slots from a budget shared with other processes (for example
    /// [`RedisRateLimiter`](crate::fleet::RedisRateLimiter), feature `redis`) instead of
    /// the client's own. Use it when more than one instance of a service calls the API
    /// for the same app: Tencent's limits are per app. The shared limiter then applies
    /// its own margin; [`rate_limit_margin`](Self::rate_limit_margin) is not used.
    pub fn rate_limiter(mut self, limiter: Arc<dyn SharedRateLimiter>) -> Self {
        self.shared_limiter = Some(limiter);
        self
    }

    /// Where the time comes from and how the client waits (rate-limit waits and
    /// backoffs): default [`default_runtime`]. Tests give a
    /// [`ManualRuntime`](crate::testing::ManualRuntime), whose waits take no real time.
    pub fn runtime(mut self, runtime: Arc<dyn Runtime>) -> Self {
        self.runtime = runtime;
        self
    }

    /// Where each request's `random` comes from (default `fastrand::u32(..)`); drawn
    /// afresh for every attempt.
    pub fn random(mut self, random: impl Fn() -> u32 + Send + Sync + 'static) -> Self {
        self.random = Arc::new(random);
        self
    }

    /// Called after every attempt that reached the transport, with its outcome and
    /// whether (and after how long) another attempt follows. For metrics and logs; the
    /// client also emits a `log` record per attempt.
    pub fn on_attempt(mut self, observer: impl Fn(&Attempt<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Where requests go while the server cannot be reached (DNS, connect or TLS
    /// handshake failed: the request was not sent), for [`failover_stay`](Self::failover_stay)
    /// before the server is tried again; `None` turns failover off. Default: a v4
    /// region's backup domain (spec §2.2), none for v1 hosts and custom URLs. Each switch
    /// is logged once (`warn`) and shows in [`Attempt::server`].
    pub fn failover_to(mut self, backup: Option<Server>) -> Self {
        self.backup = backup;
        self
    }

    /// How long the client stays on the backup after a switch (default 5 minutes).
    pub fn failover_stay(mut self, stay: Duration) -> Self {
        self.failover_stay = stay;
        self
    }

    /// Checks the configuration and builds the shared state.
    fn shared(self) -> Result<Shared, Error> {
        if self.sdkappid == 0 {
            return Err(Error::InvalidInput(BuildError::ZeroSdkAppId));
        }
        check_identifier(&self.admin).map_err(BuildError::from)?;
        let signer = AdminSigner::new(self.sdkappid, &self.key, self.admin.clone())?
            .with_lifetime(self.lifetime.0.as_secs(), self.lifetime.1.as_secs())?;
        let limiters = match self.shared_limiter {
            Some(_) => None,
            None => Some(RateLimiters::with_margin(self.rate_limit_margin)),
        };
        let agent = Agent::new(signer, self.server.clone())
            .with_policy(Policy::new(self.max_attempts))
            .with_failover(self.backup.clone(), self.failover_stay)
            .with_limiters(limiters);
        let shared = Shared {
            sdkappid: self.sdkappid,
            admin: self.admin,
            server: self.server,
            backup: self.backup,
            failover_stay: self.failover_stay,
            max_attempts: self.max_attempts,
            agent: Mutex::new(agent),
            limiter: self.shared_limiter,
            runtime: self.runtime,
            random: self.random,
            observer: self.observer,
        };
        Ok(shared)
    }
}

impl ClientBuilder<Async> {
    /// Checks the configuration (SDKAppID not 0, admin identifier valid, UserSig margin
    /// below its lifetime) and builds the client around `transport`.
    pub fn build<T: Transport>(self, transport: T) -> Result<Client<T>, Error> {
        Ok(Client::from_parts(self.shared()?, transport))
    }
}

impl ClientBuilder<Blocking> {
    /// Checks the configuration (as [`ClientBuilder::<Async>::build`]) and builds the
    /// blocking client around `transport`.
    pub fn build<T: BlockingTransport>(self, transport: T) -> Result<BlockingClient<T>, Error> {
        Ok(BlockingClient::from_parts(self.shared()?, transport))
    }
}
