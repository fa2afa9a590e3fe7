//! The hyper transports through an HTTP `CONNECT` proxy: a small proxy on loopback that
//! records what it was asked, tunnels to the loopback server, and can demand credentials.
#![cfg(feature = "server")]

mod support;

use std::net::TcpListener;

use callkit::transport::Transport;
use callkit::{Proxies, SmolTransport, TransportError};
use support::connect_proxy::TestProxy;
use support::*;

fn transport_via(proxies: Proxies, server: &callkit::server::LoopbackServer) -> SmolTransport {
    SmolTransport::builder()
        .webpki_roots(false)
        .add_root_certificate_pem(cert_pem(server))
        .proxy(proxies)
        .build()
        .unwrap()
}

#[test]
fn https_goes_through_the_proxy_tunnel_and_tls_runs_inside_it() {
    let server = https_server();
    let proxy = TestProxy::start(None);
    let transport = transport_via(Proxies::all(&proxy.url()).unwrap(), &server);
    let url = format!("{}?usersig=SECRET-SIG", server.url("/v1/callback/get"));
    let reply = smol::block_on(transport.send(post(&url, "hello"))).unwrap();
    assert_eq!(reply.body(), b"hello");

    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let expected = format!(
        "CONNECT 127.0.0.1:{0} HTTP/1.1\r\n",
        server.local_addr().port()
    );
    assert!(heads[0].starts_with(&expected), "{heads:?}");
    // The proxy sees where, never what: the signed URL travels inside TLS.
    assert!(!heads[0].contains("SECRET-SIG") && !heads[0].contains("/v1/"));
}

#[test]
fn proxy_credentials_are_sent_and_never_shown() {
    let server = https_server();
    // "user:pa ss" in Basic encoding; the URL carries it percent-encoded.
    let proxy = TestProxy::start(Some("Basic dXNlcjpwYSBzcw=="));
    let with = format!("http://user:pa%20ss@{}", proxy.addr);
    let transport = transport_via(Proxies::all(&with).unwrap(), &server);
    let reply = smol::block_on(transport.send(post(&server.url("/ok"), "x"))).unwrap();
    assert_eq!(reply.body(), b"x");
    assert!(!format!("{transport:?}").contains("pa%20ss"));

    let wrong = format!("http://user:wrong-secret@{}", proxy.addr);
    let transport = transport_via(Proxies::all(&wrong).unwrap(), &server);
    let error = smol::block_on(transport.send(post(&server.url("/ok"), "x"))).unwrap_err();
    assert!(matches!(error, TransportError::Connect { .. }), "{error:?}");
    let shown = format!("{error} {error:?}");
    assert!(
        shown.contains("407") && shown.contains("credentials"),
        "{shown}"
    );
    assert!(!shown.contains("wrong-secret"), "{shown}");
}

#[test]
fn no_proxy_hosts_connect_directly() {
    let server = https_server();
    let proxy = TestProxy::start(None);
    let proxies = Proxies::all(&proxy.url()).unwrap().no_proxy("127.0.0.0/8");
    let transport = transport_via(proxies, &server);
    let reply = smol::block_on(transport.send(post(&server.url("/ok"), "direct"))).unwrap();
    assert_eq!(reply.body(), b"direct");
    assert!(proxy.heads().is_empty());
}

#[test]
fn the_environment_names_the_proxy() {
    let server = https_server();
    let proxy = TestProxy::start(None);
    let url = proxy.url();
    let env = move |name: &str| (name == "https_proxy").then(|| url.clone());
    let transport = transport_via(Proxies::from_lookup(env).unwrap(), &server);
    smol::block_on(transport.send(post(&server.url("/ok"), "x"))).unwrap();
    assert_eq!(proxy.heads().len(), 1);
}

#[test]
fn an_unreachable_proxy_is_a_connect_error_naming_it() {
    let server = https_server();
    // A port nothing listens on: bind, note it, close.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let transport = transport_via(Proxies::all(&format!("http://{closed}")).unwrap(), &server);
    let error = smol::block_on(transport.send(post(&server.url("/ok"), "x"))).unwrap_err();
    assert!(matches!(error, TransportError::Connect { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains(&format!("through proxy {closed}")),
        "{error}"
    );
}
