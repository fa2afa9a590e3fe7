//! End to end: `Client` (and `BlockingClient`) over each transport against the emulator
//! on loopback. Each behaviour is written once, generic over the transport's [`Rig`], and
//! run on smol, async-std, surf (over plain HTTP: see `support::e2e`) and a ureq closure
//! behind `BlockingClient` (the module names at the bottom say which).
//!
//! Every test starts its own emulator. Tests that do not measure real time share a
//! `ManualRuntime` between the emulator and the client, so rate-limit waits and retry
//! backoffs advance that clock instead of sleeping.
#![cfg(all(feature = "emulator", feature = "async-std", feature = "surf"))]

mod support;

use std::time::{Duration, Instant};

use callkit::core::callback::{
    V1Action, V1CallbackConfig, V1GetCallback, V1SetCallback, V4CallbackConfig, V4Command,
};
use callkit::core::emulator::Fault;
use callkit::core::endpoint::Endpoint;
use callkit::core::response::{ApiErrorKind, ResponseError, parse_response};
use callkit::core::secret::SecretKey;
use callkit::{Error, TimeoutKind, TransportError};
use support::e2e::*;

fn v1_config(address: &str, actions: &[V1Action]) -> V1CallbackConfig {
    V1CallbackConfig {
        address: address.to_owned(),
        actions: actions.to_vec(),
    }
}

fn v4_config(url: &str, commands: &[V4Command]) -> V4CallbackConfig {
    V4CallbackConfig {
        url: url.to_owned(),
        commands: commands.to_vec(),
    }
}

/// v1 set/get/update/get/delete and v4 set/get/delete, each reply typed, and the
/// emulator's state after each write matching what the client sent.
fn endpoints_round_trip<R: Rig>() {
    let clock = manual_clock();
    let emulator = emulator(R::KIND, Some(&clock));
    let options = Options::new(Some(&clock));
    let client = R::client(&emulator, &options);
    let first = v1_config(
        "https://app.example.com/v1-hook",
        &[V1Action::Reject, V1Action::NormalEnd],
    );
    let second = v1_config(
        "https://app.example.com/v1-hook-2",
        &[V1Action::CallerStartCall, V1Action::CallBusy],
    );
    let v4 = v4_config(
        "https://app.example.com/v4-hook",
        &[V4Command::AfterStartCall, V4Command::AfterEndCall],
    );
    R::block_on(async {
        assert_eq!(client.v1_set(&first).await.unwrap(), first.address);
        assert_eq!(
            emulator.with_emulator(|e| e.v1_config(SDKAPPID).cloned()),
            Some(first.clone())
        );
        assert_eq!(client.v1_get().await.unwrap(), first);
        assert_eq!(client.v1_update(&second).await.unwrap(), second.address);
        assert_eq!(client.v1_get().await.unwrap(), second);
        client.v1_delete().await.unwrap();
        assert_eq!(
            emulator.with_emulator(|e| e.v1_config(SDKAPPID).cloned()),
            None
        );

        client.v4_set(&v4).await.unwrap();
        assert_eq!(client.v4_get().await.unwrap(), v4);
        client.v4_delete().await.unwrap();
        assert_eq!(
            emulator.with_emulator(|e| e.v4_config(SDKAPPID).cloned()),
            None
        );
    });
    let attempts = options.attempts.all();
    assert_eq!(attempts.len(), 8, "one attempt per call: {attempts:?}");
    assert!(attempts.iter().all(|a| a.success && a.number == 1));
    assert_eq!(emulator.with_emulator(|e| e.requests_total()), 8);
}

