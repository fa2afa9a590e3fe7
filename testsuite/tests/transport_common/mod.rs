//! The behaviours every hyper-stack transport must show, written once: each runtime's test
//! file instantiates them with its transport type and its `block_on`.
//!
//! Not in `tests/support/`: these are test functions, not helpers, and need the transport's
//! concrete builder (the two builders share method names but no trait).

/// Expands to the full set of `#[test]` functions for one transport. The caller has
/// `mod support; use support::*;` in scope.
macro_rules! hyper_transport_tests {
    ($transport:ident, $builder:path, $block_on:path) => {
        fn trusting(server: &callkit::server::LoopbackServer) -> $builder {
            $transport::builder()
                .webpki_roots(false)
                .add_root_certificate_pem(cert_pem(server))
        }

        #[test]
        fn round_trip_over_https() {
            let server = https_server();
            let transport = trusting(&server).build().unwrap();
            $block_on(round_trip(&transport, &server));
        }

        #[test]
        fn sequential_calls_reuse_one_connection() {
            let server = https_server();
            let transport = trusting(&server).build().unwrap();
            $block_on(sequential_calls_share_one_connection(&transport, &server));
        }

        #[test]
        fn fifty_concurrent_calls() {
            let server = https_server();
            let transport = trusting(&server).build().unwrap();
            $block_on(concurrent_calls_all_succeed(&transport, &server));
        }

        #[test]
        fn the_request_deadline_is_the_runtimes_timer() {
            // On a manual runtime the deadline fires when the test moves the time past
            // it, not after any real time.
            let server = http_server();
            let runtime = callkit::testing::ManualRuntime::new(std::time::Duration::ZERO);
            let timeout = std::time::Duration::from_secs(10);
            let transport = $transport::builder()
                .allow_http(true)
                .request_timeout(timeout)
                // Longer, so that moving the time to the request's deadline cannot fire it.
                .connect_timeout(timeout * 2)
                .runtime(runtime.shared())
                .build()
                .unwrap();
            let error = slow_response_times_out_on(&runtime, timeout, &server, move |request| {
                $block_on(callkit::transport::Transport::send(&transport, request))
            });
            assert_timed_out(&error, callkit::TimeoutKind::Request, timeout);
        }

        #[test]
        fn idle_connections_expire_on_the_runtimes_clock() {
            let server = http_server();
            let runtime = callkit::testing::ManualRuntime::new(std::time::Duration::ZERO);
            let transport = $transport::builder()
                .allow_http(true)
                .idle_timeout(std::time::Duration::from_secs(60))
                .runtime(runtime.shared())
                .build()
                .unwrap();
            let send = || {
                $block_on(callkit::transport::Transport::send(
                    &transport,
                    post(&server.url("/x"), "{}"),
                ))
                .unwrap()
            };
            send();
            runtime.advance(std::time::Duration::from_secs(59));
            send();
            assert_eq!(
                server.control().connections_accepted(),
                1,
                "reused within 60 s"
            );
            runtime.advance(std::time::Duration::from_secs(60));
            send();
            assert_eq!(
                server.control().connections_accepted(),
                2,
                "expired after 60 s idle"
            );
        }

        #[test]
        fn body_cap() {
            let server = https_server();
            let transport = trusting(&server).max_body_bytes(SMALL_CAP).build().unwrap();
            $block_on(oversized_body_is_refused(&transport, &server));
        }

        #[test]
        fn idle_connection_closed_by_server_is_replaced() {
            let server = https_server();
            let transport = trusting(&server).build().unwrap();
            $block_on(idle_closed_connection_is_replaced(&transport, &server));
        }

        #[test]
        fn idle_connection_closed_by_server_is_replaced_over_http() {
            let server = http_server();
            let transport = $transport::builder().allow_http(true).build().unwrap();
            $block_on(idle_closed_connection_is_replaced(&transport, &server));
        }

        #[test]
        fn untrusted_certificate() {
            let server = https_server();
            let transport = $transport::new().unwrap();
            $block_on(untrusted_certificate_fails(&transport, &server));
        }

        #[test]
        fn http_only_when_allowed() {
            let server = http_server();
            $block_on(plain_http_refused(&$transport::new().unwrap(), &server));
            let allowed = $transport::builder().allow_http(true).build().unwrap();
            $block_on(round_trip(&allowed, &server));
        }

        #[test]
        fn unreadable_root_certificate_is_a_build_error() {
            let error = $transport::builder()
                .add_root_certificate_pem("not a certificate")
                .build()
                .unwrap_err();
            assert!(
                matches!(error, callkit::TransportError::Config { .. }),
                "{error:?}"
            );
        }

        #[test]
        fn connect_error_names_no_query() {
            // Bind then drop a listener: nothing listens on that port any more.
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let transport = $transport::builder().allow_http(true).build().unwrap();
            let url = format!("http://127.0.0.1:{port}/v4/x?usersig=SECRET");
            let error = $block_on(callkit::transport::Transport::send(
                &transport,
                post(&url, "{}"),
            ))
            .unwrap_err();
            assert!(
                matches!(error, callkit::TransportError::Connect { .. }),
                "{error:?}"
            );
            assert!(
                !format!("{error} {error:?}").contains("SECRET"),
                "{error:?}"
            );
        }

        #[test]
        fn the_connect_deadline_is_the_runtimes_timer() {
            // A listener that accepts and then says nothing: the TLS handshake stalls
            // until the connect deadline fires, on the manual clock alone.
            let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            let url = format!(
                "https://127.0.0.1:{}/v4/x?usersig=SECRET",
                silent.local_addr().unwrap().port()
            );
            let runtime = callkit::testing::ManualRuntime::new(std::time::Duration::ZERO);
            let timeout = std::time::Duration::from_secs(10);
            let transport = $transport::builder()
                .connect_timeout(timeout)
                // Longer, so that moving the time to the connect deadline cannot fire it.
                .request_timeout(timeout * 2)
                .runtime(runtime.shared())
                .build()
                .unwrap();
            let pending = std::thread::spawn(move || {
                $block_on(callkit::transport::Transport::send(
                    &transport,
                    post(&url, "{}"),
                ))
            });
            // Both deadlines are armed on the first poll of the request.
            runtime.wait_for_timers(2);
            runtime.advance(timeout);
            let error = pending.join().unwrap().unwrap_err();
            assert_timed_out(&error, callkit::TimeoutKind::Connect, timeout);
        }

        #[test]
        fn localhost_by_name() {
            let server = https_server();
            let transport = trusting(&server).build().unwrap();
            $block_on(host_name_is_resolved(&transport, &server));
        }

        #[test]
        fn fifty_calls_from_fifty_threads() {
            let server = https_server();
            let transport = trusting(&server).build().unwrap();
            calls_from_many_threads(&transport, &server, |call| $block_on(call));
        }
    };
}
