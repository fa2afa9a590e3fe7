//! [`Client`] and [`BlockingClient`]: one method per CallKit endpoint, with the admin
//! UserSig cached, the documented rate limits kept, and retryable failures retried.
//!
//! A call is driven by the sans-IO core's call loop
//! ([`CallLoop`]): it takes the cached UserSig (signing
//! a new one when due), builds the request, takes a rate-limit slot, and after the reply
//! decides whether to retry; the client only reads the clock, draws each attempt's
//! `random`, waits, and sends through the transport. Both clients drive it the same way;
//! they differ only in how they wait and send.
//!
//! # Example: a closure plays the service
//!
//! Any closure is a transport, so a test (or this example) needs no server:
//!
//! ```
//! use callkit::core::callback::V1Action;
//! use callkit::transport::{HttpRequest, HttpResponse};
//! use callkit::{Client, Region, SecretKey};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Answers `/v1/callback/get` with the documented example reply.
//! let service = |request: HttpRequest| async move {
//!     assert_eq!(request.uri().path(), "/v1/callback/get");
//!     let body = r#"{"errorCode": 0, "errorMessage": "Success",
//!         "requestId": "355c3c394f0602ed81a13c34999abebb",
//!         "data": {"actions": ["call_busy", "normal_end"],
//!                  "address": "http://www.example.com/callback"}}"#;
//!     Ok::<_, std::convert::Infallible>(HttpResponse::new(body.as_bytes().to_vec()))
//! };
//!
//! let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")?;
//! let client = Client::builder(1_400_000_000, key, Region::CallkitIntl).build(service)?;
//! let config = futures_lite::future::block_on(client.v1_get_callback())?;
//! assert_eq!(config.address, "http://www.example.com/callback");
//! assert_eq!(config.actions, [V1Action::CallBusy, V1Action::NormalEnd]);
//! # Ok(()) }
//! ```
//!
//! # Example: over HTTPS with `SmolTransport`
//!
//! ```no_run
//! # #[cfg(feature = "smol")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use callkit::core::callback::{V4CallbackConfig, V4Command};
//! use callkit::{Client, Region, SecretKey, SmolTransport};
//!
//! let key = SecretKey::new(std::env::var("CALLKIT_SECRET_KEY")?)?;
//! let client = Client::builder(1_400_000_000, key, Region::ChatSingapore)
//!     .build(SmolTransport::new()?)?;
//! smol::block_on(async {
//!     client
//!         .v4_set_callback(&V4CallbackConfig {
//!             url: "https://app.example.com/callkit".into(),
//!             commands: vec![V4Command::AfterEndCall],
//!         })
//!         .await?;
//!     println!("{:?}", client.v4_get_callback().await?);
//!     Ok(())
//! })
//! # }
//! # #[cfg(not(feature = "smol"))]
//! # fn main() {}
//! ```
//!
//! # Rate limits
//!
//! Every clone of a client shares one sliding-window limiter per rate class (v1 callback
//! configuration: 10 per second; v1 `get_record_by_callId`: 20; v1
//! `get_records_by_filter`: 200; v4: 200): a burst of calls goes out at the
//! documented rate, the rest wait their turn. The window is one second plus a margin
//! ([`ClientBuilder::rate_limit_margin`], 50 ms by default) so that network jitter does not
//! make the service count one request too many.
//!
//! # Retries
//!
//! At most [`ClientBuilder::max_attempts`] attempts (default 3), each with a fresh
//! `random`:
//!
//! * rate limited (v1 70005, v4 60007/60011/60018/60019, HTTP 429): after 1 s, doubling
//!   per attempt up to 8 s, plus a jitter of up to as much again (so that clients refused
//!   together do not come back together), then the limiter's wait;
//! * UserSig expired (v1 70003, v4 70001): at once, with a newly signed UserSig;
//! * server error (v4 100001 and the like, HTTP 5xx): after 200 ms, doubling, at most 2 s;
//!
//! all three only on endpoints declared [`RETRY_SAFE`](callkit_core::endpoint::Endpoint::RETRY_SAFE)
//! (every endpoint but `start_call_by_robot` is). A transport failure whose
//! [`kind`](crate::transport::Failure::kind) is
//! [`NotSent`](crate::transport::FailureKind::NotSent) (DNS, TCP, the TLS handshake, a
//! connect timeout: the request surely never left this machine) is retried on any
//! endpoint, with the same backoff as a server error; any transport, a closure included,
//! says so through its error's kind.
//! Everything else is returned at once. Every attempt is reported to the
//! [`ClientBuilder::on_attempt`] observer and logged with the `log` crate (`debug` on
//! success, `info` before a retry, `warn` on the final failure) with the path, attempt
//! number, `random`, outcome and wait; never the key or the UserSig.
//!
//! A request to an endpoint that is not retry safe (`start_call_by_robot`) that may have
//! reached the service (no reply, a non-200 status, a server error) is never resent: it
//! returns [`Error::MaybeSent`], which says so.
//!
//! # Failover
//!
//! A v4 region's client sends to the region's backup domain (spec §2.2) when the
//! primary cannot be reached (the request was not sent: DNS, connect, TLS handshake),
//! stays there for [`ClientBuilder::failover_stay`] (5 minutes by default), then tries
//! the primary again; each switch is logged once (`warn`). [`ClientBuilder::failover_to`]
//! sets another backup or turns failover off.
//!
//! # Errors
//!
//! Every method returns [`Error`], one type whatever the transport: the transport's own
//! error is kept as the boxed source of [`Error::Transport`] (downcast it), so code that
//! handles CallKit errors never names the transport type. [`Error::api`], [`Error::kind`]
//! and [`Error::random`] reach the service's answer through
//! [`Error::RetriesExhausted`].

