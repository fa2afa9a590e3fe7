//! Eight bytes at a time in portable code (no SIMD, no unsafe): the scans for a few
//! marker bytes in the plain-JSON reader, the JSON writer and the query reader.
//!
//! Each test gives a mask with the high bit of every flagged byte set. The borrows of the
//! subtraction may flag a byte above a truly flagged one, never below: a mask is zero
//! exactly when no byte matches, and its lowest flag is exact, which is all that is used.

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);

/// The bytes of `word` equal to `byte`.
#[inline]
pub(crate) fn equal(word: u64, byte: u8) -> u64 {
    below(word ^ (ONES * u64::from(byte)), 1)
}

/// The bytes of `word` below `bound` (at most 0x80).
#[inline]
pub(crate) fn below(word: u64, bound: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(bound)) & !word & HIGH
}

/// The index of the first byte of `bytes`, from `from` on, that `flags` marks in its word
/// (eight bytes, little-endian) or, in the last few bytes, that `is` says is one (the
/// same set, a byte at a time).
#[inline]
pub(crate) fn find(
    bytes: &[u8],
    from: usize,
    flags: impl Fn(u64) -> u64,
    is: impl Fn(u8) -> bool,
) -> Option<usize> {
    let (words, tail) = bytes.get(from..)?.as_chunks::<8>();
    let mut at = from;
    for word in words {
        let found = flags(u64::from_le_bytes(*word));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    tail.iter()
        .position(|&byte| is(byte))
        .map(|found| at + found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_tests_agree_with_byte_tests_on_every_byte_in_every_place() {
        for byte in 0..=255u8 {
            for place in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[place] = byte;
                let word = u64::from_le_bytes(bytes);
                let lowest = |mask: u64| (mask != 0).then(|| mask.trailing_zeros() / 8);
                let equal_at = (byte == b'"').then_some(place as u32);
                assert_eq!(lowest(equal(word, b'"')), equal_at, "{byte:#x} at {place}");
                let below_at = (byte < 0x20).then_some(place as u32);
                assert_eq!(lowest(below(word, 0x20)), below_at, "{byte:#x} at {place}");
            }
        }
    }

    #[test]
    fn find_sees_the_first_mark_in_words_and_in_the_tail() {
        let flags = |word| equal(word, b'&') | equal(word, b'=');
        let is = |byte| byte == b'&' || byte == b'=';
        for len in 0..40 {
            for mark in 0..len {
                let mut bytes = alloc::vec![b'x'; len];
                bytes[mark] = b'=';
                if mark + 1 < len {
                    bytes[mark + 1] = b'&';
                }
                assert_eq!(find(&bytes, 0, flags, is), Some(mark));
                assert_eq!(find(&bytes, mark + 2, flags, is), None);
            }
            assert_eq!(find(&alloc::vec![b'x'; len], 0, flags, is), None);
        }
    }
}
