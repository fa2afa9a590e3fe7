//! A fast, zero-copy reader for *plain* JSON: the subset a service reply or a UserSig's
//! document is written in (no escapes in strings, integers, shallow nesting), for the
//! texts where volume makes serde_json's generality cost: a page of 100 call records
//! (spec §4.5), the callback `get` replies, and every UserSig verified.
//!
//! The reader never decides anything on its own. Each method returns `None` ("not
//! plain") for anything outside the subset, valid JSON or not, and the caller then reads
//! the whole body again with serde_json, which gives the answer. The contract that keeps
//! the two in step:
//!
//! - it accepts only what serde_json accepts (it is stricter wherever that is simpler:
//!   any backslash, a number with a fraction or exponent where an integer is read, nesting
//!   deeper than [`MAX_DEPTH`]);
//! - where it accepts, it reads the same values.
//!
//! The tests of each user (`records/plain.rs`, `callback/plain.rs`,
//! `usersig/document.rs`) and the `reply_parse` fuzz target hold it to that, against
//! serde_json, on generated, corrupted and arbitrary bytes.

use crate::swar;

/// How deep a skipped value may nest (serde_json allows 128).
pub(crate) const MAX_DEPTH: usize = 32;

/// A cursor over one JSON text.
pub(crate) struct PlainReader<'a> {
    /// The whole text, checked to be UTF-8 once.
    text: &'a str,
    /// How much of it has been read, in bytes.
    at: usize,
    /// Where the reader met a byte no JSON text can hold there (see
    /// [`invalid_at`](Self::invalid_at)), if it did.
    invalid_at: Option<usize>,
}

impl<'a> PlainReader<'a> {
    /// A reader at the start of `body`; `None` if `body` is not UTF-8 (serde_json refuses
    /// invalid UTF-8 in strings, and anywhere else it is not JSON). Checking the whole body
    /// once is much cheaper than checking each string.
    pub(crate) fn new(body: &'a [u8]) -> Option<Self> {
        let text = core::str::from_utf8(body).ok()?;
        Some(Self {
            text,
            at: 0,
            invalid_at: None,
        })
    }

    /// The whole text (checked to be UTF-8).
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// Where the reading stopped at a byte that makes the text invalid JSON whatever was
    /// read before it: after an object's member, a byte other than `,` or `}`; after an
    /// array's element, other than `,` or `]`; after a complete text, anything but white
    /// space. `None` if the reader gave up for any other reason (or did not give up).
    /// What was read before that byte was read as serde_json reads it, so serde_json, too,
    /// reads up to that byte and fails there.
    pub(crate) fn invalid_at(&self) -> Option<usize> {
        self.invalid_at
    }

    /// Consumes `close` (after white space), which must end an object or array after a
    /// member or element since no `,` came: any other byte is invalid JSON, and where it
    /// is goes in [`invalid_at`](Self::invalid_at).
    fn close(&mut self, close: u8) -> Option<()> {
        if self.peek()? == close {
            self.at += 1;
            return Some(());
        }
        self.invalid_at = Some(self.at);
        None
    }

    /// The text's bytes, for byte-wise reading.
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte that is not JSON whitespace, without consuming it (the whitespace
    /// is): what kind of value comes next.
    #[inline(always)]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        // Everything above the space is not white space: one comparison, usually.
        match self.bytes().get(self.at) {
            Some(&byte) if byte > b' ' => Some(byte),
            _ => self.peek_after_space(),
        }
    }

