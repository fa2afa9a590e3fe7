//! The call loop as a sans-IO state machine: one [`CallLoop`] per call, driven by an
//! adapter (or by your own HTTP stack), with no clock, randomness or I/O inside.
//!
//! Given the endpoint `E`, the request body, and the client's shared [`Agent`] (the admin
//! signer and its cached UserSig, the servers and failover between them, the rate
//! limiters, the retry [`Policy`]), a call says what to do next ([`CallLoop::poll`]):
//! build an attempt, ask a shared limiter, wait until a time, send a request, or finish.
//! It takes in the time, a reply `(status, body bytes)` or a transport failure
//! ([`FailureKind`]). Everything the client decides lives here: rate limiting, retries
//! with jittered backoff (the jitter comes from the attempt's `random`, which the driver
//! draws), retry safety per endpoint (a request that may have reached the service is
//! never resent to an endpoint that is not [`RETRY_SAFE`](crate::endpoint::Endpoint::RETRY_SAFE)),
//! renewing the admin UserSig after an "expired" answer, and choosing the failover host.
//!
//! ```text
//!                 new()
//!                   │
//!                   ▼
//!   ┌──────────▶ [Build] ── build(agent, random, clock) ── invalid body, UserSig ──┐
//!   │               │                                                          │
//!   │               ├─ no local limiter ─▶ [Pace(class)] ── paced(wait, now) ─┐   │
//!   │               │                                                     │   │
//!   │               ▼ slot now                                            │   │
//!   │         ┌─▶ [Send(request)] ◀── handle_timeout(now) ── [WaitUntil(T)] ◀┘   │
//!   │         │     │                      (a later slot)                     │
//!   │         │     ▼                                                         │
//!   │         │  [Idle] ── reply(status, body, now) / failed(kind, now)       │
//!   │         │                 │                                             │
//!   │ renew UserSig ◀───────────┤ retry at once (UserSig expired)             │
//!   │                           ├─ retry later ─▶ [WaitUntil(T)] (backoff)    │
//!   └────── handle_timeout(now) ◀───────────────────────┘                     │
//!                               ▼                                             │
//!                        [Done(result)] ◀─────────────────────────────────────┘
//!                               │
//!                               ▼
//!                            [Idle]
//! ```
//!
//! Times are the driver's monotonic clock (any fixed origin) as a [`Duration`]; the Unix
//! time is read only to sign ([`Now`]). The agent is lent to a step through an
//! [`AgentLock`] and never held across a wait or a send.
//!
//! # Example: every state, with a closure for the network
//!
//! ```
//! use core::cell::RefCell;
//! use core::time::Duration;
//! use callkit_core::call_loop::{Agent, CallLoop, FailureKind, Now, Step};
//! use callkit_core::failover::{Host, Switch};
//! use callkit_core::registry::V4GetCallback;
//! use callkit_core::endpoint::Empty;
//! use callkit_core::region::Region;
//! use callkit_core::request::SignedRequest;
//! use callkit_core::secret::SecretKey;
//! use callkit_core::usersig::AdminSigner;
//!
//! let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e").unwrap();
//! let signer = AdminSigner::new(1_400_000_000, &key, "administrator").unwrap();
//! // Singapore has a backup host to fail over to.
//! let agent = RefCell::new(Agent::new(signer, Region::ChatSingapore.into()));
//!
//! // The network: the primary cannot be reached, the backup first says the UserSig
//! // expired, then answers.
//! let mut sent = 0;
//! let mut network = |request: &SignedRequest| -> Result<(u16, &'static [u8]), FailureKind> {
//!     sent += 1;
//!     match sent {
//!         1 => Err(FailureKind::NotSent),
//!         2 => Ok((200, br#"{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"expired"}"#)),
//!         _ => Ok((200, br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"",
//!                   "Response":{"Url":"https://app.example.com/cb","CallbackCommandList":[]}}"#)),
//!     }
//! };
//!
//! let mut now = Duration::from_secs(5); // the driver's monotonic clock
//! let unix = Duration::from_secs(1_700_000_000);
//! let mut random = 41;
//! let mut trace = Vec::new();
//! let mut call = CallLoop::<V4GetCallback>::new(&Empty {});
//! let config = loop {
//!     match call.poll() {
//!         Step::Build => {
//!             random += 1;
//!             let switch = call.build(&agent, random, || Now { monotonic: now, unix: unix + now });
//!             trace.push(format!("build {switch:?}"));
//!         }
//!         Step::Pace(_) => unreachable!("the agent has local limiters"),
//!         Step::WaitUntil(until) => {
//!             trace.push(format!("wait {:?}", until - now));
//!             call.handle_timeout(until - Duration::from_millis(1)); // too early: no change
//!             now = until;
//!             call.handle_timeout(now);
//!         }
//!         Step::Send(request) => {
//!             let host = request.url().split('/').nth(2).unwrap_or_default();
//!             trace.push(format!("send to {host}"));
//!             let report = match network(&request) {
//!                 Ok((status, body)) => call.reply(&agent, status, body, now),
//!                 Err(kind) => call.failed(&agent, kind, now),
//!             }
//!             .expect("a request was out");
//!             trace.push(format!("attempt {} retry in {:?} {:?}", report.number, report.retry_in, report.switch));
//!         }
//!         Step::Idle => unreachable!("every request was answered"),
//!         Step::Done(result) => break result.unwrap(),
//!     }
//! };
//! assert_eq!(config.url, "https://app.example.com/cb");
//! assert_eq!(trace, [
//!     "build None",
//!     "send to adminapisgp.im.qcloud.com",
//!     "attempt 1 retry in Some(200ms) Some(ToBackup)",
//!     "wait 200ms",
//!     "build None",
//!     "send to adminapisgp.my-imcloud.com",
//!     "attempt 2 retry in Some(0ns) None",
//!     "build None",
//!     "send to adminapisgp.my-imcloud.com",
//!     "attempt 3 retry in None None",
//! ]);
//! // Over: nothing more to do.
//! assert!(matches!(call.poll(), Step::Idle));
//!
//! // Without local limiters, the driver paces each attempt (a limiter shared with other
//! // processes) and the call waits for the slot it got.
//! let signer = AdminSigner::new(1_400_000_000, &key, "administrator").unwrap();
//! let agent = RefCell::new(Agent::new(signer, Region::ChatSingapore.into()).with_limiters(None));
//! let mut call = CallLoop::<V4GetCallback>::new(&Empty {});
//! assert!(matches!(call.poll(), Step::Build));
//! call.build(&agent, 7, || Now { monotonic: now, unix: unix + now });
//! assert!(matches!(call.poll(), Step::Pace(_)));
//! call.paced(Duration::from_millis(50), now);
//! assert!(matches!(call.poll(), Step::WaitUntil(t) if t == now + Duration::from_millis(50)));
//! call.handle_timeout(now + Duration::from_millis(50));
//! assert!(matches!(call.poll(), Step::Send(_)));
//! assert!(matches!(call.poll(), Step::Idle)); // waiting for the reply
//! let report = call.failed(&agent, FailureKind::TimedOut, now).unwrap();
//! assert_eq!(report.queued, Duration::from_millis(50));
//! assert!(matches!(call.poll(), Step::Done(Err(_))));
//! ```

