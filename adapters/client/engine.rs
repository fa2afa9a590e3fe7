//! The one implementation of a call, as two plain steps that the async and blocking
//! clients drive: [`Shared::prepare`] (clock, random, UserSig, request, rate-limit slot)
//! before sending, and [`Shared::finish`] (parse, classify, observe, decide) after.
//!
//! ```text
//! loop {
//!     let (request, wait) = shared.prepare::<E>(&mut call, body)?;   // no I/O
//!     sleep(wait);                                                   // driver
//!     let result = transport.send(request);                          // driver
//!     match shared.finish::<E, _>(&mut call, result) {               // no I/O
//!         Next::Done(outcome) => return outcome,
//!         Next::Retry(wait) => sleep(wait),                          // driver
//!     }
//! }
//! ```

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use callkit_core::endpoint::Endpoint;
use callkit_core::failover::{Failover, Host, Switch};
use callkit_core::region::Server;
use callkit_core::request::build_request;
use callkit_core::response::parse_response;
use callkit_core::usersig::AdminSigner;

use super::builder::Clock;
use super::pace::{Pace, Wait};
use super::retry::judge;
use super::{Attempt, AttemptOutcome, Error};
use crate::transport::{Failure, FailureKind, HttpRequest, HttpResponse};

/// The `on_attempt` callback.
pub(crate) type Observer = Arc<dyn Fn(&Attempt<'_>) + Send + Sync>;

/// What every clone of a client shares.
pub(crate) struct Shared {
    pub(crate) sdkappid: u32,
    pub(crate) admin: String,
    pub(crate) server: Server,
    pub(crate) max_attempts: u32,
    /// The UserSig cache. Held while signing (under 1 µs), so concurrent callers wait for
    /// the one UserSig instead of each making their own; never held across an await.
    pub(crate) signer: Mutex<AdminSigner>,
    pub(crate) pace: Pace,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) random: Arc<dyn Fn() -> u32 + Send + Sync>,
    pub(crate) observer: Option<Observer>,
    /// Where requests go while `server` cannot be reached; `None`: no failover.
    pub(crate) backup: Option<Server>,
    pub(crate) failover: Mutex<Failover>,
}

/// Where one call stands: which attempt, and what the current attempt was sent with.
#[derive(Debug)]
pub(crate) struct CallState {
    attempt: u32,
    random: u32,
    queued: Duration,
    host: Host,
}

impl Default for CallState {
    fn default() -> Self {
        CallState {
            attempt: 0,
            random: 0,
            queued: Duration::ZERO,
            host: Host::Primary,
        }
    }
}

/// What the driver does after an attempt.
pub(crate) enum Next<R> {
    /// Return this to the caller.
    Done(Result<R, Error>),
    /// Sleep this long, then call [`Shared::prepare`] again.
    Retry(Duration),
}