/// Nothing configured: v1 get and update answer 999, v4 get 100301, classified
/// `NoConfiguration` with message, request id and the random that was sent.
fn no_configuration<R: Rig>() {
    let clock = manual_clock();
    let emulator = emulator(R::KIND, Some(&clock));
    let options = Options::new(Some(&clock));
    let client = R::client(&emulator, &options);
    let a = &options.attempts;
    let config = v1_config("https://app.example.com/hook", &[V1Action::Cancel]);
    R::block_on(async {
        let error = client.v1_get().await.unwrap_err();
        assert_api_error(&error, ApiErrorKind::NoConfiguration, 999, a);
        let error = client.v1_update(&config).await.unwrap_err();
        assert_api_error(&error, ApiErrorKind::NoConfiguration, 999, a);
        let error = client.v4_get().await.unwrap_err();
        assert_api_error(&error, ApiErrorKind::NoConfiguration, 100301, a);
    });
    // Not retryable: one attempt each.
    assert_eq!(options.attempts.all().len(), 3);
}

/// A callback address that is not an http(s) URL: the client refuses it before sending
/// (the emulator sees nothing); sent anyway as a raw signed request, the emulator answers
/// v1 70001, which the core classifies as `InvalidParameter`.
fn bad_address<R: Rig>() {
    let clock = manual_clock();
    let emulator = emulator(R::KIND, Some(&clock));
    let options = Options::new(Some(&clock));
    let client = R::client(&emulator, &options);
    let bad = v1_config("www.example.com/no-scheme", &[V1Action::Reject]);

    let error = R::block_on(client.v1_set(&bad)).unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    assert!(options.attempts.all().is_empty(), "no attempt was made");
    assert_eq!(emulator.control().requests_received(), 0);
    assert_eq!(emulator.with_emulator(|e| e.requests_total()), 0);

    // The same body, signed correctly, sent through the client's transport.
    let key = SecretKey::new(KEY).unwrap();
    let usersig = callkit::core::usersig::generate_user_sig(
        SDKAPPID,
        &key,
        "administrator",
        86_400,
        START.as_secs(),
    )
    .unwrap();
    let random = 4242;
    let url = format!(
        "{}{}?sdkappid={SDKAPPID}&identifier=administrator&usersig={}&random={random}&contenttype=json",
        emulator.base_url(),
        V1SetCallback::PATH,
        usersig.as_str()
    );
    let request = http::Request::post(url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&bad).unwrap())
        .unwrap();
    let response = R::block_on(client.send_raw(request)).unwrap();
    let refused =
        parse_response::<V1SetCallback>(response.status().as_u16(), response.body(), random)
            .unwrap_err();
    let ResponseError::Api(api) = &refused else {
        panic!("expected an API error, got {refused:?}");
    };
    assert_eq!(
        (api.code, api.kind),
        (70001, ApiErrorKind::InvalidParameter)
    );
    assert!(api.message.contains("http"), "{}", api.message);
    assert!(api.request_id.is_some());
    assert_eq!(api.random, random);
    assert_eq!(
        emulator.with_emulator(|e| e.v1_config(SDKAPPID).cloned()),
        None
    );
}

/// UserSigs signed with the wrong key: v1 70002, v4 70009, both `UserSigInvalid`, not retried.
fn wrong_key<R: Rig>() {
    let clock = manual_clock();
    let emulator = emulator(R::KIND, Some(&clock));
    let options = Options {
        key: WRONG_KEY,
        ..Options::new(Some(&clock))
    };
    let client = R::client(&emulator, &options);
    let a = &options.attempts;
    R::block_on(async {
        let error = client.v1_get().await.unwrap_err();
        assert_api_error(&error, ApiErrorKind::UserSigInvalid, 70002, a);
        let error = client.v4_get().await.unwrap_err();
        assert_api_error(&error, ApiErrorKind::UserSigInvalid, 70009, a);
    });
    assert_eq!(options.attempts.all().len(), 2);
}

