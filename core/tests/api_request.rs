//! Building requests: the URL and its query exactly, headers, redaction, the `http`
//! conversion, and which servers an endpoint may be sent to.

use callkit_core::callback::*;
use callkit_core::endpoint::{Empty, Generation};
use callkit_core::region::{BaseUrl, Region, Server};
use callkit_core::request::{BuildError, Method, build_request};
use callkit_core::usersig::UserSig;
use percent_encoding::percent_decode_str;

/// A UserSig from text, as build_request takes it.
fn sig(text: &str) -> UserSig {
    UserSig::from_string(text.to_owned())
}

const USERSIG: &str = "eJwtzEELgjAYBuC-8p2jYptuTqFDhBGRIhp0lvnpvkCZ1ayg-x6Zx-d5P94P1KdqPeEdEohWDBbzJoeDx5Zm-LgCJrmKTBgbqUfOFWuSslWYMjsoGCSQsODInAR2uJE3hU-Y6O-9sPDfhYR-k4PPs1yVR1nb6W5a*CxqVr-KGZU";

fn v1_set_body() -> V1CallbackConfig {
    V1CallbackConfig {
        address: "https://www.example.com/callback".into(),
        actions: vec![V1Action::NormalEnd, V1Action::CallBusy],
    }
}

/// Splits a URL into (base + path, decoded query pairs in order).
fn split(url: &str) -> (&str, Vec<(String, String)>) {
    let (base, query) = url.split_once('?').expect("a query");
    let pairs = query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("key=value");
            let decode = |s: &str| percent_decode_str(s).decode_utf8().unwrap().into_owned();
            (decode(k), decode(v))
        })
        .collect();
    (base, pairs)
}

