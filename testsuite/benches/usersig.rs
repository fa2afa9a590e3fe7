//! UserSig generation and verification speed (single thread).
//!
//! Run with `cargo bench -p callkit-testsuite --bench usersig`. Inputs match the
//! official-library benchmarks in the project's shared bench scripts: SDKAppID 1400000000,
//! the README sample key, identifier "xiaojun", 180 days.
//!
//! Every sample times 100 calls in a row (as the `request` and `webhook` benches do), the
//! steady rate that the official packages' loops report. Left to tune itself, divan kept
//! one call per sample here: it stops doubling once its slowest sample is over 100 times
//! the timer's precision, and the first, cold call is.

use callkit_core::secret::SecretKey;
use callkit_core::usersig::{self, Privileges, Room, Signer, Verifier};
use divan::black_box;

const SDKAPPID: u32 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const USER: &str = "xiaojun";
const EXPIRE: u64 = 86_400 * 180;
const NOW: u64 = 1_700_000_000;

/// Counts allocations: divan reports them beside every timing.
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

fn key() -> SecretKey {
    SecretKey::new(KEY).unwrap()
}

/// UserSig with a reusable signer (key schedule computed once).
#[divan::bench(sample_count = 1000, sample_size = 100)]
fn gen_user_sig_signer(bencher: divan::Bencher) {
    let signer = Signer::new(SDKAPPID, &key()).unwrap();
    bencher.bench_local(|| {
        signer
            .user_sig(black_box(USER), black_box(EXPIRE), black_box(NOW))
            .unwrap()
    });
}

/// UserSig with the one-shot function (sets the HMAC key up on every call).
#[divan::bench(sample_count = 1000, sample_size = 100)]
fn gen_user_sig_oneshot(bencher: divan::Bencher) {
    let key = key();
    bencher.bench_local(|| {
        usersig::generate_user_sig(
            black_box(SDKAPPID),
            &key,
            black_box(USER),
            black_box(EXPIRE),
            black_box(NOW),
        )
        .unwrap()
    });
}

/// PrivateMapKey for a numeric room, reusable signer.
#[divan::bench(sample_count = 1000, sample_size = 100)]
fn gen_private_map_key_signer(bencher: divan::Bencher) {
    let signer = Signer::new(SDKAPPID, &key()).unwrap();
    bencher.bench_local(|| {
        signer
            .private_map_key(
                black_box(USER),
                Room::Numeric(black_box(10_000)),
                Privileges::ALL,
                black_box(EXPIRE),
                black_box(NOW),
            )
            .unwrap()
    });
}

/// PrivateMapKey for a string room, one-shot.
#[divan::bench(sample_count = 1000, sample_size = 100)]
fn gen_private_map_key_oneshot(bencher: divan::Bencher) {
    let key = key();
    bencher.bench_local(|| {
        usersig::generate_private_map_key(
            black_box(SDKAPPID),
            &key,
            black_box(USER),
            Room::Named(black_box("adbjkl")),
            Privileges::ALL,
            black_box(EXPIRE),
            black_box(NOW),
        )
        .unwrap()
    });
}

/// Verifying our own (stored-zlib) UserSig with a reusable signer.
#[divan::bench(sample_count = 1000, sample_size = 100)]
fn verify_user_sig_signer(bencher: divan::Bencher) {
    let signer = Signer::new(SDKAPPID, &key()).unwrap();
    let sig = signer.user_sig(USER, EXPIRE, NOW).unwrap();
    bencher.bench_local(|| {
        signer
            .verify_user_sig(black_box(USER), black_box(sig.as_str()), black_box(NOW))
            .unwrap()
    });
}

/// Verifying our own UserSig with the one-shot function.
#[divan::bench(sample_count = 1000, sample_size = 100)]
fn verify_user_sig_oneshot(bencher: divan::Bencher) {
    let key = key();
    let sig = usersig::generate_user_sig(SDKAPPID, &key, USER, EXPIRE, NOW).unwrap();
    bencher.bench_local(|| {
        usersig::verify_user_sig(
            black_box(SDKAPPID),
            &key,
            black_box(USER),
            black_box(sig.as_str()),
            black_box(NOW),
        )
        .unwrap()
    });
}

