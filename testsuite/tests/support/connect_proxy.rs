//! A small HTTP CONNECT proxy on loopback for the proxy tests: it records the request heads
//! it receives, can insist on credentials, and tunnels to the target.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// A CONNECT proxy on loopback. Each accepted connection is served on its own thread;
/// the request heads it received are kept for the test to inspect.
pub struct TestProxy {
    pub addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
}

impl TestProxy {
    /// `credentials`: the `Proxy-Authorization` value it insists on, if any.
    pub fn start(credentials: Option<&'static str>) -> TestProxy {
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

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn heads(&self) -> Vec<String> {
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
