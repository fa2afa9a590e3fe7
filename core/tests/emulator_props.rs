//! Whatever arrives, the emulator answers without panicking, with a JSON body in the
//! envelope of the path's generation.
#![cfg(feature = "emulator")]

use core::time::Duration;

use callkit_core::emulator::{App, Emulator, ServiceRequest};
use callkit_core::secret::SecretKey;
use proptest::prelude::*;

fn emulator() -> Emulator {
    let mut e = Emulator::new();
    e.add_app(App::new(1_400_000_000, SecretKey::new("k").unwrap()))
        .unwrap();
    e
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/v1/callback/set".to_string()),
        Just("/v1/callback/get".to_string()),
        Just("/v4/call_config/set_callback".to_string()),
        Just("/v4/call_config/get_callback".to_string()),
        Just("https://h:1/v1/callback/update".to_string()),
        "\\PC{0,40}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,80}",
        (
            any::<u32>(),
            "[a-z%*&=]{0,12}",
            "[A-Za-z0-9*_%-]{0,60}",
            "[0-9a-z-]{0,12}"
        )
            .prop_map(|(app, id, sig, random)| format!(
                "sdkappid={app}&identifier={id}&usersig={sig}&random={random}&contenttype=json"
            )),
        "[a-z0-9]{0,8}".prop_map(|sig| format!(
            "sdkappid=1400000000&identifier=administrator&usersig={sig}&random=1&contenttype=json"
        )),
    ]
}

proptest! {
    #[test]
    fn never_panics(
        method in prop_oneof![Just("POST".to_string()), "[A-Z]{0,7}"],
        path in path(),
        query in query(),
        body in prop::collection::vec(any::<u8>(), 0..200),
        now in any::<u64>(),
        nanos in 0u32..1_000_000_000,
    ) {
        let mut e = emulator();
        let target = format!("{path}?{query}");
        let answer = e.handle(&ServiceRequest::new(&method, &target, &body), Duration::new(now, nanos));
        prop_assert!(answer.status == 200 || answer.status == 404);
        let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        prop_assert!(json.get("errorCode").is_some() || json.get("ErrorCode").is_some());
    }

    #[test]
    fn arbitrary_targets_never_panic(target in "\\PC{0,120}", body in prop::collection::vec(any::<u8>(), 0..50)) {
        let mut e = emulator();
        let answer = e.handle(&ServiceRequest::new("POST", &target, &body), Duration::ZERO);
        prop_assert!(serde_json::from_slice::<serde_json::Value>(&answer.body).is_ok());
    }
}