/// Official Python tls-sig-api-v2 1.1 output for U01 of the shared vectors (zlib level 6,
/// dynamic Huffman; the same inputs as above).
const PYTHON_U01: &str = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpYJkTE1NjRDiJZm5YFFzNPXFmekgG3zKHM1T9D3LzdODi-OKs8vCqpxcAvydnV2SSv2cy03cPcpDnA2SMgu0nUxslWoBHdYzUg__";
/// Official Node tls-sig-api-v2 1.0.2 output for U01 (zlib level 6, dynamic Huffman).
const NODE_U01: &str = "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMiUZOamKlkZmqOKplYUZBaBxE1NTY3gosWZ6UpWSj5ljuYp*p7l5unBxXnF2WVhVU4uAf7Ozi5JpX7O5SbuHuUhzgZJmQXaTia2SrUAohcx8g__";

fn official(implementation: &str) -> &'static str {
    match implementation {
        "python" => PYTHON_U01,
        _ => NODE_U01,
    }
}

/// Verifying another implementation's output with a `Signer` (with `std`, the decompressor it
/// keeps, reset for every stream: each call inflates in full, nothing is remembered).
#[divan::bench(args = ["python", "node"], sample_count = 1000, sample_size = 100)]
fn verify_official_output_signer(bencher: divan::Bencher, implementation: &str) {
    let sig = official(implementation);
    let signer = Signer::new(SDKAPPID, &key()).unwrap();
    bencher.bench_local(|| {
        signer
            .verify_user_sig(black_box(USER), black_box(sig), black_box(NOW))
            .unwrap()
    });
}

/// A `Verifier` fed Python's and Node's output in turn: every call misses its one-entry
/// memory of the last stream, so this is the cost of a signature it has not just seen, with
/// the decompressor's allocation reused.
#[divan::bench(sample_count = 1000, sample_size = 100)]
fn verify_official_output_verifier_alternating(bencher: divan::Bencher) {
    let mut verifier = Verifier::new(SDKAPPID, &key()).unwrap();
    let mut turn = false;
    bencher.bench_local(|| {
        turn = !turn;
        let sig = if turn { PYTHON_U01 } else { NODE_U01 };
        verifier
            .verify_user_sig(black_box(USER), black_box(sig), black_box(NOW))
            .unwrap()
    });
}

/// The same signature again and again through a `Verifier` (a client re-presenting its
/// UserSig): the inflated document is remembered, the rest of the checks run in full.
#[divan::bench(args = ["python", "node"], sample_count = 1000, sample_size = 100)]
fn verify_official_output_verifier(bencher: divan::Bencher, implementation: &str) {
    let sig = official(implementation);
    let mut verifier = Verifier::new(SDKAPPID, &key()).unwrap();
    bencher.bench_local(|| {
        verifier
            .verify_user_sig(black_box(USER), black_box(sig), black_box(NOW))
            .unwrap()
    });
}

/// Our own output through a `Verifier` (stored zlib: no decompressor involved).
#[divan::bench(sample_count = 1000, sample_size = 100)]
fn verify_user_sig_verifier(bencher: divan::Bencher) {
    let mut verifier = Verifier::new(SDKAPPID, &key()).unwrap();
    let sig = verifier.signer().user_sig(USER, EXPIRE, NOW).unwrap();
    bencher.bench_local(|| {
        verifier
            .verify_user_sig(black_box(USER), black_box(sig.as_str()), black_box(NOW))
            .unwrap()
    });
}

/// Verifying a PrivateMapKey (numeric room) with a reusable signer.
#[divan::bench(sample_count = 1000, sample_size = 100)]
fn verify_private_map_key_signer(bencher: divan::Bencher) {
    let signer = Signer::new(SDKAPPID, &key()).unwrap();
    let pmk = signer
        .private_map_key(USER, Room::Numeric(10_000), Privileges::ALL, EXPIRE, NOW)
        .unwrap();
    bencher.bench_local(|| {
        signer
            .verify_private_map_key(
                black_box(USER),
                Room::Numeric(black_box(10_000)),
                black_box(pmk.as_str()),
                black_box(NOW),
            )
            .unwrap()
    });
}
