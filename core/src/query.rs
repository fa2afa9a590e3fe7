//! Query strings, read one way everywhere: [`pairs`] decodes them, [`read`] picks the
//! parameters a reader wants (each at most once). On top of them, [`SignedQuery::parse`]
//! reads the five parameters every API request carries (`sdkappid`, `identifier`,
//! `usersig`, `random`, `contenttype`), the inverse of
//! [`crate::request::build_request`]'s query. The emulator reads API requests with
//! [`read`], the webhook parser callback URLs.
//!
//! Decoding is `application/x-www-form-urlencoded`: `%XX` escapes and `+` as a space;
//! bytes that are not UTF-8 after decoding become U+FFFD. A pair with nothing to decode
//! (no `%`, no `+`: what CallKit and callkit send) is borrowed, not copied.

use alloc::borrow::Cow;
use alloc::string::String;
use core::fmt;

use crate::swar;

/// The decoded name/value pairs of `raw` (a query string without the `?`), in order;
/// empty pairs (`a=1&&b=2`) are skipped and a pair without `=` has an empty value.
///
/// ```
/// use callkit_core::query::pairs;
/// let read: Vec<_> = pairs("a=1&b=x+y%21&c").collect();
/// assert_eq!(read, [("a".into(), "1".into()), ("b".into(), "x y!".into()), ("c".into(), "".into())]);
/// ```
pub fn pairs(raw: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    Pairs { rest: raw }
}

/// The iterator behind [`pairs`]: each pair is found in one pass over its bytes, which
/// stops only at the bytes that matter (its end, its first `=`, what needs decoding).
struct Pairs<'q> {
    /// What is left after the pairs read so far.
    rest: &'q str,
}

impl<'q> Iterator for Pairs<'q> {
    type Item = (Cow<'q, str>, Cow<'q, str>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let bytes = self.rest.as_bytes();
            let (mut end, mut equals, mut encoded) = (bytes.len(), None, false);
            let mut from = 0;
            while let Some(at) = next_mark(bytes, from) {
                match bytes.get(at) {
                    Some(b'&') => {
                        end = at;
                        break;
                    }
                    Some(b'=') if equals.is_none() => equals = Some(at),
                    Some(b'%' | b'+') => encoded = true,
                    _ => {}
                }
                from = at + 1;
            }
            // `&` and `=` are ASCII: both splits fall on character boundaries.
            let pair = self.rest.get(..end).unwrap_or("");
            self.rest = self.rest.get(end + 1..).unwrap_or("");
            if pair.is_empty() {
                continue;
            }
            if encoded {
                // One pair (no `&` inside), so the crate yields exactly one item.
                return Some(
                    form_urlencoded::parse(pair.as_bytes())
                        .next()
                        .unwrap_or_default(),
                );
            }
            let (name, value) = match equals {
                Some(at) => (
                    pair.get(..at).unwrap_or(""),
                    pair.get(at + 1..).unwrap_or(""),
                ),
                None => (pair, ""),
            };
            return Some((Cow::Borrowed(name), Cow::Borrowed(value)));
        }
    }
}

/// The index of the first `&`, `=`, `%` or `+` in `bytes` from `from` on, eight bytes at
/// a time.
fn next_mark(bytes: &[u8], from: usize) -> Option<usize> {
    let mark = |byte| matches!(byte, b'&' | b'=' | b'%' | b'+');
    let marks = |word| {
        swar::equal(word, b'&')
            | swar::equal(word, b'=')
            | swar::equal(word, b'%')
            | swar::equal(word, b'+')
    };
    swar::find(bytes, from, marks, mark)
}

/// How [`read`] matches parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameCase {
    /// Exactly (API requests: `sdkappid`, `usersig`...).
    Exact,
    /// ASCII case ignored (callback URLs: v1 `sdkappid` and v4 `SdkAppid` are one name).
    IgnoreAscii,
}

impl NameCase {
    fn same(self, sent: &str, wanted: &str) -> bool {
        match self {
            NameCase::Exact => sent == wanted,
            NameCase::IgnoreAscii => sent.eq_ignore_ascii_case(wanted),
        }
    }
}

