//! The CallKit service emulator served over loopback HTTP or HTTPS (feature `emulator`).
//!
//! [`EmulatorServer`] puts a sans-IO [`callkit_core::emulator::Emulator`] behind a mutex
//! and serves it with a [`LoopbackServer`]: each request is answered by
//! [`Emulator::handle_http`] at its runtime's Unix time (the wall clock unless injected). A
//! [`Fault::Delay`](callkit_core::emulator::Fault::Delay) is honoured after the lock is
//! released: the handler hands the delay to the server as a `ReplyDelay` and the
//! connection's task waits, so other requests keep being answered meanwhile.
//!
//! The callbacks of a simulated call ([`EmulatorServer::simulate_call`]) are POSTed to
//! the app's configured addresses with a [`SmolTransport`] (plain `http` allowed, extra
//! root certificates configurable), v1 ones retried on the documented schedule.
//!
//! # Control path
//!
//! Besides the Tencent paths, the server answers `POST /emulator/simulate_call?sdkappid=N`
//! ([`SIMULATE_CALL_PATH`]) with a [`ScenarioSpec`] as the JSON body: it simulates the
//! call, delivers its callbacks and answers `200` with the [`SimulationReport`] as JSON
//! (`400` for a bad query or body, `404` for an unknown app, `405` for another method).
//! It has no authentication (a local test server).
//!
//! `POST /emulator/answer_call?sdkappid=N&call_id=C&user=U` ([`ANSWER_CALL_PATH`]) makes
//! callee `U` answer the live (robot) call `C`, as its app would: `get_call_info` then
//! shows it `Calling`. `end_call`'s callbacks are delivered like a simulated call's. While the delivery
//! is in progress, the server starts another thread to serve other requests (see
//! [`crate::server`]), so the emulator keeps answering them (REST calls, another
//! simulation), and a callback address may even point at this emulator itself.
//!
//! ```no_run
//! use callkit::emulator::EmulatorServer;
//! use callkit_core::secret::SecretKey;
//!
//! let server = EmulatorServer::builder()
//!     .app(1400000000, SecretKey::new("local-test-key").unwrap())
//!     .admin("administrator")
//!     .https(true)
//!     .start()?;
//! println!("{}", server.base_url());
//! server.write_certificate("/tmp/emulator.pem")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod deliver;
mod scenario;

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use callkit_core::emulator::{App, CallScenario, Emulator, ResponseDelay};
use callkit_core::query::{self, NameCase};
use callkit_core::secret::SecretKey;

pub use self::deliver::{DeliveryReport, Pacing, SimulationReport, deliver};
pub use self::scenario::{
    MediaName, OutcomeName, SIMULATE_CALL_PATH, ScenarioSpec, UnknownOutcome,
};
use crate::SmolTransport;
use crate::runtime::{Runtime, default_runtime};
#[cfg(feature = "test-util")]
use crate::server::ServerControl;
use crate::server::{LoopbackServer, ReplyDelay, ServerError};
use crate::transport::{HttpRequest, HttpResponse};

/// Why an emulator server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// No app was configured.
    #[error("the emulator needs at least one app")]
    NoApp,
    /// An app's SDKAppID is 0.
    #[error("the SDKAppID is 0")]
    ZeroSdkAppId,
    /// The loopback server could not start.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// The transport that delivers callbacks could not be built.
    #[error("cannot build the callback transport: {0}")]
    Transport(#[from] crate::TransportError),
}

/// Why a call could not be simulated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimulateError {
    /// The emulator serves no app with this SDKAppID.
    #[error("unknown SDKAppID {0}")]
    UnknownApp(u32),
}

/// Configures an [`EmulatorServer`].
#[must_use]
pub struct EmulatorServerBuilder {
    apps: Vec<(u32, SecretKey)>,
    admins: Vec<String>,
    https: bool,
    port: u16,
    runtime: Arc<dyn Runtime>,
    pacing: Pacing,
    callback_roots: Vec<Vec<u8>>,
}

