//! Shared by the end-to-end tests: an emulator per test, a [`Client`] (or the
//! [`BlockingClient`]) on each transport pointed at it, and the [`Api`] / [`Rig`] traits
//! that let one behaviour be written once and run on every transport.
//!
//! | rig | client | transport | emulator |
//! | --- | --- | --- | --- |
//! | [`SmolRig`] | `Client` | `SmolTransport` | HTTPS, its certificate as the only root |
//! | [`AsyncStdRig`] | `Client` | `AsyncStdTransport` | HTTPS, likewise |
//! | [`SurfRig`] | `Client` | `SurfTransport` (h1, no TLS) | plain HTTP (see below) |
//! | [`UreqRig`] | `BlockingClient` | a closure over ureq 3 | HTTPS, likewise |
//!
//! surf: callkit enables no surf backend, and the one its tests enable
//! (`h1-client-no-tls`) has no TLS (surf's TLS backends pull OpenSSL or rustls 0.18 with
//! advisories), so the surf rig talks to the emulator over plain HTTP on loopback.
//!
//! Time: most tests give the emulator and the client one auto-advancing [`ManualRuntime`]: its
//! sleeps move it instead of waiting, so rate-limit waits and retry backoffs cost nothing and
//! the emulator's limiter sees exactly the clients' notion of time. Tests of real-time
//! behaviour (the real 10/s limit, timeouts, idle closes) use the real clocks.
#![allow(dead_code)] // each test binary uses a different subset

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use callkit::client::{Attempt, AttemptOutcome};
use callkit::core::callback::{V1CallbackConfig, V4CallbackConfig};
use callkit::core::response::{ApiError, ApiErrorKind};
use callkit::emulator::EmulatorServer;
use callkit::testing::ManualRuntime;
use callkit::transport::{BlockingTransport, HttpRequest, HttpResponse, Transport};
use callkit::{BaseUrl, BlockingClient, Client, ClientBuilder, Error, SecretKey, TransportError};

use super::ureq_closure::{UreqSettings, ureq_transport};

/// The app every emulator serves.
pub const SDKAPPID: u32 = 1_400_000_123;

/// Its secret key.
pub const KEY: &str = "e2e-secret-key-0123456789abcdef";
/// A key the emulator does not know for the app: UserSigs signed with it are invalid.
pub const WRONG_KEY: &str = "e2e-some-other-apps-key";
/// An identifier that is valid but not an app administrator.
pub const NOT_ADMIN: &str = "alice";
/// Where a manual clock starts (Unix time).
pub const START: Duration = Duration::from_secs(1_700_000_000);

/// Which transport a rig drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Smol,
    AsyncStd,
    Surf,
    Ureq,
}

impl Kind {
    /// Whether this transport talks to the emulator over HTTPS (all but surf).
    pub fn https(self) -> bool {
        self != Kind::Surf
    }
}

/// One attempt as the `on_attempt` observer saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: &'static str,
    pub number: u32,
    pub random: u32,
    pub success: bool,
    /// The API error, when the attempt failed with one.
    pub api: Option<ApiError>,
    pub retry_in: Option<Duration>,
}

/// Every attempt of one client, in order.
#[derive(Debug, Clone, Default)]
pub struct Attempts(Arc<Mutex<Vec<Seen>>>);

impl Attempts {
    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    /// Attempts refused with a rate-limit code.
    pub fn rate_limited(&self) -> Vec<Seen> {
        self.all()
            .into_iter()
            .filter(|s| {
                s.api
                    .as_ref()
                    .is_some_and(|a| a.kind == ApiErrorKind::RateLimited)
            })
            .collect()
    }

    pub fn last(&self) -> Seen {
        self.all().last().cloned().expect("at least one attempt")
    }

    fn observer(&self) -> impl Fn(&Attempt<'_>) + Send + Sync + 'static {
        let log = Arc::clone(&self.0);
        move |attempt: &Attempt<'_>| {
            let (success, api) = match &attempt.outcome {
                AttemptOutcome::Success { .. } => (true, None),
                AttemptOutcome::Failure(error) => (false, error.api().cloned()),
                _ => (false, None),
            };
            log.lock().unwrap().push(Seen {
                path: attempt.path,
                number: attempt.number,
                random: attempt.random,
                success,
                api,
                retry_in: attempt.retry_in,
            });
        }
    }
}

