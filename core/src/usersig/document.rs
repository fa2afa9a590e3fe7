//! Reading the JSON document inside a signature, as any official implementation writes it:
//! any key order, any escaping, Go's omitted zero/empty fields, unknown keys ignored.

use alloc::borrow::Cow;
use core::cell::Cell;
use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::error::DecodeError;
use crate::plain_json::{PlainReader, special_byte};

pub(crate) const IDENTIFIER: &str = "TLS.identifier";
pub(crate) const SDKAPPID: &str = "TLS.sdkappid";
pub(crate) const EXPIRE: &str = "TLS.expire";
pub(crate) const TIME: &str = "TLS.time";
pub(crate) const USERBUF: &str = "TLS.userbuf";
pub(crate) const SIG: &str = "TLS.sig";

/// The fields a verifier reads.
#[derive(Clone, Copy)]
enum Field {
    Version,
    Identifier,
    Sdkappid,
    Expire,
    Time,
    Userbuf,
    Sig,
}

/// The fields in the order this crate and the official libraries write them (a
/// PrivateMapKey has `TLS.userbuf` before `TLS.sig`).
const WRITTEN_ORDER: [(&str, Field); 7] = [
    ("TLS.ver", Field::Version),
    (IDENTIFIER, Field::Identifier),
    (SDKAPPID, Field::Sdkappid),
    (EXPIRE, Field::Expire),
    (TIME, Field::Time),
    (SIG, Field::Sig),
    (USERBUF, Field::Userbuf),
];

/// The fields a verifier needs. Missing numbers and identifier read as 0 and "" (what the
/// Go library's `omitempty` leaves out is exactly those values, and it signs them as such).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Document<'a> {
    pub identifier: Cow<'a, str>,
    pub sdkappid: u64,
    pub expire: u64,
    pub time: u64,
    pub userbuf: Option<Cow<'a, str>>,
    pub sig: Option<Cow<'a, str>>,
}

impl<'a> Document<'a> {
    /// Parses the inflated JSON text. A trailing newline (Go) is fine: JSON allows white space.
    ///
    /// Our own layout takes [`Document::parse_ours`]; the documents every implementation
    /// writes take [`Document::parse_plain`]; anything neither is sure of goes to
    /// serde_json, which decides every error and unusual form.
    pub(crate) fn parse(json: &'a [u8]) -> Result<Self, DecodeError> {
        match Self::parse_ours(json).or_else(|| Self::parse_plain(json)) {
            Some(doc) => Ok(doc),
            None => Self::parse_serde(json),
        }
    }

    /// Exactly the layout the signer writes (compact, its key order, no escapes, numbers
    /// in their shortest form), the same with `TLS.time` before `TLS.expire` (Node's
    /// order), or either with Python's `", "` and `": "` separators, matched piece by piece
    /// with no key lookup. `None` for anything else, including our own documents whose
    /// identifier needed escapes: the caller then tries the general paths, so this one
    /// only has to agree with serde_json where it answers (the tests compare the two).
    pub(crate) fn parse_ours(json: &'a [u8]) -> Option<Self> {
        // The cheap test first: other layouts leave at once. Each layout gets its own
        // copy of the matcher, with its pieces as constants.
        if json.starts_with(COMPACT.prefix.as_bytes()) {
            Self::parse_layout(json, &COMPACT)
        } else if json.starts_with(SPACED.prefix.as_bytes()) {
            Self::parse_layout(json, &SPACED)
        } else {
            None
        }
    }

