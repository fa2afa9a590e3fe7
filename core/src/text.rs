//! [`Text`] and [`TextList`]: the owned strings, and lists of them, that call records
//! hold (call ids, user ids, room ids, callees).
//!
//! A page of 100 records holds hundreds of them. As `String`s and `Vec`s, reading a page
//! cost 600 allocations; with these, a record whose ids are at most 40 bytes and whose
//! callees are at most two costs none.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::{Deref, DerefMut};

use arrayvec::ArrayString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smallvec::SmallVec;

/// An owned, immutable string that keeps up to 40 bytes inline (a UUID call id has 36)
/// and only longer ones on the heap: the type of the call ids, user ids and room ids in
/// call records.
///
/// A `Text` derefs to `str`, compares with `str` and `String`, and converts from and
/// into `String`.
///
/// ```
/// use callkit_core::text::Text;
/// let user = Text::from("user1");
/// assert_eq!(user, "user1");
/// assert!(user.starts_with("user"));
/// let owned: String = user.into();
/// assert_eq!(owned, "user1");
/// ```
#[derive(Clone)]
pub struct Text(Repr);

/// How many bytes a [`Text`] keeps inline: a UUID call id (36) fits, and 40 is the most
/// that keeps a `Text` at 48 bytes.
const INLINE: usize = 40;

#[derive(Clone)]
enum Repr {
    /// Up to [`INLINE`] bytes.
    Inline(ArrayString<INLINE>),
    /// Anything longer.
    Heap(Box<str>),
}

impl Default for Text {
    fn default() -> Self {
        Self(Repr::Inline(ArrayString::new()))
    }
}

impl Text {
    /// The text, borrowed.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline(text) => text.as_str(),
            Repr::Heap(text) => text,
        }
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Takes a string, borrowed or owned (a long owned one is kept, not copied).
        struct TextVisitor;

        impl serde::de::Visitor<'_> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Text, E> {
                Ok(Text::from(text))
            }

            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Text, E> {
                Ok(Text::from(text))
            }
        }

        deserializer.deserialize_str(TextVisitor)
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
        match ArrayString::from(text) {
            Ok(inline) => Self(Repr::Inline(inline)),
            Err(_) => Self(Repr::Heap(Box::from(text))),
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        if text.len() <= INLINE {
            Self::from(text.as_str())
        } else {
            Self(Repr::Heap(text.into_boxed_str()))
        }
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Self::from(text.as_str())
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        match text.0 {
            Repr::Inline(text) => String::from(text.as_str()),
            Repr::Heap(text) => String::from(text),
        }
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

/// An owned list of [`Text`]s that keeps up to two inline and only longer lists on the
/// heap: a record's callees (a one-to-one call's v4 record lists two: the caller and the
/// callee).
///
/// It derefs to a slice of `Text`s, collects from anything that converts into `Text`,
/// and compares with arrays, slices and vectors of anything a `Text` compares with.
///
/// ```
/// use callkit_core::text::TextList;
/// let mut callees: TextList = ["user1", "user2"].into_iter().collect();
/// callees.push("user3");
/// assert_eq!(callees, ["user1", "user2", "user3"]);
/// assert!(callees.iter().any(|callee| callee == "user2"));
/// let owned: Vec<String> = callees.into_iter().map(String::from).collect();
/// assert_eq!(owned, ["user1", "user2", "user3"]);
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TextList(SmallVec<[Text; 2]>);

impl TextList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `text` at the end.
    pub fn push(&mut self, text: impl Into<Text>) {
        self.0.push(text.into());
    }
}

impl Deref for TextList {
    type Target = [Text];

    fn deref(&self) -> &[Text] {
        &self.0
    }
}

impl DerefMut for TextList {
    fn deref_mut(&mut self) -> &mut [Text] {
        &mut self.0
    }
}

