//! The callback URL's query string: reading the parameters both generations send, and
//! writing them for the emulator.
//!
//! Reading rules:
//! * decoded by [`crate::query::pairs`] (`application/x-www-form-urlencoded`; a pair with
//!   nothing to decode is borrowed), read by [`crate::query::read`].
//! * Parameter names match with ASCII case ignored, so `sdkappid` (v1) and `SdkAppid` (v4)
//!   are one parameter, as are `clientip`/`ClientIP`, `optplatform`/`OptPlatform`.
//! * A parameter we read that appears twice is an error (no "first wins").
//! * Parameters we do not read are ignored: the app's own URL may carry its own.

use alloc::borrow::Cow;
use alloc::string::String;

use super::Generation;
use super::error::{WebhookErrorKind, clip};
use crate::query::{NameCase, pairs, read};
use crate::swar;

/// The parameters of a callback URL that this module reads, decoded; borrowed from the
/// raw query unless decoding changed them.
#[derive(Debug, Default)]
pub(crate) struct Query<'a> {
    pub sdkappid: Option<Cow<'a, str>>,
    /// v1 `command`.
    pub command: Option<Cow<'a, str>>,
    /// v4 `CallbackCommand`.
    pub callback_command: Option<Cow<'a, str>>,
    pub client_ip: Option<Cow<'a, str>>,
    pub platform: Option<Cow<'a, str>>,
    pub sign: Option<Cow<'a, str>>,
    pub request_time: Option<Cow<'a, str>>,
}

/// The parameters [`Query`] reads, in its fields' order; names match with ASCII case
/// ignored.
const NAMES: [&str; 7] = [
    "sdkappid",
    "command",
    "callbackcommand",
    "clientip",
    "optplatform",
    "sign",
    "requesttime",
];

impl<'a> Query<'a> {
    pub fn parse(raw: &'a str) -> Result<Self, WebhookErrorKind> {
        Self::parse_plain(raw).unwrap_or_else(|| Self::parse_decoding(raw))
    }

    /// [`Query::parse`] through [`read`], decoding what needs it.
    fn parse_decoding(raw: &'a str) -> Result<Self, WebhookErrorKind> {
        let [
            sdkappid,
            command,
            callback_command,
            client_ip,
            platform,
            sign,
            request_time,
        ] = read(raw, NAMES, NameCase::IgnoreAscii).map_err(|repeated| {
            WebhookErrorKind::DuplicateParameter {
                name: clip(&repeated.name, 32),
            }
        })?;
        Ok(Self {
            sdkappid,
            command,
            callback_command,
            client_ip,
            platform,
            sign,
            request_time,
        })
    }

    /// [`Query::parse`] for a query with nothing to decode (no `%`, no `+`: what CallKit
    /// sends), split where it stands: the same pairs as [`crate::query::pairs`] gives (cut
    /// at each `&`, then at the first `=`; empty pairs skipped), every one borrowed, each
    /// name matched by its length first. `None` (having read part of it) if the query
    /// holds a `%` or a `+`.
    fn parse_plain(raw: &'a str) -> Option<Result<Self, WebhookErrorKind>> {
        let bytes = raw.as_bytes();
        // The `&` that ends a pair, the `=` that may end its name, or a byte to decode
        // (eight bytes at a time).
        let flags = |word| {
            swar::equal(word, b'&')
                | swar::equal(word, b'=')
                | swar::equal(word, b'%')
                | swar::equal(word, b'+')
        };
        let is = |byte| matches!(byte, b'&' | b'=' | b'%' | b'+');
        let mut query = Self::default();
        let mut start = 0;
        while start < bytes.len() {
            let (mut equals, mut from) = (None, start);
            let end = loop {
                let Some(at) = swar::find(bytes, from, flags, is) else {
                    break bytes.len();
                };
                match bytes.get(at) {
                    Some(b'&') => break at,
                    Some(b'=') => equals = equals.or(Some(at)),
                    _ => return None,
                }
                from = at + 1;
            };
            // `&` and `=` are ASCII: every cut falls on a character boundary.
            let (name, value) = match equals {
                Some(at) => (
                    raw.get(start..at).unwrap_or(""),
                    raw.get(at + 1..end).unwrap_or(""),
                ),
                None => (raw.get(start..end).unwrap_or(""), ""),
            };
            let empty = end == start;
            start = end + 1;
            if empty {
                continue;
            }
            let is = |wanted: &str| is_name(name.as_bytes(), wanted.as_bytes());
            let slot = match name.len() {
                4 if is("sign") => &mut query.sign,
                7 if is("command") => &mut query.command,
                8 if is("sdkappid") => &mut query.sdkappid,
                8 if is("clientip") => &mut query.client_ip,
                11 if is("optplatform") => &mut query.platform,
                11 if is("requesttime") => &mut query.request_time,
                15 if is("callbackcommand") => &mut query.callback_command,
                _ => continue,
            };
            if slot.is_some() {
                return Some(Err(WebhookErrorKind::DuplicateParameter {
                    name: clip(name, 32),
                }));
            }
            *slot = Some(Cow::Borrowed(value));
        }
        Some(Ok(query))
    }

