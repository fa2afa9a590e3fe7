//! The emulator's handler, over a short sequence of requests (raw, or validly signed
//! with fuzzed bodies, so the fuzzer reaches the body checks and the state). Properties:
//! * a JSON answer is valid JSON;
//! * on the seven emulated paths, every HTTP 200 answer parses, with the client's own
//!   reply parser, as that endpoint's success or an API error, never as malformed: the
//!   emulator speaks the documented envelopes;
//! * a request that is not POST never succeeds.
#![no_main]

use callkit_core::callback::{
    V1DeleteCallback, V1GetCallback, V1SetCallback, V1UpdateCallback, V4DeleteCallback,
    V4GetCallback, V4SetCallback,
};
use callkit_core::emulator::{App, Emulator, JSON, ServiceReply, ServiceRequest};
use callkit_core::usersig::DEFAULT_ADMIN;
use callkit_core::endpoint::Endpoint;
use callkit_core::response::{ResponseError, parse_response};
use callkit_core::usersig::Signer;
use callkit_fuzz::{Reader, SDKAPPID, key};
use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 8] = [
    V1SetCallback::PATH,
    V1GetCallback::PATH,
    V1UpdateCallback::PATH,
    V1DeleteCallback::PATH,
    V4SetCallback::PATH,
    V4GetCallback::PATH,
    V4DeleteCallback::PATH,
    "/v4/unknown/path",
];

/// Whether `response` is `E`'s success; panics if it is not the documented envelope.
fn succeeded<E: Endpoint>(target: &str, response: &ServiceReply) -> bool {
    match parse_response::<E>(response.status, &response.body, 0) {
        Ok(_) => true,
        Err(ResponseError::Malformed { reason, .. }) => panic!(
            "{target:?}: malformed ({reason}): {}",
            String::from_utf8_lossy(&response.body)
        ),
        Err(_) => false,
    }
}

// Input: up to four steps, each `route | flags | now (4) | random (4) | text NUL body NUL`.
// Flags: bit 0 POST, bit 1 a validly signed target for the route with `text` appended
// to its query (else `text` is the whole target).
fuzz_target!(|data: &[u8]| {
    let mut input = Reader(data);
    let mut emulator = Emulator::new();
    emulator.add_app(App::new(SDKAPPID, key())).unwrap();
    let signer = Signer::new(SDKAPPID, &key()).unwrap();
    for _ in 0..4 {
        if input.0.is_empty() {
            break;
        }
        let route = usize::from(input.u8()) % PATHS.len();
        let flags = input.u8();
        let now = u64::from(input.u32());
        let random = input.u32();
        let text = input.text();
        let body = input.text().into_bytes();
        let path = PATHS[route];
        let target = if flags & 2 != 0 {
            let sig = signer.user_sig(DEFAULT_ADMIN, 86_400, now).unwrap();
            format!(
                "{path}?sdkappid={SDKAPPID}&identifier={DEFAULT_ADMIN}&usersig={}&random={random}&contenttype=json{text}",
                sig.as_str()
            )
        } else {
            text
        };
        let post = flags & 1 != 0;
        let method = if post { "POST" } else { "GET" };
        let request = ServiceRequest::new(method, &target, &body);
        let response = emulator.handle(&request, std::time::Duration::from_secs(now));
        if response.content_type == JSON {
            assert!(
                serde_json::from_slice::<serde_json::Value>(&response.body).is_ok(),
                "not JSON: {}",
                String::from_utf8_lossy(&response.body)
            );
        }
        if response.status != 200 || !target.starts_with(path) {
            continue;
        }
        let success = match route {
            0 => succeeded::<V1SetCallback>(&target, &response),
            1 => succeeded::<V1GetCallback>(&target, &response),
            2 => succeeded::<V1UpdateCallback>(&target, &response),
            3 => succeeded::<V1DeleteCallback>(&target, &response),
            4 => succeeded::<V4SetCallback>(&target, &response),
            5 => succeeded::<V4GetCallback>(&target, &response),
            6 => succeeded::<V4DeleteCallback>(&target, &response),
            _ => false,
        };
        assert!(post || !success, "a {method} succeeded on {path}");
    }
});
