//! Building and parsing CallKit REST calls in the sans-IO core.
//!
//! * `build_v1_set`: a complete signed `/v1/callback/set` request (validation, JSON body,
//!   URL with escaped query) from a cached UserSig string.
//! * `parse_v1_get`, `parse_v4_get_callback`: the documented example replies, parsed into
//!   typed configurations.
//!
//! Run: `cargo bench --bench request --no-default-features`.

use callkit_core::callback::{
    V1Action, V1CallbackConfig, V1GetCallback, V1SetCallback, V4GetCallback,
};
use callkit_core::region::{Region, Server};
use callkit_core::request::build_request;
use callkit_core::response::parse_response;
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

/// A UserSig of realistic length (about 200 characters), as a signer would cache it.
const USERSIG: &str = "eJwtzEELgjAYBuC-8p2jYptuTqFDhBGRIhp0lvnpvkCZ1ayg-x6Zx-d5P94P1KdqPeEdEohWDBbzJoeDx5Zm-LgCJrmKTBgbqUfOFWuSslWYMjsoGCSQsODInAR2uJE3hU-Y6O-9sPDfhYR-k4PPs1yVR1nb6W5a*CxqVr-KGZUyg-x6Zx-d5P94P1KdqPeEdEohWDBbzJoeDx5Zm";

#[divan::bench(sample_count = 1000, sample_size = 100)]
fn build_v1_set(bencher: Bencher) {
    let server = Server::from(Region::CallkitIntl);
    let body = V1CallbackConfig {
        address: "https://www.example.com/callback".into(),
        actions: vec![
            V1Action::CallBusy,
            V1Action::NormalEnd,
            V1Action::CallerStartCall,
            V1Action::InviteUser,
            V1Action::CalleeRejectCall,
        ],
    };
    let mut random = 0u32;
    bencher.bench_local(|| {
        random = random.wrapping_add(0x9e37_79b9);
        build_request::<V1SetCallback>(
            black_box(&server),
            black_box(1400000000),
            black_box("administrator"),
            black_box(USERSIG),
            random,
            black_box(&body),
        )
    });
}

const V1_GET: &[u8] = br#"{"errorCode": 0, "errorMessage": "Success", "requestId": "355c3c394f0602ed81a13c34999abebb",
   "data": {"actions": ["call_busy","normal_end"], "address": "http://www.example.com/callback"}}"#;

const V4_GET: &[u8] = br#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-1cc8828fd3d84795ac866ced43b15b5c-O-Seq-61309",
   "Response": {"Url": "http://www.example.com/callback",
                "CallbackCommandList": ["Call.CallbackAfterStartCall","Call.CallbackAfterEndCall"]}}"#;

#[divan::bench(sample_count = 1000, sample_size = 100)]
fn parse_v1_get(bencher: Bencher) {
    bencher.bench_local(|| parse_response::<V1GetCallback>(200, black_box(V1_GET), 1));
}

#[divan::bench(sample_count = 1000, sample_size = 100)]
fn parse_v4_get_callback(bencher: Bencher) {
    bencher.bench_local(|| parse_response::<V4GetCallback>(200, black_box(V4_GET), 1));
}
