//! Calls per second of `Client::v4_get_callback` over loopback against the emulator, per
//! transport, next to a bare hyper request for the same emulator endpoint with one
//! pre-signed URL, in the same run.
//!
//! Run: `cargo bench --bench client --all-features`
//!
//! Each iteration is one complete call on a kept-alive connection (one `block_on` per call
//! for the async ones, baseline included). The emulator is the real one: it verifies the
//! UserSig, looks up the configuration and answers the v4 envelope, which the client
//! parses into a `V4CallbackConfig`.
//!
//! Rate limits: v4 allows 200 calls per second, enforced by the emulator and by the
//! client's own limiter, which would make every figure here "200/s". Neither can be
//! configured, but both take their time from an injectable runtime, so this bench gives
//! each a `ManualRuntime` starting at the wall clock whose time moves 10 ms per reading of
//! the Unix time (the emulator reads it once per request, the client once per attempt):
//! to both, calls look 10 ms apart, so neither ever refuses or waits, and what is
//! measured is the client, transport, TLS and emulator path. The UserSig is still signed
//! and checked (it is cached by the client, as in production).
//!
//! surf runs over plain HTTP (its test backend has no TLS) and has a plain-HTTP bare hyper
//! baseline of its own. The ureq closure (`BlockingClient`) is ureq's own stack, so its
//! bare-hyper ratio compares two different HTTP clients, not callkit's overhead alone.

use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use callkit::core::callback::{V4CallbackConfig, V4Command};
use callkit::emulator::EmulatorServer;
use callkit::runtime::Runtime;
use callkit::testing::ManualRuntime;
use callkit::transport::{HttpRequest, Transport};
use callkit::{BaseUrl, BlockingClient, Client, SecretKey};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;

mod common;
use common::Rt;

#[allow(dead_code)]
#[path = "../tests/support/ureq_closure.rs"]
mod ureq_closure;

/// Counts allocations (every thread's: the server's too): divan reports them beside every
/// timing.
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    // Skipped when divan is only listing benches or filtering to other ones.
    if std::env::var_os("CALLKIT_BENCH_PAIRED").is_some_and(|v| v == "1") {
        paired::run();
    }
    if let Some(spec) = std::env::var_os("CALLKIT_BENCH_LOOP") {
        paired::run_loop(spec.to_str().unwrap_or_default());
        return;
    }
    divan::main();
}

const SDKAPPID: u32 = 1_400_000_321;
const KEY: &str = "bench-secret-key-0123456789abcdef";
/// What each call asks for, so the client has a payload to parse.
const PATH: &str = "/v4/call_config/get_callback";

fn wall() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

/// A runtime at the wall clock's Unix time whose clock moves 10 ms per reading of the
/// Unix time (see the top).
fn stepping() -> Arc<dyn Runtime> {
    ManualRuntime::new(wall())
        .with_unix_step(Duration::from_millis(10))
        .shared()
}

fn start_emulator(https: bool) -> EmulatorServer {
    let emulator = EmulatorServer::builder()
        .app(SDKAPPID, SecretKey::new(KEY).unwrap())
        .https(https)
        .runtime(stepping())
        .start()
        .expect("emulator starts");
    let config = V4CallbackConfig {
        url: "https://app.example.com/callkit".into(),
        commands: vec![V4Command::AfterStartCall, V4Command::AfterEndCall],
    };
    emulator.with_emulator(|e| e.set_v4_config(SDKAPPID, Some(config)));
    emulator
}

static HTTPS: LazyLock<EmulatorServer> = LazyLock::new(|| start_emulator(true));
static HTTP: LazyLock<EmulatorServer> = LazyLock::new(|| start_emulator(false));

fn pem() -> &'static str {
    HTTPS.certificate_pem().expect("certificate")
}

fn base(emulator: &EmulatorServer) -> BaseUrl {
    BaseUrl::parse_allow_http(emulator.base_url()).unwrap()
}

fn async_client<T: Transport>(emulator: &EmulatorServer, transport: T) -> Client<T> {
    Client::builder(SDKAPPID, SecretKey::new(KEY).unwrap(), base(emulator))
        .runtime(stepping())
        .build(transport)
        .unwrap()
}

/// `SmolTransport` trusting only the HTTPS emulator's certificate.
fn smol_https() -> callkit::SmolTransport {
    callkit::SmolTransport::builder()
        .webpki_roots(false)
        .add_root_certificate_pem(pem())
        .build()
        .unwrap()
}

/// `AsyncStdTransport` trusting only the HTTPS emulator's certificate.
fn async_std_https() -> callkit::AsyncStdTransport {
    callkit::AsyncStdTransport::builder()
        .webpki_roots(false)
        .add_root_certificate_pem(pem())
        .build()
        .unwrap()
}