/// A valid UserSig for an identifier that is not an admin: v1 70004, v4 60010, `NotAdmin`.
fn not_admin<R: Rig>() {
    let clock = manual_clock();
    let emulator = emulator(R::KIND, Some(&clock));
    let options = Options {
        admin: NOT_ADMIN,
        ..Options::new(Some(&clock))
    };
    let client = R::client(&emulator, &options);
    let a = &options.attempts;
    R::block_on(async {
        let error = client.v1_delete().await.unwrap_err();
        assert_api_error(&error, ApiErrorKind::NotAdmin, 70004, a);
        let error = client.v4_delete().await.unwrap_err();
        assert_api_error(&error, ApiErrorKind::NotAdmin, 60010, a);
    });
    assert_eq!(options.attempts.all().len(), 2);
}

/// Two clients (two limiters) of one app each start 10 v1 calls at once: the first batch
/// fills the emulator's 10/s window, so the second batch is answered 70005; its client
/// waits (on the shared manual clock) and retries, and every call succeeds.
fn rate_limit_is_retried<R: Rig>() {
    let clock = manual_clock();
    let emulator = emulator(R::KIND, Some(&clock));
    let config = v1_config("https://app.example.com/hook", &[V1Action::Reject]);
    emulator.with_emulator(|e| e.set_v1_config(SDKAPPID, Some(config.clone())));
    let first = Options::new(Some(&clock));
    let second = Options::new(Some(&clock));
    let a = R::client(&emulator, &first);
    let b = R::client(&emulator, &second);

    for result in concurrently::<R, _, _, _>(10, |_| a.v1_get()) {
        assert_eq!(result.unwrap(), config);
    }
    assert!(first.attempts.rate_limited().is_empty());
    for result in concurrently::<R, _, _, _>(10, |_| b.v1_get()) {
        assert_eq!(result.unwrap(), config);
    }

    let limited = second.attempts.rate_limited();
    // The clock only moves once a 70005 has come back, so at least the first of the
    // second batch to arrive found the window full; later ones may arrive after a retry
    // moved the clock on.
    assert!(!limited.is_empty(), "the second batch was never limited");
    for seen in &limited {
        let api = seen.api.as_ref().unwrap();
        assert_eq!((api.code, api.kind), (70005, ApiErrorKind::RateLimited));
        assert!(!api.message.is_empty() && api.request_id.is_some());
        assert_eq!(api.random, seen.random);
        // The first retry after a 70005: the 1 s window plus a jitter of up to as much.
        let wait = seen.retry_in.expect("a 70005 is retried");
        assert!(
            wait >= Duration::from_secs(1) && wait < Duration::from_secs(2),
            "{seen:?}"
        );
    }
    let all = second.attempts.all();
    assert_eq!(
        all.len(),
        10 + limited.len(),
        "one retry per 70005: {all:?}"
    );
    assert_eq!(all.iter().filter(|s| s.success).count(), 10);
    let served = emulator.with_emulator(|e| e.app_requests_for(SDKAPPID, V1GetCallback::PATH));
    assert_eq!(served, 20 + limited.len() as u64);
    eprintln!(
        "{:?}: {} of the second batch's 10 calls were answered 70005 and retried",
        R::KIND,
        limited.len()
    );
}

/// Injected faults: a 502 gateway answer (retried, as a 5xx on a retry-safe endpoint,
/// then given up) and a truncated body (returned at once) as `ResponseError` variants.
fn injected_faults<R: Rig>() {
    let clock = manual_clock();
    let emulator = emulator(R::KIND, Some(&clock));
    let options = Options::new(Some(&clock));
    let client = R::client(&emulator, &options);

    emulator.with_emulator(|e| e.inject(Fault::HttpStatus(502), 3));
    let error = R::block_on(client.v4_get()).unwrap_err();
    assert_eq!(error.attempts(), Some(3), "{error:?}");
    match error.last() {
        Error::Response(ResponseError::HttpStatus { status, random, .. }) => {
            assert_eq!(*status, 502);
            assert_eq!(*random, options.attempts.last().random);
        }
        other => panic!("expected HTTP 502, got {other:?}"),
    }
    assert_eq!(
        clock.sleeps(),
        [Duration::from_millis(200), Duration::from_millis(400)]
    );

    emulator.with_emulator(|e| e.inject(Fault::MalformedBody, 1));
    let error = R::block_on(client.v1_delete()).unwrap_err();
    assert_eq!(error.attempts(), None, "a malformed body is not retried");
    match &error {
        Error::Response(ResponseError::Malformed { random, .. }) => {
            assert_eq!(*random, options.attempts.last().random);
        }
        other => panic!("expected a malformed response, got {other:?}"),
    }
    assert_eq!(options.attempts.all().len(), 4);
}

