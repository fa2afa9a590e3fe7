//! The CallKit REST service as a pure, sans-IO handler: state + request + `now` ->
//! response (feature `emulator`). Both API generations are answered on one base URL,
//! routed by path (the [`crate::endpoint::Endpoint::PATH`] of the seven callback
//! configuration endpoints). There is no clock, RNG or I/O inside: `now` is an argument,
//! request ids come from a counter mixed with the SDKAppID.
//!
//! An adapter serves an [`Emulator`] (behind a mutex) over HTTP: it turns each request
//! into a [`ServiceRequest`], calls [`Emulator::handle`], waits [`ServiceReply::delay`] if set, and
//! writes the reply. [`Emulator::simulate_call`] produces the callbacks the
//! service would POST to the app ([`Delivery`]).
//!
//! # Faithful to the spec
//! * POST only; query `sdkappid`, `identifier`, `usersig`, `random` (u32),
//!   `contenttype=json`, each once (read by [`crate::query::read`]); the UserSig verified with the app's key
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
//!   other than POST, one of the five query parameters sent twice: v1 70001, v4 60002.
//!   Unknown SDKAppID: v1 70001, v4 60006.
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
mod store;
mod wire;

use alloc::borrow::Cow;
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
pub use wire::{JSON, ServiceReply, ServiceRequest, TEXT};

use crate::call_engine::{V4CalleeResult, V4RobotCallStarted};
use crate::callback::{V1CallbackConfig, V4CallbackConfig};
use crate::endpoint::{Endpoint, Generation};
use crate::query::{self, NameCase, Repeated, SIGNED_NAMES};
use crate::ratelimit::RateLimiters;
use crate::records::V4RecordReply;
use crate::registry::{
    EndpointId, V1DeleteCallback, V1GetCallback, V1GetRecordByCallId, V1GetRecordsByFilter,
    V1SetCallback, V4DeleteCallback, V4EndCall, V4GetCallInfo, V4GetCallback, V4GetRecordByCallId,
    V4GetRecordByFilter, V4SetCallback, V4StartCallByRobot,
};
use crate::response::codes;
use crate::secret::SecretKey;
use crate::usersig::{DEFAULT_ADMIN, GenerateError, Signer, VerifyError};
use crate::validate::{InvalidBody, Validate};
use fault::FaultQueue;
use store::{LiveCall, Records};

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

/// Per-app state.
#[derive(Debug, Clone)]
struct AppState {
    signer: Signer,
    admins: Vec<String>,
    v1: Option<V1CallbackConfig>,
    v4: Option<V4CallbackConfig>,
    limiters: RateLimiters,
    handled: BTreeMap<&'static str, u64>,
    /// Live robot calls by call id.
    live: BTreeMap<String, LiveCall>,
    records: Records,
}

/// Makes the id of a new call from the SDKAppID and a sequence number: injected with
/// [`Emulator::set_call_ids`] so that tests know the ids in advance.
pub type CallIdGenerator = fn(sdkappid: u32, seq: u64) -> String;

/// The generator in use (a newtype so that [`Emulator`] keeps its `Default`).
#[derive(Debug, Clone, Copy)]
struct CallIds(CallIdGenerator);

impl Default for CallIds {
    fn default() -> Self {
        CallIds(calls::uuid)
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
/// use callkit_core::emulator::{App, Emulator, ServiceRequest};
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
/// let answer = emulator.handle(&ServiceRequest::new("POST", &target, b"{}"), Duration::from_secs(now));
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
    call_ids: CallIds,
    /// Callbacks produced by REST calls (`end_call`), for the adapter to deliver.
    pending: Vec<Delivery>,
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
                limiters: RateLimiters::new(),
                handled: BTreeMap::new(),
                live: BTreeMap::new(),
                records: Records::default(),
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
    pub fn handle(&mut self, req: &ServiceRequest<'_>, now: Duration) -> ServiceReply {
        self.total = self.total.wrapping_add(1);
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let (path, query) = req.path_and_query();
        let route = EndpointId::find(path);
        let generation = match route {
            Some(route) => route.info().generation,
            None if path.starts_with("/v1/") => Generation::V1,
            None => Generation::V4,
        };
        if let Some(route) = route {
            *self.by_endpoint.entry(route.info().path).or_insert(0) += 1;
        }
        let query = Query::parse(query);
        let id_app = query
            .get("sdkappid")
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0);
        let request_id = wire::request_id(generation, id_app, seq);

        let mut delay = None;
        let mut lost = None;
        if let Some(fault) = self.faults.take() {
            match fault.answer(generation, &request_id) {
                Some(answer) => return answer,
                None => match fault {
                    Fault::Delay(d) => delay = Some(d),
                    Fault::LostReply(status) => lost = Some(status),
                    _ => {}
                },
            }
        }

        let mut response = match self.answer(route, generation, req, &query, now) {
            Ok(body) => {
                ServiceReply::json(200, wire::success(generation, &request_id, body.as_deref()))
            }
            Err(refusal) => ServiceReply::json(
                refusal.status,
                wire::failure(generation, &request_id, refusal.code, &refusal.message),
            ),
        };
        if let Some(status) = lost
            && let Some(answer) = Fault::HttpStatus(status).answer(generation, &request_id)
        {
            return answer;
        }
        response.delay = delay;
        response
    }

