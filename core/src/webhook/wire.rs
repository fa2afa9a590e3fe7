//! The webhook bodies' field types as they travel, each reading itself the way the docs'
//! disagreements require: ids as strings *or* numbers, integers as numbers *or* digit
//! strings, `null` as missing, times in the wire's unit with `0` meaning "no time".
//!
//! The private wire structs are made of these newtypes, so a field reads
//! `call_id: WireId` and a value that cannot be read still fails inside serde_json, whose
//! error keeps the line and column. Each newtype is `Default` (a missing field).

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::values::Timestamp;

/// Declares a wire newtype read by one of the readers below. `, left out if is_none` adds
/// that method, for the fields that leave a missing value out
/// (`skip_serializing_if = "WireText::is_none"`).
macro_rules! wire_newtype {
    ($(#[$meta:meta])* $name:ident($inner:ty) read by $read:expr $(, left out if $is_none:ident)?) => {
        $(#[$meta])*
        #[derive(Default)]
        pub(crate) struct $name(pub(crate) $inner);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $read(d).map(Self)
            }
        }

        $(
            impl $name {
                /// No value (a field that is then not written).
                pub(crate) fn $is_none(&self) -> bool {
                    self.0.is_none()
                }
            }
        )?
    };
}

/// An id (`User_Account`, `RoomId`, …): a string, or a number kept as its decimal text;
/// `null` reads as `""`. Written as a string. Borrowed from the body when it has no
/// escapes, so that reading a body that then fails allocates nothing for it.
#[derive(Default, Serialize)]
#[serde(transparent)]
pub(crate) struct WireId<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for WireId<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        id(d).map(Self)
    }
}

/// A text value for an enum field; `null` and `""` read as `None`, written as `null`.
/// Borrowed from the body when it has no escapes (it is usually read into an enum).
#[derive(Default, Serialize)]
#[serde(transparent)]
pub(crate) struct WireText<'a>(pub(crate) Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for WireText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        text(d).map(Self)
    }
}

impl WireText<'_> {
    /// No value (a field that is then not written).
    pub(crate) fn is_none(&self) -> bool {
        self.0.is_none()
    }
}

wire_newtype!(
    /// A count such as `TotalNum`: a non-negative integer that fits `u32`.
    #[derive(Serialize)]
    #[serde(transparent)]
    WireCount(Option<u32>) read by count, left out if is_none
);

wire_newtype!(
    /// A signed code such as `RoomIdType`.
    #[derive(Serialize)]
    #[serde(transparent)]
    WireCode(Option<i64>) read by code, left out if is_none
);

wire_newtype!(
    /// A time in seconds (v1 bodies and the v4 record); `0`, `null` and missing all read
    /// as `None`, which is written as `0`.
    WireSecs(Option<Timestamp>) read by secs, left out if is_none
);

impl Serialize for WireSecs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0.map_or(0, Timestamp::as_secs))
    }
}

wire_newtype!(
    /// A time in milliseconds (the v4 `EventTime`); `0`, `null` and missing all read as
    /// `None`, which is written as `0`.
    WireMillis(Option<Timestamp>) read by millis
);

impl Serialize for WireMillis {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0.map_or(0, Timestamp::as_millis))
    }
}

/// A list that may be `null` (read as empty), such as `UserList` or `CalleeList_Account`.
#[derive(Serialize)]
#[serde(transparent)]
pub(crate) struct WireList<T>(pub(crate) Vec<T>);

impl<T> Default for WireList<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for WireList<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list: Option<Vec<T>> = Deserialize::deserialize(d)?;
        Ok(Self(list.unwrap_or_default()))
    }
}

// ---- the readers behind them -------------------------------------------------------

/// An id (`User_Account`, `RoomId`, …): a string, or a number kept as its decimal text.
/// `null` reads as the empty string.
///
/// Integers go through `u64`/`i64` exactly. A number beyond that range, or one written
/// with a fraction or exponent, reaches us as an `f64` (serde_json without
/// `arbitrary_precision`) and is kept as Rust's shortest text for that `f64`, so digits past
/// about the 17th may differ from the sender's.
fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Cow<'de, str>, D::Error> {
    struct IdVisitor;
    impl<'de> Visitor<'de> for IdVisitor {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(String::from(v)))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Cow::Owned(id_from_u64(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(""))
        }
    }
    d.deserialize_any(IdVisitor)
}

/// A text value for an enum field: a string or `null`; `null` and `""` read as missing.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    /// Reads `Option<String>` as serde does (`null`, or a string; the same error
    /// otherwise), but borrows the string when it can.
    struct TextVisitor;
    impl<'de> Visitor<'de> for TextVisitor {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_string(TextVisitor)
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(String::from(v))))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v)))
        }
    }
    let value = d.deserialize_option(TextVisitor)?;
    Ok(value.filter(|s| !s.is_empty()))
}

