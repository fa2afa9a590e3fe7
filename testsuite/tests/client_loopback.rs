//! The client over the real `SmolTransport` on loopback (plain HTTP): a service handler
//! answering with the documented reply, and a refused connection that the client
//! recognises as never sent. Waits are injected; nothing sleeps.
#![cfg(feature = "server")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use callkit::server::LoopbackServer;
use callkit::testing::ManualRuntime;
use callkit::transport::{FailureKind, HttpRequest, HttpResponse};
use callkit::{BaseUrl, Client, Error, SecretKey, SmolTransport, TransportError};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn client_to(base: &str, clock: &ManualRuntime, attempts: u32) -> Client<SmolTransport> {
    let transport = SmolTransport::builder()
        .allow_http(true)
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    Client::builder(
        1_400_000_000,
        SecretKey::new(KEY).unwrap(),
        BaseUrl::parse_allow_http(base).unwrap(),
    )
    .runtime(clock.shared())
    .max_attempts(attempts)
    .build(transport)
    .unwrap()
}

#[test]
fn a_call_over_smol_and_loopback_http() {
    let paths = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&paths);
    let server = LoopbackServer::builder()
        .https(false)
        .serve(move |request: HttpRequest| {
            seen.lock().unwrap().push(request.uri().path().to_owned());
            HttpResponse::new(
                br#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-1",
                     "Response": {"Url": "http://www.example.com/callback",
                                  "CallbackCommandList": ["Call.CallbackAfterEndCall"]}}"#
                    .to_vec(),
            )
        })
        .unwrap();
    let clock = ManualRuntime::auto_advance(Duration::from_secs(1_700_000_000));
    let client = client_to(server.base_url(), &clock, 3);
    let config = smol::block_on(client.v4_get_callback()).unwrap();
    assert_eq!(config.url, "http://www.example.com/callback");
    assert_eq!(*paths.lock().unwrap(), ["/v4/call_config/get_callback"]);
    server.shutdown();
}

#[test]
fn a_refused_connection_is_known_unsent_and_retried() {
    // A port nothing listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let clock = ManualRuntime::auto_advance(Duration::from_secs(1_700_000_000));
    let client = client_to(&format!("http://127.0.0.1:{port}"), &clock, 2);
    let error = smol::block_on(client.v4_delete_callback()).unwrap_err();
    assert_eq!(error.attempts(), Some(2));
    match error.last() {
        Error::Transport { kind, source, .. } => {
            assert_eq!(*kind, FailureKind::NotSent);
            assert!(matches!(
                source.downcast_ref::<TransportError>(),
                Some(TransportError::Connect { .. })
            ));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(clock.sleeps(), [Duration::from_millis(200)]);
    assert!(!error.to_string().contains("usersig="), "{error}");
}