    fn answer(
        &mut self,
        route: Option<EndpointId>,
        generation: Generation,
        req: &ServiceRequest<'_>,
        query: &Query,
        now: Duration,
    ) -> Result<Payload, Refusal> {
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
        if let Some(name) = query.repeated() {
            return Err(refuse(
                param_code(generation),
                alloc::format!("the query parameter `{name}` appears more than once"),
            ));
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
        let info = route.info();
        *app.handled.entry(info.path).or_insert(0) += 1;
        if app.limiters.acquire(info.rate, now).is_err() {
            return Err(match generation {
                Generation::V1 => refuse(70005, "request rate limit exceeded"),
                Generation::V4 => refuse(60007, "REST API call frequency over limit"),
            });
        }
        let call = Call {
            sdkappid,
            now: now.as_secs(),
            new_call_id: (self.call_ids.0)(sdkappid, self.seq),
        };
        app.end_rang_out_calls(call.now);
        let (answer, deliveries) = endpoint(app, route, req.body, &call);
        self.pending.extend(deliveries);
        answer
    }

    /// Replaces the generator of new call ids (robot calls and simulated calls without
    /// an id): tests inject one to know the ids in advance.
    ///
    /// ```
    /// use callkit_core::emulator::Emulator;
    /// let mut emulator = Emulator::new();
    /// emulator.set_call_ids(|_sdkappid, seq| format!("call-{seq}"));
    /// ```
    pub fn set_call_ids(&mut self, generator: CallIdGenerator) {
        self.call_ids = CallIds(generator);
    }

    /// A new call id for app `sdkappid` from the [generator](Self::set_call_ids): what a
    /// simulated call that names none gets, so a driver can know it before simulating.
    pub fn new_call_id(&mut self, sdkappid: u32) -> String {
        self.seq = self.seq.wrapping_add(1);
        (self.call_ids.0)(sdkappid, self.seq)
    }

    /// Marks `user` as having answered the live call `call_id` (the callee's app would):
    /// its status becomes `Calling`. `false` if the app, the call or the callee is
    /// unknown.
    pub fn answer_call(&mut self, sdkappid: u32, call_id: &str, user: &str, now: Duration) -> bool {
        self.apps
            .get_mut(&sdkappid)
            .and_then(|app| app.live.get_mut(call_id))
            .is_some_and(|call| call.answer(user, now.as_secs()))
    }

    /// How many live calls app `sdkappid` has.
    pub fn live_calls(&self, sdkappid: u32) -> usize {
        self.apps.get(&sdkappid).map_or(0, |app| app.live.len())
    }

    /// How many call records app `sdkappid` holds (before expiry at the next request).
    pub fn record_count(&self, sdkappid: u32) -> usize {
        self.apps.get(&sdkappid).map_or(0, |app| app.records.len())
    }

    /// Takes the callbacks REST calls produced since the last call (`end_call` delivers
    /// the end-of-call callbacks the configuration subscribes to), in sending order.
    pub fn take_deliveries(&mut self) -> Vec<Delivery> {
        core::mem::take(&mut self.pending)
    }
}

/// What one request's behaviour needs besides the app's state.
struct Call {
    sdkappid: u32,
    /// Unix seconds.
    now: u64,
    /// The id a call started by this request gets.
    new_call_id: String,
}

impl AppState {
    /// Ends the live calls that rang out unanswered, writing their records.
    fn end_rang_out_calls(&mut self, now: u64) {
        self.records.expire(now);
        let rang_out: Vec<String> = self
            .live
            .values()
            .filter(|call| call.rang_out(now))
            .map(|call| call.call_id.clone())
            .collect();
        for id in rang_out {
            if let Some(call) = self.live.remove(&id) {
                let end = call.ring_until;
                self.records.push(call.finish(end));
            }
        }
    }
}

/// Runs one authenticated, admitted request against the app's state: its answer, and
/// the callbacks it makes the service send. One arm per registered endpoint.
fn endpoint(
    app: &mut AppState,
    id: EndpointId,
    body: &[u8],
    call: &Call,
) -> (Result<Payload, Refusal>, Vec<Delivery>) {
    use EndpointId as E;
    let mut deliveries = Vec::new();
    let answer = match id {
        E::V1SetCallback | E::V1UpdateCallback => read::<V1SetCallback>(body).and_then(|config| {
            if id == E::V1UpdateCallback && app.v1.is_none() {
                return Err(refuse(999, "no configuration information"));
            }
            let address = config.address.clone();
            app.v1 = Some(config);
            payload(&address)
        }),
        E::V1GetCallback => read::<V1GetCallback>(body).and_then(|_| match &app.v1 {
            Some(config) => payload(&V1ConfigOut {
                actions: &config.actions,
                address: &config.address,
            }),
            None => Err(refuse(999, "no configuration information")),
        }),
        E::V1DeleteCallback => read::<V1DeleteCallback>(body).and_then(|_| {
            app.v1 = None;
            payload("")
        }),
        E::V4SetCallback => read::<V4SetCallback>(body).map(|config| {
            app.v4 = Some(config);
            None
        }),
        E::V4GetCallback => read::<V4GetCallback>(body).and_then(|_| match &app.v4 {
            Some(config) => payload(config),
            None => Err(refuse(100301, "callback configuration does not exist")),
        }),
        E::V4DeleteCallback => read::<V4DeleteCallback>(body).map(|_| {
            app.v4 = None;
            None
        }),
        E::V1GetRecordByCallId => read::<V1GetRecordByCallId>(body).and_then(|request| {
            match app.records.find(&request.call_id) {
                Some(record) => payload(&record.v1(call.sdkappid)),
                // v1 documents no "not found" code: its invalid-parameter code says it.
                None => Err(refuse(70001, "call record does not exist")),
            }
        }),
        E::V1GetRecordsByFilter => read::<V1GetRecordsByFilter>(body)
            .and_then(|filter| payload(&app.records.v1_page(call.sdkappid, &filter))),
        E::V4GetRecordByCallId => read::<V4GetRecordByCallId>(body).and_then(|request| {
            match app.records.find(&request.call_id) {
                Some(record) => payload(&V4RecordReply {
                    record: record.v4(),
                }),
                None => Err(refuse(101050, "call record does not exist")),
            }
        }),
        E::V4GetRecordByFilter => read::<V4GetRecordByFilter>(body)
            .and_then(|filter| payload(&app.records.v4_page(&filter, call.now))),
        E::V4GetCallInfo => {
            read::<V4GetCallInfo>(body).and_then(|request| match app.live.get(&request.call_id) {
                Some(live) => payload(&live.info()),
                None => Err(call_not_found()),
            })
        }
        E::V4StartCallByRobot => read::<V4StartCallByRobot>(body).and_then(|robot| {
            let live = LiveCall::start(call.new_call_id.clone(), &robot, call.now);
            let started = V4RobotCallStarted {
                call_id: Some(live.call_id.clone()),
                callees: robot
                    .callees
                    .iter()
                    .map(|callee| V4CalleeResult {
                        callee: callee.clone(),
                        code: 0,
                    })
                    .collect(),
            };
            app.live.insert(live.call_id.clone(), live);
            payload(&started)
        }),
        E::V4EndCall => read::<V4EndCall>(body).and_then(|request| {
            let Some(live) = app.live.remove(&request.call_id) else {
                return Err(call_not_found());
            };
            deliveries = app.end_call_deliveries(call.sdkappid, &live, call.now);
            app.records.push(live.finish(call.now));
            Ok(None)
        }),
    };
    (answer, deliveries)
}

/// A success payload, serialized in its fields' order: `data` (v1) or `Response` (v4);
/// `None` for the envelope alone.
type Payload = Option<alloc::boxed::Box<serde_json::value::RawValue>>;

fn payload<T: serde::Serialize + ?Sized>(value: &T) -> Result<Payload, Refusal> {
    serde_json::value::to_raw_value(value)
        .map(Some)
        .map_err(|_| refuse(100001, "internal error"))
}

/// The v1 `data` of `get`, with the keys in the order of the spec's example.
#[derive(serde::Serialize)]
struct V1ConfigOut<'a> {
    actions: &'a [crate::callback::V1Action],
    address: &'a str,
}

