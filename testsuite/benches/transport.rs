//! Calls per second over loopback, per transport, against `LoopbackServer` with a trivial
//! handler; with a bare hyper connection to the same server as the baseline.
//!
//! Run: `cargo bench --bench transport --all-features`
//!
//! Every iteration is one complete POST exchange on a kept-alive connection (the same
//! `smol::block_on` per call for the async ones, baseline included). surf runs over plain
//! HTTP (its test backend has no TLS), so it has a plain-HTTP hyper baseline of its own.

use std::sync::{Arc, LazyLock, Mutex};

use bytes::Bytes;
use callkit::server::LoopbackServer;
use callkit::transport::{BlockingTransport, Failed, HttpRequest, Transport};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;

mod common;

/// Counts allocations (every thread's: the server's too): divan reports them beside every
/// timing.
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

fn trivial(_: HttpRequest) -> callkit::transport::HttpResponse {
    http::Response::new(br#"{"ActionStatus":"OK","ErrorCode":0}"#.to_vec())
}

static HTTPS: LazyLock<LoopbackServer> = LazyLock::new(|| {
    LoopbackServer::builder()
        .https(true)
        .serve(trivial)
        .expect("https server")
});
static HTTP: LazyLock<LoopbackServer> = LazyLock::new(|| {
    LoopbackServer::builder()
        .serve(trivial)
        .expect("http server")
});

const BODY: &[u8] = br#"{"From_Account":"administrator"}"#;

fn request(server: &LoopbackServer) -> HttpRequest {
    http::Request::post(server.url("/v4/bench?sdkappid=1"))
        .body(BODY.to_vec())
        .expect("valid request")
}

fn pem() -> &'static str {
    HTTPS.certificate().expect("certificate").pem()
}

#[divan::bench(sample_count = 500)]
fn smol_https(bencher: divan::Bencher) {
    let transport = callkit::SmolTransport::builder()
        .add_root_certificate_pem(pem())
        .build()
        .unwrap();
    bencher.bench_local(|| smol::block_on(transport.send(request(&HTTPS))).unwrap());
}

#[divan::bench(sample_count = 500)]
fn async_std_https(bencher: divan::Bencher) {
    let transport = callkit::AsyncStdTransport::builder()
        .add_root_certificate_pem(pem())
        .build()
        .unwrap();
    bencher.bench_local(|| async_std::task::block_on(transport.send(request(&HTTPS))).unwrap());
}

#[divan::bench(sample_count = 500)]
fn ureq_closure_https(bencher: divan::Bencher) {
    let root = ureq::tls::Certificate::from_der(HTTPS.certificate().unwrap().der()).to_owned();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder().tls_config(tls).build().into();
    let transport = move |request: HttpRequest| -> Result<_, Failed> {
        let (parts, mut body) = agent.run(request).map_err(Failed::maybe_sent)?.into_parts();
        let body = body.read_to_vec().map_err(Failed::maybe_sent)?;
        Ok(http::Response::from_parts(parts, body))
    };
    bencher.bench_local(|| transport.send(request(&HTTPS)).unwrap());
}

#[divan::bench(sample_count = 500)]
fn smol_http(bencher: divan::Bencher) {
    let transport = callkit::SmolTransport::builder()
        .allow_http(true)
        .build()
        .unwrap();
    bencher.bench_local(|| smol::block_on(transport.send(request(&HTTP))).unwrap());
}

#[divan::bench(sample_count = 500)]
fn surf_h1_http(bencher: divan::Bencher) {
    let client: surf::Client = surf::Config::new()
        .set_tcp_no_delay(true)
        .try_into()
        .unwrap();
    let transport = callkit::SurfTransport::builder(client)
        .allow_http(true)
        .build();
    bencher.bench_local(|| async_std::task::block_on(transport.send(request(&HTTP))).unwrap());
}

/// One hyper HTTP/1.1 connection, no pool, no timeouts, no caps: what callkit adds to.
fn bare_hyper(server: &LoopbackServer) -> Mutex<SendRequest<Full<Bytes>>> {
    Mutex::new(common::bare_hyper_connect(server, common::Rt::Smol))
}

fn bare_call(sender: &Mutex<SendRequest<Full<Bytes>>>, server: &LoopbackServer) {
    let mut sender = sender.lock().unwrap();
    smol::block_on(async {
        sender.ready().await.unwrap();
        let request = http::Request::post("/v4/bench?sdkappid=1")
            .header(http::header::HOST, server.local_addr().to_string())
            .body(Full::new(Bytes::from_static(BODY)))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        divan::black_box(body);
    });
}

#[divan::bench(sample_count = 500)]
fn bare_hyper_https(bencher: divan::Bencher) {
    let sender = bare_hyper(&HTTPS);
    bencher.bench_local(|| bare_call(&sender, &HTTPS));
}

#[divan::bench(sample_count = 500)]
fn bare_hyper_http(bencher: divan::Bencher) {
    let sender = bare_hyper(&HTTP);
    bencher.bench_local(|| bare_call(&sender, &HTTP));
}
