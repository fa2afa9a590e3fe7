//! The CallKit REST service as a pure, sans-IO handler: state + request + `now` ->
//! response (feature `emulator`). Both API generations are answered on one base URL,
//! routed by path (the [`crate::endpoint::Endpoint::PATH`] of the seven callback
//! configuration endpoints). There is no clock, RNG or I/O inside: `now` is an argument,
//! request ids come from a counter mixed with the SDKAppID.
//!
//! An adapter serves an [`Emulator`] (behind a mutex) over HTTP: it turns each request
//! into a [`Request`], calls [`Emulator::handle`], waits [`Response::delay`] if set, and
//! writes the [`Response`]. [`Emulator::simulate_call`] produces the callbacks the
//! service would POST to the app ([`Delivery`]).
//!
//! # Faithful to the spec
//! * POST only; query `sdkappid`, `identifier`, `usersig`, `random` (u32),
//!   `contenttype=json`; the UserSig verified with the app's key
//!   ([`crate::usersig::Signer::verify_user_sig`] at `now` in seconds) and the
//!   identifier checked against the app's admins.
//! * Envelopes and payload shapes as in the spec's examples: v1
//!   `{errorCode, errorMessage, requestId, data}` (set/update `data` = the address, get
//!   `data` = `{actions, address}`, delete `data` = `""`); v4
//!   `{ActionStatus, ErrorInfo, ErrorCode, RequestId[, Response]}` (get_callback
//!   `Response` = `{Url, CallbackCommandList}`). HTTP 200 for every API-level answer.
//! * Codes: v1 70001 invalid parameter (incl. "callback address must start with http or
//!   https"), 70002 UserSig invalid, 70003 UserSig expired, 70004 not an admin, 70005
//!   rate limited (10/s shared by the four callback endpoints), 70009 body parse error,
//!   999 no configuration (update); v4 60002 bad URL/parameters, 60003 body JSON parse
//!   error, 60006 SDKAppID invalid, 60007 rate limited (200/s), 60009 unknown resource,
//!   60010 not an admin, 60012 SDKAppID missing, 70001 UserSig expired, 70003 UserSig
//!   undecodable, 70009 signature mismatch, 70013 identifier mismatch, 70014 SDKAppID
//!   mismatch, 100002 invalid parameter, 100301 no configuration (get_callback).
//! * `set`/`set_callback` overwrite; `update` needs an existing configuration.
//! * Bodies are checked with the same [`crate::validate::Validate`] impls the client runs.
//!
//! # Documented choices where the spec is silent
//! * The v1 and v4 configurations are kept separately (spec §10 q4 leaves it open).
//! * v1 `get` with nothing configured: 999 (as `update`). `delete`/`delete_callback`
//!   with nothing configured: success.
//! * Missing `usersig`: 70002 in both generations (v4: "UserSig length 0" in the TRTC
//!   list). Missing `identifier`, `random` not a u32, `contenttype` not `json`, a method
//!   other than POST: v1 70001, v4 60002. Unknown SDKAppID: v1 70001, v4 60006.
//! * A v4 UserSig carrying a userbuf (a PrivateMapKey) or otherwise refused: 70009.
//! * Unknown paths under `/v1/`: HTTP 404 with a v1 envelope, code 70001. Any other
//!   unknown path: HTTP 200, v4 60009 (the Chat gateway's answer). The record, call-info,
//!   robot and end-call endpoints are not emulated and answer as unknown paths.
//! * Order of checks: path, method, `sdkappid` (present, a non-zero u32, a known app),
//!   `identifier` present, `random`, `contenttype`, `usersig` present, UserSig valid,
//!   identifier an admin, rate limit, body. Requests rejected before the rate limit do
//!   not spend a slot; the UserSig is checked at `now` truncated to whole seconds.
//! * Body: empty or not JSON -> v1 70009 / v4 60003; JSON that is not an object, or whose
//!   fields have the wrong types -> v1 70001 / v4 100002. Unknown action names are kept.
//! * v1 error envelopes carry `"data": ""`.

mod calls;
mod fault;
#[cfg(feature = "std")]
mod http;
mod wire;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use serde::de::DeserializeOwned;