impl fmt::Debug for TextList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Into<Text>> FromIterator<T> for TextList {
    fn from_iter<I: IntoIterator<Item = T>>(texts: I) -> Self {
        Self(texts.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Text>> Extend<T> for TextList {
    fn extend<I: IntoIterator<Item = T>>(&mut self, texts: I) {
        self.0.extend(texts.into_iter().map(Into::into));
    }
}

impl From<Vec<Text>> for TextList {
    fn from(texts: Vec<Text>) -> Self {
        Self(SmallVec::from_vec(texts))
    }
}

impl From<TextList> for Vec<Text> {
    fn from(texts: TextList) -> Self {
        texts.0.into_vec()
    }
}

impl<'a> IntoIterator for &'a TextList {
    type Item = &'a Text;
    type IntoIter = core::slice::Iter<'a, Text>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for TextList {
    type Item = Text;
    type IntoIter = TextListIntoIter;

    fn into_iter(self) -> TextListIntoIter {
        TextListIntoIter(self.0.into_iter())
    }
}

/// The owning iterator of a [`TextList`].
pub struct TextListIntoIter(smallvec::IntoIter<[Text; 2]>);

impl Iterator for TextListIntoIter {
    type Item = Text;

    fn next(&mut self) -> Option<Text> {
        self.0.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for TextListIntoIter {
    fn next_back(&mut self) -> Option<Text> {
        self.0.next_back()
    }
}

impl ExactSizeIterator for TextListIntoIter {}

impl fmt::Debug for TextListIntoIter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.as_slice()).finish()
    }
}

impl<T, const N: usize> PartialEq<[T; N]> for TextList
where
    Text: PartialEq<T>,
{
    fn eq(&self, other: &[T; N]) -> bool {
        self[..] == other[..]
    }
}

impl<T> PartialEq<[T]> for TextList
where
    Text: PartialEq<T>,
{
    fn eq(&self, other: &[T]) -> bool {
        self[..] == *other
    }
}

impl<T> PartialEq<Vec<T>> for TextList
where
    Text: PartialEq<T>,
{
    fn eq(&self, other: &Vec<T>) -> bool {
        self[..] == other[..]
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
            &"x".repeat(40),
            &"y".repeat(41),
            // A two-byte character ending at byte 40, and one crossing it.
            &alloc::format!("{}é", "x".repeat(38)),
            &alloc::format!("{}é", "x".repeat(39)),
            "04c9a0ac-8e38-4a19-be45-349c5ce7911b",
            "用户",
        ] {
            let value = Text::from(text);
            assert_eq!(value.as_str(), text);
            assert_eq!(value, text);
            assert_eq!(String::from(value.clone()), text);
            assert_eq!(Text::from(text.to_string()), value);
            assert_eq!(Text::from(&text.to_string()), value);
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

    #[test]
    fn texts_are_48_bytes_with_40_inline() {
        assert_eq!(core::mem::size_of::<Text>(), 48);
        assert!(matches!(
            Text::from("x".repeat(40).as_str()).0,
            Repr::Inline(_)
        ));
        assert!(matches!(Text::from("x".repeat(41)).0, Repr::Heap(_)));
    }

    #[test]
    fn lists_of_any_length_read_back_and_compare_as_given() {
        for len in 0..5 {
            let words: Vec<String> = (0..len).map(|i| alloc::format!("user{i}")).collect();
            let list: TextList = words.iter().map(String::as_str).collect();
            assert_eq!(list.len(), len);
            assert_eq!(list, words);
            assert_eq!(list, *words.as_slice());
            assert_eq!(alloc::format!("{list:?}"), alloc::format!("{words:?}"));
            let json = serde_json::to_string(&list).unwrap();
            assert_eq!(json, serde_json::to_string(&words).unwrap());
            assert_eq!(serde_json::from_str::<TextList>(&json).unwrap(), list);
            let back: Vec<Text> = list.clone().into();
            assert_eq!(TextList::from(back), list);
            assert_eq!(list.clone().into_iter().rev().len(), len);
            let owned: Vec<String> = list.into_iter().map(String::from).collect();
            assert_eq!(owned, words);
        }
    }

    #[test]
    fn lists_grow_and_compare_with_arrays() {
        let mut list = TextList::new();
        list.push("a");
        list.extend(["b", "c"]);
        assert_eq!(list, ["a", "b", "c"]);
        assert_ne!(list, ["a", "b"]);
        list.sort_by(|x, y| y.cmp(x));
        assert_eq!(list, ["c", "b", "a"]);
        assert_eq!((&list).into_iter().count(), 3);
        assert!(serde_json::from_str::<TextList>(r#"["a", 1]"#).is_err());
    }
}