mod builder;
mod engine;
mod error;
mod pace;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use callkit_core::endpoint::{Empty, Endpoint, Generation};
use callkit_core::records::{PagedFilter, Pager};
use callkit_core::region::Server;
use callkit_core::registry;
use callkit_core::secret::SecretKey;

pub use builder::{Async, Blocking, ClientBuilder};
pub use callkit_core::call_loop::DEFAULT_MAX_ATTEMPTS;
pub use error::Error;
pub use pace::{PaceFuture, SharedRateLimiter};

use crate::transport::{BlockingTransport, Transport};
use callkit_core::call_loop::CallLoop;
use engine::{Action, Shared};

/// One attempt of a call, as the [`ClientBuilder::on_attempt`] observer sees it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// The endpoint's path, e.g. `/v1/callback/get`.
    pub path: &'static str,
    /// The base URL the attempt went to: the server's, or its backup's after a failover.
    pub server: &'a str,
    /// The endpoint's API generation.
    pub generation: Generation,
    /// Which attempt this was, from 1.
    pub number: u32,
    /// The configured maximum number of attempts.
    pub max_attempts: u32,
    /// The `random` query parameter this attempt carried.
    pub random: u32,
    /// How long the rate limiter held this attempt before it was sent.
    pub queued: Duration,
    /// What came of it.
    pub outcome: AttemptOutcome<'a>,
    /// `Some(wait)` if another attempt follows after `wait` (before its own limiter wait).
    pub retry_in: Option<Duration>,
}

/// What came of an [`Attempt`].
#[derive(Debug)]
#[non_exhaustive]
pub enum AttemptOutcome<'a> {
    /// The reply parsed into the endpoint's result.
    Success {
        /// The HTTP status (200).
        status: u16,
    },
    /// The attempt failed; if no retry follows, this is the error returned (for a
    /// retryable one, inside [`Error::RetriesExhausted`]).
    Failure(&'a Error),
}

/// State shared by the clones of a client: configuration, UserSig cache, rate limiters,
/// the runtime and the transport.
struct Inner<T> {
    shared: Shared,
    transport: T,
}

impl<T> fmt::Debug for Inner<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        let issued_at = shared
            .agent
            .try_lock()
            .ok()
            .and_then(|agent| agent.signer().issued_at());
        f.debug_struct("Client")
            .field("sdkappid", &shared.sdkappid)
            .field("admin", &shared.admin)
            .field("server", &shared.server.base_url())
            .field("max_attempts", &shared.max_attempts)
            .field("key", &"<redacted>")
            .field("usersig_issued_at", &issued_at)
            .finish_non_exhaustive()
    }
}

/// The async CallKit client: one method per endpoint, plus [`Client::call`] for any
/// [`Endpoint`].
///
/// Cheap to clone (an `Arc`); clones share the UserSig cache and the rate limiters, and
/// the client is `Send + Sync` when the transport is. `Debug` shows no key or UserSig.
/// See the [module docs](self) for examples, rate limits and retries.
pub struct Client<T> {
    inner: Arc<Inner<T>>,
}