/// 100 calls one after another on one client use one kept-alive connection.
fn sequential_calls_share_one_connection<R: Rig>() {
    let clock = manual_clock();
    let emulator = emulator(R::KIND, Some(&clock));
    let config = v4_config("https://app.example.com/v4", &[V4Command::AfterEndCall]);
    emulator.with_emulator(|e| e.set_v4_config(SDKAPPID, Some(config.clone())));
    let options = Options::new(Some(&clock));
    let client = R::client(&emulator, &options);
    R::block_on(async {
        for _ in 0..100 {
            assert_eq!(client.v4_get().await.unwrap(), config);
        }
    });
    assert_eq!(emulator.control().requests_received(), 100);
    assert_eq!(emulator.control().connections_accepted(), 1);
}

/// 50 concurrent v1 calls on one client against the emulator's real 10/s limit, on real
/// clocks: all succeed. The client's limiter spreads them over about 4.2 s (10 per 1.05 s
/// window); that time is the limit being honoured. Any 70005 (network jitter eating the
/// 50 ms margin) must have been retried; how many is printed.
fn fifty_concurrent_calls_keep_the_real_limit<R: Rig>() {
    let emulator = emulator(R::KIND, None);
    let config = v1_config("https://app.example.com/hook", &[V1Action::NotAnswer]);
    emulator.with_emulator(|e| e.set_v1_config(SDKAPPID, Some(config.clone())));
    let options = Options::new(None);
    let client = R::client(&emulator, &options);
    let started = Instant::now();
    let results = concurrently::<R, _, _, _>(50, |_| client.v1_get());
    let elapsed = started.elapsed();
    for result in results {
        assert_eq!(result.unwrap(), config);
    }
    let retries = options.attempts.rate_limited().len();
    let served = emulator.with_emulator(|e| e.app_requests_for(SDKAPPID, V1GetCallback::PATH));
    assert_eq!(served, 50 + retries as u64, "every 70005 was retried once");
    assert_eq!(options.attempts.all().len(), 50 + retries);
    assert!(
        elapsed >= Duration::from_secs(4),
        "50 calls at 10/s cannot finish in {elapsed:?}"
    );
    eprintln!(
        "{:?}: 50 concurrent v1 calls in {elapsed:?}, {retries} answered 70005 and retried",
        R::KIND
    );
}

/// The emulator delays its answer 3 s; the transport's 300 ms request timeout fires and
/// the call fails soon after it, with the timeout error (not retried: it may have been
/// processed).
fn delayed_answer_times_out<R: Rig>() {
    let timeout = Duration::from_millis(300);
    let clock = manual_clock();
    let emulator = emulator(R::KIND, Some(&clock));
    let options = Options {
        request_timeout: timeout,
        ..Options::new(Some(&clock))
    };
    let client = R::client(&emulator, &options);
    emulator.with_emulator(|e| e.inject(Fault::Delay(Duration::from_secs(3)), 1));
    let started = Instant::now();
    let error = R::block_on(client.v4_get()).unwrap_err();
    let elapsed = started.elapsed();
    match transport_error(&error) {
        TransportError::Timeout { what, after, .. } => {
            assert_eq!((*what, *after), (TimeoutKind::Request, timeout));
        }
        other => panic!("expected a request timeout, got {other:?}"),
    }
    assert!(elapsed >= timeout, "failed before the timeout: {elapsed:?}");
    assert!(
        elapsed < timeout + Duration::from_secs(1),
        "noticed late: {elapsed:?}"
    );
    assert_eq!(error.attempts(), None);
    assert_eq!(options.attempts.all().len(), 1);
    assert!(!error.to_string().contains("usersig="), "{error}");
}