/// A parameter [`read`] wanted appeared more than once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeated<'q> {
    /// Its index in the names [`read`] was given.
    pub index: usize,
    /// The name as sent the second time (decoded).
    pub name: Cow<'q, str>,
}

/// The values of the parameters named in `names`, in that order (`None`: absent), read
/// with [`pairs`]; other parameters are ignored. A wanted parameter sent twice is an
/// error, never "first wins": two readers could otherwise disagree on which counts.
///
/// ```
/// use callkit_core::query::{NameCase, read};
/// let [id, user] = read("sdkappid=7&x=1&user=bob", ["sdkappid", "user"], NameCase::Exact).unwrap();
/// assert_eq!((id.as_deref(), user.as_deref()), (Some("7"), Some("bob")));
/// let repeated = read("SdkAppid=7&sdkappid=8", ["sdkappid"], NameCase::IgnoreAscii).unwrap_err();
/// assert_eq!((repeated.index, repeated.name.as_ref()), (0, "sdkappid"));
/// ```
pub fn read<'q, const N: usize>(
    raw: &'q str,
    names: [&str; N],
    case: NameCase,
) -> Result<[Option<Cow<'q, str>>; N], Repeated<'q>> {
    let mut values: [Option<Cow<'q, str>>; N] = core::array::from_fn(|_| None);
    for (name, value) in pairs(raw) {
        let Some(index) = names.iter().position(|wanted| case.same(&name, wanted)) else {
            continue;
        };
        let Some(slot) = values.get_mut(index) else {
            continue;
        };
        if slot.is_some() {
            return Err(Repeated { index, name });
        }
        *slot = Some(value);
    }
    Ok(values)
}

/// Why a query string is not a valid CallKit signed query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// A required parameter is absent (names are case-sensitive).
    #[error("the query parameter `{0}` is missing")]
    Missing(&'static str),
    /// A parameter appears more than once.
    #[error("the query parameter `{0}` appears more than once")]
    Duplicate(&'static str),
    /// A parameter's value is malformed (not a number, or `contenttype` other than
    /// `json`).
    #[error("the query parameter `{0}` has an invalid value")]
    Invalid(&'static str),
}

/// The five parameters of a CallKit request's query. `Debug` redacts the UserSig.
///
/// ```
/// use callkit_core::query::SignedQuery;
/// let q = SignedQuery::parse(
///     "sdkappid=1400000000&identifier=administrator&usersig=eJw*x&random=7&contenttype=json",
/// ).unwrap();
/// assert_eq!((q.sdkappid, q.identifier.as_str(), q.usersig(), q.random),
///            (1400000000, "administrator", "eJw*x", 7));
/// assert!(!format!("{q:?}").contains("eJw"));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedQuery {
    /// `sdkappid`: the application.
    pub sdkappid: u32,
    /// `identifier`: the admin account the UserSig was issued to (percent-decoded).
    pub identifier: String,
    usersig: String,
    /// `random`: the caller's per-request random number.
    pub random: u32,
}

impl SignedQuery {
    /// Reads a query string (without the `?`) with [`read`]. Unknown parameters are
    /// ignored; the five documented ones are required, once each, and `contenttype` must
    /// be `json`.
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        let [sdkappid, identifier, usersig, random, content_type] =
            read(query, SIGNED_NAMES, NameCase::Exact).map_err(|repeated| {
                QueryError::Duplicate(SIGNED_NAMES.get(repeated.index).copied().unwrap_or(""))
            })?;
        let content_type = content_type.ok_or(QueryError::Missing("contenttype"))?;
        if content_type != "json" {
            return Err(QueryError::Invalid("contenttype"));
        }
        Ok(SignedQuery {
            sdkappid: number("sdkappid", sdkappid)?,
            identifier: identifier
                .ok_or(QueryError::Missing("identifier"))?
                .into_owned(),
            usersig: usersig.ok_or(QueryError::Missing("usersig"))?.into_owned(),
            random: number("random", random)?,
        })
    }

    /// The UserSig, decoded; verify it, never log it.
    pub fn usersig(&self) -> &str {
        &self.usersig
    }
}

/// The five parameters of an API request's query, in [`SignedQuery`]'s order.
pub const SIGNED_NAMES: [&str; 5] = ["sdkappid", "identifier", "usersig", "random", "contenttype"];

fn number(name: &'static str, value: Option<Cow<'_, str>>) -> Result<u32, QueryError> {
    let value = value.ok_or(QueryError::Missing(name))?;
    // Plain decimal digits only: `u32::from_str` would also take a leading `+`.
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QueryError::Invalid(name));
    }
    value.parse().map_err(|_| QueryError::Invalid(name))
}