impl std::fmt::Debug for EmulatorServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let apps: Vec<u32> = self.apps.iter().map(|(id, _)| *id).collect();
        f.debug_struct("EmulatorServerBuilder")
            .field("apps", &apps)
            .field("admins", &self.admins)
            .field("https", &self.https)
            .field("port", &self.port)
            .field("pacing", &self.pacing)
            .finish_non_exhaustive()
    }
}

impl EmulatorServerBuilder {
    /// Serves an app (call again for more apps; the same SDKAppID again replaces it).
    pub fn app(mut self, sdkappid: u32, key: SecretKey) -> Self {
        self.apps.retain(|(id, _)| *id != sdkappid);
        self.apps.push((sdkappid, key));
        self
    }

    /// Adds an admin identifier accepted for every app. Without any, each app has the one
    /// default admin, `administrator`.
    pub fn admin(mut self, identifier: impl Into<String>) -> Self {
        self.admins.push(identifier.into());
        self
    }

    /// Serve HTTPS with a fresh self-signed certificate (default: plain HTTP).
    pub fn https(mut self, enabled: bool) -> Self {
        self.https = enabled;
        self
    }

    /// The port on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The runtime whose Unix time the emulator answers at and whose timers space the
    /// callback deliveries and their retries (default: [`default_runtime`]). A test gives
    /// a [`ManualRuntime`](crate::testing::ManualRuntime). The callback transport's own
    /// request deadlines stay on the default runtime.
    pub fn runtime(mut self, runtime: Arc<dyn Runtime>) -> Self {
        self.runtime = runtime;
        self
    }

    /// When the callbacks of a simulated call are sent (default [`Pacing::Immediate`]).
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// Trusts this PEM certificate (besides the webpki roots) when delivering callbacks to
    /// an `https` webhook receiver, e.g. another loopback server's self-signed one.
    pub fn callback_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.callback_roots.push(pem.as_ref().to_vec());
        self
    }

    /// Builds the emulator and starts serving it on a background thread.
    pub fn start(self) -> Result<EmulatorServer, EmulatorError> {
        if self.apps.is_empty() {
            return Err(EmulatorError::NoApp);
        }
        let mut emulator = Emulator::new();
        for (sdkappid, key) in self.apps {
            let mut app = App::new(sdkappid, key);
            if !self.admins.is_empty() {
                app.admins.clone_from(&self.admins);
            }
            emulator
                .add_app(app)
                .map_err(|_| EmulatorError::ZeroSdkAppId)?;
        }
        // Callbacks go wherever the app configured them, proxies included as the
        // environment says; each attempt gets at most DELIVERY_ATTEMPT_TIMEOUT.
        let mut transport = SmolTransport::builder()
            .allow_http(true)
            .request_timeout(DELIVERY_ATTEMPT_TIMEOUT);
        for pem in &self.callback_roots {
            transport = transport.add_root_certificate_pem(pem);
        }
        let shared = Arc::new(Shared {
            emulator: Mutex::new(emulator),
            runtime: self.runtime,
            pacing: self.pacing,
            transport: transport.build()?,
            simulations: Mutex::new(Vec::new()),
        });
        let handler_shared = Arc::clone(&shared);
        let server = LoopbackServer::builder()
            .https(self.https)
            .port(self.port)
            .serve(move |request| handler_shared.answer(request))?;
        Ok(EmulatorServer { server, shared })
    }
}

/// What the server's handler and the [`EmulatorServer`] handle share.
struct Shared {
    emulator: Mutex<Emulator>,
    runtime: Arc<dyn Runtime>,
    pacing: Pacing,
    transport: SmolTransport,
    /// Simulations started through the control path, by id: `None` while delivering, the
    /// report once done. Kept for the server's lifetime (a local test server).
    simulations: Mutex<Vec<Option<SimulationReport>>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Emulator> {
        // A panic in a caller's `with_emulator` closure must not wedge the server.
        lock(&self.emulator)
    }