/// A poisoned lock only means another caller panicked mid-call; the signer and limiters
/// stay consistent (every update is a single assignment), so keep using them.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Starts the next attempt: draws a fresh `random`, takes the cached UserSig (or signs
    /// a new one), builds and checks the request, and reserves a rate-limit slot.
    /// Returns the request and how long to wait before sending it.
    pub(crate) fn prepare<E: Endpoint>(
        &self,
        call: &mut CallState,
        body: &E::Request,
    ) -> Result<(HttpRequest, Wait<'_>), Error> {
        let random = (self.random)();
        let host = self.host();
        let request = {
            let mut signer = lock(&self.signer);
            // Read the clock under the lock, so that callers sign in clock order and none
            // sees a UserSig "from the future" (which the signer would replace).
            let now = self.clock.unix_time().as_secs();
            let usersig = signer.usersig(now)?;
            build_request::<E>(
                self.server_of(host),
                self.sdkappid,
                &self.admin,
                usersig.as_str(),
                random,
                body,
            )?
        };
        let request = request.into_http()?;
        // Reserve only once the request is known to be valid: a refused body spends no slot.
        let wait = self
            .pace
            .reserve::<E>(self.sdkappid, self.clock.monotonic());
        call.attempt += 1;
        call.random = random;
        call.queued = Duration::ZERO;
        call.host = host;
        Ok((request, wait))
    }

    /// Records how long the current attempt waited for its rate-limit slot (reported to
    /// the `on_attempt` observer).
    pub(crate) fn queued(call: &mut CallState, wait: Duration) {
        call.queued = wait;
    }

    /// Ends the current attempt: turns the transport's result into the endpoint's value
    /// or an [`Error`], reports the attempt, and decides whether to retry.
    pub(crate) fn finish<E: Endpoint, TE>(
        &self,
        call: &mut CallState,
        result: Result<HttpResponse, TE>,
    ) -> Next<E::Response>
    where
        TE: Failure,
    {
        let outcome = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                parse_response::<E>(status, response.body(), call.random)
                    .map(|value| (value, status))
                    .map_err(Error::Response)
            }
            Err(error) => Err(Error::Transport {
                path: E::PATH,
                random: call.random,
                kind: error.kind(),
                source: Box::new(error),
            }),
        };
        match outcome {
            Ok((value, status)) => {
                self.report::<E>(call, AttemptOutcome::Success { status }, None);
                Next::Done(Ok(value))
            }
            Err(error) => {
                if let Error::Transport {
                    kind: FailureKind::NotSent,
                    ..
                } = error
                {
                    self.unreachable(call.host);
                }
                let verdict = judge(&error, call.attempt, call.random);
                if verdict.renew_usersig {
                    lock(&self.signer).invalidate();
                }
                let retry_in = verdict
                    .retry_after
                    .filter(|_| call.attempt < self.max_attempts);
                self.report::<E>(call, AttemptOutcome::Failure(&error), retry_in);
                let error = match (retry_in, verdict.retry_after) {
                    (Some(wait), _) => return Next::Retry(wait),
                    (None, Some(_)) => Error::RetriesExhausted {
                        attempts: call.attempt,
                        last: Box::new(error),
                    },
                    (None, None) => error,
                };
                if !E::RETRY_SAFE && error.may_have_been_sent() {
                    return Next::Done(Err(Error::MaybeSent {
                        path: E::PATH,
                        last: Box::new(error),
                    }));
                }
                Next::Done(Err(error))
            }
        }
    }

    /// The host for the next request (the primary when there is no failover), logging a
    /// switch back to the primary once.
    fn host(&self) -> Host {
        if self.backup.is_none() {
            return Host::Primary;
        }
        let (host, switch) = lock(&self.failover).host(self.clock.monotonic());
        if let Some(switch) = switch {
            self.log_switch(switch);
        }
        host
    }

    fn server_of(&self, host: Host) -> &Server {
        match (host, &self.backup) {
            (Host::Backup, Some(backup)) => backup,
            _ => &self.server,
        }
    }

    /// A request to `host` was not sent because the host could not be reached.
    fn unreachable(&self, host: Host) {
        if self.backup.is_none() {
            return;
        }
        let switch = lock(&self.failover).unreachable(host, self.clock.monotonic());
        if let Some(switch) = switch {
            self.log_switch(switch);
        }
    }

    fn log_switch(&self, switch: Switch) {
        let primary = self.server.base_url();
        let backup = self.server_of(Host::Backup).base_url();
        match switch {
            Switch::ToBackup => log::warn!(
                "{primary} cannot be reached: sending to the backup {backup} for {:?}",
                lock(&self.failover).stay()
            ),
            Switch::BackToPrimary => log::warn!("sending to {primary} again (was {backup})"),
        }
    }

    /// Tells the observer and the log about an attempt. Nothing here holds a secret: the
    /// path, numbers and the error summary (API errors are redacted by the core,
    /// transport errors carry no query string).
    fn report<E: Endpoint>(
        &self,
        call: &CallState,
        outcome: AttemptOutcome<'_>,
        retry_in: Option<Duration>,
    ) {
        let attempt = Attempt {
            path: E::PATH,
            server: self.server_of(call.host).base_url(),
            generation: E::GENERATION,
            number: call.attempt,
            max_attempts: self.max_attempts,
            random: call.random,
            queued: call.queued,
            outcome,
            retry_in,
        };
        match (&attempt.outcome, retry_in) {
            (AttemptOutcome::Success { .. }, _) => log::debug!("{attempt}"),
            (AttemptOutcome::Failure(_), Some(_)) => log::info!("{attempt}"),
            (AttemptOutcome::Failure(_), None) => log::warn!("{attempt}"),
        }
        if let Some(observer) = &self.observer {
            observer(&attempt);
        }
    }
}

impl std::fmt::Display for Attempt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} attempt {}/{} random {} (queued {:?}): {}",
            self.generation,
            self.path,
            self.number,
            self.max_attempts,
            self.random,
            self.queued,
            self.outcome
        )?;
        match self.retry_in {
            Some(wait) => write!(f, "; retrying in {wait:?}"),
            None => Ok(()),
        }
    }
}

impl std::fmt::Display for AttemptOutcome<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttemptOutcome::Success { status } => write!(f, "success, HTTP status {status}"),
            AttemptOutcome::Failure(error) => f.write_str(&error.summary()),
        }
    }
}
