//! serde helpers that read webhook fields the way the docs' disagreements require:
//! ids as strings *or* numbers, integers as numbers *or* digit strings, `null` as missing.
//!
//! They are used through `#[serde(deserialize_with = ...)]` on the private wire structs, so
//! a value that cannot be read still fails inside serde_json and its error keeps the line
//! and column.

use alloc::string::{String, ToString};
use core::fmt;
use serde::de::{self, Deserializer, Visitor};

use super::values::Timestamp;

/// An id (`User_Account`, `RoomId`, …): a string, or a number kept as its decimal text.
/// `null` reads as the empty string.
///
/// Integers go through `u64`/`i64` exactly. A number beyond that range, or one written
/// with a fraction or exponent, reaches us as an `f64` (serde_json without
/// `arbitrary_precision`) and is kept as Rust's shortest text for that `f64`, so digits past
/// about the 17th may differ from the sender's.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct IdVisitor;
    impl Visitor<'_> for IdVisitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(String::from(v))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_unit<E: de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
    }
    d.deserialize_any(IdVisitor)
}

/// A list of ids (`CalleeList_Account`); `null` reads as an empty list.
pub(crate) fn id_list<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<alloc::vec::Vec<String>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Id(#[serde(deserialize_with = "id")] String);
    let ids: Option<alloc::vec::Vec<Id>> = serde::Deserialize::deserialize(d)?;
    Ok(ids.unwrap_or_default().into_iter().map(|Id(s)| s).collect())
}

/// A text value for an enum field; `null` and `""` read as missing.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(value.filter(|s| !s.is_empty()))
}

/// An integer given as a JSON integer, an integral float, or a string of digits;
/// `null` and `""` read as missing.
pub(crate) fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i128>, D::Error> {
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
pub(crate) fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    unsigned::<D, u32>(d)
}

/// A signed code such as `RoomIdType`.
pub(crate) fn code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match int(d)? {
        None => Ok(None),
        Some(v) => i64::try_from(v)
            .map(Some)
            .map_err(|_| de::Error::custom(alloc::format!("integer {v} out of range"))),
    }
}

/// A time in seconds; `0`, `null` and missing all mean "no time".
pub(crate) fn secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    match unsigned::<D, u64>(d)? {
        None | Some(0) => Ok(None),
        Some(s) => Timestamp::from_secs(s)
            .map(Some)
            .ok_or_else(|| de::Error::custom(alloc::format!("time {s} s is out of range"))),
    }
}

/// A time in milliseconds; `0`, `null` and missing all mean "no time".
pub(crate) fn millis<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(unsigned::<D, u64>(d)?
        .filter(|&ms| ms != 0)
        .map(Timestamp::from_millis))
}

/// Writes an optional time as seconds (the v1 and record wire unit).
pub(crate) fn write_secs<S: serde::Serializer>(
    t: &Option<Timestamp>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_u64(t.as_secs()),
        None => s.serialize_u64(0),
    }
}

/// Writes an optional time as milliseconds (the v4 webhook wire unit).
pub(crate) fn write_millis<S: serde::Serializer>(
    t: &Option<Timestamp>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_u64(t.as_millis()),
        None => s.serialize_u64(0),
    }
}