/// `SmolTransport` over plain HTTP.
fn smol_http() -> callkit::SmolTransport {
    callkit::SmolTransport::builder()
        .allow_http(true)
        .build()
        .unwrap()
}

/// `SurfTransport` over plain HTTP, with Nagle off like the others.
fn surf_http() -> callkit::SurfTransport {
    let surf: surf::Client = surf::Config::new()
        .set_tcp_no_delay(true)
        .try_into()
        .unwrap();
    callkit::SurfTransport::builder(surf)
        .allow_http(true)
        .build()
}

/// `BlockingClient` over the ureq closure, trusting only the HTTPS emulator's certificate.
fn ureq_client() -> BlockingClient<impl callkit::transport::BlockingTransport> {
    let der = HTTPS.server().certificate().unwrap().der().to_vec();
    let transport = ureq_closure::ureq_transport(ureq_closure::UreqSettings {
        root_der: Some(der),
        ..Default::default()
    });
    BlockingClient::builder(SDKAPPID, SecretKey::new(KEY).unwrap(), base(&HTTPS))
        .runtime(stepping())
        .build(transport)
        .unwrap()
}

/// The pre-signed JSON POST the transport-only measurements send.
fn presigned_post(url: &str) -> HttpRequest {
    http::Request::post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(b"{}".to_vec())
        .unwrap()
}

fn check(config: V4CallbackConfig) {
    assert_eq!(config.commands.len(), 2);
    divan::black_box(config);
}

#[divan::bench(sample_count = 300)]
fn client_smol_https(bencher: divan::Bencher) {
    let client = async_client(&HTTPS, smol_https());
    bencher.bench_local(|| check(smol::block_on(client.v4_get_callback()).unwrap()));
}

#[divan::bench(sample_count = 300)]
fn client_async_std_https(bencher: divan::Bencher) {
    let client = async_client(&HTTPS, async_std_https());
    bencher.bench_local(|| check(async_std::task::block_on(client.v4_get_callback()).unwrap()));
}

#[divan::bench(sample_count = 300)]
fn client_ureq_blocking_https(bencher: divan::Bencher) {
    let client = ureq_client();
    bencher.bench_local(|| check(client.v4_get_callback().unwrap()));
}

#[divan::bench(sample_count = 300)]
fn client_surf_http(bencher: divan::Bencher) {
    let client = async_client(&HTTP, surf_http());
    bencher.bench_local(|| check(async_std::task::block_on(client.v4_get_callback()).unwrap()));
}

#[divan::bench(sample_count = 300)]
fn client_smol_http(bencher: divan::Bencher) {
    let client = async_client(&HTTP, smol_http());
    bencher.bench_local(|| check(smol::block_on(client.v4_get_callback()).unwrap()));
}

/// The client's own work alone (clock, cached UserSig, request building, limiter, reply
/// parsing, observer hooks), over a closure transport that hands back a reply the
/// emulator gave once: what callkit adds on top of any HTTP exchange.
#[divan::bench(sample_count = 1000)]
fn client_only_closure(bencher: divan::Bencher) {
    let transport = smol_https();
    let url = format!("{}{}", HTTPS.base_url(), presigned_target());
    let request: HttpRequest = http::Request::post(url.as_str())
        .body(b"{}".to_vec())
        .unwrap();
    let canned = smol::block_on(transport.send(request)).unwrap().into_body();
    let closure = move |_request: HttpRequest| {
        let body = canned.clone();
        async move { Ok::<_, std::convert::Infallible>(http::Response::new(body)) }
    };
    let client = async_client(&HTTPS, closure);
    bencher
        .bench_local(|| check(futures_lite::future::block_on(client.v4_get_callback()).unwrap()));
}

/// The path and query of one pre-signed request (a UserSig valid for a day).
fn presigned_target() -> String {
    let key = SecretKey::new(KEY).unwrap();
    let usersig = callkit::core::usersig::generate_user_sig(
        SDKAPPID,
        &key,
        "administrator",
        86_400,
        wall().as_secs(),
    )
    .unwrap();
    format!(
        "{PATH}?sdkappid={SDKAPPID}&identifier=administrator&usersig={}&random=1&contenttype=json",
        usersig.as_str()
    )
}

/// The same pre-signed request through `SmolTransport` alone: the transport's share.
#[divan::bench(sample_count = 300)]
fn transport_smol_https(bencher: divan::Bencher) {
    let transport = smol_https();
    let url = format!("{}{}", HTTPS.base_url(), presigned_target());
    bencher.bench_local(|| {
        let response = smol::block_on(transport.send(presigned_post(&url))).unwrap();
        assert_eq!(response.status(), 200);
        divan::black_box(response);
    });
}

