//! Request bodies written as compact JSON, byte for byte as `serde_json::to_vec` writes
//! them, for the shapes request bodies have (structs, sequences, maps with string keys,
//! strings, integers, booleans, options, enums).
//!
//! serde_json looks at every byte of every string through its escape table, one at a
//! time; a request body's strings (field names, enum values, URLs, user ids) almost never
//! hold a byte that needs escaping, so [`write`] first copies every string as it is and
//! then checks the whole body at once (see [`is_plain`]): no backslash, no control character,
//! and no `"` but the two around each string. Only a body that fails the check is written
//! again, each string tested eight bytes at a time and escaped where needed. Anything this
//! writer does not do itself (floats, byte strings, map keys that are not strings,
//! serde_json's `RawValue`) makes it give up, and [`to_vec`] hands the whole value to
//! serde_json, so the output is always serde_json's.

use alloc::string::ToString;
use alloc::vec::Vec;
use core::fmt;

use serde::ser::{self, Serialize};

use crate::plain_json::{is_special_byte, special_bytes};

/// The capacity a body starts with: every documented request body fits.
const INITIAL_CAPACITY: usize = 256;

/// `value` as compact JSON, exactly as `serde_json::to_vec(value)` gives it (`None` when
/// serde_json fails too).
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Option<Vec<u8>> {
    match write(value) {
        Ok(out) => Some(out),
        Err(GiveUp) => serde_json::to_vec(value).ok(),
    }
}

/// `value` as this writer writes it: every string copied as it is, then the whole body
/// checked once ([`is_plain`]); a body that fails the check is written again with every
/// string escaped as serde_json escapes it.
fn write<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, GiveUp> {
    let mut writer = Writer::new(false);
    value.serialize(&mut writer)?;
    if is_plain(&mut writer.out, writer.strings) {
        return Ok(writer.out);
    }
    let mut writer = Writer::new(true);
    value.serialize(&mut writer)?;
    Ok(writer.out)
}

/// The block [`is_plain`] reads at a time (two vector registers), and the group of
/// blocks it counts quotes in with a byte-wide counter (at most 255 bytes, so at most
/// 255 quotes: the counter cannot overflow).
const BLOCK: usize = 32;
const GROUP: usize = 7 * BLOCK;

/// Whether `out`, written with its `strings` strings copied as they are, is what
/// serde_json writes: no byte in it needs escaping. The bytes a JSON string escapes
/// (`"`, backslash, the controls) are nowhere else in compact JSON but for the two quotes
/// around each string, so it is plain exactly when it holds no backslash, no control and
/// `2 * strings` quotes. A plain fold over groups of whole blocks (vector compares and
/// byte-wide adds), the last block padded with spaces written past the end for the
/// check and taken off again.
fn is_plain(out: &mut Vec<u8>, strings: usize) -> bool {
    let len = out.len();
    out.resize(len.next_multiple_of(BLOCK), b' ');
    let mut quotes = 0usize;
    let mut special = false;
    for group in out.chunks(GROUP) {
        let (group_quotes, group_special) = group.iter().fold((0u8, false), |(q, s), &b| {
            (q + u8::from(b == b'"'), s | (b == b'\\') | (b < 0x20))
        });
        quotes += usize::from(group_quotes);
        special |= group_special;
    }
    out.truncate(len);
    !special && Some(quotes) == strings.checked_mul(2)
}

/// The writer has met something it leaves to serde_json (or the value's `Serialize`
/// failed, which serde_json will report in its turn).
#[derive(Debug)]
pub(crate) struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to serde_json")
    }
}

impl core::error::Error for GiveUp {}

impl ser::Error for GiveUp {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        GiveUp
    }
}

/// The name serde_json gives its `RawValue` when serializing it (a struct with one field
/// of that name, which serde_json writes verbatim): left to serde_json.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

struct Writer {
    out: Vec<u8>,
    /// The strings written (keys included): each put two quotes in `out`.
    strings: usize,
    /// Whether each string is tested and escaped as it is written (the second pass of
    /// [`write`]), rather than copied and checked with the whole body.
    escape: bool,
}

/// Whether any byte of `word` is one JSON escapes.
fn word_needs_escape(word: u64) -> bool {
    special_bytes(word) != 0
}

