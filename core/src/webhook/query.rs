//! The callback URL's query string: reading the parameters both generations send, and
//! writing them for the emulator.
//!
//! Reading rules:
//! * `application/x-www-form-urlencoded` decoding (`%XX`, `+` as space) by the
//!   `form_urlencoded` crate; bytes that are not UTF-8 after decoding become U+FFFD.
//! * Parameter names match with ASCII case ignored, so `sdkappid` (v1) and `SdkAppid` (v4)
//!   are one parameter, as are `clientip`/`ClientIP`, `optplatform`/`OptPlatform`.
//! * A parameter we read that appears twice is an error (no "first wins").
//! * Parameters we do not read are ignored: the app's own URL may carry its own.

use alloc::borrow::Cow;
use alloc::string::String;

use super::Generation;
use super::error::{WebhookErrorKind, clip};

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

impl<'a> Query<'a> {
    pub fn parse(raw: &'a str) -> Result<Self, WebhookErrorKind> {
        let mut q = Self::default();
        for (name, value) in pairs(raw) {
            let slot = match q.slot(&name) {
                Some(slot) => slot,
                None => continue,
            };
            if slot.is_some() {
                return Err(WebhookErrorKind::DuplicateParameter {
                    name: clip(&name, 32),
                });
            }
            *slot = Some(value);
        }
        Ok(q)
    }

    fn slot(&mut self, name: &str) -> Option<&mut Option<Cow<'a, str>>> {
        let is = |known: &str| name.eq_ignore_ascii_case(known);
        Some(if is("sdkappid") {
            &mut self.sdkappid
        } else if is("command") {
            &mut self.command
        } else if is("callbackcommand") {
            &mut self.callback_command
        } else if is("clientip") {
            &mut self.client_ip
        } else if is("optplatform") {
            &mut self.platform
        } else if is("sign") {
            &mut self.sign
        } else if is("requesttime") {
            &mut self.request_time
        } else {
            return None;
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

/// The decoded name/value pairs of `raw`, exactly as `form_urlencoded::parse` gives them.
/// A pair with nothing to decode (no `%`, no `+`: what CallKit sends) is borrowed as is:
/// `raw` is already UTF-8, so the crate's lossy decoding could not change it. Any other
/// pair goes through the crate.
fn pairs(raw: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    raw.split('&').filter(|pair| !pair.is_empty()).map(|pair| {
        if pair.bytes().any(|b| b == b'%' || b == b'+') {
            // One pair (no `&` inside), so the crate yields exactly one item.
            form_urlencoded::parse(pair.as_bytes())
                .next()
                .unwrap_or_default()
        } else {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (Cow::Borrowed(name), Cow::Borrowed(value))
        }
    })
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

    #[test]
    fn writes_what_it_reads() {
        let s = write([("a", Cow::Borrowed("x y+z&")), ("b", Cow::Borrowed("é"))]);
        assert_eq!(s, "a=x+y%2Bz%26&b=%C3%A9");
    }
}
