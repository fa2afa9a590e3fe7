//! No output of the SDK contains the UserSig: the client signs a real one, the transport
//! (a closure standing for a server, a proxy or a custom HTTP stack) echoes it back in
//! any of the forms a server or proxy uses, in any field of a reply or in its own error
//! text; the error's `Display`, `Debug`, the attempt observer's lines and every log
//! record are checked.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use callkit::testing::ManualRuntime;
use callkit::transport::{HttpRequest, HttpResponse};
use callkit::{BaseUrl, BlockingClient, SecretKey};
use proptest::prelude::*;

const SDKAPPID: u32 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// Every log record of this test binary, formatted.
fn logs() -> &'static Mutex<Vec<String>> {
    static LOGS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    LOGS.get_or_init(|| Mutex::new(Vec::new()))
}

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        logs().lock().unwrap().push(format!("{}", record.args()));
    }
    fn flush(&self) {}
}

fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        static CAPTURE: Capture = Capture;
        log::set_logger(&CAPTURE).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// The ways a UserSig comes back, given the signed request's URL and the UserSig.
const FORMS: usize = 7;

/// The UserSig as it is, not as its query encodes it (`*` travels as `%2A`).
fn decode(sig: &str) -> String {
    sig.replace("%2A", "*").replace("%2a", "*")
}

fn embed(form: usize, url: &str, sig: &str) -> String {
    let sig = decode(sig);
    match form {
        0 => url.to_owned(),
        1 => format!("usersig={sig}"),
        2 => format!("{{\"usersig\":\"{sig}\"}}"),
        3 => format!("\"UserSig\" : \"{sig}\""),
        4 => format!(
            "next={}",
            url.replace(':', "%3A")
                .replace('/', "%2F")
                .replace('?', "%3F")
                .replace('=', "%3D")
                .replace('&', "%26")
        ),
        5 => format!("USERSIG: {sig}\r\nVia: proxy"),
        _ => format!("upstream said usersig%3D{sig}"),
    }
}

/// Where in the exchange the echo lands.
#[derive(Debug, Clone, Copy)]
enum Field {
    ErrorMessage,
    RequestId,
    Non200Body,
    MalformedBody,
    TransportError,
}

#[derive(Debug, thiserror::Error)]
#[error("custom stack failed for {0}")]
struct CustomError(String);

impl callkit::transport::Failure for CustomError {
    fn kind(&self) -> callkit::transport::FailureKind {
        callkit::transport::FailureKind::MaybeSent
    }
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// The transport's answer to `request`: `text` placed in `field`.
fn reply(field: Field, text: &str) -> Result<HttpResponse, CustomError> {
    let body = match field {
        Field::ErrorMessage => format!(
            r#"{{"errorCode":70001,"errorMessage":{},"requestId":"r1"}}"#,
            json_string(text)
        ),
        Field::RequestId => format!(
            r#"{{"errorCode":70001,"errorMessage":"bad","requestId":{}}}"#,
            json_string(text)
        ),
        Field::Non200Body => {
            let mut response = http::Response::new(format!("<html>502 {text}</html>").into_bytes());
            *response.status_mut() = http::StatusCode::BAD_GATEWAY;
            return Ok(response);
        }
        Field::MalformedBody => format!("not json: {text}"),
        Field::TransportError => return Err(CustomError(text.to_owned())),
    };
    Ok(http::Response::new(body.into_bytes()))
}

/// The UserSig in a signed request's query.
fn usersig_of(request: &HttpRequest) -> String {
    request
        .uri()
        .query()
        .unwrap()
        .split('&')
        .find_map(|p| p.strip_prefix("usersig="))
        .unwrap()
        .to_owned()
}

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![
        Just(Field::ErrorMessage),
        Just(Field::RequestId),
        Just(Field::Non200Body),
        Just(Field::MalformedBody),
        Just(Field::TransportError),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_output_contains_the_usersig(
        form in 0..FORMS,
        field in field(),
        identifier in "[a-z]{1,12}",
        now in 1_600_000_000u64..1_900_000_000,
        prefix in "[ -~]{0,40}",
    ) {
        capture_logs();
        let seen: Arc<Mutex<Option<String>>> = Arc::default();
        let sigs = Arc::clone(&seen);
        let transport = move |request: HttpRequest| {
            let sig = usersig_of(&request);
            let text = format!("{prefix}{}", embed(form, &request.uri().to_string(), &sig));
            *sigs.lock().unwrap() = Some(sig);
            reply(field, &text)
        };
        let attempts: Arc<Mutex<Vec<String>>> = Arc::default();
        let observed = Arc::clone(&attempts);
        let clock = ManualRuntime::auto_advance(Duration::from_secs(now));
        let client = BlockingClient::builder(
            SDKAPPID,
            SecretKey::new(KEY).unwrap(),
            BaseUrl::parse("https://callkit.test").unwrap(),
        )
        .admin(identifier)
        .runtime(clock.shared())
        .max_attempts(2)
        .on_attempt(move |attempt| observed.lock().unwrap().push(attempt.to_string()))
        .build(transport)
        .unwrap();

        let error = client.v1_get_callback().unwrap_err();
        let sig = seen.lock().unwrap().clone().expect("the transport was called");
        prop_assert!(sig.len() > 32, "a real UserSig: {sig}");
        let decoded = decode(&sig);
        let outputs = [format!("{error}"), format!("{error:?}"), format!("{error:#?}")];
        for output in outputs.iter().chain(attempts.lock().unwrap().iter()) {
            prop_assert!(!output.contains(&sig), "{field:?} form {form}: {output}");
            prop_assert!(!output.contains(&decoded), "{field:?} form {form}: {output}");
        }
        for line in logs().lock().unwrap().iter() {
            prop_assert!(!line.contains(&sig) && !line.contains(&decoded), "log: {line}");
        }
    }
}
