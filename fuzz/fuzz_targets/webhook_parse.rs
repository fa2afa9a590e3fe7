//! `webhook::parse`. Properties, for any method, query and body (with and without a
//! token, and optionally with a valid signature appended so that the fuzzer reaches
//! acceptance with a token):
//! * an accepted callback names our SDKAppID, in the event and in the query;
//! * with a token configured, an accepted callback carried a valid `Sign` for its
//!   `RequestTime`, which is plain digits within 60 s of now;
//! * an accepted event has its identity (`Payload::missing_required` is `None`);
//! * a rejection's status is one of 400, 401, 403, 405, 413;
//! * the body's plain (fast) reading, as each documented shape, is exactly what serde
//!   reads wherever it answers.
#![no_main]

use callkit_core::webhook::{CallbackToken, MAX_CLOCK_SKEW_SECS, WebhookConfig, parse, sign};
use callkit_fuzz::{Reader, SDKAPPID};
use libfuzzer_sys::fuzz_target;

const TOKEN: &str = "xxxxyyyy";

/// The decoded value of `name` (any case) in `query` (the only one: duplicates are
/// refused).
fn param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.into_owned())
}

// Input: `flags | now (4) | query NUL body`. Flags: bit 0 POST, bit 1 a token is
// configured, bit 2 append `RequestTime` (now plus the signed skew byte) and its valid
// `Sign` to the query, bit 3 that Sign in upper case.
fuzz_target!(|data: &[u8]| {
    let mut input = Reader(data);
    let flags = input.u8();
    let now = u64::from(input.u32());
    let skew = i64::from(input.u8() as i8);
    let mut query = input.text();
    let body = input.rest();
    callkit_core::webhook::assert_plain_agrees(body);
    let with_token = flags & 2 != 0;
    if flags & 4 != 0 {
        let time = now.saturating_add_signed(skew).to_string();
        let mut sig = sign(&CallbackToken::new(TOKEN), &time);
        if flags & 8 != 0 {
            sig = sig.to_ascii_uppercase();
        }
        query.push_str(&format!("&RequestTime={time}&Sign={sig}"));
    }
    let mut config = WebhookConfig::new(SDKAPPID);
    if with_token {
        config = config.with_token(CallbackToken::new(TOKEN));
    }
    let method = if flags & 1 != 0 { "POST" } else { "GET" };
    match parse(method, &query, body, &config, now) {
        Ok(event) => {
            assert_eq!(event.sdkappid, SDKAPPID);
            let app = param(&query, "sdkappid").expect("an accepted query names its app");
            assert_eq!(
                app.parse::<u64>().ok(),
                Some(u64::from(SDKAPPID)),
                "{query}"
            );
            assert_eq!(event.payload.missing_required(), None);
            if with_token {
                let time = param(&query, "RequestTime").expect("signed");
                let sig = param(&query, "Sign").expect("signed");
                assert!(
                    !time.is_empty() && time.bytes().all(|b| b.is_ascii_digit()),
                    "{time}"
                );
                assert!(time.parse::<u64>().unwrap().abs_diff(now) <= MAX_CLOCK_SKEW_SECS);
                assert!(sig.eq_ignore_ascii_case(&sign(&CallbackToken::new(TOKEN), &time)));
            }
        }
        Err(error) => {
            assert!(
                matches!(error.status(), 400 | 401 | 403 | 405 | 413),
                "{error}"
            );
            let (status, body) = error.response();
            assert_eq!(status, error.status());
            assert!(serde_json::from_slice::<serde_json::Value>(&body).is_ok());
        }
    }
});