mod agent;
mod backoff;
mod error;
mod failure;

use alloc::boxed::Box;
use core::mem;
use core::time::Duration;

pub use agent::{Agent, AgentLock};
pub use backoff::{
    BASE_BACKOFF, DEFAULT_MAX_ATTEMPTS, MAX_BACKOFF, MAX_RATE_LIMITED_BACKOFF, Policy,
    RATE_LIMITED_BACKOFF, exponential, rate_limited,
};
pub use error::CallError;
pub use failure::FailureKind;

use crate::endpoint::{Endpoint, RateClass};
use crate::failover::{Host, Switch};
use crate::request::SignedRequest;
use crate::response::{ResponseError, parse_response};

/// The time, as the driver reads it when a call signs an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// The driver's monotonic clock (any fixed origin): rate limits, failover, waits.
    pub monotonic: Duration,
    /// Time since the Unix epoch: the UserSig's issue time (whole seconds are used).
    pub unix: Duration,
}

/// What a [`CallLoop`] needs next.
#[must_use]
pub enum Step<R> {
    /// Start an attempt: [`CallLoop::build`].
    Build,
    /// The agent has no local limiters: reserve a slot of this class in your own (shared)
    /// limiter, then [`CallLoop::paced`].
    Pace(RateClass),
    /// Nothing to do until this monotonic time; then [`CallLoop::handle_timeout`].
    WaitUntil(Duration),
    /// Send this request; then [`CallLoop::reply`] or [`CallLoop::failed`].
    Send(SignedRequest),
    /// Waiting for the reply to the request sent, or the call is over.
    Idle,
    /// The call is over (returned once).
    Done(Result<R, CallError>),
}

