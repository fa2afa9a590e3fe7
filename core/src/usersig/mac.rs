//! HMAC-SHA256 (RFC 2104) on top of sha2's raw compression function, with the key's two
//! padded blocks compressed once.
//!
//! A signature's HMAC then costs only the compressions its message needs (two for a
//! UserSig: about 85 bytes of text and SHA-256's padding) plus one for the outer hash,
//! with nothing cloned but two 32-byte states. The `hmac` crate computes the same thing
//! (the tests compare the two), but cloning its keyed state and finishing through its
//! buffers costs about a third again on top of the compressions.

use sha2::digest::generic_array::GenericArray;
use sha2::digest::typenum::U64;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroize;

/// One 64-byte SHA-256 block, the type sha2's compression function takes.
type Block = GenericArray<u8, U64>;

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// Compresses one block into `state` (SHA-NI or the portable code, as sha2 detects).
fn compress(state: &mut [u32; 8], block: &Block) {
    sha2::compress256(state, core::slice::from_ref(block));
}

/// A state's digest, big-endian.
fn digest_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// An HMAC-SHA256 key, as the states after its inner and outer padded blocks. Zeroed on
/// drop (the states are as good as the key for signing).
#[derive(Clone)]
pub(crate) struct HmacKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl Drop for HmacKey {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

impl HmacKey {
    /// Keys of any length: longer than a block, the key is hashed first (RFC 2104).
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut padded = Block::default();
        if key.len() > padded.len() {
            let hashed = Sha256::digest(key);
            for (slot, byte) in padded.iter_mut().zip(hashed.iter()) {
                *slot = *byte;
            }
        } else {
            for (slot, byte) in padded.iter_mut().zip(key) {
                *slot = *byte;
            }
        }
        let mut pad = Block::default();
        let mut states = [IV, IV];
        for (state, xor) in states.iter_mut().zip([0x36u8, 0x5c]) {
            for (slot, byte) in pad.iter_mut().zip(padded.iter()) {
                *slot = byte ^ xor;
            }
            compress(state, &pad);
        }
        padded.as_mut_slice().zeroize();
        pad.as_mut_slice().zeroize();
        let [inner, outer] = states;
        Self { inner, outer }
    }

    /// The inner hash, ready for the message.
    pub(crate) fn start(&self) -> Stream {
        Stream {
            state: self.inner,
            block: Block::default(),
            filled: 0,
            hashed: 1,
        }
    }

    /// The tag of the message fed into `stream` (which must come from this key's
    /// [`start`](Self::start)).
    pub(crate) fn finish(&self, stream: Stream) -> [u8; 32] {
        let inner = stream.finish();
        // The outer message is the 32-byte inner digest: one block with its padding.
        let mut block = Block::default();
        for (slot, byte) in block.iter_mut().zip(inner) {
            *slot = byte;
        }
        if let Some(end) = block.get_mut(32) {
            *end = 0x80;
        }
        if let Some(length) = block.get_mut(56..) {
            length.copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
        }
        let mut state = self.outer;
        compress(&mut state, &block);
        digest_bytes(&state)
    }
}

/// SHA-256 in progress: the state, the partial block, and the number of whole blocks
/// compressed so far (the key's padded block counts as one).
pub(crate) struct Stream {
    state: [u32; 8],
    block: Block,
    filled: usize,
    hashed: u64,
}

impl Stream {
    /// Appends `data` to the message.
    pub(crate) fn update(&mut self, mut data: &[u8]) {
        loop {
            let Some(room) = self.block.get_mut(self.filled..) else {
                return; // unreachable: `filled` stays below 64
            };
            let take = room.len().min(data.len());
            let (now, later) = data.split_at(take);
            if let Some(slot) = room.get_mut(..take) {
                slot.copy_from_slice(now);
            }
            self.filled += take;
            data = later;
            if self.filled < 64 {
                return;
            }
            compress(&mut self.state, &self.block);
            self.filled = 0;
            self.hashed += 1;
            if data.is_empty() {
                return;
            }
        }
    }

    /// The digest: `0x80`, zeros, and the message length in bits, big-endian.
    fn finish(mut self) -> [u8; 32] {
        let bits = (self.hashed * 64 + self.filled as u64) * 8;
        let filled = self.filled;
        if let Some(tail) = self.block.get_mut(filled..) {
            tail.fill(0);
        }
        if let Some(end) = self.block.get_mut(filled) {
            *end = 0x80;
        }
        if filled >= 56 {
            compress(&mut self.state, &self.block);
            self.block = Block::default();
        }
        if let Some(length) = self.block.get_mut(56..) {
            length.copy_from_slice(&bits.to_be_bytes());
        }
        compress(&mut self.state, &self.block);
        digest_bytes(&self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};

    fn reference(key: &[u8], message: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    fn ours(key: &[u8], pieces: &[&[u8]]) -> [u8; 32] {
        let key = HmacKey::new(key);
        let mut stream = key.start();
        for piece in pieces {
            stream.update(piece);
        }
        key.finish(stream)
    }

    #[test]
    fn rfc_4231_case_2() {
        let tag = ours(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn agrees_with_the_hmac_crate_for_every_length_and_split() {
        let data: alloc::vec::Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for key_len in [0usize, 1, 32, 63, 64, 65, 100, 200] {
            let key = &data[..key_len];
            for len in 0..200 {
                let message = &data[50..50 + len];
                let want = reference(key, message);
                assert_eq!(ours(key, &[message]), want, "key {key_len}, len {len}");
                let (a, b) = message.split_at(len / 3);
                let (b, c) = b.split_at(b.len() / 2);
                assert_eq!(ours(key, &[a, b, &[], c]), want, "key {key_len}, len {len}");
            }
        }
    }
}
