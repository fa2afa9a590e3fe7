//! Serde adapters for the lenient value enums of [`crate::webhook`] when they appear in
//! request and reply bodies: read with `from_wire` (any spelling, unknown values kept in
//! `Other`), written with the one spelling of the body's generation.
//!
//! Use as `#[serde(with = "crate::spelling::v1")]` (or `v4`, `opt_v1`, `opt_v4` for an
//! `Option` field), and [`room_id_type`] / [`opt_room_id_type`] for `RoomIdType`.

use serde::{Deserialize, Deserializer, Serializer};

use crate::webhook::{CallResult, CallType, MediaType, RoomIdType, UserStatus};

/// A lenient enum with a spelling per generation.
pub(crate) trait Spelled: Sized {
    fn from_wire(text: &str) -> Self;
    fn v1(&self) -> &str;
    fn v4(&self) -> &str;
}

macro_rules! spelled {
    ($($ty:ty),+) => {
        $(impl Spelled for $ty {
            fn from_wire(text: &str) -> Self {
                <$ty>::from_wire(text)
            }
            fn v1(&self) -> &str {
                self.as_v1_str()
            }
            fn v4(&self) -> &str {
                self.as_v4_str()
            }
        })+
    };
}

spelled!(MediaType, CallType, CallResult, UserStatus);

fn read<'de, T: Spelled, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    // Borrowed when the text has no escapes, owned otherwise.
    let text = alloc::borrow::Cow::<'de, str>::deserialize(deserializer)?;
    Ok(T::from_wire(&text))
}

macro_rules! generation {
    ($module:ident, $opt:ident, $spelling:ident) => {
        pub(crate) mod $module {
            use super::*;

            pub(crate) fn serialize<T: Spelled, S: Serializer>(
                value: &T,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(value.$spelling())
            }

            pub(crate) fn deserialize<'de, T: Spelled, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<T, D::Error> {
                read(deserializer)
            }
        }

        pub(crate) mod $opt {
            use super::*;

            pub(crate) fn serialize<T: Spelled, S: Serializer>(
                value: &Option<T>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                match value {
                    Some(value) => serializer.serialize_str(value.$spelling()),
                    None => serializer.serialize_none(),
                }
            }

            pub(crate) fn deserialize<'de, T: Spelled, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Option<T>, D::Error> {
                Option::<alloc::borrow::Cow<'de, str>>::deserialize(deserializer)
                    .map(|text| text.map(|text| T::from_wire(&text)))
            }
        }
    };
}

generation!(v1, opt_v1, v1);
generation!(v4, opt_v4, v4);

/// `RoomIdType` as its integer code.
pub(crate) mod room_id_type {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        value: &RoomIdType,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(value.code())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<RoomIdType, D::Error> {
        i64::deserialize(deserializer).map(RoomIdType::from_code)
    }
}

/// An optional `RoomIdType` as its integer code.
pub(crate) mod opt_room_id_type {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<RoomIdType>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.serialize_i64(value.code()),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<RoomIdType>, D::Error> {
        Option::<i64>::deserialize(deserializer).map(|code| code.map(RoomIdType::from_code))
    }
}
