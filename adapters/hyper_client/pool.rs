//! Keep-alive: idle HTTP/1.1 connections per endpoint, checked before reuse.
//!
//! Small on purpose: a connection is taken out for one exchange and put back once its
//! response body has been read in full. Before an idle connection is reused, its socket
//! is peeked: a server that closed it while idle has left an EOF (or a TLS close_notify)
//! there, and the connection is dropped instead of failing the caller's request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;

use super::connect::{Endpoint, SharedTcp};

/// One open HTTP/1.1 connection: hyper's request handle plus the socket to peek at.
pub(crate) struct Conn {
    pub(crate) sender: SendRequest<Full<Bytes>>,
    pub(crate) tcp: SharedTcp,
    /// Whether this connection already served a request (came from the pool).
    pub(crate) reused: bool,
}

struct Idle {
    conn: Conn,
    /// When it went idle, on the transport's runtime's monotonic clock.
    since: Duration,
}

/// Idle connections by endpoint.
pub(crate) struct Pool {
    idle: Mutex<HashMap<Endpoint, Vec<Idle>>>,
    max_idle_per_endpoint: usize,
    idle_timeout: Duration,
}

impl Pool {
    pub(crate) fn new(max_idle_per_endpoint: usize, idle_timeout: Duration) -> Self {
        Pool {
            idle: Mutex::new(HashMap::new()),
            max_idle_per_endpoint,
            idle_timeout,
        }
    }

    /// The most recently used idle connection to `endpoint` that still looks usable at
    /// `now`.
    pub(crate) fn take(&self, endpoint: &Endpoint, now: Duration) -> Option<Conn> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let list = idle.get_mut(endpoint)?;
        while let Some(entry) = list.pop() {
            let usable = now.saturating_sub(entry.since) < self.idle_timeout
                && !entry.conn.sender.is_closed()
                && entry.conn.tcp.looks_alive();
            if usable {
                let mut conn = entry.conn;
                conn.reused = true;
                return Some(conn);
            }
            // Dropping the sender lets hyper's connection task finish and close the socket.
        }
        None
    }

    /// Returns a connection whose last exchange completed, at `now`.
    pub(crate) fn put(&self, endpoint: &Endpoint, conn: Conn, now: Duration) {
        if conn.sender.is_closed() {
            return;
        }
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = Idle { conn, since: now };
        // Look up before inserting: `entry()` would clone the key on every call.
        match idle.get_mut(endpoint) {
            Some(list) if list.len() < self.max_idle_per_endpoint => list.push(entry),
            Some(_) => {}
            None if self.max_idle_per_endpoint > 0 => {
                idle.insert(endpoint.clone(), vec![entry]);
            }
            None => {}
        }
    }
}
