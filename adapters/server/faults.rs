//! Fault injection for tests (feature `test-util`): replies delayed, oversized, or
//! connections closed early, steered through [`ServerControl`]. A server built without the
//! feature has none of it.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{Either, Full, StreamBody};
use hyper::body::Frame;

use super::connection::{Context, ResponseBody, wait_unless_shutdown};
use super::control::{ServerControl, lock};

/// Oversized bodies are streamed in chunks of this size.
const CHUNK: usize = 16 * 1024;

/// How an oversized test body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyFraming {
    /// With a `Content-Length` header: a client can refuse it before reading.
    ContentLength,
    /// Chunked, length unknown up front: a client must count while reading.
    Chunked,
}

/// The faults armed for the next replies.
#[derive(Debug, Default)]
pub(super) struct Faults {
    delay_remaining: usize,
    delay: Duration,
    oversize_remaining: usize,
    oversize_bytes: usize,
    oversize_framing: Option<BodyFraming>,
    close_idle_after: Option<Duration>,
}

/// What a test steers.
impl ServerControl {
    /// Delays the next `count` responses by `delay` (to trigger client timeouts).
    pub fn delay_next(&self, count: usize, delay: Duration) {
        let mut faults = lock(&self.shared.faults);
        faults.delay_remaining = count;
        faults.delay = delay;
    }

    /// Replaces the next `count` responses with a 200 whose body is `bytes` long.
    pub fn oversize_next(&self, count: usize, bytes: usize, framing: BodyFraming) {
        let mut faults = lock(&self.shared.faults);
        faults.oversize_remaining = count;
        faults.oversize_bytes = bytes;
        faults.oversize_framing = Some(framing);
    }

    /// Overrides the server's [idle timeout](super::ServerBuilder::idle_timeout) from now
    /// on: a connection is closed once it has been idle for `after` following a response
    /// (without a `Connection: close` header, as a server's idle timeout does); `None`
    /// (the default) goes back to the configured timeout.
    pub fn close_idle_after(&self, after: Option<Duration>) {
        lock(&self.shared.faults).close_idle_after = after;
    }
}

impl ServerControl {
    pub(super) fn take_delay(&self) -> Option<Duration> {
        let mut faults = lock(&self.shared.faults);
        if faults.delay_remaining == 0 {
            return None;
        }
        faults.delay_remaining -= 1;
        Some(faults.delay)
    }

    pub(super) fn take_oversize(&self) -> Option<(usize, BodyFraming)> {
        let mut faults = lock(&self.shared.faults);
        if faults.oversize_remaining == 0 {
            return None;
        }
        faults.oversize_remaining -= 1;
        Some((
            faults.oversize_bytes,
            faults
                .oversize_framing
                .unwrap_or(BodyFraming::ContentLength),
        ))
    }

    pub(crate) fn idle_close(&self) -> Option<Duration> {
        lock(&self.shared.faults).close_idle_after
    }
}

/// Applies the armed faults to a request about to be handled: waits out a delay, and
/// returns the oversized reply that replaces the handler's, if one is armed.
pub(super) async fn before_handler(context: &Context) -> Option<http::Response<ResponseBody>> {
    if let Some(delay) = context.control.take_delay() {
        wait_unless_shutdown(context, delay).await;
    }
    let (bytes, framing) = context.control.take_oversize()?;
    Some(oversized(bytes, framing))
}

fn oversized(bytes: usize, framing: BodyFraming) -> http::Response<ResponseBody> {
    match framing {
        BodyFraming::ContentLength => {
            http::Response::new(Either::Left(Full::new(Bytes::from(vec![b'x'; bytes]))))
        }
        _ => {
            let mut frames = Vec::with_capacity(bytes / CHUNK + 1);
            let mut left = bytes;
            while left > 0 {
                let size = left.min(CHUNK);
                frames.push(Ok(Frame::data(Bytes::from(vec![b'x'; size]))));
                left -= size;
            }
            http::Response::new(Either::Right(StreamBody::new(futures_lite::stream::iter(
                frames,
            ))))
        }
    }
}
