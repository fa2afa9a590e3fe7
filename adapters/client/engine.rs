//! What the async and blocking clients share: the state of every clone, and the steps of
//! driving a [`CallLoop`] (the call loop of the sans-IO core) that need no waiting or
//! sending. The clients only wait, ask a shared limiter and send:
//!
//! ```text
//! let mut call = CallLoop::<E>::new(body);
//! loop {
//!     match shared.next(&mut call, &mut last) {        // build, sign, reserve: no I/O
//!         Action::Pace(class) => call.paced(limiter.reserve(..), now),  // driver
//!         Action::Sleep(wait) => sleep(wait),                           // driver
//!         Action::Send(request) => {
//!             let result = transport.send(request);                     // driver
//!             shared.sent(&mut call, result, &mut last);                // parse, judge, report
//!         }
//!         Action::Done(outcome) => return outcome,
//!     }
//! }
//! ```

use std::error::Error as StdError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use callkit_core::call_loop::{Agent, Attempted, CallError, CallLoop, Now, Step};
use callkit_core::endpoint::{Endpoint, RateClass};
use callkit_core::failover::{Host, Switch};
use callkit_core::region::Server;

use super::pace::SharedRateLimiter;
use super::{Attempt, AttemptOutcome, Error};
use crate::runtime::Runtime;
use crate::transport::{Failure, HttpRequest, HttpResponse};

/// The `on_attempt` callback.
pub(crate) type Observer = Arc<dyn Fn(&Attempt<'_>) + Send + Sync>;

/// What every clone of a client shares.
pub(crate) struct Shared {
    pub(crate) sdkappid: u32,
    pub(crate) admin: String,
    pub(crate) server: Server,
    /// Where requests go while `server` cannot be reached; `None`: no failover.
    pub(crate) backup: Option<Server>,
    pub(crate) failover_stay: Duration,
    pub(crate) max_attempts: u32,
    /// The UserSig cache, the local limiters and the failover state. Held for a step's
    /// bookkeeping (under 2 µs), never across a wait or a send, so concurrent callers
    /// wait for the one UserSig instead of each making their own.
    pub(crate) agent: Mutex<Agent>,
    /// A limiter shared with other processes, used instead of the agent's own.
    pub(crate) limiter: Option<Arc<dyn SharedRateLimiter>>,
    pub(crate) runtime: Arc<dyn Runtime>,
    pub(crate) random: Arc<dyn Fn() -> u32 + Send + Sync>,
    pub(crate) observer: Option<Observer>,
}

/// What a client does next for a call.
pub(crate) enum Action<R> {
    /// Reserve a slot of this class in [`Shared::limiter`], then `CallLoop::paced`.
    Pace(RateClass),
    /// Sleep this long.
    Sleep(Duration),
    /// Send this request, then [`Shared::sent`].
    Send(HttpRequest),
    /// Return this.
    Done(Result<R, Error>),
}

impl Shared {
    /// Advances `call` through the steps that need no I/O (signing and building an
    /// attempt, a wait that is already over) up to the next one the client does.
    /// `last` holds the error of the last failed attempt, with its transport source.
    pub(crate) fn next<E: Endpoint>(
        &self,
        call: &mut CallLoop<'_, E>,
        last: &mut Option<Error>,
    ) -> Action<E::Response> {
        loop {
            match call.poll() {
                Step::Build => {
                    let runtime = &*self.runtime;
                    let switch = call.build(&self.agent, (self.random)(), || Now {
                        monotonic: runtime.now(),
                        unix: runtime.unix_time(),
                    });
                    if let Some(switch) = switch {
                        self.log_switch(switch);
                    }
                }
                Step::Pace(class) => return Action::Pace(class),
                Step::WaitUntil(until) => {
                    let now = self.runtime.now();
                    if now < until {
                        return Action::Sleep(until - now);
                    }
                    call.handle_timeout(now);
                }
                Step::Send(request) => {
                    return match request.into_http() {
                        Ok(request) => Action::Send(request),
                        Err(error) => Action::Done(Err(Error::InvalidRequest(error))),
                    };
                }
                Step::Done(outcome) => {
                    return Action::Done(outcome.map_err(|error| Error::lift(error, last, None)));
                }
                // Every request handed out is answered through `sent` before the next
                // poll, and a call is not polled after `Done`.
                Step::Idle => unreachable!("the call loop waits for a reply it was given"),
            }
        }
    }

    /// Asks the shared limiter for a slot of `class`.
    pub(crate) fn reserve(&self, class: RateClass) -> super::PaceFuture<'_> {
        match &self.limiter {
            Some(limiter) => limiter.reserve(self.sdkappid, class),
            // The agent has no local limiters only when a shared one is set.
            None => Box::pin(std::future::ready(Duration::ZERO)),
        }
    }

    /// The time on the runtime's monotonic clock.
    pub(crate) fn now(&self) -> Duration {
        self.runtime.now()
    }

    /// Feeds the transport's result into `call`, and reports the attempt.
    pub(crate) fn sent<E: Endpoint, TE: Failure>(
        &self,
        call: &mut CallLoop<'_, E>,
        result: Result<HttpResponse, TE>,
        last: &mut Option<Error>,
    ) {
        let now = self.runtime.now();
        let (report, source) = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                (call.reply(&self.agent, status, response.body(), now), None)
            }
            Err(error) => {
                let kind = error.kind();
                let source: Box<dyn StdError + Send + Sync> = Box::new(error);
                (call.failed(&self.agent, kind, now), Some(source))
            }
        };
        let Some(report) = report else { return };
        if let Some(switch) = report.switch {
            self.log_switch(switch);
        }
        let error = report
            .outcome
            .err()
            .map(|error| Error::attempt(error, source));
        self.report::<E>(&report, error.as_ref());
        *last = error;
    }

    fn server_of(&self, host: Host) -> &Server {
        match (host, &self.backup) {
            (Host::Backup, Some(backup)) => backup,
            _ => &self.server,
        }
    }

    fn log_switch(&self, switch: Switch) {
        let primary = self.server.base_url();
        let backup = self.server_of(Host::Backup).base_url();
        match switch {
            Switch::ToBackup => log::warn!(
                "{primary} cannot be reached: sending to the backup {backup} for {:?}",
                self.failover_stay
            ),
            Switch::BackToPrimary => log::warn!("sending to {primary} again (was {backup})"),
        }
    }

    /// Tells the observer and the log about an attempt. Nothing here holds a secret: the
    /// path, numbers and the error summary (API errors are redacted by the core,
    /// transport errors carry no query string).
    fn report<E: Endpoint>(&self, report: &Attempted<'_>, error: Option<&Error>) {
        let outcome = match (report.outcome, error) {
            (_, Some(error)) => AttemptOutcome::Failure(error),
            (Ok(status), None) => AttemptOutcome::Success { status },
            (Err(_), None) => return,
        };
        let attempt = Attempt {
            path: E::PATH,
            server: self.server_of(report.host).base_url(),
            generation: E::GENERATION,
            number: report.number,
            max_attempts: report.max_attempts,
            random: report.random,
            queued: report.queued,
            outcome,
            retry_in: report.retry_in,
        };
        match (&attempt.outcome, attempt.retry_in) {
            (AttemptOutcome::Success { .. }, _) => log::debug!("{attempt}"),
            (AttemptOutcome::Failure(_), Some(_)) => log::info!("{attempt}"),
            (AttemptOutcome::Failure(_), None) => log::warn!("{attempt}"),
        }
        if let Some(observer) = &self.observer {
            observer(&attempt);
        }
    }
}