/// One hyper HTTP/1.1 connection to the emulator, no pool, no timeouts, no caps; its
/// connection task on the smol global executor.
fn bare_hyper(emulator: &EmulatorServer) -> Bare {
    bare_hyper_on(emulator, Rt::Smol)
}

/// A bare connection and the runtime its calls run on.
struct Bare {
    sender: Mutex<SendRequest<Full<Bytes>>>,
    rt: Rt,
}

fn bare_hyper_on(emulator: &EmulatorServer, rt: Rt) -> Bare {
    Bare {
        sender: Mutex::new(common::bare_hyper_connect(emulator.server(), rt)),
        rt,
    }
}

fn bare_call(bare: &Bare, host: &str, target: &str) {
    let mut sender = bare.sender.lock().unwrap();
    bare.rt.block_on(async {
        sender.ready().await.unwrap();
        let request = http::Request::post(target)
            .header(http::header::HOST, host)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from_static(b"{}")))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.status(), 200);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        divan::black_box(body);
    });
}

#[divan::bench(sample_count = 300)]
fn bare_hyper_https(bencher: divan::Bencher) {
    let sender = bare_hyper(&HTTPS);
    let host = HTTPS.server().local_addr().to_string();
    let target = presigned_target();
    bencher.bench_local(|| bare_call(&sender, &host, &target));
}

/// The baseline for the async-std transport: the same bare connection, its task on
/// async-std's executor and each call in `async_std::task::block_on`.
#[divan::bench(sample_count = 300)]
fn bare_hyper_https_async_std(bencher: divan::Bencher) {
    let sender = bare_hyper_on(&HTTPS, Rt::AsyncStd);
    let host = HTTPS.server().local_addr().to_string();
    let target = presigned_target();
    bencher.bench_local(|| bare_call(&sender, &host, &target));
}

#[divan::bench(sample_count = 300)]
fn bare_hyper_http(bencher: divan::Bencher) {
    let sender = bare_hyper(&HTTP);
    let host = HTTP.server().local_addr().to_string();
    let target = presigned_target();
    bencher.bench_local(|| bare_call(&sender, &host, &target));
}

/// Paired rounds: on a shared machine whose load shifts from one second to the next,
/// divan's separate runs of two benches can see different loads. Here each round times
/// 100 bare-hyper calls and 100 callkit calls back to back (order alternating per round),
/// and the ratio is taken per round; the median over 80 rounds is reported.
/// Enabled with `CALLKIT_BENCH_PAIRED=1`.
mod paired {
    use super::*;
    use std::time::Instant;

    const ROUNDS: usize = 80;
    const CALLS: usize = 100;

    fn time(f: &mut dyn FnMut()) -> Duration {
        let start = Instant::now();
        for _ in 0..CALLS {
            f();
        }
        start.elapsed()
    }