    /// [`parse_ours`](Self::parse_ours) for one layout, whose prefix `json` starts with.
    #[inline(always)]
    fn parse_layout(json: &'a [u8], layout: &Layout) -> Option<Self> {
        let json = core::str::from_utf8(json).ok()?;
        let rest = json.get(layout.prefix.len()..)?;
        let (identifier, rest) = unescaped_string(rest)?;
        let rest = rest.strip_prefix(layout.sdkappid)?;
        let (sdkappid, rest) = shortest_u64(rest)?;
        let (expire, time, rest) = match rest.strip_prefix(layout.expire) {
            Some(rest) => {
                let (expire, rest) = shortest_u64(rest)?;
                let (time, rest) = shortest_u64(rest.strip_prefix(layout.time)?)?;
                (expire, time, rest)
            }
            None => {
                let (time, rest) = shortest_u64(rest.strip_prefix(layout.time)?)?;
                let (expire, rest) = shortest_u64(rest.strip_prefix(layout.expire)?)?;
                (expire, time, rest)
            }
        };
        let (userbuf, rest) = match rest.strip_prefix(layout.userbuf) {
            Some(rest) => {
                let (userbuf, rest) = unescaped_string(rest)?;
                (Some(Cow::Borrowed(userbuf)), rest)
            }
            None => (None, rest),
        };
        let rest = rest.strip_prefix(layout.sig)?;
        let (sig, rest) = unescaped_string(rest)?;
        (rest == "}").then_some(Document {
            identifier: Cow::Borrowed(identifier),
            sdkappid,
            expire,
            time,
            userbuf,
            sig: Some(Cow::Borrowed(sig)),
        })
    }

    /// The plain form only ([`PlainReader`]: no escapes, integers in their shortest
    /// form, each known key once). `None` for anything else (it may still be valid, or an
    /// error to be named): the caller then asks serde_json, so this path only has to agree
    /// with it where it answers (the tests compare the two).
    pub(crate) fn parse_plain(json: &'a [u8]) -> Option<Self> {
        let mut reader = PlainReader::new(json)?;
        let mut doc = Document::default();
        reader.fields(&WRITTEN_ORDER, |reader, field| {
            match field {
                // The version is not read (serde ignores it too), but it is known, so
                // that the keys after it are recognised in their place.
                Field::Version => reader.skip()?,
                Field::Identifier => doc.identifier = Cow::Borrowed(reader.str()?),
                Field::Sdkappid => doc.sdkappid = reader.u64()?,
                Field::Expire => doc.expire = reader.u64()?,
                Field::Time => doc.time = reader.u64()?,
                Field::Userbuf => doc.userbuf = Some(Cow::Borrowed(reader.str()?)),
                Field::Sig => doc.sig = Some(Cow::Borrowed(reader.str()?)),
            }
            Some(())
        })?;
        reader.at_end().then_some(doc)
    }

    /// Any JSON document, through serde_json.
    fn parse_serde(json: &'a [u8]) -> Result<Self, DecodeError> {
        let reading = Cell::new(None);
        let mut de = serde_json::Deserializer::from_slice(json);
        let doc = de
            .deserialize_map(DocVisitor { reading: &reading })
            .and_then(|doc| de.end().map(|()| doc))
            .map_err(|e| match (e.classify(), reading.get()) {
                // A type error while a known field was being read: say which field.
                (serde_json::error::Category::Data, Some(field)) => {
                    DecodeError::BadFieldType(field)
                }
                _ => DecodeError::Json,
            })?;
        Ok(doc)
    }
}

/// The fixed text around the values of a layout [`Document::parse_ours`] reads.
struct Layout {
    prefix: &'static str,
    sdkappid: &'static str,
    expire: &'static str,
    time: &'static str,
    userbuf: &'static str,
    sig: &'static str,
}

/// Ours (and Node's, Go v1.4's): no white space.
const COMPACT: Layout = Layout {
    prefix: r#"{"TLS.ver":"2.0","TLS.identifier":""#,
    sdkappid: r#","TLS.sdkappid":"#,
    expire: r#","TLS.expire":"#,
    time: r#","TLS.time":"#,
    userbuf: r#","TLS.userbuf":""#,
    sig: r#","TLS.sig":""#,
};

/// Python's `json.dumps` defaults: a space after every `,` and `:`.
const SPACED: Layout = Layout {
    prefix: r#"{"TLS.ver": "2.0", "TLS.identifier": ""#,
    sdkappid: r#", "TLS.sdkappid": "#,
    expire: r#", "TLS.expire": "#,
    time: r#", "TLS.time": "#,
    userbuf: r#", "TLS.userbuf": ""#,
    sig: r#", "TLS.sig": ""#,
};