pub use calls::{
    CallOutcome, CallScenario, Delivery, V1_RETRY_SCHEDULE, V4_RETRY_SCHEDULE, is_ack,
};
pub use fault::Fault;
#[cfg(feature = "std")]
pub use http::ResponseDelay;
pub use wire::{JSON, Request, Response, TEXT};

use crate::callback::{
    V1CallbackConfig, V1DeleteCallback, V1GetCallback, V1SetCallback, V1UpdateCallback,
    V4CallbackConfig, V4DeleteCallback, V4GetCallback, V4SetCallback,
};
use crate::endpoint::{Endpoint, Generation, RateClass, RateLimit};
use crate::ratelimit::RateLimiter;
use crate::secret::SecretKey;
use crate::usersig::{GenerateError, Signer, VerifyError};
use crate::validate::{InvalidBody, Validate};
use fault::FaultQueue;

/// The admin account every app has unless told otherwise (spec §2.1).
pub const DEFAULT_ADMIN: &str = "administrator";

/// An app the emulator serves: its SDKAppID, secret key and admin accounts.
#[derive(Debug, Clone)]
pub struct App {
    /// The SDKAppID.
    pub sdkappid: u32,
    /// The secret key UserSigs are signed with.
    pub key: SecretKey,
    /// The identifiers accepted as administrators.
    pub admins: Vec<String>,
}

impl App {
    /// An app with the one default admin, [`DEFAULT_ADMIN`].
    pub fn new(sdkappid: u32, key: SecretKey) -> Self {
        App {
            sdkappid,
            key,
            admins: alloc::vec![String::from(DEFAULT_ADMIN)],
        }
    }
}

/// The seven emulated endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    V1Set,
    V1Get,
    V1Update,
    V1Delete,
    V4Set,
    V4Get,
    V4Delete,
}

impl Route {
    const ALL: [Route; 7] = [
        Route::V1Set,
        Route::V1Get,
        Route::V1Update,
        Route::V1Delete,
        Route::V4Set,
        Route::V4Get,
        Route::V4Delete,
    ];

    fn path(self) -> &'static str {
        match self {
            Route::V1Set => V1SetCallback::PATH,
            Route::V1Get => V1GetCallback::PATH,
            Route::V1Update => V1UpdateCallback::PATH,
            Route::V1Delete => V1DeleteCallback::PATH,
            Route::V4Set => V4SetCallback::PATH,
            Route::V4Get => V4GetCallback::PATH,
            Route::V4Delete => V4DeleteCallback::PATH,
        }
    }

    fn generation(self) -> Generation {
        match self {
            Route::V1Set | Route::V1Get | Route::V1Update | Route::V1Delete => {
                V1SetCallback::GENERATION
            }
            _ => V4SetCallback::GENERATION,
        }
    }

    fn rate(self) -> RateLimit {
        match self {
            Route::V1Set => V1SetCallback::RATE,
            Route::V1Get => V1GetCallback::RATE,
            Route::V1Update => V1UpdateCallback::RATE,
            Route::V1Delete => V1DeleteCallback::RATE,
            Route::V4Set => V4SetCallback::RATE,
            Route::V4Get => V4GetCallback::RATE,
            Route::V4Delete => V4DeleteCallback::RATE,
        }
    }

    fn find(path: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.path() == path)
    }
}

/// Per-app state.
#[derive(Debug, Clone)]
struct AppState {
    signer: Signer,
    admins: Vec<String>,
    v1: Option<V1CallbackConfig>,
    v4: Option<V4CallbackConfig>,
    v1_limiter: RateLimiter,
    v4_limiter: RateLimiter,
    handled: BTreeMap<&'static str, u64>,
}

impl AppState {
    fn limiter(&mut self, rate: RateLimit) -> &mut RateLimiter {
        match rate.class {
            RateClass::V1CallbackConfig => &mut self.v1_limiter,
            _ => &mut self.v4_limiter,
        }
    }
}

/// An API-level refusal: code and message (and the HTTP status, 200 unless noted).
struct Refusal {
    status: u16,
    code: i64,
    message: String,
}

fn refuse(code: i64, message: impl Into<String>) -> Refusal {
    Refusal {
        status: 200,
        code,
        message: message.into(),
    }
}

/// The generation's "bad request parameter" code.
fn param_code(generation: Generation) -> i64 {
    match generation {
        Generation::V1 => 70001,
        Generation::V4 => 60002,
    }
}