    /// The server's handler: the control paths, or the emulator.
    fn answer(self: &Arc<Self>, request: HttpRequest) -> HttpResponse {
        if request.uri().path() == SIMULATE_CALL_PATH {
            return futures_lite::future::block_on(self.control(&request));
        }
        if request.uri().path() == SIMULATION_PATH {
            return self.simulation(&request);
        }
        if request.uri().path() == ANSWER_CALL_PATH {
            return self.answer_call(&request);
        }
        let now = self.runtime.unix_time();
        let (mut response, deliveries) = {
            // The lock is released at the end of this block, before any delay.
            let mut emulator = self.lock();
            let response = emulator.handle_http(&request, now);
            (response, emulator.take_deliveries())
        };
        if !deliveries.is_empty() {
            // `end_call`'s callbacks go out on their own thread: the REST answer does not
            // wait for the app's receiver.
            let shared = Arc::clone(self);
            std::thread::spawn(move || {
                futures_lite::future::block_on(deliver(
                    &shared.transport,
                    &deliveries,
                    &*shared.runtime,
                    shared.pacing,
                ))
            });
        }
        if let Some(ResponseDelay(delay)) = response.extensions_mut().remove::<ResponseDelay>() {
            response.extensions_mut().insert(ReplyDelay(delay));
        }
        response
    }

    async fn simulate(
        &self,
        sdkappid: u32,
        scenario: &CallScenario,
    ) -> Result<SimulationReport, SimulateError> {
        let deliveries = {
            let mut emulator = self.lock();
            if !emulator.has_app(sdkappid) {
                return Err(SimulateError::UnknownApp(sdkappid));
            }
            emulator.simulate_call(sdkappid, scenario, self.runtime.unix_time())
        };
        Ok(deliver(&self.transport, &deliveries, &*self.runtime, self.pacing).await)
    }

    /// `POST /emulator/simulate_call?sdkappid=N[&wait=1]` with a [`ScenarioSpec`] body.
    async fn control(self: &Arc<Self>, request: &HttpRequest) -> HttpResponse {
        if request.method() != http::Method::POST {
            return json_error(405, "use POST");
        }
        let [id, wait] = match control_params(request, ["sdkappid", "wait"]) {
            Ok(values) => values,
            Err(message) => return json_error(400, &message),
        };
        let Some(sdkappid) = sdkappid(id.as_deref()) else {
            return json_error(400, "the query needs sdkappid=N (a non-zero u32)");
        };
        let spec: ScenarioSpec = match serde_json::from_slice(request.body()) {
            Ok(spec) => spec,
            Err(e) => return json_error(400, &format!("bad scenario: {e}")),
        };
        let mut scenario = spec.to_scenario();
        let call_id = match &scenario.call_id {
            Some(id) => id.clone(),
            None => self.lock().new_call_id(sdkappid),
        };
        scenario.call_id = Some(call_id.clone());
        if wait.is_some_and(|v| v == "1" || v == "true") {
            return match self.simulate(sdkappid, &scenario).await {
                Ok(report) => json(200, &Waited { call_id, report }),
                Err(e) => json_error(404, &e.to_string()),
            };
        }
        let deliveries = {
            let mut emulator = self.lock();
            if !emulator.has_app(sdkappid) {
                return json_error(404, &SimulateError::UnknownApp(sdkappid).to_string());
            }
            emulator.simulate_call(sdkappid, &scenario, self.runtime.unix_time())
        };
        let plan: Vec<Planned> = deliveries
            .iter()
            .map(|d| Planned {
                generation: d.generation,
                command: d.command.clone(),
                url: d.url.clone(),
            })
            .collect();
        let max_wait_secs = longest_delivery(&deliveries, DELIVERY_ATTEMPT_TIMEOUT).as_secs() + 1;
        let id = {
            let mut simulations = lock(&self.simulations);
            simulations.push(None);
            simulations.len() - 1
        };
        // Deliver on a thread of its own: the answer says what will be sent at once,
        // however long the app's receiver (and the v1 retries) take.
        let shared = Arc::clone(self);
        std::thread::spawn(move || {
            let report = futures_lite::future::block_on(deliver(
                &shared.transport,
                &deliveries,
                &*shared.runtime,
                shared.pacing,
            ));
            if let Some(slot) = lock(&shared.simulations).get_mut(id) {
                *slot = Some(report);
            }
        });
        json(
            202,
            &Started {
                simulation: id,
                call_id,
                plan,
                max_wait_secs,
                status: format!("{SIMULATION_PATH}?id={id}"),
            },
        )
    }