/// An integer given as a JSON integer, an integral float, or a string of digits;
/// `null` and `""` read as missing.
fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i128>, D::Error> {
    struct IntVisitor;
    impl<'de> Visitor<'de> for IntVisitor {
        type Value = Option<i128>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer (a number or a string of digits)")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(i128::from(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(i128::from(v)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // Only whole numbers that an i64 or u64 could hold. `as` saturates and drops
            // the fraction, so a value is whole iff converting back gives it again
            // (no `f64::fract` without std).
            let whole = v as i128;
            if (-9.3e18..=1.8e19).contains(&v) && whole as f64 == v {
                Ok(Some(whole))
            } else {
                Err(E::invalid_value(de::Unexpected::Float(v), &self))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.is_empty() {
                return Ok(None);
            }
            v.trim()
                .parse::<i128>()
                .map(Some)
                .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(IntVisitor)
        }
    }
    d.deserialize_any(IntVisitor)
}

/// A non-negative integer that fits `u64` and `T`.
fn unsigned<'de, D: Deserializer<'de>, T: TryFrom<i128>>(d: D) -> Result<Option<T>, D::Error> {
    match int(d)? {
        None => Ok(None),
        Some(v) => T::try_from(v).map(Some).map_err(|_| {
            de::Error::custom(alloc::format!(
                "integer {v} out of range (expected 0 or more)"
            ))
        }),
    }
}

/// A count such as `TotalNum`.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    unsigned::<D, u32>(d)
}

/// A signed code such as `RoomIdType`.
fn code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match int(d)? {
        None => Ok(None),
        Some(v) => i64::try_from(v)
            .map(Some)
            .map_err(|_| de::Error::custom(alloc::format!("integer {v} out of range"))),
    }
}

/// A time in seconds; `0`, `null` and missing all mean "no time".
fn secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    match unsigned::<D, u64>(d)? {
        None => Ok(None),
        Some(s) => time_from_secs(s)
            .ok_or_else(|| de::Error::custom(alloc::format!("time {s} s is out of range"))),
    }
}

/// A time in milliseconds; `0`, `null` and missing all mean "no time".
fn millis<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(unsigned::<D, u64>(d)?.and_then(time_from_millis))
}

// ---- what a value means, for both readings (serde's above, the plain one's in
// `plain.rs`) -------------------------------------------------------------------------

/// An id given as a non-negative integer: its decimal text.
pub(crate) fn id_from_u64(v: u64) -> String {
    v.to_string()
}

/// A time of `secs` seconds: `0` is no time; `None` if it is out of range (refused).
pub(crate) fn time_from_secs(secs: u64) -> Option<Option<Timestamp>> {
    match secs {
        0 => Some(None),
        s => Timestamp::from_secs(s).map(Some),
    }
}

/// A time of `ms` milliseconds: `0` is no time.
pub(crate) fn time_from_millis(ms: u64) -> Option<Timestamp> {
    (ms != 0).then_some(Timestamp::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Pair<'a> {
        #[serde(borrow)]
        id: WireId<'a>,
        #[serde(borrow)]
        text: WireText<'a>,
    }

    fn read(body: &str) -> Result<(Cow<'_, str>, Option<Cow<'_, str>>), String> {
        serde_json::from_str::<Pair<'_>>(body)
            .map(|p| (p.id.0, p.text.0))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn plain_strings_are_borrowed_and_escaped_ones_decoded() {
        let (id, text) = read(r#"{"id": "u1", "text": "Audio"}"#).unwrap();
        assert!(matches!(id, Cow::Borrowed("u1")));
        assert!(matches!(text, Some(Cow::Borrowed("Audio"))));
        let (id, text) = read(r#"{"id": "u\u0031", "text": "A\"b"}"#).unwrap();
        assert!(matches!(&id, Cow::Owned(s) if s == "u1"));
        assert!(matches!(&text, Some(Cow::Owned(s)) if s == "A\"b"));
        let (id, text) = read(r#"{"id": 18446744073709551615, "text": ""}"#).unwrap();
        assert_eq!((id.as_ref(), text), ("18446744073709551615", None));
        let (id, text) = read(r#"{"id": null, "text": null}"#).unwrap();
        assert_eq!((id.as_ref(), text), ("", None));
    }

    #[test]
    fn a_text_of_another_type_is_refused_as_a_string_field_is() {
        // The message `Option<String>` gives, which this reader replaced.
        let expected = serde_json::from_str::<Option<String>>("5")
            .unwrap_err()
            .to_string();
        assert_eq!(
            expected,
            "invalid type: integer `5`, expected a string at line 1 column 1"
        );
        let err = read(r#"{"id": "u", "text": 5}"#).unwrap_err();
        assert!(
            err.starts_with("invalid type: integer `5`, expected a string"),
            "{err}"
        );
        let err = read(r#"{"id": "u", "text": [1]}"#).unwrap_err();
        assert!(
            err.starts_with("invalid type: sequence, expected a string"),
            "{err}"
        );
    }
}