/// One attempt's outcome, as [`CallLoop::reply`] and [`CallLoop::failed`] report it (for
/// an observer and the log).
#[derive(Debug)]
#[non_exhaustive]
pub struct Attempted<'c> {
    /// Which attempt, from 1.
    pub number: u32,
    /// The policy's maximum number of attempts.
    pub max_attempts: u32,
    /// The `random` the request carried.
    pub random: u32,
    /// How long the attempt waited for its rate-limit slot.
    pub queued: Duration,
    /// Which host it went to.
    pub host: Host,
    /// The HTTP status of a successful reply, or why the attempt failed.
    pub outcome: Result<u16, &'c CallError>,
    /// `Some(wait)`: another attempt follows after `wait`.
    pub retry_in: Option<Duration>,
    /// The failover switch this failure made, to be logged once.
    pub switch: Option<Switch>,
}

enum Phase<R> {
    Build,
    Pace(SignedRequest),
    Queued {
        until: Duration,
        request: SignedRequest,
    },
    Ready(SignedRequest),
    Sent,
    Backoff {
        until: Duration,
    },
    Succeeded(R),
    /// The last attempt's error is in `CallLoop::last`; `exhausted`: it was retryable.
    Failed {
        exhausted: bool,
    },
    Over,
}

/// One call to endpoint `E`, as a state machine (see the [module docs](self)).
pub struct CallLoop<'b, E: Endpoint> {
    body: &'b E::Request,
    phase: Phase<E::Response>,
    attempt: u32,
    max_attempts: u32,
    random: u32,
    host: Host,
    queued: Duration,
    /// The error of the last failed attempt.
    last: Option<CallError>,
}

impl<'b, E: Endpoint> CallLoop<'b, E> {
    /// A call to `E` with `body`; nothing happens until it is driven.
    pub fn new(body: &'b E::Request) -> Self {
        CallLoop {
            body,
            phase: Phase::Build,
            attempt: 0,
            max_attempts: 1,
            random: 0,
            host: Host::Primary,
            queued: Duration::ZERO,
            last: None,
        }
    }

    /// What to do next.
    pub fn poll(&mut self) -> Step<E::Response> {
        match &self.phase {
            Phase::Build => Step::Build,
            Phase::Pace(_) => Step::Pace(E::RATE),
            Phase::Queued { until, .. } | Phase::Backoff { until } => Step::WaitUntil(*until),
            Phase::Sent | Phase::Over => Step::Idle,
            Phase::Ready(_) => match mem::replace(&mut self.phase, Phase::Sent) {
                Phase::Ready(request) => Step::Send(request),
                _ => Step::Idle,
            },
            Phase::Succeeded(_) | Phase::Failed { .. } => {
                match mem::replace(&mut self.phase, Phase::Over) {
                    Phase::Succeeded(value) => Step::Done(Ok(value)),
                    Phase::Failed { exhausted } => match self.last.take() {
                        Some(error) => Step::Done(Err(self.wrap(error, exhausted))),
                        None => Step::Idle,
                    },
                    _ => Step::Idle,
                }
            }
        }
    }