impl fmt::Debug for SignedQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedQuery")
            .field("sdkappid", &self.sdkappid)
            .field("identifier", &self.identifier)
            .field("usersig", &"<redacted>")
            .field("random", &self.random)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "sdkappid=1&identifier=a%26b&usersig=s&random=4294967295&contenttype=json";

    #[test]
    fn pairs_read_like_form_urlencoded() {
        for raw in [
            "a=1&b=x%20y&c=p+q&&d&e=&=f&g=h=i&%zz=%&\u{e9}=%C3%A9&j=%FF&k=%2",
            "",
            "&&",
            "SdkAppid=1400000000&CallbackCommand=Call.CallbackAfterMemberChanged",
        ] {
            let ours: alloc::vec::Vec<_> = pairs(raw).collect();
            let crates: alloc::vec::Vec<_> = form_urlencoded::parse(raw.as_bytes()).collect();
            assert_eq!(ours, crates, "{raw}");
        }
    }

    proptest::proptest! {
        /// Any query made of the bytes that matter (and a few others): the same pairs as
        /// the crate reads.
        #[test]
        fn any_query_reads_like_form_urlencoded(raw in "[a=&%+2Fé]{0,40}") {
            let ours: alloc::vec::Vec<_> = pairs(&raw).collect();
            let crates: alloc::vec::Vec<_> = form_urlencoded::parse(raw.as_bytes()).collect();
            proptest::prop_assert_eq!(ours, crates);
        }
    }

    #[test]
    fn reads_and_decodes() {
        let q = SignedQuery::parse(OK).unwrap();
        assert_eq!(
            (q.sdkappid, q.identifier.as_str(), q.usersig(), q.random),
            (1, "a&b", "s", u32::MAX)
        );
        let extra = alloc::format!("x=1&{OK}&y");
        assert_eq!(SignedQuery::parse(&extra), Ok(q));
    }

    #[test]
    fn refuses_what_the_service_would() {
        use QueryError::*;
        let without = |name: &str| {
            OK.split('&')
                .filter(|p| !p.starts_with(name))
                .collect::<alloc::vec::Vec<_>>()
                .join("&")
        };
        for name in ["sdkappid", "identifier", "usersig", "random", "contenttype"] {
            assert!(matches!(SignedQuery::parse(&without(name)), Err(Missing(n)) if n == name));
        }
        assert_eq!(
            SignedQuery::parse(&alloc::format!("{OK}&random=1")),
            Err(Duplicate("random"))
        );
        let bad = OK.replace("random=4294967295", "random=4294967296");
        assert_eq!(SignedQuery::parse(&bad), Err(Invalid("random")));
        let bad = OK.replace("sdkappid=1", "sdkappid=+1");
        assert_eq!(SignedQuery::parse(&bad), Err(Invalid("sdkappid")));
        let bad = OK.replace("contenttype=json", "contenttype=JSON");
        assert_eq!(SignedQuery::parse(&bad), Err(Invalid("contenttype")));
        // Not UTF-8 once decoded: read as U+FFFD, so such a UserSig cannot verify.
        let bad = OK.replace("usersig=s", "usersig=%ff");
        assert_eq!(SignedQuery::parse(&bad).unwrap().usersig(), "\u{FFFD}");
        // Names are case-sensitive.
        let bad = OK.replace("usersig=", "UserSig=");
        assert_eq!(SignedQuery::parse(&bad), Err(Missing("usersig")));
    }
}
