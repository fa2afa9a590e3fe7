//! Requests that cannot be right are refused before anything is sent, saying why.

use callkit_core::callback::*;
use callkit_core::endpoint::Empty;
use callkit_core::region::Region;
use callkit_core::request::{BuildError, build_request};
use callkit_core::usersig::UserSig;
use callkit_core::validate::{InvalidBody, InvalidIdentifier};

/// A UserSig from text, as build_request takes it.
fn sig(text: &str) -> UserSig {
    UserSig::from_string(text.to_owned())
}

fn set_v1(address: &str, actions: Vec<V1Action>) -> Result<(), BuildError> {
    let body = V1CallbackConfig {
        address: address.into(),
        actions,
    };
    build_request::<V1SetCallback>(
        &Region::CallkitIntl.into(),
        1400000000,
        "admin",
        &sig("s"),
        1,
        &body,
    )
    .map(|_| ())
}

fn set_v4(url: &str, commands: Vec<V4Command>) -> Result<(), BuildError> {
    let body = V4CallbackConfig {
        url: url.into(),
        commands,
    };
    build_request::<V4SetCallback>(
        &Region::ChatChina.into(),
        1400000000,
        "admin",
        &sig("s"),
        1,
        &body,
    )
    .map(|_| ())
}

fn is_address_error(result: Result<(), BuildError>) -> bool {
    matches!(
        result,
        Err(BuildError::Body(InvalidBody::CallbackAddress(_)))
    )
}

#[test]
fn callback_addresses_must_be_absolute_http_urls() {
    let actions = || vec![V1Action::NormalEnd];
    assert!(set_v1("https://www.example.com/callback", actions()).is_ok());
    assert!(set_v1("http://10.0.0.1:8080/cb?token=abc", actions()).is_ok());
    for bad in [
        "",
        "www.example.com/callback",
        "ftp://example.com/cb",
        "https://",
        "https://exa mple.com/cb",
        "https://example.com/cb\n",
        " https://example.com/cb",
        "https://example.com/回调",
    ] {
        assert!(is_address_error(set_v1(bad, actions())), "{bad:?}");
        assert!(
            is_address_error(set_v4(bad, vec![V4Command::AfterEndCall])),
            "{bad:?}"
        );
    }
}

#[test]
fn subscription_lists_must_not_be_empty() {
    assert_eq!(
        set_v1("https://e.com/", vec![]),
        Err(BuildError::Body(InvalidBody::EmptyList { list: "actions" }))
    );
    assert_eq!(
        set_v4("https://e.com/", vec![]),
        Err(BuildError::Body(InvalidBody::EmptyList {
            list: "CallbackCommandList"
        }))
    );
    assert_eq!(
        set_v1(
            "https://e.com/",
            vec![V1Action::Cancel, V1Action::Other(" ".into())]
        ),
        Err(BuildError::Body(InvalidBody::BadListEntry {
            list: "actions",
            index: 1
        }))
    );
    // An action this SDK does not know is still sent, as given.
    assert!(set_v1("https://e.com/", vec![V1Action::Other("new_action".into())]).is_ok());
}

#[test]
fn the_update_body_is_checked_like_set() {
    let body = V1CallbackConfig {
        address: "nope".into(),
        actions: vec![V1Action::Cancel],
    };
    let error =
        build_request::<V1UpdateCallback>(&Region::CallkitIntl.into(), 1, "a", &sig("s"), 1, &body)
            .unwrap_err();
    assert!(error.to_string().contains("callback address"), "{error}");
}

#[test]
fn identifiers_sdkappids_and_usersigs_are_checked() {
    let get = |sdkappid, identifier: &str, usersig: &str| {
        build_request::<V1GetCallback>(
            &Region::CallkitIntl.into(),
            sdkappid,
            identifier,
            &sig(usersig),
            1,
            &Empty {},
        )
        .map(|_| ())
    };
    assert_eq!(get(0, "admin", "s"), Err(BuildError::ZeroSdkAppId));
    assert_eq!(
        get(1, "", "s"),
        Err(BuildError::Identifier(InvalidIdentifier::Empty))
    );
    assert_eq!(
        get(1, &"x".repeat(33), "s"),
        Err(BuildError::Identifier(InvalidIdentifier::TooLong {
            len: 33
        }))
    );
    assert_eq!(
        get(1, "ad min", "s"),
        Err(BuildError::Identifier(InvalidIdentifier::Whitespace))
    );
    assert_eq!(get(1, "admin", ""), Err(BuildError::MalformedUserSig));
    assert_eq!(get(1, "admin", "abc\n"), Err(BuildError::MalformedUserSig));
    assert!(get(1, &"x".repeat(32), "s").is_ok());
    // The error for a bad UserSig never repeats it.
    let error = get(1, "admin", "secret sig").unwrap_err();
    assert!(!error.to_string().contains("secret"));
}