    /// Starts an attempt ([`Step::Build`]; otherwise does nothing): draws on the agent
    /// for the host (failover), the admin UserSig (signed anew when due, at the Unix time
    /// `clock` gives), the request with this attempt's `random`, and a rate-limit slot.
    /// `clock` is read while the agent is held, so that concurrent calls sign in clock
    /// order. Returns the failover switch choosing the host made, to be logged once.
    pub fn build(
        &mut self,
        agent: &impl AgentLock,
        random: u32,
        clock: impl FnOnce() -> Now,
    ) -> Option<Switch> {
        if !matches!(self.phase, Phase::Build) {
            return None;
        }
        let body = self.body;
        let (built, switch, max_attempts, now) = agent.with_agent(|agent| {
            let now = clock();
            let (host, switch) = agent.host(now.monotonic);
            let built = agent
                .build::<E>(host, now.unix.as_secs(), random, body)
                // Reserve only once the request is known to be valid: a refused body
                // spends no slot.
                .map(|request| (request, host, agent.reserve::<E>(now.monotonic)));
            (built, switch, agent.policy().max_attempts(), now)
        });
        self.max_attempts = max_attempts;
        match built {
            Ok((request, host, slot)) => {
                self.attempt += 1;
                self.random = random;
                self.host = host;
                self.queued = Duration::ZERO;
                self.phase = match slot {
                    Some(wait) => self.queue(request, wait, now.monotonic),
                    None => Phase::Pace(request),
                };
            }
            Err(error) => {
                self.last = Some(error);
                self.phase = Phase::Failed { exhausted: false };
            }
        }
        switch
    }

    /// The driver's limiter gave the attempt a slot `wait` from `now` ([`Step::Pace`];
    /// otherwise does nothing).
    pub fn paced(&mut self, wait: Duration, now: Duration) {
        if let Phase::Pace(_) = self.phase
            && let Phase::Pace(request) = mem::replace(&mut self.phase, Phase::Sent)
        {
            self.phase = self.queue(request, wait, now);
        }
    }

    fn queue(
        &mut self,
        request: SignedRequest,
        wait: Duration,
        now: Duration,
    ) -> Phase<E::Response> {
        self.queued = wait;
        if wait.is_zero() {
            Phase::Ready(request)
        } else {
            Phase::Queued {
                until: now.saturating_add(wait),
                request,
            }
        }
    }

    /// The time is now `now`: a wait that is over ends ([`Step::WaitUntil`]).
    pub fn handle_timeout(&mut self, now: Duration) {
        match &self.phase {
            Phase::Backoff { until } if now >= *until => self.phase = Phase::Build,
            Phase::Queued { until, .. } if now >= *until => {
                if let Phase::Queued { request, .. } = mem::replace(&mut self.phase, Phase::Sent) {
                    self.phase = Phase::Ready(request);
                }
            }
            _ => {}
        }
    }