/// How a test wants its client.
#[derive(Clone)]
pub struct Options {
    /// Shared with the emulator; `None`: the real clocks and real sleeps.
    pub clock: Option<ManualRuntime>,
    pub key: &'static str,
    pub admin: &'static str,
    pub request_timeout: Duration,
    /// The transport's response body cap; `None` keeps its default (1 MiB).
    pub max_body: Option<usize>,
    pub max_attempts: u32,
    pub attempts: Attempts,
}

impl Options {
    /// The right key, the default admin, a 10 s timeout, 3 attempts, on `clock`.
    pub fn new(clock: Option<&ManualRuntime>) -> Self {
        Options {
            clock: clock.cloned(),
            key: KEY,
            admin: "administrator",
            request_timeout: Duration::from_secs(10),
            max_body: None,
            max_attempts: 3,
            attempts: Attempts::default(),
        }
    }
}

/// A fresh manual clock at [`START`].
pub fn manual_clock() -> ManualRuntime {
    ManualRuntime::auto_advance(START)
}

/// An emulator serving [`SDKAPPID`] with [`KEY`] (HTTPS unless `kind` is surf), on the
/// manual clock if given, with callback delivery that never really sleeps.
pub fn emulator(kind: Kind, clock: Option<&ManualRuntime>) -> EmulatorServer {
    let mut builder = EmulatorServer::builder()
        .app(SDKAPPID, SecretKey::new(KEY).unwrap())
        .https(kind.https());
    if let Some(clock) = clock {
        let clock = clock.clone();
        builder = builder.runtime(clock.shared());
    }
    builder.start().expect("emulator starts")
}

fn base_url(emulator: &EmulatorServer) -> BaseUrl {
    BaseUrl::parse_allow_http(emulator.base_url()).expect("loopback base URL")
}

fn configure<S>(builder: ClientBuilder<S>, options: &Options) -> ClientBuilder<S> {
    let builder = builder
        .admin(options.admin)
        .max_attempts(options.max_attempts)
        .on_attempt(options.attempts.observer());
    match &options.clock {
        Some(clock) => builder.runtime(clock.shared()),
        None => builder,
    }
}

fn async_client<T: Transport>(
    emulator: &EmulatorServer,
    options: &Options,
    transport: T,
) -> Client<T> {
    let key = SecretKey::new(options.key).unwrap();
    configure(Client::builder(SDKAPPID, key, base_url(emulator)), options)
        .build(transport)
        .expect("client builds")
}

fn blocking_client<T: BlockingTransport>(
    emulator: &EmulatorServer,
    options: &Options,
    transport: T,
) -> BlockingClient<T> {
    let key = SecretKey::new(options.key).unwrap();
    configure(
        BlockingClient::builder(SDKAPPID, key, base_url(emulator)),
        options,
    )
    .build(transport)
    .expect("client builds")
}

/// The seven endpoints and a raw send, the same for the async and the blocking client.
pub trait Api: Send + Sync + 'static {
    /// Calls block their thread: concurrent calls need threads, not futures.
    const BLOCKING: bool;

    fn v1_set(&self, c: &V1CallbackConfig) -> impl Future<Output = Result<String, Error>> + Send;
    fn v1_get(&self) -> impl Future<Output = Result<V1CallbackConfig, Error>> + Send;
    fn v1_update(&self, c: &V1CallbackConfig)
    -> impl Future<Output = Result<String, Error>> + Send;
    fn v1_delete(&self) -> impl Future<Output = Result<(), Error>> + Send;
    fn v4_set(&self, c: &V4CallbackConfig) -> impl Future<Output = Result<(), Error>> + Send;
    fn v4_get(&self) -> impl Future<Output = Result<V4CallbackConfig, Error>> + Send;
    fn v4_delete(&self) -> impl Future<Output = Result<(), Error>> + Send;
    /// Sends `request` through the client's transport, bypassing the client.
    fn send_raw(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> + Send;
}

