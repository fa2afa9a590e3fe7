//! [`Agent`]: what every call of one client shares (the UserSig cache, the rate limiters,
//! the failover state), and [`AgentLock`], how a driver lends it to a call.

use alloc::string::String;
use core::cell::RefCell;
use core::time::Duration;

use crate::endpoint::Endpoint;
use crate::failover::{DEFAULT_STAY, Failover, Host, Switch};
use crate::ratelimit::RateLimiters;
use crate::region::Server;
use crate::request::{SignedRequest, build_request};
use crate::usersig::AdminSigner;

use super::{CallError, Policy};

/// The state the calls of one client share: the admin signer (its cached UserSig), the
/// servers and the failover between them, the local rate limiters and the retry policy.
///
/// A driver keeps one per client, behind whatever lock suits it ([`AgentLock`]), and
/// lends it to each [`CallLoop`](super::CallLoop) step that needs it.
#[derive(Debug)]
pub struct Agent {
    sdkappid: u32,
    admin: String,
    signer: AdminSigner,
    primary: Server,
    backup: Option<Server>,
    failover: Failover,
    limiters: Option<RateLimiters>,
    policy: Policy,
}

impl Agent {
    /// Calls signed by `signer`, sent to `server` (failing over to its backup host, if
    /// it has one), paced by [`RateLimiters::new`], with the default [`Policy`].
    pub fn new(signer: AdminSigner, server: Server) -> Self {
        Agent {
            sdkappid: signer.sdkappid(),
            admin: String::from(signer.identifier()),
            signer,
            backup: server.failover(),
            primary: server,
            failover: Failover::new(DEFAULT_STAY),
            limiters: Some(RateLimiters::new()),
            policy: Policy::default(),
        }
    }

    /// Retries by `policy`.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Fails over to `backup` (`None`: never) for `stay` after the primary could not be
    /// reached.
    pub fn with_failover(mut self, backup: Option<Server>, stay: Duration) -> Self {
        self.backup = backup;
        self.failover = Failover::new(stay);
        self
    }

    /// Paces calls with `limiters`; `None` leaves pacing to the driver, which the
    /// [`CallLoop`](super::CallLoop) then asks for each attempt
    /// ([`Step::Pace`](super::Step::Pace)), for a limiter shared with other processes.
    pub fn with_limiters(mut self, limiters: Option<RateLimiters>) -> Self {
        self.limiters = limiters;
        self
    }

    /// The SDKAppID.
    pub fn sdkappid(&self) -> u32 {
        self.sdkappid
    }

    /// The admin identifier the calls are signed as.
    pub fn admin(&self) -> &str {
        &self.admin
    }

    /// The signer (for when its UserSig was issued).
    pub fn signer(&self) -> &AdminSigner {
        &self.signer
    }

    /// The server behind `host`: the primary, or the backup when there is one.
    pub fn server(&self, host: Host) -> &Server {
        match (host, &self.backup) {
            (Host::Backup, Some(backup)) => backup,
            _ => &self.primary,
        }
    }

    /// Whether there is a backup host to fail over to.
    pub fn has_backup(&self) -> bool {
        self.backup.is_some()
    }

    /// How long a failover to the backup lasts.
    pub fn failover_stay(&self) -> Duration {
        self.failover.stay()
    }

    /// The retry policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The host for a request starting at `now`, and the switch choosing it makes.
    pub(super) fn host(&mut self, now: Duration) -> (Host, Option<Switch>) {
        if self.backup.is_none() {
            return (Host::Primary, None);
        }
        self.failover.host(now)
    }

    /// A request to `host` was not sent at `now`: fail over, if there is somewhere to go.
    pub(super) fn unreachable(&mut self, host: Host, now: Duration) -> Option<Switch> {
        self.backup.as_ref()?;
        self.failover.unreachable(host, now)
    }

    /// Signs (or reuses the cached UserSig at Unix time `unix`) and builds the request
    /// to `E` for `host`.
    pub(super) fn build<E: Endpoint>(
        &mut self,
        host: Host,
        unix: u64,
        random: u32,
        body: &E::Request,
    ) -> Result<SignedRequest, CallError> {
        let server = match (host, &self.backup) {
            (Host::Backup, Some(backup)) => backup,
            _ => &self.primary,
        };
        let usersig = self.signer.usersig(unix)?;
        Ok(build_request::<E>(
            server,
            self.sdkappid,
            &self.admin,
            usersig,
            random,
            body,
        )?)
    }

    /// Reserves a slot for a request to `E` at `now`: how long to wait, or `None` when
    /// the driver paces.
    pub(super) fn reserve<E: Endpoint>(&mut self, now: Duration) -> Option<Duration> {
        self.limiters
            .as_mut()
            .map(|limiters| limiters.reserve_for::<E>(now))
    }

    pub(super) fn invalidate_usersig(&mut self) {
        self.signer.invalidate();
    }
}

/// How a driver lends its [`Agent`] to a call for one step: a `RefCell` on one thread,
/// a `Mutex` (feature `std`) across threads, or your own lock.
///
/// A call holds the agent only for the step's bookkeeping (signing and building a
/// request, reserving a slot, a failover switch), never across a wait or a send.
pub trait AgentLock {
    /// Runs `f` with the agent.
    fn with_agent<R>(&self, f: impl FnOnce(&mut Agent) -> R) -> R;
}

impl AgentLock for RefCell<Agent> {
    fn with_agent<R>(&self, f: impl FnOnce(&mut Agent) -> R) -> R {
        f(&mut self.borrow_mut())
    }
}

/// A poisoned lock only means another caller panicked mid-step; the agent stays
/// consistent (every update is a single assignment), so it is used as is.
#[cfg(feature = "std")]
impl AgentLock for std::sync::Mutex<Agent> {
    fn with_agent<R>(&self, f: impl FnOnce(&mut Agent) -> R) -> R {
        f(&mut self
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}
