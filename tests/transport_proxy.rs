//! The hyper transports through an HTTP `CONNECT` proxy: a small proxy on loopback that
//! records what it was asked, tunnels to the loopback server, and can demand credentials.
#![cfg(feature = "server")]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use callkit::transport::Transport;
use callkit::{Proxies, SmolTransport, TransportError};
use support::*;

/// A CONNECT proxy on loopback. Each accepted connection is served on its own thread;
/// the request heads it received are kept for the test to inspect.
struct TestProxy {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
}

impl TestProxy {
    /// `credentials`: the `Proxy-Authorization` value it insists on, if any.
    fn start(credentials: Option<&'static str>) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&heads);
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let seen = Arc::clone(&seen);
                thread::spawn(move || serve(client, credentials, &seen));
            }
        });
        TestProxy { addr, heads }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

fn serve(client: TcpStream, credentials: Option<&str>, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    seen.lock().unwrap().push(head.clone());
    let mut client = client;
    let authorised = credentials.is_none_or(|expected| {
        head.lines()
            .any(|line| line == format!("Proxy-Authorization: {expected}"))
    });
    if !authorised {
        let _ = client.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
        return;
    }
    let target = head
        .strip_prefix("CONNECT ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_default()
        .to_owned();
    let Ok(upstream) = TcpStream::connect(&target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        return;
    };
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .unwrap();
    // Bytes the client sent right after its head are already in the reader's buffer.
    let buffered = reader.buffer().to_vec();
    let mut up_writer = upstream.try_clone().unwrap();
    up_writer.write_all(&buffered).unwrap();
    let (mut up_reader, mut down_writer) = (upstream, client.try_clone().unwrap());
    let down = thread::spawn(move || {
        let _ = std::io::copy(&mut up_reader, &mut down_writer);
        let _ = down_writer.shutdown(Shutdown::Write);
    });
    let mut client_reader = reader.into_inner();
    let mut chunk = [0u8; 4096];
    loop {
        match client_reader.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if up_writer.write_all(&chunk[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = up_writer.shutdown(Shutdown::Write);
    let _ = down.join();
}

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
