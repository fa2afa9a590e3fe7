//! Reply parsing for every endpoint. Properties, for any status and body:
//! * success only with HTTP 200; a non-200 status is always `HttpStatus`;
//! * an API error names the endpoint's path and generation;
//! * the error's `Display` and `Debug` hold no UserSig value left to redact (a body
//!   echoing the request URL never leaks it);
//! * a page of v4 records read by the plain-JSON fast path is exactly what serde reads.
#![no_main]

use callkit_core::callback::{
    V1DeleteCallback, V1GetCallback, V1SetCallback, V1UpdateCallback, V4DeleteCallback,
    V4GetCallback, V4SetCallback,
};
use callkit_core::endpoint::Endpoint;
use callkit_core::records::both_readings;
use callkit_core::redact::redact_usersig;
use callkit_core::registry::V4GetRecordByFilter;
use callkit_core::response::{ResponseError, parse_response};
use libfuzzer_sys::fuzz_target;

fn check<E: Endpoint>(status: u16, body: &[u8]) {
    match parse_response::<E>(status, body, 7) {
        Ok(_) => assert_eq!(status, 200, "{} succeeded with {status}", E::PATH),
        Err(error) => {
            match &error {
                ResponseError::Api(api) => {
                    assert_eq!(status, 200);
                    assert_eq!((api.path, api.generation), (E::PATH, E::GENERATION));
                }
                ResponseError::HttpStatus { status: got, .. } => {
                    assert_ne!(*got, 200);
                    assert_eq!(*got, status);
                }
                ResponseError::Malformed { .. } => assert_eq!(status, 200),
                _ => {}
            }
            for output in [format!("{error}"), format!("{error:?}")] {
                assert_eq!(
                    redact_usersig(&output),
                    output,
                    "a UserSig left in {output}"
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&[which, status], body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = match status % 4 {
        0 | 1 => 200,
        2 => 502,
        _ => 100 + u16::from(status),
    };
    if let (Some(plain), by_serde) = both_readings(body) {
        assert_eq!(Some(Some(plain)), by_serde, "the plain reading disagrees with serde");
    }
    match which % 8 {
        0 => check::<V1SetCallback>(status, body),
        1 => check::<V1GetCallback>(status, body),
        2 => check::<V1UpdateCallback>(status, body),
        3 => check::<V1DeleteCallback>(status, body),
        4 => check::<V4SetCallback>(status, body),
        5 => check::<V4GetCallback>(status, body),
        6 => check::<V4DeleteCallback>(status, body),
        _ => check::<V4GetRecordByFilter>(status, body),
    }
});
