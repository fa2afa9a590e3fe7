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
    use super::*;

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