    /// `GET /emulator/simulation?id=ID`: whether a started simulation is done, and its
    /// report once it is.
    fn simulation(&self, request: &HttpRequest) -> HttpResponse {
        let [id] = match control_params(request, ["id"]) {
            Ok(values) => values,
            Err(message) => return json_error(400, &message),
        };
        let Some(id) = id.and_then(|v| v.parse::<usize>().ok()) else {
            return json_error(400, "the query needs id=N (as simulate_call answered)");
        };
        match lock(&self.simulations).get(id) {
            Some(None) => json(200, &serde_json::json!({"done": false})),
            Some(Some(report)) => json(200, &serde_json::json!({"done": true, "report": report})),
            None => json_error(404, "no such simulation"),
        }
    }
}

impl Shared {
    /// `POST /emulator/answer_call?sdkappid=N&call_id=C&user=U`: the callee answers.
    fn answer_call(&self, request: &HttpRequest) -> HttpResponse {
        if request.method() != http::Method::POST {
            return json_error(405, "use POST");
        }
        let [id, call_id, user] = match control_params(request, ["sdkappid", "call_id", "user"]) {
            Ok(values) => values,
            Err(message) => return json_error(400, &message),
        };
        let (Some(sdkappid), Some(call_id), Some(user)) = (sdkappid(id.as_deref()), call_id, user)
        else {
            return json_error(400, "the query needs sdkappid=N, call_id=C and user=U");
        };
        let now = self.runtime.unix_time();
        if self.lock().answer_call(sdkappid, &call_id, &user, now) {
            json(200, &serde_json::json!({"answered": true}))
        } else {
            json_error(404, "no such app, live call or callee")
        }
    }
}

/// The path of the control endpoint that reports on a simulation started by
/// [`SIMULATE_CALL_PATH`] (`GET /emulator/simulation?id=ID`): `{"done": false}` while its
/// callbacks are being delivered, `{"done": true, "report": {...}}` after.
pub const SIMULATION_PATH: &str = "/emulator/simulation";

/// How long one delivery attempt may take: the emulator's transport's request timeout.
const DELIVERY_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest `deliveries` can take to deliver one after the other: every retry waited
/// for and every attempt timing out after `attempt_timeout`.
fn longest_delivery(
    deliveries: &[callkit_core::emulator::Delivery],
    attempt_timeout: Duration,
) -> Duration {
    deliveries
        .iter()
        .map(|d| {
            let waits: Duration = d.retry_schedule.iter().sum();
            let attempts = u32::try_from(d.retry_schedule.len() + 1).unwrap_or(u32::MAX);
            waits.saturating_add(attempt_timeout.saturating_mul(attempts))
        })
        .fold(Duration::ZERO, Duration::saturating_add)
}

/// The answer of a started simulation (202).
#[derive(serde::Serialize)]
struct Started {
    simulation: usize,
    call_id: String,
    plan: Vec<Planned>,
    max_wait_secs: u64,
    status: String,
}

/// One callback a simulation will send.
#[derive(serde::Serialize)]
struct Planned {
    #[serde(serialize_with = "deliver::generation_str")]
    generation: callkit_core::endpoint::Generation,
    command: String,
    url: String,
}