/// Whether `s` holds a byte JSON escapes (see [`is_special_byte`]), eight bytes at a
/// time. Strings of 4 to 7 bytes are read as two overlapping halves, longer ones end
/// with an overlapping last word: no byte is copied, and no loop runs for a short one.
fn needs_escape(s: &[u8]) -> bool {
    if let Some(last) = s.last_chunk::<8>() {
        let mut found = word_needs_escape(u64::from_le_bytes(*last));
        for chunk in s.chunks_exact(8) {
            if let Ok(word) = <[u8; 8]>::try_from(chunk) {
                found |= word_needs_escape(u64::from_le_bytes(word));
            }
        }
        found
    } else if let (Some(first), Some(last)) = (s.first_chunk::<4>(), s.last_chunk::<4>()) {
        let word =
            u64::from(u32::from_le_bytes(*first)) | u64::from(u32::from_le_bytes(*last)) << 32;
        word_needs_escape(word)
    } else {
        s.iter().fold(false, |found, &b| found | is_special_byte(b))
    }
}

/// Appends `s` as a JSON string: copied as it is (checked later, with the whole body)
/// or, with `escape`, escaped as serde_json escapes it.
#[inline(always)]
fn push_str(out: &mut Vec<u8>, escape: bool, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if escape && needs_escape(bytes) {
        push_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// serde_json's escapes: the short forms where JSON has one, `\u00XX` (lower-case hex)
/// for the other control characters.
fn push_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        if !is_special_byte(b) {
            out.push(b);
            continue;
        }
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            _ => 0,
        };
        if short != 0 {
            out.extend_from_slice(&[b'\\', short]);
        } else {
            let hex = |nibble: u8| HEX.get(usize::from(nibble & 0xf)).copied().unwrap_or(b'0');
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex(b >> 4), hex(b)]);
        }
    }
}

impl Writer {
    fn new(escape: bool) -> Self {
        Writer {
            out: Vec::with_capacity(INITIAL_CAPACITY),
            strings: 0,
            escape,
        }
    }

    /// Appends `s` as a JSON string ([`push_str`]).
    #[inline(always)]
    fn string(&mut self, s: &str) {
        self.strings += 1;
        push_str(&mut self.out, self.escape, s);
    }

    fn integer<I: itoa::Integer>(&mut self, value: I) -> Result<(), GiveUp> {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        Ok(())
    }

    /// `{"variant":` before the value of a variant with content.
    fn open_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        self.string(variant);
        self.out.push(b':');
    }
}

/// A sequence, map or struct being written: whether a comma is due.
struct Compound<'w> {
    writer: &'w mut Writer,
    first: bool,
    /// The closing bytes: `]` or `}`, then `}` for an enum variant's wrapper.
    close: &'static [u8],
}

impl Compound<'_> {
    #[inline]
    fn comma(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.writer.out.push(b',');
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), GiveUp> {
        self.comma();
        value.serialize(&mut *self.writer)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), GiveUp> {
        self.comma();
        self.writer.string(key);
        self.writer.out.push(b':');
        value.serialize(&mut *self.writer)
    }

    fn finish(self) -> Result<(), GiveUp> {
        self.writer.out.extend_from_slice(self.close);
        Ok(())
    }
}

/// The integer methods of the serializer: each writes its value's decimal text.
macro_rules! integers {
    ($($method:ident: $type:ty),*) => {$(
        fn $method(self, v: $type) -> Result<(), GiveUp> {
            self.integer(v)
        }
    )*};
}

impl<'w> ser::Serializer for &'w mut Writer {
    type Ok = ();
    type Error = GiveUp;
    type SerializeSeq = Compound<'w>;
    type SerializeTuple = Compound<'w>;
    type SerializeTupleStruct = Compound<'w>;
    type SerializeTupleVariant = Compound<'w>;
    type SerializeMap = Compound<'w>;
    type SerializeStruct = Compound<'w>;
    type SerializeStructVariant = Compound<'w>;

    fn serialize_bool(self, v: bool) -> Result<(), GiveUp> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    integers!(
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128
    );