impl<T> Api for Client<T>
where
    T: Transport<Error = TransportError> + Send + Sync + 'static,
{
    const BLOCKING: bool = false;

    fn v1_set(&self, c: &V1CallbackConfig) -> impl Future<Output = Result<String, Error>> + Send {
        self.v1_set_callback(c)
    }
    fn v1_get(&self) -> impl Future<Output = Result<V1CallbackConfig, Error>> + Send {
        self.v1_get_callback()
    }
    fn v1_update(
        &self,
        c: &V1CallbackConfig,
    ) -> impl Future<Output = Result<String, Error>> + Send {
        self.v1_update_callback(c)
    }
    fn v1_delete(&self) -> impl Future<Output = Result<(), Error>> + Send {
        self.v1_delete_callback()
    }
    fn v4_set(&self, c: &V4CallbackConfig) -> impl Future<Output = Result<(), Error>> + Send {
        self.v4_set_callback(c)
    }
    fn v4_get(&self) -> impl Future<Output = Result<V4CallbackConfig, Error>> + Send {
        self.v4_get_callback()
    }
    fn v4_delete(&self) -> impl Future<Output = Result<(), Error>> + Send {
        self.v4_delete_callback()
    }
    fn send_raw(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> + Send {
        self.transport().send(request)
    }
}

// Written in the trait's own shape (a `Send` future), like the async impl above.
#[allow(clippy::manual_async_fn)]
impl<T> Api for BlockingClient<T>
where
    T: BlockingTransport<Error = TransportError> + Send + Sync + 'static,
{
    const BLOCKING: bool = true;

    fn v1_set(&self, c: &V1CallbackConfig) -> impl Future<Output = Result<String, Error>> + Send {
        async move { self.v1_set_callback(c) }
    }
    fn v1_get(&self) -> impl Future<Output = Result<V1CallbackConfig, Error>> + Send {
        async move { self.v1_get_callback() }
    }
    fn v1_update(
        &self,
        c: &V1CallbackConfig,
    ) -> impl Future<Output = Result<String, Error>> + Send {
        async move { self.v1_update_callback(c) }
    }
    fn v1_delete(&self) -> impl Future<Output = Result<(), Error>> + Send {
        async move { self.v1_delete_callback() }
    }
    fn v4_set(&self, c: &V4CallbackConfig) -> impl Future<Output = Result<(), Error>> + Send {
        async move { self.v4_set_callback(c) }
    }
    fn v4_get(&self) -> impl Future<Output = Result<V4CallbackConfig, Error>> + Send {
        async move { self.v4_get_callback() }
    }
    fn v4_delete(&self) -> impl Future<Output = Result<(), Error>> + Send {
        async move { self.v4_delete_callback() }
    }
    fn send_raw(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> + Send {
        async move { self.transport().send(request) }
    }
}

/// A transport plus how its futures are driven.
pub trait Rig {
    const KIND: Kind;
    type Api: Api;
    /// A client of `emulator` configured by `options`.
    fn client(emulator: &EmulatorServer, options: &Options) -> Self::Api;
    /// Runs `future` on this transport's runtime.
    fn block_on<F: Future>(future: F) -> F::Output;
}

/// Runs `n` calls `call(i)` at once and returns their results in order: futures
/// interleaved on one executor for an async client, one thread each for a blocking one.
pub fn concurrently<R, F, Fut, O>(n: usize, call: F) -> Vec<O>
where
    R: Rig,
    F: Fn(usize) -> Fut + Sync,
    Fut: Future<Output = O> + Send,
    O: Send,
{
    if <R::Api as Api>::BLOCKING {
        let call = &call;
        std::thread::scope(|scope| {
            let threads: Vec<_> = (0..n)
                .map(|i| scope.spawn(move || futures_lite::future::block_on(call(i))))
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().expect("call thread"))
                .collect()
        })
    } else {
        R::block_on(async {
            let executor = smol::LocalExecutor::new();
            let tasks: Vec<_> = (0..n).map(|i| executor.spawn(call(i))).collect();
            executor
                .run(async {
                    let mut out = Vec::with_capacity(n);
                    for task in tasks {
                        out.push(task.await);
                    }
                    out
                })
                .await
        })
    }
}

fn pem(emulator: &EmulatorServer) -> &str {
    emulator.certificate_pem().expect("HTTPS emulator")
}

/// A rig for one of callkit's own hyper transports (their builders share the same
/// methods): TLS trusting only the emulator's certificate, the options' timeout and cap.
macro_rules! hyper_rig {
    ($rig:ident, $kind:expr, $transport:ty, $block_on:path) => {
        pub struct $rig;

        impl Rig for $rig {
            const KIND: Kind = $kind;
            type Api = Client<$transport>;

            fn client(emulator: &EmulatorServer, options: &Options) -> Self::Api {
                let mut builder = <$transport>::builder()
                    .webpki_roots(false)
                    .add_root_certificate_pem(pem(emulator))
                    .request_timeout(options.request_timeout);
                if let Some(cap) = options.max_body {
                    builder = builder.max_body_bytes(cap);
                }
                async_client(emulator, options, builder.build().expect("transport"))
            }

            fn block_on<F: Future>(future: F) -> F::Output {
                $block_on(future)
            }
        }
    };
}

hyper_rig!(SmolRig, Kind::Smol, callkit::SmolTransport, smol::block_on);
hyper_rig!(
    AsyncStdRig,
    Kind::AsyncStd,
    callkit::AsyncStdTransport,
    async_std::task::block_on
);

/// surf over plain HTTP: see the module docs.
pub struct SurfRig;

impl Rig for SurfRig {
    const KIND: Kind = Kind::Surf;
    type Api = Client<callkit::SurfTransport>;

    fn client(emulator: &EmulatorServer, options: &Options) -> Self::Api {
        // Without TCP_NODELAY, surf's h1 backend waits ~40 ms on delayed ACKs per request.
        let surf: surf::Client = surf::Config::new()
            .set_tcp_no_delay(true)
            .try_into()
            .expect("surf client");
        let mut builder = callkit::SurfTransport::builder(surf)
            .allow_http(true)
            .request_timeout(options.request_timeout);
        if let Some(cap) = options.max_body {
            builder = builder.max_body_bytes(cap);
        }
        async_client(emulator, options, builder.build())
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        async_std::task::block_on(future)
    }
}

/// The blocking client over a ureq closure.
pub struct UreqRig;

/// The ureq closure's type.
pub type UreqFn = Box<dyn Fn(HttpRequest) -> Result<HttpResponse, TransportError> + Send + Sync>;

impl Rig for UreqRig {
    const KIND: Kind = Kind::Ureq;
    type Api = BlockingClient<UreqFn>;

    fn client(emulator: &EmulatorServer, options: &Options) -> Self::Api {
        let der = emulator
            .server()
            .certificate()
            .expect("HTTPS emulator")
            .der()
            .to_vec();
        let transport = ureq_transport(UreqSettings {
            root_der: Some(der),
            timeout: options.request_timeout,
            max_body: options.max_body.unwrap_or(1024 * 1024),
            https_only: true,
        });
        blocking_client(emulator, options, Box::new(transport) as UreqFn)
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        futures_lite::future::block_on(future)
    }
}

/// The API error inside `error`, asserted to be of `kind` and `code`, with a message, a
/// request id, and the `random` the (last) attempt was sent with.
pub fn assert_api_error(error: &Error, kind: ApiErrorKind, code: i64, attempts: &Attempts) {
    let api = error
        .api()
        .unwrap_or_else(|| panic!("expected API error {code}, got {error:?}"));
    assert_eq!(api.kind, kind, "{error}");
    assert_eq!(api.code, code, "{error}");
    assert!(!api.message.is_empty(), "no message: {error:?}");
    assert!(
        api.request_id.as_deref().is_some_and(|id| !id.is_empty()),
        "no request id: {error:?}"
    );
    assert_eq!(error.random(), Some(api.random));
    let last = attempts.last();
    assert_eq!(api.random, last.random, "the random is the one sent");
    assert_eq!(api.path, last.path);
}

/// The transport error inside a client error.
pub fn transport_error(error: &Error) -> &TransportError {
    match error.last() {
        Error::Transport { source, .. } => source
            .downcast_ref::<TransportError>()
            .unwrap_or_else(|| panic!("not a TransportError: {error:?}")),
        other => panic!("expected a transport error, got {other:?}"),
    }
}