/// The emulated service: apps, their configurations, limiters, counters and faults.
///
/// ```
/// use core::time::Duration;
/// use callkit_core::emulator::{App, Emulator, Request};
/// use callkit_core::secret::SecretKey;
/// use callkit_core::usersig::generate_user_sig;
///
/// let key = SecretKey::new("my-secret-key").unwrap();
/// let mut emulator = Emulator::new();
/// emulator.add_app(App::new(1400000000, key.clone())).unwrap();
/// let now = 1_700_000_000;
/// let sig = generate_user_sig(1400000000, &key, "administrator", 86_400, now).unwrap();
/// let target = format!(
///     "/v4/call_config/get_callback?sdkappid=1400000000&identifier=administrator\
///      &usersig={}&random=7&contenttype=json", sig.as_str());
/// let answer = emulator.handle(&Request::new("POST", &target, b"{}"), Duration::from_secs(now));
/// assert_eq!(answer.status, 200);
/// let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
/// assert_eq!(body["ErrorCode"], 100301); // nothing configured yet
/// ```
#[derive(Debug, Clone, Default)]
pub struct Emulator {
    apps: BTreeMap<u32, AppState>,
    faults: FaultQueue,
    seq: u64,
    total: u64,
    by_endpoint: BTreeMap<&'static str, u64>,
}

impl Emulator {
    /// An emulator with no apps.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an app (replacing one with the same SDKAppID, configuration included).
    /// Fails only for SDKAppID 0.
    pub fn add_app(&mut self, app: App) -> Result<(), GenerateError> {
        let signer = Signer::new(app.sdkappid, &app.key)?;
        self.apps.insert(
            app.sdkappid,
            AppState {
                signer,
                admins: app.admins,
                v1: None,
                v4: None,
                v1_limiter: RateLimiter::new(RateLimit::V1_CALLBACK_CONFIG),
                v4_limiter: RateLimiter::new(RateLimit::V4),
                handled: BTreeMap::new(),
            },
        );
        Ok(())
    }

    /// Whether an app with this SDKAppID is served.
    pub fn has_app(&self, sdkappid: u32) -> bool {
        self.apps.contains_key(&sdkappid)
    }

    /// The app's v1 callback configuration, if set.
    pub fn v1_config(&self, sdkappid: u32) -> Option<&V1CallbackConfig> {
        self.apps.get(&sdkappid)?.v1.as_ref()
    }

    /// The app's v4 callback configuration, if set.
    pub fn v4_config(&self, sdkappid: u32) -> Option<&V4CallbackConfig> {
        self.apps.get(&sdkappid)?.v4.as_ref()
    }

    /// Sets (or with `None` clears) the app's v1 configuration directly, as a test
    /// fixture. Returns `false` if the app is unknown.
    pub fn set_v1_config(&mut self, sdkappid: u32, config: Option<V1CallbackConfig>) -> bool {
        self.apps
            .get_mut(&sdkappid)
            .map(|app| app.v1 = config)
            .is_some()
    }

    /// Sets (or with `None` clears) the app's v4 configuration directly, as a test
    /// fixture. Returns `false` if the app is unknown.
    pub fn set_v4_config(&mut self, sdkappid: u32, config: Option<V4CallbackConfig>) -> bool {
        self.apps
            .get_mut(&sdkappid)
            .map(|app| app.v4 = config)
            .is_some()
    }

    /// Applies `fault` to each of the next `times` requests, after the faults already
    /// queued.
    pub fn inject(&mut self, fault: Fault, times: u32) {
        self.faults.push(fault, times);
    }

    /// How many requests still have a fault waiting for them.
    pub fn pending_faults(&self) -> usize {
        self.faults.len()
    }

    /// Drops every queued fault.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// Every request handled, whatever its path or outcome.
    pub fn requests_total(&self) -> u64 {
        self.total
    }

    /// Requests received for an emulated endpoint's path (e.g. `V1GetCallback::PATH`),
    /// whatever their outcome, faults included.
    pub fn requests_for(&self, path: &str) -> u64 {
        self.by_endpoint.get(path).copied().unwrap_or(0)
    }