fn call_not_found() -> Refusal {
    refuse(101004, "the call does not exist or has already ended")
}

/// Reads and checks the body of a request to `E`, answering as `E`'s generation and
/// private codes do when it is wrong.
fn read<E: Endpoint>(body: &[u8]) -> Result<E::Request, Refusal> {
    let request: E::Request = read_body(E::GENERATION, body)?;
    request.validate().map_err(|error| {
        // The call engine has its own invalid-parameter code (spec §4.6-4.8).
        let engine = E::PRIVATE_CODES
            .iter()
            .any(|(code, _)| *code == codes::v4::CALL_NOT_FOUND);
        if engine {
            refuse(codes::v4::CALL_INVALID_PARAMETER, alloc::format!("{error}"))
        } else {
            invalid_body(E::GENERATION, &error)
        }
    })?;
    Ok(request)
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

/// An API request's five signed parameters, read with [`query::read`] (names exact).
struct Query<'q>(Result<[Option<Cow<'q, str>>; 5], Repeated<'q>>);

impl<'q> Query<'q> {
    fn parse(raw: &'q str) -> Self {
        Query(query::read(raw, SIGNED_NAMES, NameCase::Exact))
    }

    /// The value of `name` (one of [`SIGNED_NAMES`]); `None` when absent, or when some
    /// parameter was sent twice (see [`Query::repeated`]).
    fn get(&self, name: &str) -> Option<&str> {
        let index = SIGNED_NAMES.iter().position(|known| *known == name)?;
        self.0.as_ref().ok()?.get(index)?.as_deref()
    }

    /// The name of a parameter sent twice.
    fn repeated(&self) -> Option<&str> {
        self.0.as_ref().err().map(|repeated| repeated.name.as_ref())
    }
}
