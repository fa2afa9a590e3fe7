//! A random UserSig echoed in any form, in any field of a reply to any endpoint, never
//! shows in the parse error's `Display` or `Debug`.

use callkit_core::callback::{
    V1DeleteCallback, V1GetCallback, V1SetCallback, V1UpdateCallback, V4DeleteCallback,
    V4GetCallback, V4SetCallback,
};
use callkit_core::endpoint::Endpoint;
use callkit_core::response::{ResponseError, parse_response};
use proptest::prelude::*;

/// The forms a server or proxy echoes a UserSig in.
fn embed(form: usize, sig: &str) -> String {
    match form {
        0 => format!("https://console.tim.qq.com/v4/x?sdkappid=1&usersig={sig}&random=7"),
        1 => format!("{{\"usersig\":\"{sig}\"}}"),
        2 => format!("\"UserSig\": \"{sig}\""),
        3 => format!("next=%2Fv4%2Fx%3Fusersig%3D{sig}%26random%3D7"),
        4 => format!("UserSig: {sig}"),
        _ => format!("req-usersig={sig}"),
    }
}

fn body(generation_v4: bool, field: usize, text: &str) -> (u16, String) {
    let t = serde_json::to_string(text).unwrap();
    match (generation_v4, field) {
        (false, 0) => (
            200,
            format!(r#"{{"errorCode":70001,"errorMessage":{t},"requestId":"r"}}"#),
        ),
        (false, 1) => (
            200,
            format!(r#"{{"errorCode":70001,"errorMessage":"x","requestId":{t}}}"#),
        ),
        (true, 0) => (
            200,
            format!(
                r#"{{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":{t},"RequestId":"r"}}"#
            ),
        ),
        (true, 1) => (
            200,
            format!(
                r#"{{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"x","RequestId":{t}}}"#
            ),
        ),
        (_, 2) => (502, format!("<html>{text}</html>")),
        _ => (200, format!("not an envelope {text}")),
    }
}

fn check<E: Endpoint>(field: usize, text: &str, sig: &str) -> Result<(), TestCaseError> {
    let v4 = matches!(E::GENERATION, callkit_core::endpoint::Generation::V4);
    let (status, body) = body(v4, field, text);
    let Err(error): Result<_, ResponseError> = parse_response::<E>(status, body.as_bytes(), 7)
    else {
        return Err(TestCaseError::fail("an error reply parsed as success"));
    };
    for output in [format!("{error}"), format!("{error:?}")] {
        prop_assert!(!output.contains(sig), "{} field {field}: {output}", E::PATH);
    }
    Ok(())
}

proptest! {
    #[test]
    fn a_usersig_in_any_field_of_any_reply_never_shows(
        sig in "eJw[A-Za-z0-9*_-]{20,200}",
        form in 0usize..6,
        field in 0usize..4,
        prefix in "[ -~]{0,60}",
    ) {
        let text = format!("{prefix}{}", embed(form, &sig));
        check::<V1SetCallback>(field, &text, &sig)?;
        check::<V1GetCallback>(field, &text, &sig)?;
        check::<V1UpdateCallback>(field, &text, &sig)?;
        check::<V1DeleteCallback>(field, &text, &sig)?;
        check::<V4SetCallback>(field, &text, &sig)?;
        check::<V4GetCallback>(field, &text, &sig)?;
        check::<V4DeleteCallback>(field, &text, &sig)?;
    }
}