/// A 2 MiB body against the default 1 MiB cap fails with the cap named.
fn oversized_body_is_refused<R: Rig>() {
    const CAP: usize = 1024 * 1024;
    let clock = manual_clock();
    let emulator = emulator(R::KIND, Some(&clock));
    let options = Options::new(Some(&clock));
    let client = R::client(&emulator, &options);
    emulator.with_emulator(|e| e.inject(Fault::OversizedBody(2 * CAP), 1));
    let error = R::block_on(client.v4_get()).unwrap_err();
    match transport_error(&error) {
        TransportError::BodyTooLarge { limit, .. } => assert_eq!(*limit, CAP),
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    assert!(
        error.to_string().contains(&format!("cap of {CAP} bytes")),
        "{error}"
    );
    assert_eq!(error.attempts(), None);
}

/// The emulator's server closes the kept-alive connection while idle; the next call
/// opens a new one, and the caller sees no error (and no retry hid one).
fn idle_closed_connection_is_replaced<R: Rig>() {
    let clock = manual_clock();
    let emulator = emulator(R::KIND, Some(&clock));
    let config = v4_config("https://app.example.com/v4", &[V4Command::AfterStartCall]);
    emulator.with_emulator(|e| e.set_v4_config(SDKAPPID, Some(config.clone())));
    let options = Options::new(Some(&clock));
    let client = R::client(&emulator, &options);
    let control = emulator.control();
    control.close_idle_after(Some(Duration::from_millis(50)));
    assert_eq!(R::block_on(client.v4_get()).unwrap(), config);
    // Wait for the server's close event, not for a clock.
    assert!(
        control.wait_for_connections_closed(1, Duration::from_secs(10)),
        "the server never closed the idle connection"
    );
    control.close_idle_after(None);
    assert_eq!(R::block_on(client.v4_get()).unwrap(), config);
    assert_eq!(control.connections_accepted(), 2);
    let attempts = options.attempts.all();
    assert_eq!(attempts.len(), 2);
    assert!(
        attempts.iter().all(|a| a.success && a.number == 1),
        "{attempts:?}"
    );
}

/// Runs every behaviour above on every transport, one `#[test]` each.
macro_rules! on_every_transport {
    ($($test:ident),* $(,)?) => {
        mod on_smol {
            $( #[test] fn $test() { super::$test::<super::SmolRig>() } )*
        }
        mod on_async_std {
            $( #[test] fn $test() { super::$test::<super::AsyncStdRig>() } )*
        }
        /// Over plain HTTP (surf's test backend has no TLS).
        mod on_surf_http {
            $( #[test] fn $test() { super::$test::<super::SurfRig>() } )*
        }
        /// `BlockingClient` over a ureq closure.
        mod on_ureq_blocking {
            $( #[test] fn $test() { super::$test::<super::UreqRig>() } )*
        }
    };
}

on_every_transport!(
    endpoints_round_trip,
    no_configuration,
    bad_address,
    wrong_key,
    not_admin,
    rate_limit_is_retried,
    injected_faults,
    sequential_calls_share_one_connection,
    fifty_concurrent_calls_keep_the_real_limit,
    delayed_answer_times_out,
    oversized_body_is_refused,
    idle_closed_connection_is_replaced,
);

#[test]
fn error_messages_never_hold_the_usersig() {
    let clock = manual_clock();
    let emulator = emulator(Kind::Smol, Some(&clock));
    let options = Options {
        key: WRONG_KEY,
        ..Options::new(Some(&clock))
    };
    let client = SmolRig::client(&emulator, &options);
    let error = smol::block_on(client.v1_get_callback()).unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(!text.contains("usersig="), "{text}");
    assert!(!text.contains(KEY) && !text.contains(WRONG_KEY), "{text}");
}
