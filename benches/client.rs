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
//! configured, but both take their time from an injectable clock, so this bench gives
//! each a clock that moves 10 ms per reading (the emulator reads it once per request, the
//! client's limiter once per attempt): to both, calls look 10 ms apart, so neither ever
//! refuses or waits, and what is measured is the client, transport, TLS and emulator path.
//! The UserSig is still signed and checked against the wall clock (it is cached by the
//! client, as in production).
//!
//! surf runs over plain HTTP (its test backend has no TLS) and has a plain-HTTP bare hyper
//! baseline of its own. The ureq closure (`BlockingClient`) is ureq's own stack, so its
//! bare-hyper ratio compares two different HTTP clients, not callkit's overhead alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use callkit::client::Clock;
use callkit::core::callback::{V4CallbackConfig, V4Command};
use callkit::emulator::EmulatorServer;
use callkit::transport::{HttpRequest, Transport};
use callkit::{BaseUrl, BlockingClient, Client, SecretKey};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use smol_hyper::rt::FuturesIo;

#[allow(dead_code)]
#[path = "../tests/support/ureq_closure.rs"]
mod ureq_closure;

fn main() {
    divan::main();
}

const SDKAPPID: u32 = 1_400_000_321;
const KEY: &str = "bench-secret-key-0123456789abcdef";
/// What each call asks for, so the client has a payload to parse.
const PATH: &str = "/v4/call_config/get_callback";

/// [`SDKAPPID`] as the integer type an API takes (u32 or u64 while the core moves to u32).
fn sdkappid_as<T: From<u32>>() -> T {
    T::from(SDKAPPID)
}

fn wall() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

/// Wall-clock Unix time; a monotonic time that moves 10 ms per reading (see the top).
struct SteppingClock {
    ticks: AtomicU64,
}

impl Clock for SteppingClock {
    fn unix_time(&self) -> Duration {
        wall()
    }

    fn monotonic(&self) -> Duration {
        Duration::from_millis(10 * self.ticks.fetch_add(1, Ordering::Relaxed))
    }
}

fn start_emulator(https: bool) -> EmulatorServer {
    let start = wall();
    let ticks = AtomicU64::new(0);
    let emulator = EmulatorServer::builder()
        .app(SDKAPPID, SecretKey::new(KEY).unwrap())
        .https(https)
        .clock(move || start + Duration::from_millis(10 * ticks.fetch_add(1, Ordering::Relaxed)))
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
        .clock(SteppingClock {
            ticks: AtomicU64::new(0),
        })
        .build(transport)
        .unwrap()
}

fn check(config: V4CallbackConfig) {
    assert_eq!(config.commands.len(), 2);
    divan::black_box(config);
}

#[divan::bench(sample_count = 300)]
fn client_smol_https(bencher: divan::Bencher) {
    let transport = callkit::SmolTransport::builder()
        .webpki_roots(false)
        .add_root_certificate_pem(pem())
        .build()
        .unwrap();
    let client = async_client(&HTTPS, transport);
    bencher.bench_local(|| check(smol::block_on(client.v4_get_callback()).unwrap()));
}

#[divan::bench(sample_count = 300)]
fn client_async_std_https(bencher: divan::Bencher) {
    let transport = callkit::AsyncStdTransport::builder()
        .webpki_roots(false)
        .add_root_certificate_pem(pem())
        .build()
        .unwrap();
    let client = async_client(&HTTPS, transport);
    bencher.bench_local(|| check(async_std::task::block_on(client.v4_get_callback()).unwrap()));
}

#[divan::bench(sample_count = 300)]
fn client_ureq_blocking_https(bencher: divan::Bencher) {
    let der = HTTPS.server().certificate().unwrap().der().to_vec();
    let transport = ureq_closure::ureq_transport(ureq_closure::UreqSettings {
        root_der: Some(der),
        ..Default::default()
    });
    let client = BlockingClient::builder(SDKAPPID, SecretKey::new(KEY).unwrap(), base(&HTTPS))
        .clock(SteppingClock {
            ticks: AtomicU64::new(0),
        })
        .build(transport)
        .unwrap();
    bencher.bench_local(|| check(client.v4_get_callback().unwrap()));
}

#[divan::bench(sample_count = 300)]
fn client_surf_http(bencher: divan::Bencher) {
    let surf: surf::Client = surf::Config::new()
        .set_tcp_no_delay(true)
        .try_into()
        .unwrap();
    let transport = callkit::SurfTransport::builder(surf)
        .allow_http(true)
        .build();
    let client = async_client(&HTTP, transport);
    bencher.bench_local(|| check(async_std::task::block_on(client.v4_get_callback()).unwrap()));
}

#[divan::bench(sample_count = 300)]
fn client_smol_http(bencher: divan::Bencher) {
    let transport = callkit::SmolTransport::builder()
        .allow_http(true)
        .build()
        .unwrap();
    let client = async_client(&HTTP, transport);
    bencher.bench_local(|| check(smol::block_on(client.v4_get_callback()).unwrap()));
}

/// The path and query of one pre-signed request (a UserSig valid for a day).
fn presigned_target() -> String {
    let key = SecretKey::new(KEY).unwrap();
    let usersig = callkit::core::usersig::generate_user_sig(
        sdkappid_as(),
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
    let transport = callkit::SmolTransport::builder()
        .webpki_roots(false)
        .add_root_certificate_pem(pem())
        .build()
        .unwrap();
    let url = format!("{}{}", HTTPS.base_url(), presigned_target());
    bencher.bench_local(|| {
        let request: HttpRequest = http::Request::post(url.as_str())
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(b"{}".to_vec())
            .unwrap();
        let response = smol::block_on(transport.send(request)).unwrap();
        assert_eq!(response.status(), 200);
        divan::black_box(response);
    });
}

/// One hyper HTTP/1.1 connection to the emulator, no pool, no timeouts, no caps.
fn bare_hyper(emulator: &EmulatorServer) -> Mutex<SendRequest<Full<Bytes>>> {
    let addr = emulator.server().local_addr();
    smol::block_on(async {
        let tcp = smol::net::TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let sender = match emulator.server().certificate() {
            Some(certificate) => {
                let mut roots = rustls::RootCertStore::empty();
                roots.add(certificate.der().to_vec().into()).unwrap();
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let config = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .unwrap()
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
                let tls = futures_rustls::TlsConnector::from(Arc::new(config))
                    .connect(name, tcp)
                    .await
                    .unwrap();
                let (sender, connection) =
                    hyper::client::conn::http1::handshake(FuturesIo::new(tls))
                        .await
                        .unwrap();
                smol::spawn(async move { drop(connection.await) }).detach();
                sender
            }
            None => {
                let (sender, connection) =
                    hyper::client::conn::http1::handshake(FuturesIo::new(tcp))
                        .await
                        .unwrap();
                smol::spawn(async move { drop(connection.await) }).detach();
                sender
            }
        };
        Mutex::new(sender)
    })
}

fn bare_call(sender: &Mutex<SendRequest<Full<Bytes>>>, host: &str, target: &str) {
    let mut sender = sender.lock().unwrap();
    smol::block_on(async {
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

#[divan::bench(sample_count = 300)]
fn bare_hyper_http(bencher: divan::Bencher) {
    let sender = bare_hyper(&HTTP);
    let host = HTTP.server().local_addr().to_string();
    let target = presigned_target();
    bencher.bench_local(|| bare_call(&sender, &host, &target));
}
