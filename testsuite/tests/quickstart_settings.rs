//! How the quickstart reads its environment and arguments (`mode`), and its run against an
//! emulator started separately (`CALLKIT_BASE_URL`), using the example's own code.
#![cfg(feature = "emulator")]

#[allow(dead_code)] // its `main` and the paths only a real run takes
#[path = "../../examples/quickstart.rs"]
mod quickstart;

use callkit::SecretKey;
use callkit::emulator::EmulatorServer;
use quickstart::{Mode, mode};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn env(pairs: &[(&'static str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(&'static str, String)> =
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn help_runs_nothing_and_names_every_variable() {
    assert!(matches!(mode(env(&[]), &args(&["--help"])), Ok(Mode::Help)));
    for variable in [
        "CALLKIT_SDKAPPID",
        "CALLKIT_SECRET_KEY",
        "CALLKIT_REGION",
        "CALLKIT_CHAT_REGION",
        "CALLKIT_BASE_URL",
        "CALLKIT_CA_CERT",
        "CALLKIT_ALLOW_WRITE",
    ] {
        assert!(quickstart::HELP.contains(variable), "{variable}");
    }
    let unknown = mode(env(&[]), &args(&["--frobnicate"])).unwrap_err();
    assert!(unknown.contains("--help"), "{unknown}");
}

#[test]
fn no_credentials_is_the_embedded_emulator_and_half_of_them_is_an_error() {
    assert!(matches!(mode(env(&[]), &[]), Ok(Mode::Embedded)));
    let key_alone = mode(env(&[("CALLKIT_SECRET_KEY", KEY)]), &[]).unwrap_err();
    assert!(key_alone.contains("CALLKIT_SDKAPPID is not"), "{key_alone}");
    let id_alone = mode(env(&[("CALLKIT_SDKAPPID", "1400000000")]), &[]).unwrap_err();
    assert!(id_alone.contains("CALLKIT_SECRET_KEY"), "{id_alone}");
}

#[test]
fn regions_are_named_as_the_cli_names_them_and_a_wrong_one_lists_them() {
    let creds = [
        ("CALLKIT_SDKAPPID", "1400000000"),
        ("CALLKIT_SECRET_KEY", KEY),
    ];
    let Ok(Mode::Remote(remote)) = mode(env(&creds), &[]) else {
        panic!("credentials mean a remote run");
    };
    let shown = format!("{remote:?}");
    assert!(
        shown.contains("v1 at callkit-intl, v4 at chat-singapore"),
        "{shown}"
    );
    assert!(!shown.contains(KEY), "the key is never shown: {shown}");

    let wrong = [creds[0], creds[1], ("CALLKIT_REGION", "eu")];
    let error = mode(env(&wrong), &[]).unwrap_err();
    assert!(
        error.contains("CALLKIT_REGION") && error.contains("known: callkit-intl"),
        "{error}"
    );
    let crossed = [creds[0], creds[1], ("CALLKIT_REGION", "chat-seoul")];
    assert!(
        mode(env(&crossed), &[])
            .unwrap_err()
            .contains("other API generation")
    );
    let public_http = [
        creds[0],
        creds[1],
        ("CALLKIT_BASE_URL", "http://example.com"),
    ];
    assert!(
        mode(env(&public_http), &[])
            .unwrap_err()
            .contains("plain http")
    );
}

#[test]
fn a_separately_started_emulator_is_reached_through_its_base_url() {
    let emulator = EmulatorServer::builder()
        .app(1400000000, SecretKey::new(KEY).unwrap())
        .start()
        .unwrap();
    let settings = [
        ("CALLKIT_SDKAPPID", "1400000000"),
        ("CALLKIT_SECRET_KEY", KEY),
        ("CALLKIT_BASE_URL", emulator.base_url()),
    ];
    let mode = mode(env(&settings), &args(&["--write"])).unwrap();
    let summary = smol::block_on(quickstart::run(mode)).unwrap();
    assert!(summary.starts_with("ok"), "{summary}");
    // The write flow really went to that emulator, and ended by deleting what it set.
    let served = emulator.with_emulator(|e| {
        e.app_requests_for(1400000000, "/v1/callback/set")
            + e.app_requests_for(1400000000, "/v4/call_config/set_callback")
    });
    assert_eq!(served, 2);
}