/// The inside of a JSON string up to its closing quote, and what follows the quote;
/// `None` if an escape or a control character (invalid raw) comes first.
fn unescaped_string(text: &str) -> Option<(&str, &str)> {
    let end = special_byte(text.as_bytes())?;
    let (inside, rest) = text.split_at_checked(end)?;
    Some((inside, rest.strip_prefix('"')?))
}

/// A JSON number that is a `u64` in its shortest form (no sign, no leading zero, no
/// fraction or exponent), and what follows it.
fn shortest_u64(text: &str) -> Option<(u64, &str)> {
    let len = text
        .bytes()
        .position(|byte| !byte.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, rest) = text.split_at_checked(len)?;
    let leading_zero = digits.len() > 1 && digits.starts_with('0');
    if digits.is_empty() || leading_zero || rest.starts_with(['.', 'e', 'E']) {
        return None;
    }
    let value = digits.bytes().try_fold(0u64, |value, digit| {
        value
            .checked_mul(10)?
            .checked_add(u64::from(digit.wrapping_sub(b'0')))
    })?;
    Some((value, rest))
}

struct DocVisitor<'c> {
    /// The known field being read, so that an error can name it.
    reading: &'c Cell<Option<&'static str>>,
}

impl<'de> Visitor<'de> for DocVisitor<'_> {
    type Value = Document<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TLSSigAPIv2 document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut doc = Document::default();
        let mut seen = [false; 6];
        while let Some(key) = map.next_key::<JsonStr<'de>>()? {
            let (index, field) = match key.0.as_ref() {
                IDENTIFIER => (0, IDENTIFIER),
                SDKAPPID => (1, SDKAPPID),
                EXPIRE => (2, EXPIRE),
                TIME => (3, TIME),
                USERBUF => (4, USERBUF),
                SIG => (5, SIG),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            // A repeated key would make the document mean different things to different parsers.
            if core::mem::replace(&mut seen[index], true) {
                return Err(de::Error::custom("duplicate key"));
            }
            self.reading.set(Some(field));
            match index {
                0 => doc.identifier = map.next_value::<JsonStr<'de>>()?.0,
                1 => doc.sdkappid = map.next_value()?,
                2 => doc.expire = map.next_value()?,
                3 => doc.time = map.next_value()?,
                4 => doc.userbuf = Some(map.next_value::<JsonStr<'de>>()?.0),
                _ => doc.sig = Some(map.next_value::<JsonStr<'de>>()?.0),
            }
            self.reading.set(None);
        }
        Ok(doc)
    }
}