fn expected_query(
    sdkappid: &str,
    identifier: &str,
    usersig: &str,
    random: &str,
) -> Vec<(String, String)> {
    [
        ("sdkappid", sdkappid),
        ("identifier", identifier),
        ("usersig", usersig),
        ("random", random),
        ("contenttype", "json"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[test]
fn v1_url_has_exactly_the_five_parameters() {
    let request = build_request::<V1SetCallback>(
        &Region::CallkitIntl.into(),
        1400000000,
        "administrator",
        &sig(USERSIG),
        4294967295,
        &v1_set_body(),
    )
    .unwrap();
    assert_eq!(request.method(), Method::Post);
    let (base, query) = split(request.url());
    assert_eq!(
        base,
        "https://callkit-intl.trtc.tencent-cloud.com/v1/callback/set"
    );
    assert_eq!(
        query,
        expected_query("1400000000", "administrator", USERSIG, "4294967295")
    );
    // The UserSig's `*`, `-` and `_` go out literally, as the official tools send them.
    assert!(request.url().contains(&format!("&usersig={USERSIG}&")));
    assert_eq!(request.random(), 4294967295);
    assert_eq!(
        request.headers(),
        [("content-type".into(), "application/json".into())]
    );
}

#[test]
fn v4_url_on_every_chat_region_and_backup() {
    for region in Region::ALL
        .iter()
        .filter(|r| r.generation() == Generation::V4)
    {
        for server in [Server::region(*region), Server::backup(*region).unwrap()] {
            let request = build_request::<V4GetCallback>(
                &server,
                20000001,
                "admin",
                &sig("sig"),
                0,
                &Empty {},
            )
            .unwrap();
            let (base, query) = split(request.url());
            assert_eq!(
                base,
                format!("{}/v4/call_config/get_callback", server.base_url())
            );
            assert_eq!(query, expected_query("20000001", "admin", "sig", "0"));
        }
    }
}

#[test]
fn identifiers_that_need_it_are_percent_encoded() {
    let identifier = "ops&admin=1 #é";
    // White space is refused; the rest is encoded and decodes back exactly.
    assert!(
        build_request::<V1GetCallback>(
            &Region::CallkitIntl.into(),
            1,
            identifier,
            &sig("s"),
            1,
            &Empty {}
        )
        .is_err()
    );
    let identifier = "ops&admin=1#é+%";
    let request = build_request::<V1GetCallback>(
        &Region::CallkitIntl.into(),
        1,
        identifier,
        &sig("s"),
        1,
        &Empty {},
    )
    .unwrap();
    assert!(
        request
            .url()
            .contains("identifier=ops%26admin%3D1%23%C3%A9%2B%25&")
    );
    let (_, query) = split(request.url());
    assert_eq!(query, expected_query("1", identifier, "s", "1"));
}

#[test]
fn a_custom_base_url_keeps_its_path_prefix_and_serves_both_generations() {
    let server = Server::from(BaseUrl::parse_allow_http("http://127.0.0.1:8080/emu/").unwrap());
    let v1 =
        build_request::<V1DeleteCallback>(&server, 7, "admin", &sig("s"), 3, &Empty {}).unwrap();
    assert!(
        v1.url()
            .starts_with("http://127.0.0.1:8080/emu/v1/callback/delete?sdkappid=7&")
    );
    let v4 =
        build_request::<V4DeleteCallback>(&server, 7, "admin", &sig("s"), 3, &Empty {}).unwrap();
    assert!(
        v4.url()
            .starts_with("http://127.0.0.1:8080/emu/v4/call_config/delete_callback?sdkappid=7&")
    );
}

#[test]
fn an_endpoint_of_the_other_generation_is_refused() {
    let error =
        build_request::<V1GetCallback>(&Region::ChatChina.into(), 1, "a", &sig("s"), 1, &Empty {})
            .unwrap_err();
    assert_eq!(
        error,
        BuildError::WrongGeneration {
            path: "/v1/callback/get",
            endpoint: Generation::V1,
            server: Generation::V4
        }
    );
    let error = build_request::<V4GetCallback>(
        &Region::CallkitIntl.into(),
        1,
        "a",
        &sig("s"),
        1,
        &Empty {},
    )
    .unwrap_err();
    assert!(matches!(
        error,
        BuildError::WrongGeneration {
            server: Generation::V1,
            ..
        }
    ));
    assert!(error.to_string().contains("/v4/call_config/get_callback"));
}

#[test]
fn debug_and_redacted_url_never_show_the_usersig() {
    let request = build_request::<V1SetCallback>(
        &Region::CallkitIntl.into(),
        1400000000,
        "administrator",
        &sig(USERSIG),
        5,
        &v1_set_body(),
    )
    .unwrap();
    let shown = format!("{request:?}");
    assert!(!shown.contains(&USERSIG[..12]), "{shown}");
    assert!(shown.contains("usersig=<redacted>&random=5"), "{shown}");
    assert!(shown.contains("normal_end"), "the body is shown: {shown}");
    let redacted = request.redacted_url();
    assert_eq!(
        redacted,
        "https://callkit-intl.trtc.tencent-cloud.com/v1/callback/set?sdkappid=1400000000\
         &identifier=administrator&usersig=<redacted>&random=5&contenttype=json"
    );
}

#[cfg(feature = "std")]
#[test]
fn converts_into_an_http_request() {
    let request = build_request::<V1SetCallback>(
        &Region::CallkitChina.into(),
        1400000000,
        "administrator",
        &sig(USERSIG),
        77,
        &v1_set_body(),
    )
    .unwrap();
    let url = request.url().to_owned();
    let body = request.body().to_vec();
    let http: http::Request<Vec<u8>> = request.try_into().unwrap();
    assert_eq!(http.method(), http::Method::POST);
    assert_eq!(http.uri().to_string(), url);
    assert_eq!(http.uri().host(), Some("callkit.trtc.tencent-cloud.com"));
    assert_eq!(http.uri().path(), "/v1/callback/set");
    assert_eq!(http.headers()["content-type"], "application/json");
    assert_eq!(http.body(), &body);
}

#[test]
fn added_headers_follow_the_content_type_and_stay_with_their_request() {
    let build = || {
        build_request::<V1SetCallback>(
            &Region::CallkitIntl.into(),
            1400000000,
            "administrator",
            &sig(USERSIG),
            1,
            &v1_set_body(),
        )
        .unwrap()
    };
    let mut request = build();
    request.push_header("user-agent", "callkit-test");
    request.push_header(String::from("x-trace"), String::from("7"));
    let expected: [callkit_core::request::Header; 3] = [
        ("content-type".into(), "application/json".into()),
        ("user-agent".into(), "callkit-test".into()),
        ("x-trace".into(), "7".into()),
    ];
    assert_eq!(request.headers(), expected);
    // Another request does not see them.
    assert_eq!(
        build().headers(),
        [("content-type".into(), "application/json".into())]
    );
}

#[cfg(feature = "std")]
#[test]
fn an_invalid_added_header_is_an_error_not_a_panic() {
    let mut request: callkit_core::request::SignedRequest =
        build_request::<V4GetCallback>(&Region::ChatChina.into(), 1, "a", &sig("s"), 1, &Empty {})
            .unwrap();
    request.push_header("x-bad", "line\nbreak");
    let error = request.into_http().unwrap_err();
    assert!(!error.to_string().contains("usersig"), "{error}");
}

#[test]
fn a_server_reads_back_what_was_built() {
    use callkit_core::query::SignedQuery;
    let identifier = "ops&admin=1#é+%";
    let request = build_request::<V4SetCallback>(
        &Region::ChatFrankfurt.into(),
        1400000000,
        identifier,
        &sig(USERSIG),
        123,
        &V4CallbackConfig {
            url: "https://e.com/cb".into(),
            commands: vec![V4Command::AfterEndCall],
        },
    )
    .unwrap();
    let (_, query) = request.url().split_once('?').unwrap();
    let read = SignedQuery::parse(query).unwrap();
    assert_eq!(read.sdkappid, 1400000000);
    assert_eq!(read.identifier, identifier);
    assert_eq!(read.usersig(), USERSIG);
    assert_eq!(read.random, 123);
}
