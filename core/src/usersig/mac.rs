//! HMAC-SHA256 (RFC 2104) on top of sha2's raw compression function, with the key's two
//! padded blocks compressed once.
//!
//! A signature's HMAC then costs only the compressions its message needs (two for a
//! UserSig: about 85 bytes of text and SHA-256's padding) plus one for the outer hash.
//! The caller writes the message into one buffer and pads it in place ([`pad`]), so the
//! blocks go to the compression function as they are, in one call, with no block buffer in
//! between and nothing cloned but two 32-byte states. The `hmac` crate computes the same
//! thing (the tests compare the two), but cloning its keyed state and feeding it piece by
//! piece costs about as much again as the compressions.

use sha2::block_api::compress256;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroize;

/// One 64-byte SHA-256 block.
type Block = [u8; 64];

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
        let mut padded: Block = [0; 64];
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
        let mut pad: Block = [0; 64];
        let mut states = [IV, IV];
        for (state, xor) in states.iter_mut().zip([0x36u8, 0x5c]) {
            for (slot, byte) in pad.iter_mut().zip(padded.iter()) {
                *slot = byte ^ xor;
            }
            // SHA-NI or the portable code, as sha2 detects.
            compress256(state, core::slice::from_ref(&pad));
        }
        // As slices: zeroize's impl for arrays wipes them element by element, which made
        // a Signer's set-up 20 ns slower (of 75).
        padded.as_mut_slice().zeroize();
        pad.as_mut_slice().zeroize();
        let [inner, outer] = states;
        Self { inner, outer }
    }

    /// The tag of a message already padded in place (see [`pad`]): whole blocks, a
    /// trailing part of a block ignored.
    pub(crate) fn tag(&self, padded: &[u8]) -> [u8; 32] {
        let mut inner = self.inner;
        compress256(&mut inner, padded.as_chunks::<64>().0);
        self.outer(&digest_bytes(&inner))
    }

    /// The outer hash of the inner digest.
    fn outer(&self, inner: &[u8; 32]) -> [u8; 32] {
        // The outer message is the 32-byte inner digest: one block with its padding.
        let mut block: Block = [0; 64];
        for (slot, byte) in block.iter_mut().zip(inner) {
            *slot = *byte;
        }
        if let Some(end) = block.get_mut(32) {
            *end = 0x80;
        }
        if let Some(length) = block.get_mut(56..) {
            length.copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
        }
        let mut state = self.outer;
        compress256(&mut state, core::slice::from_ref(&block));
        digest_bytes(&state)
    }
}

/// The length of a message of `len` bytes after the key's block, padded for SHA-256 (`0x80`,
/// zeros, the 64-bit length): whole blocks.
pub(crate) const fn padded_len(len: usize) -> usize {
    (len + 9).div_ceil(64) * 64
}

/// Pads the message in `buf[..len]` in place and returns the padded blocks, or `None` if
/// `buf` is shorter than [`padded_len`].
pub(crate) fn pad(buf: &mut [u8], len: usize) -> Option<&[u8]> {
    let padded = buf.get_mut(..padded_len(len))?;
    let (tail, length) = padded.split_last_chunk_mut::<8>()?;
    let (end, zeros) = tail.get_mut(len..)?.split_first_mut()?;
    *end = 0x80;
    zeros.fill(0);
    *length = ((64 + len as u64) * 8).to_be_bytes();
    Some(padded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};

    fn reference(key: &[u8], message: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    fn ours(key: &[u8], pieces: &[&[u8]]) -> [u8; 32] {
        padded(key, &pieces.concat())
    }

    fn padded(key: &[u8], message: &[u8]) -> [u8; 32] {
        let key = HmacKey::new(key);
        let mut buf = alloc::vec![0xAAu8; padded_len(message.len()) + 3];
        buf[..message.len()].copy_from_slice(message);
        assert!(pad(&mut buf[..padded_len(message.len()) - 1], message.len()).is_none());
        let padded = pad(&mut buf, message.len()).unwrap();
        assert!(padded.len().is_multiple_of(64));
        key.tag(padded)
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
                assert_eq!(padded(key, message), want, "key {key_len}, len {len}");
            }
        }
    }
}