    /// The generation the command parameter names.
    pub fn generation(&self) -> Result<Generation, WebhookErrorKind> {
        match (&self.command, &self.callback_command) {
            (Some(_), None) => Ok(Generation::V1),
            (None, Some(_)) => Ok(Generation::V4),
            (Some(_), Some(_)) => Err(WebhookErrorKind::AmbiguousGeneration),
            (None, None) => Err(WebhookErrorKind::UnknownGeneration),
        }
    }
}

/// Whether `sent` is `wanted` (lower-case ASCII letters, 4 to 16 of them) with ASCII case
/// ignored, as `eq_ignore_ascii_case` says, a word at a time: a byte with the case bit
/// (0x20) set equals a lower-case letter exactly when it is that letter in either case.
/// The first and the last four or eight bytes, overlapping, cover the whole name.
fn is_name(sent: &[u8], wanted: &[u8]) -> bool {
    if sent.len() != wanted.len() {
        return false;
    }
    const CASE: u64 = u64::from_ne_bytes([0x20; 8]);
    let same8 = |a: Option<&[u8; 8]>, b: Option<&[u8; 8]>| match (a, b) {
        (Some(a), Some(b)) => u64::from_le_bytes(*a) | CASE == u64::from_le_bytes(*b),
        _ => false,
    };
    let same4 = |a: Option<&[u8; 4]>, b: Option<&[u8; 4]>| match (a, b) {
        (Some(a), Some(b)) => u32::from_le_bytes(*a) | 0x2020_2020 == u32::from_le_bytes(*b),
        _ => false,
    };
    match sent.len() {
        8..=16 => {
            same8(sent.first_chunk(), wanted.first_chunk())
                && same8(sent.last_chunk(), wanted.last_chunk())
        }
        4..8 => {
            same4(sent.first_chunk(), wanted.first_chunk())
                && same4(sent.last_chunk(), wanted.last_chunk())
        }
        _ => sent.eq_ignore_ascii_case(wanted),
    }
}

/// The generation a query names, read so that even a 405 or a 413 is answered in the
/// sender's shape. Never fails: `None` if it cannot tell.
pub(crate) fn sniff_generation(raw: &str) -> Option<Generation> {
    let mut found = None;
    for (name, _) in pairs(raw) {
        let this = if name.eq_ignore_ascii_case("command") {
            Generation::V1
        } else if name.eq_ignore_ascii_case("callbackcommand") {
            Generation::V4
        } else {
            continue;
        };
        match found {
            Some(g) if g != this => return None,
            _ => found = Some(this),
        }
    }
    found
}

