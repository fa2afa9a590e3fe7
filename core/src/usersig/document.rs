//! Reading the JSON document inside a signature, as any official implementation writes it:
//! any key order, any escaping, Go's omitted zero/empty fields, unknown keys ignored.

use alloc::borrow::Cow;
use core::cell::Cell;
use core::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::error::DecodeError;

pub(crate) const IDENTIFIER: &str = "TLS.identifier";
pub(crate) const SDKAPPID: &str = "TLS.sdkappid";
pub(crate) const EXPIRE: &str = "TLS.expire";
pub(crate) const TIME: &str = "TLS.time";
pub(crate) const USERBUF: &str = "TLS.userbuf";
pub(crate) const SIG: &str = "TLS.sig";

/// The fields a verifier needs. Missing numbers and identifier read as 0 and "" (what the
/// Go library's `omitempty` leaves out is exactly those values, and it signs them as such).
#[derive(Debug, Default)]
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
    pub(crate) fn parse(json: &'a [u8]) -> Result<Self, DecodeError> {
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
        while let Some(key) = map.next_key::<Text<'de>>()? {
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
                0 => doc.identifier = map.next_value::<Text<'de>>()?.0,
                1 => doc.sdkappid = map.next_value()?,
                2 => doc.expire = map.next_value()?,
                3 => doc.time = map.next_value()?,
                4 => doc.userbuf = Some(map.next_value::<Text<'de>>()?.0),
                _ => doc.sig = Some(map.next_value::<Text<'de>>()?.0),
            }
            self.reading.set(None);
        }
        Ok(doc)
    }
}

/// A JSON string, borrowed from the input when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.into())))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
