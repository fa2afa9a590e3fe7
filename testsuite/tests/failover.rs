//! v4 failover on loopback: the primary host is a name that does not resolve, the
//! backup (overridden with `ClientBuilder::failover_to`) is the emulator, by its address
//! or by a name only the transport's `resolve` override knows. The first
//! attempt fails unsent and the retry goes to the backup; the client stays there for
//! the configured while, then tries the primary again. Time is a manual clock.
#![cfg(feature = "emulator")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use callkit::emulator::EmulatorServer;
use callkit::testing::ManualRuntime;
use callkit::transport::Transport;
use callkit::{BaseUrl, BlockingClient, Client, SecretKey, Server, SmolTransport};
use callkit_core::records::V4RecordFilter;
use callkit_core::region::Region;

const APP: u32 = 1_400_000_011;
const KEY: &str = "failover-test-key";
/// `.invalid` never resolves (RFC 2606).
const PRIMARY: &str = "http://callkit-primary.invalid:8080";

fn transport() -> SmolTransport {
    SmolTransport::builder()
        .allow_http(true)
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn setup() -> (EmulatorServer, ManualRuntime, Arc<Mutex<Vec<String>>>) {
    // The emulator reads the client's clock, so UserSigs stay valid as it moves.
    let clock = ManualRuntime::auto_advance(Duration::from_secs(1_700_000_000));
    let emulator_clock = clock.clone();
    let emulator = EmulatorServer::builder()
        .app(APP, SecretKey::new(KEY).unwrap())
        .https(false)
        .runtime(emulator_clock.shared())
        .start()
        .unwrap();
    (emulator, clock, Arc::new(Mutex::new(Vec::new())))
}

/// Which base URL each attempt went to, as `P` (primary) or `B` (backup).
fn hosts(seen: &Mutex<Vec<String>>) -> String {
    let hosts: Vec<&str> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| if s.starts_with(PRIMARY) { "P" } else { "B" })
        .collect();
    hosts.concat()
}

#[test]
fn the_smol_client_fails_over_stays_and_returns() {
    let (emulator, clock, seen) = setup();
    let log = Arc::clone(&seen);
    let backup = Server::from(BaseUrl::parse_allow_http(emulator.base_url()).unwrap());
    let client = Client::builder(
        APP,
        SecretKey::new(KEY).unwrap(),
        BaseUrl::parse_allow_http(PRIMARY).unwrap(),
    )
    .failover_to(Some(backup))
    .failover_stay(Duration::from_secs(60))
    .runtime(clock.shared())
    .on_attempt(move |a| log.lock().unwrap().push(a.server.to_owned()))
    .build(transport())
    .unwrap();
    let filter = V4RecordFilter::default();
    smol::block_on(async {
        client.v4_get_record_by_filter(&filter).await.unwrap();
        assert_eq!(hosts(&seen), "PB");
        // Sticky: straight to the backup.
        client.v4_get_record_by_filter(&filter).await.unwrap();
        client.v4_get_record_by_filter(&filter).await.unwrap();
        assert_eq!(hosts(&seen), "PBBB");
        // After the stay, the primary is tried again (and fails over again).
        clock.advance(Duration::from_secs(61));
        client.v4_get_record_by_filter(&filter).await.unwrap();
        assert_eq!(hosts(&seen), "PBBBPB");
    });
    let path = "/v4/call_record_http_srv/get_record_by_filter";
    assert_eq!(emulator.with_emulator(|e| e.requests_for(path)), 4);
    emulator.shutdown();
}

#[test]
fn the_blocking_client_fails_over_too() {
    let (emulator, clock, seen) = setup();
    let log = Arc::clone(&seen);
    let backup = Server::from(BaseUrl::parse_allow_http(emulator.base_url()).unwrap());
    let transport = transport();
    let client = BlockingClient::builder(
        APP,
        SecretKey::new(KEY).unwrap(),
        BaseUrl::parse_allow_http(PRIMARY).unwrap(),
    )
    .failover_to(Some(backup))
    .runtime(clock.shared())
    .on_attempt(move |a| log.lock().unwrap().push(a.server.to_owned()))
    .build(move |request| smol::block_on(transport.send(request)))
    .unwrap();
    client
        .v4_get_record_by_filter(&V4RecordFilter::default())
        .unwrap();
    client
        .v4_get_record_by_filter(&V4RecordFilter::default())
        .unwrap();
    assert_eq!(hosts(&seen), "PBB");
    emulator.shutdown();
}

#[test]
fn v4_regions_fail_over_to_their_backup_domain_by_default() {
    let v4 = Server::from(Region::ChatSingapore);
    assert_eq!(
        v4.failover().map(|s| s.base_url().to_owned()).as_deref(),
        Some("https://adminapisgp.my-imcloud.com")
    );
    assert!(Server::from(Region::CallkitIntl).failover().is_none());
    let custom = Server::from(BaseUrl::parse("https://proxy.example").unwrap());
    assert!(custom.failover().is_none());
}

/// The transport's resolver hook: the backup's name resolves only through
/// `SmolTransportBuilder::resolve` (to the emulator on loopback), the primary's not at all.
#[test]
fn the_backup_name_resolves_through_the_transport_override() {
    let (emulator, clock, seen) = setup();
    let addr: std::net::SocketAddr = emulator
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let backup = format!("http://backup.callkit.invalid:{}", addr.port());
    let client_over = |transport: SmolTransport| {
        let log = Arc::clone(&seen);
        Client::builder(
            APP,
            SecretKey::new(KEY).unwrap(),
            BaseUrl::parse_allow_http(PRIMARY).unwrap(),
        )
        .failover_to(Some(Server::from(
            BaseUrl::parse_allow_http(&backup).unwrap(),
        )))
        .runtime(clock.shared())
        .on_attempt(move |a| log.lock().unwrap().push(a.server.to_owned()))
        .build(transport)
        .unwrap()
    };
    let pinned = SmolTransport::builder()
        .allow_http(true)
        .connect_timeout(Duration::from_secs(5))
        .resolve("backup.callkit.invalid", addr.port(), addr)
        .build()
        .unwrap();
    let filter = V4RecordFilter::default();
    smol::block_on(client_over(pinned).v4_get_record_by_filter(&filter)).unwrap();
    assert_eq!(hosts(&seen), "PB");
    assert!(seen.lock().unwrap()[1].starts_with("http://backup.callkit.invalid:"));

    // Without the override the backup's name does not resolve either.
    let error =
        smol::block_on(client_over(transport()).v4_get_record_by_filter(&filter)).unwrap_err();
    assert!(
        matches!(
            error.last(),
            callkit::Error::Transport {
                kind: callkit::transport::FailureKind::NotSent,
                ..
            }
        ),
        "{error:?}"
    );
    emulator.shutdown();
}
