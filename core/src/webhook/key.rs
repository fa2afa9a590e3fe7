//! What identifies a callback's event, for recognising a redelivery.

use alloc::string::String;
use core::fmt;
use sha2::{Digest, Sha256};

use super::Generation;

/// A digest that names one event: SHA-256 over the SDKAppID, the generation, the command
/// and the raw body bytes.
///
/// Why these: a redelivery (v1 retries a failed callback up to five more times) resends
/// the same request, so the same body under the same command; the body carries the call
/// id, the users and the event's time, so two different events differ in it. The rest of
/// the query is left out on purpose: `ClientIP`/`OptPlatform` describe the sender, and
/// `RequestTime`/`Sign` change with every send. Hashing the raw bytes rather than the
/// parsed event keeps the key independent of how leniently a field was read, and a
/// fixed-size digest is what a shared store (Redis, a database) wants as its key.
///
/// ```
/// use callkit_core::webhook::{EventKey, Generation};
/// let body = br#"{"CallId":"c1"}"#;
/// let key = EventKey::new(1400000000, Generation::V4, "Call.CallbackAfterEndCall", body);
/// assert_eq!(key, EventKey::new(1400000000, Generation::V4, "Call.CallbackAfterEndCall", body));
/// assert_ne!(key, EventKey::new(1400000000, Generation::V4, "Call.CallbackAfterStartCall", body));
/// assert_eq!(key.to_hex().len(), 64);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventKey([u8; 32]);

impl EventKey {
    /// The key of the event `command` with `body`, sent to `sdkappid` by `generation`.
    pub fn new(sdkappid: u32, generation: Generation, command: &str, body: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(sdkappid.to_be_bytes());
        h.update([match generation {
            Generation::V1 => 1,
            Generation::V4 => 4,
        }]);
        // Length-prefixed, so that no command/body split can collide with another.
        h.update((command.len() as u64).to_be_bytes());
        h.update(command.as_bytes());
        h.update(body);
        Self(h.finalize().into())
    }

    /// The digest's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest in lower-case hex (64 characters), e.g. as a store's key.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for EventKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventKey({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_changes_the_key() {
        let base = EventKey::new(1, Generation::V1, "cancel", b"{}");
        assert_ne!(base, EventKey::new(2, Generation::V1, "cancel", b"{}"));
        assert_ne!(base, EventKey::new(1, Generation::V4, "cancel", b"{}"));
        assert_ne!(base, EventKey::new(1, Generation::V1, "cancel_", b"{}"));
        assert_ne!(base, EventKey::new(1, Generation::V1, "cancel", b"{ }"));
        // The command/body boundary is part of the key.
        assert_ne!(
            EventKey::new(1, Generation::V1, "ab", b"c"),
            EventKey::new(1, Generation::V1, "a", b"bc")
        );
    }
}