    /// The reply to the request sent: its HTTP status and whole body, received at `now`.
    /// `None` if no request was out.
    pub fn reply(
        &mut self,
        agent: &impl AgentLock,
        status: u16,
        body: &[u8],
        now: Duration,
    ) -> Option<Attempted<'_>> {
        if !matches!(self.phase, Phase::Sent) {
            return None;
        }
        match parse_response::<E>(status, body, self.random) {
            Ok(value) => {
                self.phase = Phase::Succeeded(value);
                Some(Attempted {
                    number: self.attempt,
                    max_attempts: self.max_attempts,
                    random: self.random,
                    queued: self.queued,
                    host: self.host,
                    outcome: Ok(status),
                    retry_in: None,
                    switch: None,
                })
            }
            Err(error) => Some(self.fail(agent, CallError::Response(error), None, now)),
        }
    }

    /// The transport got no complete response for the request sent; `kind` says what
    /// happened. `None` if no request was out.
    pub fn failed(
        &mut self,
        agent: &impl AgentLock,
        kind: FailureKind,
        now: Duration,
    ) -> Option<Attempted<'_>> {
        if !matches!(self.phase, Phase::Sent) {
            return None;
        }
        let host = self.host;
        let switch = (kind == FailureKind::NotSent)
            .then(|| agent.with_agent(|agent| agent.unreachable(host, now)))
            .flatten();
        let error = CallError::Transport {
            path: E::PATH,
            random: self.random,
            kind,
        };
        Some(self.fail(agent, error, switch, now))
    }

    /// Judges a failed attempt: renews the UserSig when it expired, and retries or ends.
    fn fail(
        &mut self,
        agent: &impl AgentLock,
        error: CallError,
        switch: Option<Switch>,
        now: Duration,
    ) -> Attempted<'_> {
        let (retry_after, renew_usersig) = judge(&error, self.attempt, self.random);
        if renew_usersig {
            agent.with_agent(Agent::invalidate_usersig);
        }
        let retry_in = retry_after.filter(|_| self.attempt < self.max_attempts);
        self.phase = match retry_in {
            Some(wait) if wait.is_zero() => Phase::Build,
            Some(wait) => Phase::Backoff {
                until: now.saturating_add(wait),
            },
            None => Phase::Failed {
                exhausted: retry_after.is_some(),
            },
        };
        Attempted {
            number: self.attempt,
            max_attempts: self.max_attempts,
            random: self.random,
            queued: self.queued,
            host: self.host,
            outcome: Err(self.last.insert(error)),
            retry_in,
            switch,
        }
    }

    /// The final error: the last attempt's, marked as exhausted retries, and as possibly
    /// sent on an endpoint that must not be resent.
    fn wrap(&self, error: CallError, exhausted: bool) -> CallError {
        let error = if exhausted {
            CallError::RetriesExhausted {
                attempts: self.attempt,
                last: Box::new(error),
            }
        } else {
            error
        };
        if !E::RETRY_SAFE && error.may_have_been_sent() {
            CallError::MaybeSent {
                path: E::PATH,
                last: Box::new(error),
            }
        } else {
            error
        }
    }
}

/// Whether a failed attempt `attempt` (from 1), whose request carried `random`, is worth
/// another one and after how long; and whether the UserSig must be renewed first.
///
/// * API errors: [`ApiError::is_retryable`](crate::response::ApiError::is_retryable)
///   (rate limits, expired UserSigs, server errors, and only on `RETRY_SAFE` endpoints).
///   A rate limit waits [`rate_limited`]; an expired UserSig retries at once with a new
///   one; a server error backs off [`exponential`]ly.
/// * 429 and 5xx statuses on retry-safe endpoints: as a rate limit and a server error.
/// * Transport failures: only [`FailureKind::NotSent`], on any endpoint (nothing reached
///   the service, so even a call that is not retry safe cannot happen twice).
fn judge(error: &CallError, attempt: u32, random: u32) -> (Option<Duration>, bool) {
    match error {
        CallError::Response(ResponseError::Api(api)) => (
            api.is_retryable().then(|| {
                if api.is_rate_limited() {
                    rate_limited(attempt, random)
                } else if api.is_usersig_expired() {
                    Duration::ZERO
                } else {
                    exponential(attempt)
                }
            }),
            api.is_usersig_expired(),
        ),
        CallError::Response(response @ ResponseError::HttpStatus { status, .. }) => (
            response.is_retryable().then(|| {
                if *status == 429 {
                    rate_limited(attempt, random)
                } else {
                    exponential(attempt)
                }
            }),
            false,
        ),
        CallError::Transport { kind, .. } if kind.is_retryable() => {
            (Some(exponential(attempt)), false)
        }
        _ => (None, false),
    }
}
