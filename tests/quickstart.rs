//! The quickstart's flow (examples/quickstart.rs) as a test: the same sequence of `Client`
//! calls against an `EmulatorServer` over loopback HTTPS, each result checked.
#![cfg(feature = "emulator")]

use callkit::core::callback::{V1Action, V1CallbackConfig, V4CallbackConfig, V4Command};
use callkit::core::response::ApiErrorKind;
use callkit::emulator::EmulatorServer;
use callkit::{BaseUrl, Client, Error, SecretKey, Server, SmolTransport};

const SDKAPPID: u32 = 1_400_000_000;

/// An emulator over HTTPS with a fresh key, and a client that trusts its certificate.
fn emulator_and_client() -> (EmulatorServer, Client<SmolTransport>) {
    let key: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(32)
        .collect();
    let key = SecretKey::new(key).expect("a 32-character key is valid");
    let emulator = EmulatorServer::builder()
        .app(SDKAPPID, key.clone())
        .https(true)
        .start()
        .expect("the emulator starts");
    let pem = emulator.certificate_pem().expect("HTTPS has a certificate");
    let transport = SmolTransport::builder()
        .add_root_certificate_pem(pem)
        .build()
        .expect("the transport builds");
    let base = BaseUrl::parse(emulator.base_url()).expect("the emulator's URL is https");
    let client = Client::builder(SDKAPPID, key, Server::from(base))
        .build(transport)
        .expect("the client builds");
    (emulator, client)
}

/// The API error code of a failed call (panics, failing the test, on success or a
/// non-API error).
fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> (i64, ApiErrorKind) {
    let error = result.expect_err("the call fails");
    let api = error.api().expect("an API error");
    assert!(api.request_id.is_some(), "the error carries a request id");
    (api.code, api.kind)
}

#[test]
fn v1_set_get_update_get_delete() {
    let (_emulator, client) = emulator_and_client();
    smol::block_on(async {
        let set = V1CallbackConfig {
            address: "https://app.example.com/callkit/v1".into(),
            actions: vec![V1Action::NormalEnd, V1Action::CallBusy],
        };
        assert_eq!(client.v1_set_callback(&set).await.unwrap(), set.address);
        assert_eq!(client.v1_get_callback().await.unwrap(), set);

        let updated = V1CallbackConfig {
            address: "https://app.example.com/callkit/v1-updated".into(),
            actions: vec![V1Action::NormalEnd, V1Action::CallBusy, V1Action::Reject],
        };
        assert_eq!(
            client.v1_update_callback(&updated).await.unwrap(),
            updated.address
        );
        assert_eq!(client.v1_get_callback().await.unwrap(), updated);

        client.v1_delete_callback().await.unwrap();
        assert_eq!(
            code(client.v1_get_callback().await),
            (999, ApiErrorKind::NoConfiguration)
        );
    });
}

#[test]
fn v4_set_get_delete() {
    let (_emulator, client) = emulator_and_client();
    smol::block_on(async {
        assert_eq!(
            code(client.v4_get_callback().await),
            (100301, ApiErrorKind::NoConfiguration)
        );
        let set = V4CallbackConfig {
            url: "https://app.example.com/callkit/v4".into(),
            commands: vec![V4Command::AfterStartCall, V4Command::AfterEndCall],
        };
        client.v4_set_callback(&set).await.unwrap();
        assert_eq!(client.v4_get_callback().await.unwrap(), set);

        client.v4_delete_callback().await.unwrap();
        assert_eq!(
            code(client.v4_get_callback().await),
            (100301, ApiErrorKind::NoConfiguration)
        );
    });
}

#[test]
fn v1_update_before_set_is_no_configuration() {
    let (_emulator, client) = emulator_and_client();
    let config = V1CallbackConfig {
        address: "https://app.example.com/callkit".into(),
        actions: vec![V1Action::NormalEnd],
    };
    let result = smol::block_on(client.v1_update_callback(&config));
    assert_eq!(code(result), (999, ApiErrorKind::NoConfiguration));
}