    /// Floats are left to serde_json (its shortest round-trip text, `null` for NaN).
    fn serialize_f32(self, _v: f32) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_f64(self, _v: f64) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_char(self, v: char) -> Result<(), GiveUp> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), GiveUp> {
        self.string(v);
        Ok(())
    }

    /// Byte strings (an array of numbers in serde_json) are left to serde_json.
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_none(self) -> Result<(), GiveUp> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), GiveUp> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), GiveUp> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), GiveUp> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), GiveUp> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), GiveUp> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), GiveUp> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'w>, GiveUp> {
        self.out.push(b'[');
        Ok(Compound {
            writer: self,
            first: true,
            close: b"]",
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'w>, GiveUp> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'w>, GiveUp> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w>, GiveUp> {
        self.open_variant(variant);
        self.out.push(b'[');
        Ok(Compound {
            writer: self,
            first: true,
            close: b"]}",
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'w>, GiveUp> {
        self.out.push(b'{');
        Ok(Compound {
            writer: self,
            first: true,
            close: b"}",
        })
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'w>, GiveUp> {
        if name == RAW_VALUE_TOKEN {
            return Err(GiveUp);
        }
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w>, GiveUp> {
        self.open_variant(variant);
        self.out.push(b'{');
        Ok(Compound {
            writer: self,
            first: true,
            close: b"}}",
        })
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), GiveUp> {
        self.serialize_str(&value.to_string())
    }
}

/// The compounds whose members are values alone: each is an element.
macro_rules! elements {
    ($($kind:ident :: $method:ident),*) => {$(
        impl ser::$kind for Compound<'_> {
            type Ok = ();
            type Error = GiveUp;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), GiveUp> {
                self.element(value)
            }

            fn end(self) -> Result<(), GiveUp> {
                self.finish()
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = GiveUp;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), GiveUp> {
        self.comma();
        key.serialize(KeyWriter {
            writer: &mut *self.writer,
        })?;
        self.writer.out.push(b':');
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), GiveUp> {
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result<(), GiveUp> {
        self.finish()
    }
}

/// The compounds whose members are named fields.
macro_rules! fields {
    ($($kind:ident),*) => {$(
        impl ser::$kind for Compound<'_> {
            type Ok = ();
            type Error = GiveUp;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), GiveUp> {
                self.field(key, value)
            }

            fn end(self) -> Result<(), GiveUp> {
                self.finish()
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

/// A map key: a string, as is; any other key (serde_json quotes numbers and booleans) is
/// left to serde_json.
struct KeyWriter<'w> {
    writer: &'w mut Writer,
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = GiveUp;
    type SerializeSeq = ser::Impossible<(), GiveUp>;
    type SerializeTuple = ser::Impossible<(), GiveUp>;
    type SerializeTupleStruct = ser::Impossible<(), GiveUp>;
    type SerializeTupleVariant = ser::Impossible<(), GiveUp>;
    type SerializeMap = ser::Impossible<(), GiveUp>;
    type SerializeStruct = ser::Impossible<(), GiveUp>;
    type SerializeStructVariant = ser::Impossible<(), GiveUp>;

    fn serialize_str(self, v: &str) -> Result<(), GiveUp> {
        self.writer.string(v);
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), GiveUp> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), GiveUp> {
        value.serialize(self)
    }

    fn serialize_bool(self, _v: bool) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_i8(self, _v: i8) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_i16(self, _v: i16) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_i32(self, _v: i32) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_i64(self, _v: i64) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_u8(self, _v: u8) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_u16(self, _v: u16) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_u32(self, _v: u32) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_u64(self, _v: u64) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_f32(self, _v: f32) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_f64(self, _v: f64) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_char(self, _v: char) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_none(self) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_unit(self) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, GiveUp> {
        Err(GiveUp)
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), GiveUp> {
        self.serialize_str(&value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeMap;
    use alloc::string::String;
    use alloc::vec;

    use proptest::prelude::*;
    use serde::Serialize;

    use super::*;

    /// What the writer itself made of `value` (`None`: it gave up).
    fn written<T: Serialize + ?Sized>(value: &T) -> Option<Vec<u8>> {
        write(value).ok()
    }

    #[test]
    fn the_word_test_agrees_with_the_byte_definition_on_every_byte_at_every_place() {
        for b in 0..=255u8 {
            for len in 1..=17 {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    if let Some(slot) = bytes.get_mut(at) {
                        *slot = b;
                    }
                    assert_eq!(
                        needs_escape(&bytes),
                        is_special_byte(b),
                        "{b:#x} {len} {at}"
                    );
                }
            }
        }
        assert!(!needs_escape(b""));
    }

    #[test]
    fn every_char_is_written_as_serde_json_writes_it() {
        for c in (0..0x300)
            .chain([0x2028, 0x2029, 0xfffd, 0x10ffff])
            .filter_map(char::from_u32)
        {
            let text = alloc::format!("a{c}b{c}");
            assert_eq!(
                written(&text),
                Some(serde_json::to_vec(&text).unwrap()),
                "{c:?}"
            );
            assert_eq!(written(&c), Some(serde_json::to_vec(&c).unwrap()), "{c:?}");
        }
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(i32, Option<bool>),
        Struct { a: Vec<String>, b: () },
    }

    #[derive(Serialize)]
    struct Outer<'a> {
        #[serde(rename = "Name\"q")]
        name: &'a str,
        shapes: Vec<Shape>,
        map: BTreeMap<String, i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        tuple: (u128, i128, char),
        unit: (),
        newtype: Wrapper,
    }

    #[derive(Serialize)]
    struct Wrapper(u16);

    #[test]
    fn the_shapes_of_serde_are_written_as_serde_json_writes_them() {
        let value = Outer {
            name: "x\u{1}\u{7f}",
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(-3, None),
                Shape::Struct { a: vec![], b: () },
            ],
            map: [("k\n".into(), -1), ("".into(), i64::MIN)]
                .into_iter()
                .collect(),
            skipped: None,
            tuple: (u128::MAX, i128::MIN, '"'),
            unit: (),
            newtype: Wrapper(65535),
        };
        let expected = serde_json::to_vec(&value).unwrap();
        assert_eq!(written(&value).as_ref(), Some(&expected));
        assert_eq!(to_vec(&value), Some(expected));
    }

    #[test]
    fn what_it_leaves_to_serde_json_comes_out_as_serde_json_writes_it() {
        let raw = serde_json::value::to_raw_value(&serde_json::json!({"a": [1, 2]})).unwrap();
        let floats = serde_json::json!({"x": 1.5, "y": [0.1]});
        let int_keys: BTreeMap<u32, bool> = [(1, true), (20, false)].into_iter().collect();
        assert_eq!(written(&raw), None);
        assert_eq!(written(&floats), None);
        assert_eq!(written(&int_keys), None);
        assert_eq!(written(&serde_bytes_like()), None);
        for value in [
            to_vec(&raw),
            to_vec(&floats),
            to_vec(&int_keys),
            to_vec(&serde_bytes_like()),
        ] {
            assert!(value.is_some());
        }
        assert_eq!(to_vec(&raw), Some(serde_json::to_vec(&raw).unwrap()));
        assert_eq!(to_vec(&floats), Some(serde_json::to_vec(&floats).unwrap()));
        assert_eq!(
            to_vec(&int_keys),
            Some(serde_json::to_vec(&int_keys).unwrap())
        );
        assert_eq!(
            to_vec(&serde_bytes_like()),
            Some(serde_json::to_vec(&serde_bytes_like()).unwrap())
        );
        // A map key serde_json refuses too: no body.
        let bad_keys: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into_iter().collect();
        assert_eq!(to_vec(&bad_keys), None);
    }

    /// A value serialized as a byte string.
    fn serde_bytes_like() -> impl Serialize {
        struct Bytes;
        impl Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(b"\x00ab")
            }
        }
        Bytes
    }

    /// Any JSON value serde_json can hold (floats included, so the fallback is exercised).
    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[ -~\\x00-\\x1f\"\\\\\u{80}-\u{10ffff}]{0,20}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|pairs| serde_json::Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Any string, and any JSON value, comes out exactly as serde_json writes it.
        #[test]
        fn any_value_is_written_as_serde_json_writes_it(
            text in any::<String>(),
            value in arb_json(),
        ) {
            prop_assert_eq!(written(&text), Some(serde_json::to_vec(&text).unwrap()));
            prop_assert_eq!(to_vec(&value), Some(serde_json::to_vec(&value).unwrap()));
        }

        /// Strings made mostly of what a body holds, with the bytes JSON escapes
        /// anywhere: the same as serde_json.
        #[test]
        fn strings_with_escapes_anywhere(text in "[a-z/:._-]{0,20}[\\x00-\\x1f\"\\\\]?[a-z]{0,20}") {
            prop_assert_eq!(written(&text), Some(serde_json::to_vec(&text).unwrap()));
        }
    }
}
