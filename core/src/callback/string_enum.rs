//! `string_enum!`: an enum of documented string values plus `Other(String)`.
//!
//! Serialized exactly as documented; parsed leniently: the exact spelling first, then
//! ASCII case-insensitively (the docs' tables capitalise values their examples do not),
//! and anything else is kept verbatim in `Other`, so a value Tencent adds later
//! survives a get-then-set round trip.

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $( $(#[$doc:meta])* $variant:ident = $text:literal, )* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$doc])* $variant, )*
            /// A value this version of the SDK does not know, kept as received.
            Other(alloc::string::String),
        }

        impl $name {
            /// Every documented value, in the documentation's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(other) => other,
                }
            }

            /// Reads a value leniently (exact, then ASCII case-insensitive, else `Other`).
            pub fn parse(s: &str) -> Self {
                match s {
                    $($text => return $name::$variant,)*
                    _ => {}
                }
                $(if s.eq_ignore_ascii_case($text) { return $name::$variant; })*
                $name::Other(alloc::string::String::from(s))
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::parse(v))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}