/// A JSON string, borrowed from the input when it has no escapes.
struct JsonStr<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for JsonStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct JsonStrVisitor;
        impl<'de> Visitor<'de> for JsonStrVisitor {
            type Value = JsonStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(JsonStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(JsonStr(Cow::Owned(v.into())))
            }
        }
        d.deserialize_str(JsonStrVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::String;

    #[test]
    fn reads_any_order_escapes_and_omitted_fields() {
        let doc = Document::parse(
            br#"{"TLS.sig":"a\/b","TLS.time":5,"TLS.ver":"2.0","TLS.identifier":"\ud83d\ude00\u00e9"}
"#,
        )
        .unwrap();
        assert_eq!(doc.identifier, "😀é");
        assert_eq!(doc.sig.as_deref(), Some("a/b"));
        assert_eq!((doc.time, doc.expire, doc.sdkappid), (5, 0, 0));
        assert!(doc.userbuf.is_none());
    }

    /// Our own document and the shapes the official libraries write take the plain path.
    #[test]
    fn the_usual_documents_take_the_plain_path() {
        let documents: [&[u8]; 4] = [
            br#"{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":15552000,"TLS.time":1700000000,"TLS.sig":"a+b/c="}"#,
            b"{\"TLS.ver\": \"2.0\", \"TLS.identifier\": \"\xc3\xa9\", \"TLS.sdkappid\": 1, \"TLS.expire\": 0, \"TLS.time\": 5, \"TLS.userbuf\": \"AAA=\", \"TLS.sig\": \"x\"}\n",
            br#"{"TLS.sig":"x","TLS.time":5,"TLS.ver":2,"TLS.other":"y"}"#,
            b" {} ",
        ];
        for json in documents {
            let plain = Document::parse_plain(json);
            assert!(plain.is_some(), "{}", String::from_utf8_lossy(json));
            assert_eq!(plain.ok_or(()), Document::parse_serde(json).map_err(drop));
        }
    }

    /// A seeded xorshift picker: `next(n)` is a pseudo-random index below `n`, the same
    /// sequence on every run.
    fn picker(mut seed: u32) -> impl FnMut(usize) -> usize {
        move |n| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as usize % n
        }
    }

    /// Wherever the plain path answers, serde_json gives the same document: documents put
    /// together from valid, odd and broken pieces.
    #[test]
    fn the_plain_path_agrees_with_serde_json() {
        const KEYS: [&str; 10] = [
            r#""TLS.identifier""#,
            r#""TLS.sdkappid""#,
            r#""TLS.expire""#,
            r#""TLS.time""#,
            r#""TLS.userbuf""#,
            r#""TLS.sig""#,
            r#""TLS.ver""#,
            r#""TLS.\u0073ig""#,
            r#""x""#,
            "TLS.time",
        ];
        const VALUES: [&str; 24] = [
            r#""xiaojun""#,
            r#""""#,
            r#""a\/b""#,
            "\"\u{e9}\u{1F600}\"",
            "\"\t\"",
            "\"\x7f\"",
            "0",
            "7",
            "1400000000",
            "18446744073709551615",
            "18446744073709551616",
            "01",
            "-1",
            "1.5",
            "1e3",
            "2E0",
            "00",
            "null",
            "true",
            "[]",
            "{}",
            r#"{"a":1}"#,
            "\"x",
            "",
        ];
        const GLUE: [&str; 6] = ["", " ", "\n", "\r\t", ",", "x"];
        let mut next = picker(0x9e37_79b9);
        let mut answered = 0;
        for _ in 0..20_000 {
            let mut json = String::new();
            json.push_str(GLUE[next(3)]);
            json.push('{');
            let fields = next(5);
            for i in 0..fields {
                if i > 0 {
                    json.push_str(if next(20) == 0 { GLUE[next(6)] } else { "," });
                }
                json.push_str(GLUE[next(3)]);
                json.push_str(KEYS[next(KEYS.len())]);
                json.push_str(GLUE[next(3)]);
                json.push_str(if next(30) == 0 { "" } else { ":" });
                json.push_str(GLUE[next(3)]);
                json.push_str(VALUES[next(VALUES.len())]);
            }
            json.push_str(GLUE[next(3)]);
            json.push_str(if next(30) == 0 { "" } else { "}" });
            json.push_str(GLUE[next(4)]);
            if let Some(plain) = Document::parse_plain(json.as_bytes()) {
                answered += 1;
                assert_eq!(Document::parse_serde(json.as_bytes()), Ok(plain), "{json}");
            }
        }
        assert!(answered > 1_000, "{answered}");
    }

    /// Our layout with every slot filled from valid, odd and broken pieces, then sometimes
    /// damaged by one inserted or removed character: wherever the fast path answers,
    /// serde_json and the plain path give the same document.
    #[test]
    fn our_layout_path_agrees_with_serde_json() {
        const STRINGS: [&str; 10] = [
            "xiaojun",
            "",
            "\u{e9}\u{1F600}\x7f",
            "AAECAwQ=",
            "a\\/b",
            "\t",
            "a\\\"b",
            "x\"",
            "\\u0041",
            "\u{1}",
        ];
        const NUMBERS: [&str; 12] = [
            "0",
            "7",
            "1400000000",
            "18446744073709551615",
            "18446744073709551616",
            "01",
            "-1",
            "1.5",
            "1e3",
            "",
            "\"5\"",
            "00",
        ];
        const NOISE: [&str; 6] = [" ", "\n", "\"", ",", "}", "x"];
        let mut next = picker(0x2545_f491);
        let (mut answered, mut spaced) = (0, 0usize);
        for _ in 0..20_000 {
            // Mostly the first, valid pieces (strings without escapes, shortest numbers),
            // so that many documents are ours; the others now and then.
            let mut pick = |pieces: &[&'static str], valid: usize| {
                if next(6) == 0 {
                    pieces[next(pieces.len())]
                } else {
                    pieces[next(valid)]
                }
            };
            let order = pick(&[r#""TLS.expire""#, r#""TLS.time""#, r#""TLS.sig""#], 2);
            let other = if order == r#""TLS.time""# {
                r#""TLS.expire""#
            } else {
                r#""TLS.time""#
            };
            let mut json = format!(
                r#"{{"TLS.ver":"2.0","TLS.identifier":"{}","TLS.sdkappid":{},{order}:{},{other}:{}"#,
                pick(&STRINGS, 4),
                pick(&NUMBERS, 4),
                pick(&NUMBERS, 4),
                pick(&NUMBERS, 4),
            );
            if pick(&["", "u"], 2) == "u" {
                json.push_str(&format!(r#","TLS.userbuf":"{}""#, pick(&STRINGS, 4)));
            }
            json.push_str(&format!(r#","TLS.sig":"{}"}}"#, pick(&STRINGS, 4)));
            if pick(&["", "spaced"], 2) == "spaced" {
                // Python's separators (the values above hold no `","` or `":`).
                json = json.replace(r#"",""#, r#"", ""#).replace(r#"":"#, r#"": "#);
                json = json
                    .replace(r#"0,""#, r#"0, ""#)
                    .replace(r#"7,""#, r#"7, ""#);
                json = json.replace(r#"5,""#, r#"5, ""#);
            }
            match next(4) {
                0 => {
                    let at = next(json.len() + 1);
                    if json.is_char_boundary(at) {
                        json.insert_str(at, NOISE[next(NOISE.len())]);
                    }
                }
                1 => {
                    let at = next(json.len());
                    if json.is_char_boundary(at) && json.is_char_boundary(at + 1) {
                        json.remove(at);
                    }
                }
                _ => {}
            }
            if let Some(ours) = Document::parse_ours(json.as_bytes()) {
                answered += 1;
                spaced += usize::from(json.starts_with(SPACED.prefix));
                assert_eq!(Document::parse_serde(json.as_bytes()), Ok(ours), "{json}");
                let plain = Document::parse_plain(json.as_bytes());
                assert_eq!(plain, Document::parse_serde(json.as_bytes()).ok(), "{json}");
            }
        }
        assert!(answered > 1_000, "{answered}");
        assert!(spaced > 300, "{spaced}");
    }

    #[test]
    fn names_the_field_with_the_wrong_type() {
        let cases: [(&[u8], DecodeError); 8] = [
            (br#"{"TLS.time":"5"}"#, DecodeError::BadFieldType(TIME)),
            (br#"{"TLS.expire":-1}"#, DecodeError::BadFieldType(EXPIRE)),
            (
                br#"{"TLS.sdkappid":1.5}"#,
                DecodeError::BadFieldType(SDKAPPID),
            ),
            (
                br#"{"TLS.identifier":7}"#,
                DecodeError::BadFieldType(IDENTIFIER),
            ),
            (br#"{"TLS.sig":null}"#, DecodeError::BadFieldType(SIG)),
            (br#"{"TLS.time":1,"TLS.time":1}"#, DecodeError::Json),
            (br#"[1]"#, DecodeError::Json),
            (br#"{"TLS.sig":"x"} x"#, DecodeError::Json),
        ];
        for (json, want) in cases {
            assert_eq!(
                Document::parse(json).unwrap_err(),
                want,
                "{}",
                core::str::from_utf8(json).unwrap()
            );
        }
    }
}