    /// [`peek`](Self::peek) where white space may come first.
    fn peek_after_space(&mut self) -> Option<u8> {
        // One space between tokens is the common case (`"key": value, "key"`).
        if self.bytes().get(self.at) == Some(&b' ')
            && let Some(&byte) = self.bytes().get(self.at + 1)
            && byte > b' '
        {
            self.at += 1;
            return Some(byte);
        }
        while let Some(&byte) = self.bytes().get(self.at) {
            if !matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(byte);
            }
            self.at += 1;
        }
        None
    }

    /// Consumes `byte` (after whitespace), or gives up.
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Consumes the next byte if it is `byte`; whether it was.
    fn eat_if(&mut self, byte: u8) -> Option<bool> {
        let found = self.peek()? == byte;
        if found {
            self.at += 1;
        }
        Some(found)
    }

    /// How many bytes are left to read.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes().len().saturating_sub(self.at)
    }

    /// Whether only whitespace is left: the end of a complete text (if not, where the
    /// rest starts goes in [`invalid_at`](Self::invalid_at)).
    pub(crate) fn at_end(&mut self) -> bool {
        if self.peek().is_none() {
            return true;
        }
        self.invalid_at = Some(self.at);
        false
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at.checked_add(word.len())?;
        (self.bytes().get(self.at..end)? == word).then(|| self.at = end)
    }

    /// A string with no escapes, borrowed.
    pub(crate) fn str(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let len = special_byte(self.bytes().get(start..)?)?;
        // A backslash or a control character ends the plain subset: serde_json rejects
        // the latter and decodes the former, which this reader leaves to it.
        if self.bytes().get(start + len) != Some(&b'"') {
            return None;
        }
        self.at = start + len + 1;
        // Both ends are next to a `"`, so on character boundaries of the checked text.
        self.text.get(start..start + len)
    }

    /// The digits of an integer, with the sign, as serde_json would accept them: no
    /// leading zero, no fraction or exponent after them (those give up).
    fn integer_digits(&mut self) -> Option<(bool, &'a [u8])> {
        let negative = self.eat_if(b'-')?;
        let rest = self.bytes().get(self.at..)?;
        let len = rest
            .iter()
            .position(|byte| !byte.is_ascii_digit())
            .unwrap_or(rest.len());
        let digits = rest.get(..len)?;
        let leading_zero = digits.len() > 1 && digits.first() == Some(&b'0');
        let more = matches!(rest.get(len), Some(b'.' | b'e' | b'E'));
        if digits.is_empty() || leading_zero || more {
            return None;
        }
        self.at += len;
        Some((negative, digits))
    }

    /// A non-negative integer that fits `u64`.
    pub(crate) fn u64(&mut self) -> Option<u64> {
        self.peek()?;
        let rest = self.bytes().get(self.at..)?;
        // The common case in one pass: a first block of 8 digits at once (Unix times
        // have 10), then up to 11 more one by one; 19 digits always fit.
        let (mut value, mut len) = match rest.first_chunk::<8>().and_then(|c| eight_digits(*c)) {
            Some(value) => (value, 8),
            None => (0, 0),
        };
        for &byte in rest.iter().skip(len).take(19 - len) {
            let digit = byte.wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
            len += 1;
        }
        let next = rest.get(len).copied();
        let plain = len > 0
            && (len == 1 || rest.first() != Some(&b'0'))
            && !matches!(next, Some(b'0'..=b'9' | b'.' | b'e' | b'E'));
        if plain {
            self.at += len;
            return Some(value);
        }
        match self.integer_digits()? {
            (false, digits) => digits.iter().try_fold(0u64, |value, &digit| {
                value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
            }),
            (true, _) => None,
        }
    }

    /// An integer that fits `i64`.
    pub(crate) fn i64(&mut self) -> Option<i64> {
        let (negative, digits) = self.integer_digits()?;
        digits.iter().try_fold(0i64, |value, &digit| {
            let digit = i64::from(digit - b'0');
            let value = value.checked_mul(10)?;
            if negative {
                value.checked_sub(digit)
            } else {
                value.checked_add(digit)
            }
        })
    }

    /// Reads an object whose known keys are `keys`, each with a tag, listed in the order
    /// they usually come in (a service writes its records' keys in one order). `field` is
    /// called with the tag of each known key and must consume its value; other keys are
    /// skipped. A known key in its usual place is recognised by one comparison, without
    /// scanning it. A known key given twice gives up (serde refuses a repeated field), and
    /// so do more than 64 known keys.
    pub(crate) fn fields<T: Copy>(
        &mut self,
        keys: &[(&str, T)],
        mut field: impl FnMut(&mut Self, T) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if self.eat_if(b'}')? {
            return Some(());
        }
        let mut seen = 0u64;
        // The key expected next: the one after the last known key read.
        let mut expected = 0;
        loop {
            let known = match keys.get(expected) {
                Some(&(key, _)) if self.next_key_is(key) => Some(expected),
                _ => {
                    let key = self.str()?;
                    keys.iter().position(|&(known, _)| known == key)
                }
            };
            self.eat(b':')?;
            match known {
                Some(index) => {
                    let bit = 1u64.checked_shl(u32::try_from(index).ok()?)?;
                    if seen & bit != 0 {
                        return None;
                    }
                    seen |= bit;
                    expected = index + 1;
                    field(self, keys.get(index)?.1)?;
                }
                None => self.skip()?,
            }
            if !self.eat_if(b',')? {
                return self.close(b'}');
            }
        }
    }

    /// Skips an object's members, each value `depth` deep.
    fn skip_object(&mut self, depth: usize) -> Option<()> {
        self.eat(b'{')?;
        if self.eat_if(b'}')? {
            return Some(());
        }
        loop {
            self.str()?;
            self.eat(b':')?;
            self.skip_nested(depth)?;
            if !self.eat_if(b',')? {
                return self.close(b'}');
            }
        }
    }

    /// Whether the next token is the string `key` (which holds no `"` or `\\`),
    /// consuming it if so.
    fn next_key_is(&mut self, key: &str) -> bool {
        if self.peek() != Some(b'"') {
            return false;
        }
        let start = self.at + 1;
        let end = start + key.len();
        let found = self.bytes().get(start..end) == Some(key.as_bytes())
            && self.bytes().get(end) == Some(&b'"');
        if found {
            self.at = end + 1;
        }
        found
    }

    /// Reads an array: `element` is called for each element, and must consume it.
    pub(crate) fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.eat_if(b']')? {
            return Some(());
        }
        loop {
            element(self)?;
            if !self.eat_if(b',')? {
                return self.close(b']');
            }
        }
    }

    /// Skips any value (validating it as serde_json would, or giving up).
    pub(crate) fn skip(&mut self) -> Option<()> {
        self.skip_nested(0)
    }

    fn skip_nested(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.str().map(drop),
            b'{' => self.skip_object(depth + 1),
            b'[' => self.array(|reader| reader.skip_nested(depth + 1)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    /// Any JSON number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        self.eat_if(b'-')?;
        let int = self.digits();
        if int == 0 || (int > 1 && self.bytes().get(self.at - int) == Some(&b'0')) {
            return None;
        }
        if self.bytes().get(self.at) == Some(&b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.bytes().get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.bytes().get(self.at), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    /// Consumes ASCII digits; how many.
    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.bytes().get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        self.at - start
    }
}

/// The value of eight ASCII digits, or `None` if any byte is not one: all eight at
/// once, in three multiply-and-add steps over the pairs, fours and eights.
fn eight_digits(bytes: [u8; 8]) -> Option<u64> {
    let word = u64::from_le_bytes(bytes);
    let digits = word.wrapping_sub(u64::from_ne_bytes([b'0'; 8]));
    // Every byte was at least '0' (no borrow set a high bit) and at most '9'.
    let not_digit = (digits | digits.wrapping_add(u64::from_ne_bytes([0x76; 8])))
        & u64::from_ne_bytes([0x80; 8]);
    if not_digit != 0 {
        return None;
    }
    let pairs = (digits.wrapping_mul(10).wrapping_add(digits >> 8)) & 0x00ff_00ff_00ff_00ff;
    let fours = (pairs.wrapping_mul(100).wrapping_add(pairs >> 16)) & 0x0000_ffff_0000_ffff;
    Some(fours.wrapping_mul(10_000).wrapping_add(fours >> 32) & 0xffff_ffff)
}

/// The bytes of `word` (eight bytes, little-endian) that a JSON string cannot hold as
/// they are: `"`, `\\` and the control characters below 0x20, as a [`swar`] mask. One
/// definition for reading strings ([`PlainReader::str`]) and writing them (`json_write`).
pub(crate) fn special_bytes(word: u64) -> u64 {
    swar::equal(word, b'"') | swar::equal(word, b'\\') | swar::below(word, 0x20)
}

/// Whether a JSON string cannot hold `byte` as it is ([`special_bytes`], one at a time).
pub(crate) fn is_special_byte(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20
}

/// The index of the first `"`, `\\` or control character in `bytes`, if any: eight bytes
/// at a time ([`special_bytes`]).
pub(crate) fn special_byte(bytes: &[u8]) -> Option<usize> {
    swar::find(bytes, 0, special_bytes, is_special_byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Key {
        A,
        B,
    }

    const KEYS: [(&str, Key); 2] = [("a", Key::A), ("b", Key::B)];

    /// The known keys' tags in the order read, with their values; `None` if the reader
    /// gave up.
    fn read_fields(text: &[u8]) -> Option<alloc::vec::Vec<(Key, i64)>> {
        let mut reader = PlainReader::new(text)?;
        let mut read = alloc::vec::Vec::new();
        reader.fields(&KEYS, |reader, key| {
            match key {
                Key::A => read.push((key, reader.str()?.len() as i64)),
                Key::B => reader.array(|reader| {
                    read.push((key, reader.i64()?));
                    Some(())
                })?,
            }
            Some(())
        })?;
        reader.at_end().then_some(read)
    }

    #[test]
    fn plain_values_are_read() {
        assert_eq!(
            read_fields(br#" {"a": "x", "b": [1, -2], "c": null} "#),
            Some(alloc::vec![(Key::A, 1), (Key::B, 1), (Key::B, -2)])
        );
    }

    #[test]
    fn known_keys_are_found_in_any_order_among_unknown_ones() {
        for text in [
            &br#"{"b": [3], "a": "xy"}"#[..],
            br#"{"z": {"a": "q"}, "b": [3], "y": [], "a": "xy"}"#,
            br#"{"b": [3], "a": "xy", "b2": 1}"#,
        ] {
            let mut read = read_fields(text).unwrap();
            read.sort_by_key(|&(key, _)| key as u8);
            assert_eq!(read, [(Key::A, 2), (Key::B, 3)], "{text:?}");
        }
        assert_eq!(read_fields(b"{}"), Some(alloc::vec![]));
        assert_eq!(read_fields(br#"{"c": 1, "c": 2}"#), Some(alloc::vec![]));
    }

    #[test]
    fn a_known_key_given_twice_gives_up() {
        for text in [
            &br#"{"a": "x", "a": "y"}"#[..],
            br#"{"a": "x", "b": [], "a": "y"}"#,
            br#"{"b": [], "a": "x", "b": []}"#,
        ] {
            assert_eq!(read_fields(text), None, "{text:?}");
        }
    }

    #[test]
    fn anything_outside_the_subset_gives_up() {
        type Read = fn(&mut PlainReader<'_>) -> Option<()>;
        let give_up: [(&[u8], Read); 12] = [
            (br#""a\"b""#, |r| r.str().map(drop)),
            (b"\"a\x01\"", |r| r.str().map(drop)),
            (b"\"\xff\"", |r| r.str().map(drop)),
            (b"\"open", |r| r.str().map(drop)),
            (b"01", |r| r.u64().map(drop)),
            (b"1.5", |r| r.u64().map(drop)),
            (b"-1", |r| r.u64().map(drop)),
            (b"18446744073709551616", |r| r.u64().map(drop)),
            (b"9223372036854775808", |r| r.i64().map(drop)),
            (b"[1,]", |r| r.skip()),
            (b"{\"a\":1,}", |r| r.skip()),
            (b"1.e5", |r| r.skip()),
        ];
        for (text, read) in give_up {
            let reader = PlainReader::new(text);
            assert_eq!(reader.and_then(|mut r| read(&mut r)), None, "{text:?}");
        }
    }

    #[test]
    fn strings_end_at_the_first_special_byte_wherever_it_falls() {
        for len in 0..40 {
            for special in [b'"', b'\\', 0x1f, 0x00] {
                let mut text = alloc::vec![b'a'; len];
                text.push(special);
                text.extend_from_slice(b"\"bb\"");
                assert_eq!(special_byte(&text), Some(len));
            }
            let plain = alloc::vec![b'a'; len];
            assert_eq!(special_byte(&plain), None);
            // Multi-byte UTF-8 (bytes of 0x80 and up) is not special.
            let wide = "é".repeat(len / 2);
            assert_eq!(special_byte(wide.as_bytes()), None);
        }
    }

    #[test]
    fn eight_digits_at_once_agree_with_one_at_a_time() {
        for value in [
            0u64, 1, 9, 10, 12_345_678, 99_999_999, 17_399_602, 40_000_001,
        ] {
            let text = alloc::format!("{value:08}");
            let bytes: [u8; 8] = text.as_bytes().try_into().unwrap();
            assert_eq!(eight_digits(bytes), Some(value), "{text}");
        }
        for bad in [
            *b"1234567a",
            *b"/1234567",
            *b"12:45678",
            *b"1234 678",
            *b"\xff2345678",
        ] {
            assert_eq!(eight_digits(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn integers_at_the_edges_are_exact() {
        assert_eq!(
            PlainReader::new(b"18446744073709551615").unwrap().u64(),
            Some(u64::MAX)
        );
        assert_eq!(
            PlainReader::new(b"-9223372036854775808").unwrap().i64(),
            Some(i64::MIN)
        );
        assert_eq!(PlainReader::new(b"0").unwrap().u64(), Some(0));
        assert_eq!(PlainReader::new(b"-0").unwrap().i64(), Some(0));
    }

    #[test]
    fn skipping_goes_no_deeper_than_the_limit() {
        let nested = |depth: usize| {
            let mut text = alloc::vec![b'['; depth];
            text.extend(core::iter::repeat_n(b']', depth));
            text
        };
        assert_eq!(
            PlainReader::new(&nested(MAX_DEPTH + 1)).unwrap().skip(),
            Some(())
        );
        assert_eq!(
            PlainReader::new(&nested(MAX_DEPTH + 2)).unwrap().skip(),
            None
        );
    }
}
