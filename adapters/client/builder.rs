//! [`ClientBuilder`]: the configuration of a [`Client`] or [`BlockingClient`], and the
//! injection points for time ([`Clock`], sleeping) and randomness.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use callkit_core::region::Server;
use callkit_core::request::BuildError;
use callkit_core::secret::SecretKey;
use callkit_core::usersig::{AdminSigner, DEFAULT_ADMIN, DEFAULT_EXPIRE, DEFAULT_REFRESH_MARGIN};
use callkit_core::validate::check_identifier;

use super::engine::{Observer, Shared};
use super::{Attempt, BlockingClient, Client, Error};
use crate::transport::{BlockingTransport, Transport};
use callkit_core::failover::{DEFAULT_STAY, Failover};
use callkit_core::ratelimit::RateLimiters;

use super::pace::{Pace, SharedRateLimiter};

/// The default extra length of each one-second rate-limit window: it absorbs that much
/// network jitter (see [`RateLimiters::with_margin`]), at about 5% of the budget.
const DEFAULT_RATE_LIMIT_MARGIN: Duration = Duration::from_millis(50);

/// The default number of attempts per call (the first plus two retries).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// Where the client reads the time: the Unix time for UserSigs, a monotonic time for the
/// rate limiter. Inject one in tests ([`super::testing::ManualClock`]).
pub trait Clock: Send + Sync + 'static {
    /// Time since the Unix epoch (only whole seconds are used).
    fn unix_time(&self) -> Duration;
    /// Time since an arbitrary fixed point; never goes backwards.
    fn monotonic(&self) -> Duration;
}

/// The real clock: [`SystemTime`] and [`Instant`] (measured from the first use in the
/// process).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn unix_time(&self) -> Duration {
        // A system clock before 1970 is misconfigured; 0 makes UserSigs fail loudly.
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
    }

    fn monotonic(&self) -> Duration {
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }
}

type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// How the async [`Client`] sleeps (rate-limit waits and backoffs). The default is
/// `async_io::Timer::after`, whose timers run on async-io's own thread and so work under
/// any executor.
#[derive(Clone)]
pub struct AsyncSleep(Arc<dyn Fn(Duration) -> SleepFuture + Send + Sync>);

impl AsyncSleep {
    pub(crate) fn sleep(&self, duration: Duration) -> SleepFuture {
        (self.0)(duration)
    }
}

impl Default for AsyncSleep {
    fn default() -> Self {
        AsyncSleep(Arc::new(|duration| {
            Box::pin(async move {
                async_io::Timer::after(duration).await;
            })
        }))
    }
}

impl fmt::Debug for AsyncSleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AsyncSleep")
    }
}

/// How the [`BlockingClient`] sleeps; the default is [`std::thread::sleep`].
#[derive(Clone)]
pub struct BlockingSleep(Arc<dyn Fn(Duration) + Send + Sync>);

impl BlockingSleep {
    pub(crate) fn sleep(&self, duration: Duration) {
        (self.0)(duration)
    }
}

impl Default for BlockingSleep {
    fn default() -> Self {
        BlockingSleep(Arc::new(std::thread::sleep))
    }
}

impl fmt::Debug for BlockingSleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlockingSleep")
    }
}

/// Configures a [`Client`] (`ClientBuilder<AsyncSleep>`, from [`Client::builder`]) or a
/// [`BlockingClient`] (`ClientBuilder<BlockingSleep>`, from [`BlockingClient::builder`]).
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
    clock: Arc<dyn Clock>,
    random: Arc<dyn Fn() -> u32 + Send + Sync>,
    observer: Option<Observer>,
    backup: Option<Server>,
    failover_stay: Duration,
    sleep: S,
}

impl<S: fmt::Debug> fmt::Debug for ClientBuilder<S> {
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
            .field("sleep", &self.sleep)
            .finish_non_exhaustive()
    }
}

impl<S: Default> ClientBuilder<S> {
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
            clock: Arc::new(SystemClock),
            random: Arc::new(|| fastrand::u32(..)),
            observer: None,
            backup: server.failover(),
            failover_stay: DEFAULT_STAY,
            sleep: S::default(),
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
    /// retry-safe endpoints, and connect failures.
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

    /// Where the time comes from (default [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
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
    fn shared(self) -> Result<(Shared, S), Error> {
        if self.sdkappid == 0 {
            return Err(Error::InvalidInput(BuildError::ZeroSdkAppId));
        }
        check_identifier(&self.admin).map_err(BuildError::from)?;
        let signer = AdminSigner::new(self.sdkappid, &self.key, self.admin.clone())?
            .with_lifetime(self.lifetime.0.as_secs(), self.lifetime.1.as_secs())?;
        let shared = Shared {
            sdkappid: self.sdkappid,
            admin: self.admin,
            server: self.server,
            max_attempts: self.max_attempts,
            signer: Mutex::new(signer),
            pace: match self.shared_limiter {
                Some(shared) => Pace::Shared(shared),
                None => Pace::Local(Box::new(Mutex::new(RateLimiters::with_margin(
                    self.rate_limit_margin,
                )))),
            },
            clock: self.clock,
            random: self.random,
            observer: self.observer,
            backup: self.backup,
            failover: Mutex::new(Failover::new(self.failover_stay)),
        };
        Ok((shared, self.sleep))
    }
}

impl ClientBuilder<AsyncSleep> {
    /// How the client waits (default `async_io::Timer::after`). Tests inject a sleeper
    /// that records the wait and advances a fake clock instead
    /// ([`super::testing::ManualClock::sleeper`]).
    pub fn sleep<F, Fut>(mut self, sleep: F) -> Self
    where
        F: Fn(Duration) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.sleep = AsyncSleep(Arc::new(move |duration| Box::pin(sleep(duration))));
        self
    }

    /// Checks the configuration (SDKAppID not 0, admin identifier valid, UserSig margin
    /// below its lifetime) and builds the client around `transport`.
    pub fn build<T: Transport>(self, transport: T) -> Result<Client<T>, Error> {
        let (shared, sleep) = self.shared()?;
        Ok(Client::from_parts(shared, transport, sleep))
    }
}

impl ClientBuilder<BlockingSleep> {
    /// How the client waits (default [`std::thread::sleep`]). Tests inject one that
    /// records the wait and advances a fake clock
    /// ([`super::testing::ManualClock::blocking_sleeper`]).
    pub fn sleep(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.sleep = BlockingSleep(Arc::new(sleep));
        self
    }

    /// Checks the configuration (as [`ClientBuilder::<AsyncSleep>::build`]) and builds
    /// the blocking client around `transport`.
    pub fn build<T: BlockingTransport>(self, transport: T) -> Result<BlockingClient<T>, Error> {
        let (shared, sleep) = self.shared()?;
        Ok(BlockingClient::from_parts(shared, transport, sleep))
    }
}