    /// Requests for `path` that passed authentication for app `sdkappid` (and were
    /// then answered, successfully or not).
    pub fn app_requests_for(&self, sdkappid: u32, path: &str) -> u64 {
        self.apps
            .get(&sdkappid)
            .and_then(|app| app.handled.get(path).copied())
            .unwrap_or(0)
    }

    /// Answers one request. `now` is the time since the Unix epoch (UserSig expiry is
    /// checked at its whole seconds; the rate limiter uses it as is). Never panics.
    pub fn handle(&mut self, req: &Request<'_>, now: Duration) -> Response {
        self.total = self.total.wrapping_add(1);
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let (path, query) = req.path_and_query();
        let route = Route::find(path);
        let generation = match route {
            Some(route) => route.generation(),
            None if path.starts_with("/v1/") => Generation::V1,
            None => Generation::V4,
        };
        if let Some(route) = route {
            *self.by_endpoint.entry(route.path()).or_insert(0) += 1;
        }
        let query = Query::parse(query);
        let id_app = query
            .get("sdkappid")
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0);
        let request_id = wire::request_id(generation, id_app, seq);

        let mut delay = None;
        if let Some(fault) = self.faults.take() {
            match fault.answer(generation, &request_id) {
                Some(answer) => return answer,
                None => {
                    if let Fault::Delay(d) = fault {
                        delay = Some(d);
                    }
                }
            }
        }

        let mut response = match self.answer(route, generation, req, &query, now) {
            Ok(body) => Response::json(200, wire::success(generation, &request_id, body)),
            Err(refusal) => Response::json(
                refusal.status,
                wire::failure(generation, &request_id, refusal.code, &refusal.message),
            ),
        };
        response.delay = delay;
        response
    }

    fn answer(
        &mut self,
        route: Option<Route>,
        generation: Generation,
        req: &Request<'_>,
        query: &Query,
        now: Duration,
    ) -> Result<wire::OwnedPayload, Refusal> {
        let Some(route) = route else {
            return Err(match generation {
                Generation::V1 => Refusal {
                    status: 404,
                    code: 70001,
                    message: String::from("unknown API path"),
                },
                Generation::V4 => refuse(60009, "request resource error, check the URL"),
            });
        };
        if req.method != "POST" {
            return Err(refuse(param_code(generation), "only POST is allowed"));
        }
        let sdkappid = match query.get("sdkappid") {
            None | Some("") => {
                return Err(match generation {
                    Generation::V1 => refuse(70001, "sdkappid is missing"),
                    Generation::V4 => refuse(60012, "SDKAppID is missing in the URL"),
                });
            }
            Some(text) => text.parse::<u32>().ok().filter(|id| *id != 0),
        };
        let invalid_app = || match generation {
            Generation::V1 => refuse(70001, "sdkappid is invalid"),
            Generation::V4 => refuse(60006, "SDKAppID is invalid"),
        };
        let sdkappid = sdkappid.ok_or_else(invalid_app)?;
        if !self.apps.contains_key(&sdkappid) {
            return Err(invalid_app());
        }
        let identifier = match query.get("identifier") {
            None | Some("") => {
                return Err(refuse(param_code(generation), "identifier is missing"));
            }
            Some(identifier) => identifier,
        };
        if query
            .get("random")
            .and_then(|r| r.parse::<u32>().ok())
            .is_none()
        {
            return Err(refuse(
                param_code(generation),
                "random must be an integer from 0 to 4294967295",
            ));
        }
        if query.get("contenttype") != Some("json") {
            return Err(refuse(param_code(generation), "contenttype must be json"));
        }
        let usersig = match query.get("usersig") {
            None | Some("") => return Err(refuse(70002, "usersig is missing")),
            Some(usersig) => usersig,
        };
        let Some(app) = self.apps.get_mut(&sdkappid) else {
            return Err(invalid_app());
        };
        let secs = now.as_secs();
        if let Err(error) = app.signer.verify_user_sig(identifier, usersig, secs) {
            return Err(usersig_refusal(generation, error));
        }
        if !app.admins.iter().any(|admin| admin == identifier) {
            return Err(match generation {
                Generation::V1 => refuse(70004, "the identifier is not an app administrator"),
                Generation::V4 => refuse(60010, "this request needs app administrator permission"),
            });
        }
        *app.handled.entry(route.path()).or_insert(0) += 1;
        if app.limiter(route.rate()).acquire(now).is_err() {
            return Err(match generation {
                Generation::V1 => refuse(70005, "request rate limit exceeded"),
                Generation::V4 => refuse(60007, "REST API call frequency over limit"),
            });
        }
        endpoint(app, route, req.body)
    }
}

