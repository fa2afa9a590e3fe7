//! [`Text`]: the owned string of call records' identifiers.

use alloc::string::String;
use core::borrow::Borrow;
use core::fmt;
use core::ops::Deref;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// An owned, immutable string that keeps up to 24 bytes (12 on 32-bit targets) inline
/// and only longer ones on the heap: the type of the call ids, user ids and room ids in
/// call records.
///
/// Those are short, and a page of records holds hundreds of them: as `String`s, a page
/// of 100 records cost 600 allocations. A `Text` derefs to `str`, compares with `str`
/// and `String`, and converts from and into `String`.
///
/// ```
/// use callkit_core::text::Text;
/// let user = Text::from("user1");
/// assert_eq!(user, "user1");
/// assert!(user.starts_with("user"));
/// let owned: String = user.into();
/// assert_eq!(owned, "user1");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(CompactString);

impl Text {
    /// The text, borrowed.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self(CompactString::from(text))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self(CompactString::from(text))
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Self::from(text.as_str())
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.0.into_string()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn short_and_long_texts_read_back_as_given() {
        for text in [
            "",
            "369",
            "user1",
            &"x".repeat(24),
            &"y".repeat(25),
            "04c9a0ac-8e38-4a19-be45-349c5ce7911b",
            "用户",
        ] {
            let value = Text::from(text);
            assert_eq!(value.as_str(), text);
            assert_eq!(value, text);
            assert_eq!(String::from(value.clone()), text);
            assert_eq!(Text::from(text.to_string()), value);
            assert_eq!(value.to_string(), text);
            assert_eq!(alloc::format!("{value:?}"), alloc::format!("{text:?}"));
        }
    }

    #[test]
    fn serialises_as_a_plain_json_string() {
        let value = Text::from("roomid-1434");
        assert_eq!(serde_json::to_string(&value).unwrap(), r#""roomid-1434""#);
        let back: Text = serde_json::from_str(r#""roomid-\u0031434""#).unwrap();
        assert_eq!(back, "roomid-1434");
        assert!(serde_json::from_str::<Text>("1").is_err());
    }

    #[test]
    fn orders_and_hashes_as_its_str() {
        let mut texts = [Text::from("b"), Text::from("a"), Text::from("c")];
        texts.sort();
        assert_eq!(texts, ["a", "b", "c"]);
        let set: alloc::collections::BTreeSet<Text> = texts.iter().cloned().collect();
        assert!(set.contains("b"));
    }
}