impl Error {
    /// One attempt's error: the core's, with the transport's own error as the source.
    fn attempt(error: &CallError, source: Option<Box<dyn StdError + Send + Sync>>) -> Error {
        Error::lift(error.clone(), &mut None, source)
    }

    /// The call's error: the core's, around `last` (the last attempt's error, built when
    /// it was reported, holding the transport's source) or else `source`.
    fn lift(
        error: CallError,
        last: &mut Option<Error>,
        source: Option<Box<dyn StdError + Send + Sync>>,
    ) -> Error {
        let wrap =
            |inner: CallError, last: &mut Option<Error>| Box::new(Error::lift(inner, last, None));
        match error {
            CallError::InvalidInput(error) => Error::InvalidInput(error),
            CallError::UserSig(error) => Error::UserSig(error),
            CallError::MaybeSent { path, last: inner } => Error::MaybeSent {
                path,
                last: wrap(*inner, last),
            },
            CallError::RetriesExhausted {
                attempts,
                last: inner,
            } => Error::RetriesExhausted {
                attempts,
                last: wrap(*inner, last),
            },
            CallError::Transport { path, random, kind } => {
                last.take().unwrap_or_else(|| Error::Transport {
                    path,
                    random,
                    kind,
                    source: source.unwrap_or_else(|| kind.describe().into()),
                })
            }
            CallError::Response(response) => last.take().unwrap_or(Error::Response(response)),
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