/// Runs one authenticated, admitted request against the app's state.
fn endpoint(app: &mut AppState, route: Route, body: &[u8]) -> Result<wire::OwnedPayload, Refusal> {
    use wire::OwnedPayload as P;
    let generation = route.generation();
    match route {
        Route::V1Set | Route::V1Update => {
            let config: V1CallbackConfig = read_body(generation, body)?;
            config
                .validate()
                .map_err(|e| invalid_body(generation, &e))?;
            if route == Route::V1Update && app.v1.is_none() {
                return Err(refuse(999, "no configuration information"));
            }
            let address = config.address.clone();
            app.v1 = Some(config);
            Ok(P::Text(address))
        }
        Route::V1Get => {
            read_body::<serde::de::IgnoredAny>(generation, body)?;
            match &app.v1 {
                Some(config) => Ok(P::V1Config(config.clone())),
                None => Err(refuse(999, "no configuration information")),
            }
        }
        Route::V1Delete => {
            read_body::<serde::de::IgnoredAny>(generation, body)?;
            app.v1 = None;
            Ok(P::Text(String::new()))
        }
        Route::V4Set => {
            let config: V4CallbackConfig = read_body(generation, body)?;
            config
                .validate()
                .map_err(|e| invalid_body(generation, &e))?;
            app.v4 = Some(config);
            Ok(P::None)
        }
        Route::V4Get => {
            read_body::<serde::de::IgnoredAny>(generation, body)?;
            match &app.v4 {
                Some(config) => Ok(P::V4Config(config.clone())),
                None => Err(refuse(100301, "callback configuration does not exist")),
            }
        }
        Route::V4Delete => {
            read_body::<serde::de::IgnoredAny>(generation, body)?;
            app.v4 = None;
            Ok(P::None)
        }
    }
}

/// Parses the body: JSON syntax first (v1 70009 / v4 60003), then an object of the
/// endpoint's shape (v1 70001 / v4 100002).
fn read_body<T: DeserializeOwned>(generation: Generation, body: &[u8]) -> Result<T, Refusal> {
    let syntax_code = match generation {
        Generation::V1 => 70009,
        Generation::V4 => 60003,
    };
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| refuse(syntax_code, "the request body is not valid JSON"))?;
    let shape_code = match generation {
        Generation::V1 => 70001,
        Generation::V4 => 100002,
    };
    if !value.is_object() {
        return Err(refuse(shape_code, "the request body must be a JSON object"));
    }
    serde_json::from_value(value)
        .map_err(|_| refuse(shape_code, "a request body field has the wrong type"))
}

fn invalid_body(generation: Generation, error: &InvalidBody) -> Refusal {
    match (generation, error) {
        (Generation::V1, InvalidBody::CallbackAddress(_)) => {
            refuse(70001, "callback address must start with http or https")
        }
        (Generation::V1, other) => refuse(70001, alloc::format!("{other}")),
        (Generation::V4, other) => refuse(100002, alloc::format!("{other}")),
    }
}

fn usersig_refusal(generation: Generation, error: VerifyError) -> Refusal {
    match generation {
        Generation::V1 => match error {
            VerifyError::Expired { .. } => refuse(70003, "UserSig expired"),
            _ => refuse(70002, "UserSig invalid"),
        },
        Generation::V4 => match error {
            VerifyError::Expired { .. } => refuse(70001, "UserSig expired, generate a new one"),
            VerifyError::Undecodable(_) => refuse(70003, "UserSig could not be parsed"),
            VerifyError::IdentifierMismatch => refuse(
                70013,
                "identifier differs from the one the UserSig was made for",
            ),
            VerifyError::SdkAppIdMismatch { .. } => refuse(
                70014,
                "SDKAppID differs from the one the UserSig was made for",
            ),
            _ => refuse(70009, "UserSig verification failed"),
        },
    }
}

/// The decoded query: names as sent (case-sensitive), first occurrence wins.
struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    fn parse(raw: &str) -> Query {
        let pairs = form_urlencoded::parse(raw.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Query { pairs }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