    fn compare(name: &str, bare: &mut dyn FnMut(), ours: &mut dyn FnMut()) {
        for _ in 0..CALLS {
            bare();
            ours();
        }
        let mut ratios = Vec::with_capacity(ROUNDS);
        let mut bare_us = Vec::with_capacity(ROUNDS);
        let mut ours_us = Vec::with_capacity(ROUNDS);
        for round in 0..ROUNDS {
            let (b, o) = if round % 2 == 0 {
                let b = time(bare);
                (b, time(ours))
            } else {
                let o = time(ours);
                (time(bare), o)
            };
            ratios.push(o.as_secs_f64() / b.as_secs_f64());
            bare_us.push(b.as_secs_f64() * 1e6 / CALLS as f64);
            ours_us.push(o.as_secs_f64() * 1e6 / CALLS as f64);
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let q = |v: &Vec<f64>, k: usize| v[v.len() * k / 4];
        let m = median(&mut ratios);
        println!(
            "paired {name:<34} ratio median {m:.3} (quartiles {:.3}..{:.3}); per call: ours {:.1} us, bare {:.1} us (medians)",
            q(&ratios, 1),
            q(&ratios, 3),
            median(&mut ours_us),
            median(&mut bare_us),
        );
    }

    /// `CALLKIT_BENCH_LOOP=<bare|transport|client>[_http]:<calls>`: only that many calls of one
    /// kind, for `perf stat` / `strace -c` / callgrind (per-call syscalls, context switches,
    /// CPU time), without divan's sampling around them.
    pub fn run_loop(spec: &str) {
        let (kind, calls) = spec.split_once(':').unwrap_or((spec, "10000"));
        let calls: usize = calls.parse().expect("CALLKIT_BENCH_LOOP=<kind>:<calls>");
        // `<kind>_http` runs the same over plain HTTP.
        let (kind, emulator, https) = match kind.strip_suffix("_http") {
            Some(kind) => (kind, &*HTTP, false),
            None => (kind, &*HTTPS, true),
        };
        let transport = || if https { smol_https() } else { smol_http() };
        let target = presigned_target();
        let mut call: Box<dyn FnMut()> = match kind {
            "bare" => {
                let host = emulator.server().local_addr().to_string();
                let sender = bare_hyper(emulator);
                Box::new(move || bare_call(&sender, &host, &target))
            }
            "transport" => {
                let transport = transport();
                let url = format!("{}{}", emulator.base_url(), target);
                Box::new(move || {
                    divan::black_box(smol::block_on(transport.send(presigned_post(&url))).unwrap());
                })
            }
            "client" => {
                let client = async_client(emulator, transport());
                Box::new(move || check(smol::block_on(client.v4_get_callback()).unwrap()))
            }
            // async-std, HTTPS only: the like-for-like pair of the paired run.
            "bare_async_std" => {
                let host = HTTPS.server().local_addr().to_string();
                let sender = bare_hyper_on(&HTTPS, Rt::AsyncStd);
                Box::new(move || bare_call(&sender, &host, &target))
            }
            "transport_async_std" => {
                let transport = async_std_https();
                let url = format!("{}{}", HTTPS.base_url(), target);
                Box::new(move || {
                    let response =
                        async_std::task::block_on(transport.send(presigned_post(&url))).unwrap();
                    divan::black_box(response);
                })
            }
            "client_async_std" => {
                let client = async_client(&HTTPS, async_std_https());
                Box::new(move || {
                    check(async_std::task::block_on(client.v4_get_callback()).unwrap())
                })
            }
            other => panic!(
                "CALLKIT_BENCH_LOOP kind {other:?}: bare, transport or client (optionally _http \
                 or _async_std)"
            ),
        };
        let start = Instant::now();
        for _ in 0..calls {
            call();
        }
        let took = start.elapsed();
        println!(
            "loop {kind}: {calls} calls, {:.1} us per call",
            took.as_secs_f64() * 1e6 / calls as f64
        );
    }

    pub fn run() {
        let https_target = presigned_target();
        let https_host = HTTPS.server().local_addr().to_string();
        let https_bare = bare_hyper(&HTTPS);
        let mut bare_https = || bare_call(&https_bare, &https_host, &https_target);

        let smol = async_client(&HTTPS, smol_https());
        compare(
            "client smol https / bare hyper https",
            &mut bare_https,
            &mut || check(smol::block_on(smol.v4_get_callback()).unwrap()),
        );
        let async_std = async_client(&HTTPS, async_std_https());
        compare(
            "client async-std https / bare https",
            &mut bare_https,
            &mut || check(async_std::task::block_on(async_std.v4_get_callback()).unwrap()),
        );
        // Like for like: the baseline on async-std too.
        let https_bare_async_std = bare_hyper_on(&HTTPS, Rt::AsyncStd);
        compare(
            "client async-std https / bare async-std",
            &mut || bare_call(&https_bare_async_std, &https_host, &https_target),
            &mut || check(async_std::task::block_on(async_std.v4_get_callback()).unwrap()),
        );
        let transport = smol_https();
        let url = format!("{}{}", HTTPS.base_url(), https_target);
        compare(
            "SmolTransport alone / bare https",
            &mut bare_https,
            &mut || {
                divan::black_box(smol::block_on(transport.send(presigned_post(&url))).unwrap());
            },
        );
        let ureq = ureq_client();
        compare(
            "client ureq blocking / bare https",
            &mut bare_https,
            &mut || check(ureq.v4_get_callback().unwrap()),
        );
        // Connected only now: the server drops a connection whose first request does not
        // come within its header timeout (10 s), and the comparisons above take longer.
        let http_target = presigned_target();
        let http_host = HTTP.server().local_addr().to_string();
        let http_bare = bare_hyper(&HTTP);
        let mut bare_http = || bare_call(&http_bare, &http_host, &http_target);
        let smol_http = async_client(&HTTP, smol_http());
        compare(
            "client smol http / bare hyper http",
            &mut bare_http,
            &mut || check(smol::block_on(smol_http.v4_get_callback()).unwrap()),
        );
        let surf = async_client(&HTTP, surf_http());
        compare(
            "client surf http / bare hyper http",
            &mut bare_http,
            &mut || check(async_std::task::block_on(surf.v4_get_callback()).unwrap()),
        );
    }
}
