//! Parsing one received webhook: every documented example of the spec (§6.1, 6.2, 6.4,
//! 6.5, 6.6) through `webhook::parse` as the receiver calls it (method, raw query, body).
//! The published §6.5 and §6.6 bodies lack a comma and are rejected by design, so they are
//! measured with the comma put back (as the example tests do), and the rejection of the
//! published §6.6 body is measured too.
//!
//! Run: `cargo bench --bench webhook`. Allocations are counted per benchmark.

use callkit_core::webhook::{WebhookConfig, parse};
use callkit_testsuite::webhook_examples::{
    END_BODY_AS_PUBLISHED, MEMBER_BODY_AS_PUBLISHED, START_BODY, V1_EVENT_BODY, V1_STATUS_BODY,
    with_comma_put_back,
};
use divan::{Bencher, black_box};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

const V1_APP: u32 = 8888888;
const V4_APP: u32 = 1400000000;

fn v1_query(command: &str) -> String {
    format!(
        "sdkappid=8888888&command={command}&contenttype=json&clientip=127.0.0.1&optplatform=iOS"
    )
}

fn v4_query(command: &str) -> String {
    format!(
        "SdkAppid=1400000000&CallbackCommand={command}&contenttype=json&ClientIP=10.0.0.1&OptPlatform=Android"
    )
}

fn run(bencher: Bencher, query: String, body: String, app: u32, ok: bool) {
    let config = WebhookConfig::new(app);
    assert_eq!(
        parse("POST", &query, body.as_bytes(), &config, 0).is_ok(),
        ok
    );
    bencher.bench_local(|| {
        parse(
            "POST",
            black_box(&query),
            black_box(body.as_bytes()),
            &config,
            0,
        )
    });
}

/// §6.1, a v1 call-status callback.
#[divan::bench(sample_count = 1000, sample_size = 50)]
fn v1_call_status(bencher: Bencher) {
    run(
        bencher,
        v1_query("normal_end"),
        V1_STATUS_BODY.into(),
        V1_APP,
        true,
    );
}

/// §6.2, a v1 call-event callback.
#[divan::bench(sample_count = 1000, sample_size = 50)]
fn v1_call_event(bencher: Bencher) {
    run(
        bencher,
        v1_query("caller_start_call"),
        V1_EVENT_BODY.into(),
        V1_APP,
        true,
    );
}

/// §6.4, v4 `Call.CallbackAfterStartCall`.
#[divan::bench(sample_count = 1000, sample_size = 50)]
fn v4_start_call(bencher: Bencher) {
    run(
        bencher,
        v4_query("Call.CallbackAfterStartCall"),
        START_BODY.into(),
        V4_APP,
        true,
    );
}

/// §6.5, v4 `Call.CallbackAfterEndCall` (comma put back).
#[divan::bench(sample_count = 1000, sample_size = 50)]
fn v4_end_call(bencher: Bencher) {
    run(
        bencher,
        v4_query("Call.CallbackAfterEndCall"),
        with_comma_put_back(END_BODY_AS_PUBLISHED),
        V4_APP,
        true,
    );
}

/// §6.6, v4 `Call.CallbackAfterMemberChanged` (comma put back): the receiver bench's event.
#[divan::bench(sample_count = 1000, sample_size = 50)]
fn v4_member_changed(bencher: Bencher) {
    run(
        bencher,
        v4_query("Call.CallbackAfterMemberChanged"),
        with_comma_put_back(MEMBER_BODY_AS_PUBLISHED),
        V4_APP,
        true,
    );
}

/// §6.6 as published (missing comma): the rejection, with its line and column.
#[divan::bench(sample_count = 1000, sample_size = 50)]
fn v4_member_changed_as_published_rejected(bencher: Bencher) {
    run(
        bencher,
        v4_query("Call.CallbackAfterMemberChanged"),
        MEMBER_BODY_AS_PUBLISHED.into(),
        V4_APP,
        false,
    );
}
