//! The webhook bodies' field types as they travel, each reading itself the way the docs'
//! disagreements require: ids as strings *or* numbers, integers as numbers *or* digit
//! strings, `null` as missing, times in the wire's unit with `0` meaning "no time".
//!
//! The private wire structs are made of these newtypes, so a field reads
//! `call_id: WireId` and a value that cannot be read still fails inside serde_json, whose
//! error keeps the line and column. Each newtype is `Default` (a missing field).

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

wire_newtype!(
    /// An id (`User_Account`, `RoomId`, …): a string, or a number kept as its decimal
    /// text; `null` reads as `""`. Written as a string.
    #[derive(Serialize)]
    #[serde(transparent)]
    WireId(String) read by id
);

wire_newtype!(
    /// A text value for an enum field; `null` and `""` read as `None`, written as `null`.
    #[derive(Serialize)]
    #[serde(transparent)]
    WireText(Option<String>) read by text, left out if is_none
);

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
fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
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
            Ok(id_from_u64(v))
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

/// A text value for an enum field; `null` and `""` read as missing.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value: Option<String> = serde::Deserialize::deserialize(d)?;
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