/// Writes parameters in the given order, percent-encoded (space as `+`).
pub(crate) fn write<'a>(pairs: impl IntoIterator<Item = (&'a str, Cow<'a, str>)>) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        out.append_pair(name, &value);
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any query (split where it stands if it has no `%` or `+`): the same
        /// parameters, or the same error, as read through the decoding reader.
        #[test]
        fn any_query_reads_as_the_decoding_reader_reads_it(
            raw in "((sign|command|Command|sdkappid|SdkAppid|clientip|ClientIP|optplatform|\
                      OptPlatform|requesttime|callbackcommand|CallbackCommand|x|\u{e9}|)\
                     (=[a-z0-9=.%+\u{e9}]{0,4})?&{0,2}){0,8}",
        ) {
            let parsed = alloc::format!("{:?}", Query::parse(&raw));
            let decoding = alloc::format!("{:?}", Query::parse_decoding(&raw));
            prop_assert_eq!(parsed, decoding);
        }
    }

    #[test]
    fn names_are_compared_as_eq_ignore_ascii_case_compares_them() {
        let wanted = NAMES.map(str::as_bytes);
        for name in wanted {
            for at in 0..name.len() {
                for byte in 0..=255u8 {
                    let mut sent = name.to_vec();
                    sent[at] = byte;
                    assert_eq!(
                        is_name(&sent, name),
                        sent.eq_ignore_ascii_case(name),
                        "{sent:?}"
                    );
                }
            }
            let upper = name.to_ascii_uppercase();
            assert!(is_name(&upper, name));
            assert!(!is_name(&name[1..], name));
        }
    }

    #[test]
    fn the_plain_split_takes_what_the_decoding_reader_takes() {
        for raw in [
            "",
            "&",
            "sdkappid",
            "sdkappid=",
            "=1",
            "sdkappid=1=2&&command=a",
            "sdkappid=1&SDKAPPID=2",
            "sign=a&Sign=b",
            "SdkAppid=1400000000&CallbackCommand=Call.CallbackAfterMemberChanged&contenttype=json",
            "sdkappid=1&command=a+b",
            "sdkappid=1&sdkappid=2&command=a%20b",
            "command=%41&command=A",
        ] {
            assert_eq!(
                alloc::format!("{:?}", Query::parse(raw)),
                alloc::format!("{:?}", Query::parse_decoding(raw)),
                "{raw}"
            );
        }
    }

    #[test]
    fn decodes_percent_and_plus() {
        let q = Query::parse("sdkappid=1&command=a%5Fb&clientip=1.2.3.4+x&extra=%zz").unwrap();
        assert_eq!(q.command.as_deref(), Some("a_b"));
        assert_eq!(q.client_ip.as_deref(), Some("1.2.3.4 x"));
    }

    #[test]
    fn names_match_without_case_and_duplicates_are_refused() {
        let q = Query::parse("SdkAppid=7&CallbackCommand=x&ClientIP=i&OptPlatform=Web").unwrap();
        assert_eq!(q.sdkappid.as_deref(), Some("7"));
        assert_eq!(q.generation(), Ok(Generation::V4));
        assert_eq!(
            Query::parse("sdkappid=1&SdkAppid=2").unwrap_err(),
            WebhookErrorKind::DuplicateParameter {
                name: "SdkAppid".into()
            }
        );
        // Parameters we do not read may repeat.
        assert!(Query::parse("x=1&x=2&sdkappid=1").is_ok());
    }

    #[test]
    fn generation_comes_from_the_command_parameter() {
        assert_eq!(
            sniff_generation("sdkappid=1&command=x"),
            Some(Generation::V1)
        );
        assert_eq!(sniff_generation("CallbackCommand=x"), Some(Generation::V4));
        assert_eq!(sniff_generation("command=x&CallbackCommand=y"), None);
        assert_eq!(sniff_generation(""), None);
    }

    #[test]
    fn writes_what_it_reads() {
        let s = write([("a", Cow::Borrowed("x y+z&")), ("b", Cow::Borrowed("é"))]);
        assert_eq!(s, "a=x+y%2Bz%26&b=%C3%A9");
    }
}