/// The blocking twin of [`Client`], over a [`BlockingTransport`]: the same methods,
/// rate limiting and retries, waiting by blocking the thread on the runtime's timers.
///
/// ```
/// use callkit::transport::{HttpRequest, HttpResponse};
/// use callkit::{BlockingClient, Region, SecretKey};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // Plays `/v4/call_config/delete_callback` with the documented reply.
/// let service = |request: HttpRequest| {
///     assert_eq!(request.uri().path(), "/v4/call_config/delete_callback");
///     let body = r#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK",
///         "RequestId": "Id-1cc8828fd3d84795ac866ced43b15b5c-O-Seq-61309"}"#;
///     Ok::<_, std::convert::Infallible>(HttpResponse::new(body.as_bytes().to_vec()))
/// };
/// let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")?;
/// let client = BlockingClient::builder(1_400_000_000, key, Region::ChatChina).build(service)?;
/// client.v4_delete_callback()?;
/// # Ok(()) }
/// ```
pub struct BlockingClient<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Client<T> {
    fn clone(&self) -> Self {
        Client {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> Clone for BlockingClient<T> {
    fn clone(&self) -> Self {
        BlockingClient {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T> fmt::Debug for BlockingClient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl Client<()> {
    /// Starts configuring a client for the app `sdkappid` with its secret key, sending to
    /// `server` (a [`Region`](callkit_core::region::Region), a
    /// [`BaseUrl`](callkit_core::region::BaseUrl) or a [`Server`]).
    pub fn builder(
        sdkappid: u32,
        key: SecretKey,
        server: impl Into<Server>,
    ) -> ClientBuilder<Async> {
        ClientBuilder::new(sdkappid, key, server.into())
    }
}

impl BlockingClient<()> {
    /// Starts configuring a blocking client (see [`Client::builder`]).
    pub fn builder(
        sdkappid: u32,
        key: SecretKey,
        server: impl Into<Server>,
    ) -> ClientBuilder<Blocking> {
        ClientBuilder::new(sdkappid, key, server.into())
    }
}

/// The accessors both clients share.
macro_rules! accessors {
    () => {
        /// The SDKAppID.
        pub fn sdkappid(&self) -> u32 {
            self.inner.shared.sdkappid
        }

        /// The admin identifier the calls are signed as.
        pub fn admin(&self) -> &str {
            &self.inner.shared.admin
        }

        /// The server the requests go to.
        pub fn server(&self) -> &Server {
            &self.inner.shared.server
        }

        /// The transport.
        pub fn transport(&self) -> &T {
            &self.inner.transport
        }
    };
}

/// One method per endpoint of the registry ([`callkit_core::for_each_endpoint!`]),
/// written once for both clients: `$mode` is `[async; .await]` or `[;]`.
macro_rules! endpoint_methods {
    (
        $mode:tt
        $(
            $(#[$doc:meta])*
            $name:ident => $method:ident($($arg:ident)?) { $($declaration:tt)* }
        )+
    ) => {
        $(
            endpoint_methods!(@one $mode [$(#[$doc])*] $name $method ($($arg)?));
        )+
    };
    (@one [$($kw:ident)?; $($await:tt)*] [$(#[$doc:meta])*] $name:ident $method:ident ()) => {
        $(#[$doc])*
        pub $($kw)? fn $method(&self) -> Result<<registry::$name as Endpoint>::Response, Error> {
            self.call::<registry::$name>(&Empty {}) $($await)*
        }
    };
    (@one [$($kw:ident)?; $($await:tt)*] [$(#[$doc:meta])*] $name:ident $method:ident ($arg:ident)) => {
        $(#[$doc])*
        pub $($kw)? fn $method(
            &self,
            $arg: &<registry::$name as Endpoint>::Request,
        ) -> Result<<registry::$name as Endpoint>::Response, Error> {
            self.call::<registry::$name>($arg) $($await)*
        }
    };
}

impl<T> Client<T> {
    fn from_parts(shared: Shared, transport: T) -> Self {
        Client {
            inner: Arc::new(Inner { shared, transport }),
        }
    }

    accessors!();
}

impl<T: Transport> Client<T> {
    /// Calls endpoint `E` with `body`: the one code path every method above takes.
    ///
    /// Use it for an endpoint declared outside this crate (see
    /// [`Endpoint`]).
    pub async fn call<E: Endpoint>(&self, body: &E::Request) -> Result<E::Response, Error> {
        let Inner { shared, transport } = &*self.inner;
        let mut call = CallLoop::<E>::new(body);
        let mut last = None;
        loop {
            match shared.next(&mut call, &mut last) {
                Action::Pace(class) => {
                    let wait = shared.reserve(class).await;
                    call.paced(wait, shared.now());
                }
                Action::Sleep(wait) => shared.runtime.sleep(wait).await,
                Action::Send(request) => {
                    let result = transport.send(request).await;
                    shared.sent(&mut call, result, &mut last);
                }
                Action::Done(outcome) => return outcome,
            }
        }
    }

    callkit_core::for_each_endpoint!(endpoint_methods, [async; .await]);

    /// Every record a filter matches, as a stream that asks for one page at a time (each
    /// page one rate-limited call) and ends after the last page, at `cap` records
    /// (`None`: no cap), or after yielding an error.
    ///
    /// `filter` is a [`V1RecordFilter`](callkit_core::records::V1RecordFilter) or a
    /// [`V4RecordFilter`](callkit_core::records::V4RecordFilter); its page (default 1)
    /// is where the walk starts.
    pub fn records<F>(
        &self,
        filter: F,
        cap: Option<u64>,
    ) -> impl futures_lite::Stream<Item = Result<F::Record, Error>> + use<T, F>
    where
        F: PagedFilter,
    {
        let client = self.clone();
        futures_lite::stream::unfold(Some(Pager::new(filter, cap)), move |state| {
            let client = client.clone();
            async move {
                let mut pager = state?;
                loop {
                    if let Some(record) = pager.pop() {
                        return Some((Ok(record), Some(pager)));
                    }
                    let request = pager.next_request()?.clone();
                    match client.call::<F::Endpoint>(&request).await {
                        Ok(page) => pager.accept(page),
                        Err(error) => return Some((Err(error), None)),
                    }
                }
            }
        })
    }
}

impl<T> BlockingClient<T> {
    fn from_parts(shared: Shared, transport: T) -> Self {
        BlockingClient {
            inner: Arc::new(Inner { shared, transport }),
        }
    }

    accessors!();
}

impl<T: BlockingTransport> BlockingClient<T> {
    /// Calls endpoint `E` with `body`, blocking until done (see [`Client::call`]).
    pub fn call<E: Endpoint>(&self, body: &E::Request) -> Result<E::Response, Error> {
        let Inner { shared, transport } = &*self.inner;
        let mut call = CallLoop::<E>::new(body);
        let mut last = None;
        loop {
            match shared.next(&mut call, &mut last) {
                Action::Pace(class) => {
                    // A shared budget answers over the network; its client runs on
                    // async-io's reactor, so waiting for it here needs no executor.
                    let wait = futures_lite::future::block_on(shared.reserve(class));
                    call.paced(wait, shared.now());
                }
                Action::Sleep(wait) => futures_lite::future::block_on(shared.runtime.sleep(wait)),
                Action::Send(request) => {
                    let result = transport.send(request);
                    shared.sent(&mut call, result, &mut last);
                }
                Action::Done(outcome) => return outcome,
            }
        }
    }

    callkit_core::for_each_endpoint!(endpoint_methods, [;]);

    /// Every record a filter matches, as an iterator that asks for one page at a time
    /// (see [`Client::records`]).
    pub fn records<'a, F: PagedFilter + 'a>(
        &'a self,
        filter: F,
        cap: Option<u64>,
    ) -> impl Iterator<Item = Result<F::Record, Error>> + 'a {
        let mut state = Some(Pager::new(filter, cap));
        std::iter::from_fn(move || {
            let pager = state.as_mut()?;
            loop {
                if let Some(record) = pager.pop() {
                    return Some(Ok(record));
                }
                let request = pager.next_request()?.clone();
                match self.call::<F::Endpoint>(&request) {
                    Ok(page) => pager.accept(page),
                    Err(error) => {
                        state = None;
                        return Some(Err(error));
                    }
                }
            }
        })
    }
}
