//! Fault injection: answers the real service gives only on a bad day, on demand.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::time::Duration;

use super::wire::{self, ServiceReply};
use crate::endpoint::Generation;

/// One injected misbehaviour, applied to one request.
///
/// Every fault except [`Fault::Delay`] and [`Fault::LostReply`] replaces the answer: the
/// request is counted but not processed (no authentication, no rate-limit slot, no
/// change of state).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Process the request normally, but ask the adapter to wait this long before
    /// answering ([`ServiceReply::delay`]); e.g. longer than the client's timeout.
    Delay(Duration),
    /// Answer with this HTTP status and a short non-JSON body, as a gateway would
    /// (e.g. 502).
    HttpStatus(u16),
    /// Answer HTTP 200 with this error code in the request's generation's envelope.
    ApiError(i64),
    /// Answer HTTP 200 with a truncated JSON body.
    MalformedBody,
    /// Answer HTTP 200 with a body of exactly this many bytes (a JSON object padded
    /// with `x` when there is room for one, otherwise `x`s only).
    OversizedBody(usize),
    /// Process the request normally (its effects happen: a robot call starts), then
    /// lose the reply: answer with this HTTP status instead, as a gateway would.
    LostReply(u16),
}

impl Fault {
    /// The answer that replaces the normal one before processing; `None` for
    /// [`Fault::Delay`] and [`Fault::LostReply`], which act after it.
    pub(crate) fn answer(&self, generation: Generation, request_id: &str) -> Option<ServiceReply> {
        match self {
            Fault::Delay(_) | Fault::LostReply(_) => None,
            Fault::HttpStatus(status) => Some(ServiceReply::text(
                *status,
                alloc::format!("emulated HTTP {status} (injected fault)\n").into_bytes(),
            )),
            Fault::ApiError(code) => Some(ServiceReply::json(
                200,
                wire::failure(generation, request_id, *code, "injected fault"),
            )),
            Fault::MalformedBody => {
                let mut body = wire::failure(generation, request_id, 0, "");
                body.truncate(body.len() / 2);
                Some(ServiceReply::json(200, body))
            }
            Fault::OversizedBody(len) => Some(ServiceReply::json(200, padded(*len))),
        }
    }
}

/// Exactly `len` bytes: `{"pad":"xxx…"}` when it fits, otherwise `x`s.
fn padded(len: usize) -> Vec<u8> {
    const OPEN: &[u8] = br#"{"pad":""#;
    const CLOSE: &[u8] = br#""}"#;
    let frame = OPEN.len() + CLOSE.len();
    if len < frame {
        return alloc::vec![b'x'; len];
    }
    let mut body = Vec::with_capacity(len);
    body.extend_from_slice(OPEN);
    body.resize(len - CLOSE.len(), b'x');
    body.extend_from_slice(CLOSE);
    body
}

/// The queue of pending faults: each entry applies to its next `times` requests.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultQueue {
    pending: VecDeque<(Fault, u32)>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, fault: Fault, times: u32) {
        if times > 0 {
            self.pending.push_back((fault, times));
        }
    }

    /// The fault for the request being handled, if any, consuming one use of it.
    pub(crate) fn take(&mut self) -> Option<Fault> {
        let (fault, times) = self.pending.front_mut()?;
        let fault_now = fault.clone();
        *times -= 1;
        if *times == 0 {
            self.pending.pop_front();
        }
        Some(fault_now)
    }

    pub(crate) fn len(&self) -> usize {
        self.pending.iter().map(|(_, n)| *n as usize).sum()
    }

    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_exact() {
        for len in [0, 3, 9, 10, 11, 100, 70_000] {
            assert_eq!(padded(len).len(), len);
        }
        assert!(serde_json::from_slice::<serde_json::Value>(&padded(100)).is_ok());
    }

    #[test]
    fn queue_counts_down() {
        let mut q = FaultQueue::default();
        q.push(Fault::HttpStatus(502), 2);
        q.push(Fault::MalformedBody, 0);
        q.push(Fault::MalformedBody, 1);
        assert_eq!(q.len(), 3);
        assert_eq!(q.take(), Some(Fault::HttpStatus(502)));
        assert_eq!(q.take(), Some(Fault::HttpStatus(502)));
        assert_eq!(q.take(), Some(Fault::MalformedBody));
        assert_eq!(q.take(), None);
    }
}