/// The answer with `wait=1` (200): the call id and the delivery report.
#[derive(serde::Serialize)]
struct Waited {
    call_id: String,
    #[serde(flatten)]
    report: SimulationReport,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The path of the control endpoint that makes a callee of a live call answer it
/// (`POST /emulator/answer_call?sdkappid=N&call_id=C&user=U`): its status in
/// `get_call_info` becomes `Calling`. Not a Tencent path.
pub const ANSWER_CALL_PATH: &str = "/emulator/answer_call";

/// A control path's query parameters `names`, read as every query is
/// ([`query::read`]: decoded, each at most once); an empty value counts as absent. A
/// parameter sent twice is an error, with its message (answered 400).
fn control_params<const N: usize>(
    request: &HttpRequest,
    names: [&str; N],
) -> Result<[Option<String>; N], String> {
    let raw = request.uri().query().unwrap_or("");
    let values = query::read(raw, names, NameCase::Exact).map_err(|repeated| {
        format!(
            "the query parameter `{}` appears more than once",
            repeated.name
        )
    })?;
    Ok(values.map(|value| value.filter(|v| !v.is_empty()).map(Cow::into_owned)))
}

/// A non-zero SDKAppID.
fn sdkappid(value: Option<&str>) -> Option<u32> {
    value
        .and_then(|value| value.parse::<u32>().ok())
        .filter(|id| *id != 0)
}

fn json<T: serde::Serialize>(status: u16, value: &T) -> HttpResponse {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = http::Response::new(body);
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or_default();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn json_error(status: u16, message: &str) -> HttpResponse {
    json(status, &serde_json::json!({ "error": message }))
}

/// A running emulator. Dropping it (or [`shutdown`](Self::shutdown)) stops the server.
pub struct EmulatorServer {
    server: LoopbackServer,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EmulatorServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorServer")
            .field("base_url", &self.server.base_url())
            .finish_non_exhaustive()
    }
}

impl EmulatorServer {
    /// Starts configuring an emulator: plain HTTP on a free port, the
    /// [`default_runtime`] (wall clock, real timers), immediate pacing, no app yet.
    pub fn builder() -> EmulatorServerBuilder {
        EmulatorServerBuilder {
            apps: Vec::new(),
            admins: Vec::new(),
            https: false,
            port: 0,
            runtime: default_runtime(),
            pacing: Pacing::Immediate,
            callback_roots: Vec::new(),
        }
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`, no trailing slash: the base URL
    /// a client's custom server points at.
    pub fn base_url(&self) -> &str {
        self.server.base_url()
    }

    /// The self-signed certificate as PEM, when serving HTTPS.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.server.certificate().map(|c| c.pem())
    }

    /// Writes the certificate's PEM to `path` (for `--cacert` and the like). Fails with
    /// `NotFound` when the server is plain HTTP.
    pub fn write_certificate(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        match self.server.certificate() {
            Some(certificate) => certificate.write_pem(path),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the emulator serves plain HTTP: there is no certificate",
            )),
        }
    }

    /// The server's counters (connections, requests) and its own fault injection
    /// (feature `test-util`).
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn control(&self) -> &ServerControl {
        self.server.control()
    }

    /// The underlying loopback server.
    pub fn server(&self) -> &LoopbackServer {
        &self.server
    }

    /// Runs `f` on the emulator under its lock: inject faults, set or read configurations,
    /// read counters. Keep it short: requests wait for the lock meanwhile.
    pub fn with_emulator<R>(&self, f: impl FnOnce(&mut Emulator) -> R) -> R {
        f(&mut self.shared.lock())
    }

    /// Simulates a call for app `sdkappid` and delivers its callbacks (see
    /// [`deliver`]): resolves once every callback is acknowledged or dropped.
    pub async fn simulate_call(
        &self,
        sdkappid: u32,
        scenario: &CallScenario,
    ) -> Result<SimulationReport, SimulateError> {
        self.shared.simulate(sdkappid, scenario).await
    }

    /// [`simulate_call`](Self::simulate_call), blocking the calling thread.
    pub fn simulate_call_blocking(
        &self,
        sdkappid: u32,
        scenario: &CallScenario,
    ) -> Result<SimulationReport, SimulateError> {
        futures_lite::future::block_on(self.simulate_call(sdkappid, scenario))
    }

    /// Stops the server and waits for its thread (same as dropping it).
    pub fn shutdown(self) {
        drop(self);
    }
}
