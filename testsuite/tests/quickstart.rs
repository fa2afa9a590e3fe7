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

/// The quickstart's second part: a robot call started, shown live, answered, ended; its
/// record fetched in both generations; the recent records listed in both.
#[test]
fn robot_call_then_its_record_and_the_recent_records() {
    use callkit::core::call_engine::V4RobotCall;
    use callkit::core::records::{V1CallId, V1RecordFilter, V4CallId, V4RecordFilter};
    use callkit::core::webhook::{CallResult, MediaType, UserStatus};
    use futures_lite::StreamExt;

    let (emulator, client) = emulator_and_client();
    smol::block_on(async {
        let mut call = V4RobotCall::new("robot-1", ["alice"], 30_000, MediaType::Audio);
        call.call_info.text_room("room-quickstart");
        let started = client.v4_start_call_by_robot(&call).await.unwrap();
        let call_id = started.call_id.expect("the emulator returns the call id");
        let id = V4CallId::new(&call_id);
        let info = client.v4_get_call_info(&id).await.unwrap();
        assert_eq!(info.users[1].user, "alice");
        assert_eq!(info.users[1].status, UserStatus::Waiting);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        assert!(emulator.with_emulator(|e| e.answer_call(SDKAPPID, &call_id, "alice", now)));
        let info = client.v4_get_call_info(&id).await.unwrap();
        assert_eq!(info.users[1].status, UserStatus::Calling);
        client.v4_end_call(&id).await.unwrap();
        assert_eq!(
            code(client.v4_get_call_info(&id).await),
            (101004, ApiErrorKind::CallNotFound)
        );

        let v4 = client.v4_get_record_by_call_id(&id).await.unwrap();
        assert_eq!(v4.call_result, CallResult::NormalEnd);
        assert_eq!(v4.room_id, "room-quickstart");
        let v1 = client
            .v1_get_record_by_call_id(&V1CallId::new(&call_id))
            .await
            .unwrap();
        assert_eq!(v1.callees, ["alice"]);

        let since = now.as_secs() - 24 * 60 * 60;
        let page = client
            .v1_get_records_by_filter(&V1RecordFilter::since(since))
            .await
            .unwrap();
        assert_eq!(page.records.len(), 1);
        let filter = V4RecordFilter {
            start_secs: Some(since),
            ..V4RecordFilter::default()
        };
        let listed: Vec<_> = client.records(filter, Some(50)).collect().await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].as_ref().unwrap().call_id, call_id);
    });
}
