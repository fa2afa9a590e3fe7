//! A small, strict checker for absolute `http`/`https` URLs.
//!
//! The core needs to check two kinds of URL: the base URL of a custom server
//! ([`crate::region::BaseUrl`]) and the callback address an app registers with CallKit.
//! Neither needs a full URL library (and the `url` crate needs std): this module splits
//! `scheme://[userinfo@]host[:port][/path][?query][#fragment]` and refuses anything that is
//! not a valid RFC 3986 URI character, so what we send is what the service will see.

/// Why a string is not an absolute `http`/`https` URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// The string is empty.
    #[error("the URL is empty")]
    Empty,
    /// The URL holds white space or a control character (often a copy-paste accident).
    #[error("the URL contains white space or a control character at byte {position}")]
    WhitespaceOrControl {
        /// Byte offset of the first offending character.
        position: usize,
    },
    /// The URL holds a character that is not allowed in a URI (non-ASCII text must be
    /// percent-encoded, host names punycode-encoded).
    #[error("the URL contains a character not allowed in a URI at byte {position}")]
    InvalidCharacter {
        /// Byte offset of the first offending character.
        position: usize,
    },
    /// A `%` is not followed by two hexadecimal digits.
    #[error("the URL has a malformed percent-escape at byte {position}")]
    BadPercentEscape {
        /// Byte offset of the `%`.
        position: usize,
    },
    /// The URL does not start with `http://` or `https://`.
    #[error("the URL must start with http:// or https://")]
    NotHttp,
    /// The URL has no host after the scheme.
    #[error("the URL has no host")]
    MissingHost,
    /// The host holds characters a host name or IP literal cannot hold.
    #[error("the URL's host is not a valid host name or IP literal")]
    InvalidHost,
    /// The port is empty, not a number, or above 65535.
    #[error("the URL's port is not a number from 0 to 65535")]
    InvalidPort,
    /// A callback address holds `user:password@`: CallKit would store the credentials and
    /// hand them back to anyone who reads the configuration.
    #[error(
        "the URL holds credentials (user:password@), which CallKit would store and show in \
         every get; authenticate with a secret in the path or the query instead"
    )]
    Credentials,
}

/// The parts of a checked URL, borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HttpUrl<'a> {
    /// `true` for `https`, `false` for `http` (the scheme is matched case-insensitively).
    pub https: bool,
    /// Whether a `userinfo@` part was present.
    pub has_userinfo: bool,
    /// The host as written (an IPv6 literal keeps its brackets).
    pub host: &'a str,
    /// The port, if one was written.
    pub port: Option<u16>,
    /// The path, possibly empty, starting with `/` otherwise.
    pub path: &'a str,
    /// The query without its `?`, if a `?` was present.
    pub query: Option<&'a str>,
    /// The fragment without its `#`, if a `#` was present.
    pub fragment: Option<&'a str>,
}

/// Characters RFC 3986 allows somewhere in a URI (unreserved, reserved and `%`), as a
/// lookup table: the check runs on every byte of every callback address sent.
const URI_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let others = b"-._~:/?#[]@!$&'()*+,;=%";
    let mut i = 0;
    while i < others.len() {
        table[others[i] as usize] = true;
        i += 1;
    }
    table
};

fn is_uri_char(b: u8) -> bool {
    URI_CHARS[usize::from(b)]
}

/// [`AUTHORITY_CLASS`]: a byte of a plain host name (letters, digits, `-`, `.`, `_`).
const HOST_NAME: u8 = 1;
/// [`AUTHORITY_CLASS`]: a byte that ends the authority (`/`, `?`, `#`).
const AUTHORITY_END: u8 = 2;

/// What each byte is to the authority scan of [`parse_http_url`]; 0 for the rest.
const AUTHORITY_CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 128 {
        if (b as u8).is_ascii_alphanumeric() || matches!(b as u8, b'-' | b'.' | b'_') {
            table[b] = HOST_NAME;
        }
        if matches!(b as u8, b'/' | b'?' | b'#') {
            table[b] = AUTHORITY_END;
        }
        b += 1;
    }
    table
};

/// Checks `s` and splits it into its parts.
pub(crate) fn parse_http_url(s: &str) -> Result<HttpUrl<'_>, UrlError> {
    if s.is_empty() {
        return Err(UrlError::Empty);
    }
    let bytes = s.as_bytes();
    // Fast path: most URLs are plain printable ASCII without escapes; this test compiles
    // to vector compares; `check_chars` only runs to say what is wrong or to check escapes.
    if !bytes.iter().fold(true, |ok, &b| ok & is_plain_uri_char(b)) {
        check_chars(bytes)?;
    }

    // A scheme holds no ':', so the first ':' ends it (cheaper than a substring search).
    let colon = bytes
        .iter()
        .position(|&b| b == b':')
        .ok_or(UrlError::NotHttp)?;
    let (scheme, rest) = s.split_at(colon);
    let rest = rest.strip_prefix("://").ok_or(UrlError::NotHttp)?;
    let https = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return Err(UrlError::NotHttp);
    };

    // One pass over the authority finds where it ends and whether it is a plain host
    // name (no userinfo, port or IP literal: the usual case, then checked already);
    // anything else is split and checked by the general code below. Plain loops: these
    // parts are a few dozen bytes, too short for memchr's setup to pay.
    let rest_bytes = rest.as_bytes();
    let mut authority_end = rest_bytes.len();
    let mut plain_host = true;
    for (i, &b) in rest_bytes.iter().enumerate() {
        let class = AUTHORITY_CLASS[usize::from(b)];
        if class == AUTHORITY_END {
            authority_end = i;
            break;
        }
        plain_host &= class == HOST_NAME;
    }
    let (authority, tail) = rest.split_at(authority_end);
    let (has_userinfo, host, port) = if plain_host {
        if authority.is_empty() {
            return Err(UrlError::MissingHost);
        }
        (false, authority, None)
    } else {
        let (has_userinfo, host_port) = match authority.bytes().rposition(|b| b == b'@') {
            Some(at) => (true, authority.get(at + 1..).unwrap_or("")),
            None => (false, authority),
        };
        let (host, port) = split_host_port(host_port)?;
        (has_userinfo, host, port)
    };

    // The first `?` before the first `#` starts the query; the first `#` the fragment.
    let mut query_at = None;
    let mut fragment_at = None;
    for (i, &b) in tail.as_bytes().iter().enumerate() {
        if b == b'#' {
            fragment_at = Some(i);
            break;
        }
        if b == b'?' && query_at.is_none() {
            query_at = Some(i);
        }
    }
    let (before_fragment, fragment) = match fragment_at {
        Some(hash) => (
            tail.get(..hash).unwrap_or(""),
            Some(tail.get(hash + 1..).unwrap_or("")),
        ),
        None => (tail, None),
    };
    let (path, query) = match query_at {
        Some(mark) => (
            before_fragment.get(..mark).unwrap_or(""),
            Some(before_fragment.get(mark + 1..).unwrap_or("")),
        ),
        None => (before_fragment, None),
    };

    Ok(HttpUrl {
        https,
        has_userinfo,
        host,
        port,
        path,
        query,
        fragment,
    })
}

/// Whether `s` is an `http://` or `https://` URL (scheme in lower case) whose authority
/// is a plain host name (letters, digits, `-`, `.`, `_`; no userinfo, no port) and which
/// holds only URI characters other than `%`: the usual callback address. Such a URL is
/// one [`parse_http_url`] accepts, without userinfo; `false` says nothing (the full
/// parse decides). Cheaper than the full parse: one vector pass and one host scan.
pub(crate) fn is_plain_http_url(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    let bytes = rest.as_bytes();
    let host_len = bytes
        .iter()
        .position(|&b| AUTHORITY_CLASS[usize::from(b)] != HOST_NAME)
        .unwrap_or(bytes.len());
    host_len > 0
        && bytes
            .get(host_len)
            .is_none_or(|&b| AUTHORITY_CLASS[usize::from(b)] == AUTHORITY_END)
        // The whole URL (its scheme is plain too): the fold runs in wider blocks.
        && s.bytes().fold(true, |ok, b| ok & is_plain_uri_char(b))
}

/// The byte-by-byte check: the first character a URI cannot hold, or a bad escape.
fn check_chars(bytes: &[u8]) -> Result<(), UrlError> {
    for (position, &b) in bytes.iter().enumerate() {
        if b <= b' ' || b == 0x7f {
            return Err(UrlError::WhitespaceOrControl { position });
        }
        if !is_uri_char(b) {
            return Err(UrlError::InvalidCharacter { position });
        }
        if b == b'%' {
            let hex = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(position + 1) && hex(position + 2)) {
                return Err(UrlError::BadPercentEscape { position });
            }
        }
    }
    Ok(())
}

/// A URI character other than `%` (so no escape needs checking): printable ASCII
/// except `"`, `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}` and `%`. Written as plain compares so it vectorizes.
fn is_plain_uri_char(b: u8) -> bool {
    (b > b' ')
        & (b < 0x7f)
        & (b != b'"')
        & (b != b'<')
        & (b != b'>')
        & (b != b'\\')
        & (b != b'^')
        & (b != b'`')
        & (b != b'{')
        & (b != b'|')
        & (b != b'}')
        & (b != b'%')
}

/// Splits `host[:port]` or `[ipv6][:port]`, checking both halves.
fn split_host_port(host_port: &str) -> Result<(&str, Option<u16>), UrlError> {
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        let (literal, after) = inner.split_once(']').ok_or(UrlError::InvalidHost)?;
        let ok = !literal.is_empty()
            && literal
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !ok {
            return Err(UrlError::InvalidHost);
        }
        let host_len = literal.len() + 2;
        let host = host_port.get(..host_len).ok_or(UrlError::InvalidHost)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(UrlError::InvalidHost)?),
        };
        (host, port)
    } else {
        match host_port.bytes().rposition(|b| b == b':') {
            Some(colon) => (
                host_port.get(..colon).unwrap_or(""),
                Some(host_port.get(colon + 1..).unwrap_or("")),
            ),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err(UrlError::MissingHost);
    }
    if !host.starts_with('[')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    {
        return Err(UrlError::InvalidHost);
    }
    let port = match port {
        None => None,
        Some(digits) => Some(parse_port(digits)?),
    };
    Ok((host, port))
}

fn parse_port(digits: &str) -> Result<u16, UrlError> {
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::InvalidPort);
    }
    digits.parse().map_err(|_| UrlError::InvalidPort)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The splitting as it was before the one-pass authority scan: the reference the
    /// faster code must agree with, on every input.
    mod reference {
        use super::super::{HttpUrl, UrlError, check_chars, is_plain_uri_char, parse_port};

        pub(super) fn parse_http_url(s: &str) -> Result<HttpUrl<'_>, UrlError> {
            if s.is_empty() {
                return Err(UrlError::Empty);
            }
            let bytes = s.as_bytes();
            // Fast path: most URLs are plain printable ASCII without escapes; this test compiles
            // to vector compares; `check_chars` only runs to say what is wrong or to check escapes.
            if !bytes.iter().fold(true, |ok, &b| ok & is_plain_uri_char(b)) {
                check_chars(bytes)?;
            }

            // A scheme holds no ':', so the first ':' ends it (cheaper than a substring search).
            let colon = bytes
                .iter()
                .position(|&b| b == b':')
                .ok_or(UrlError::NotHttp)?;
            let (scheme, rest) = s.split_at(colon);
            let rest = rest.strip_prefix("://").ok_or(UrlError::NotHttp)?;
            let https = if scheme.eq_ignore_ascii_case("https") {
                true
            } else if scheme.eq_ignore_ascii_case("http") {
                false
            } else {
                return Err(UrlError::NotHttp);
            };

            let authority_end = rest
                .bytes()
                .position(|b| matches!(b, b'/' | b'?' | b'#'))
                .unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(authority_end);
            let (has_userinfo, host_port) = match authority.rsplit_once('@') {
                Some((_, host_port)) => (true, host_port),
                None => (false, authority),
            };
            let (host, port) = split_host_port(host_port)?;

            let (before_fragment, fragment) = match tail.split_once('#') {
                Some((before, fragment)) => (before, Some(fragment)),
                None => (tail, None),
            };
            let (path, query) = match before_fragment.split_once('?') {
                Some((path, query)) => (path, Some(query)),
                None => (before_fragment, None),
            };

            Ok(HttpUrl {
                https,
                has_userinfo,
                host,
                port,
                path,
                query,
                fragment,
            })
        }

        fn split_host_port(host_port: &str) -> Result<(&str, Option<u16>), UrlError> {
            let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
                let (literal, after) = inner.split_once(']').ok_or(UrlError::InvalidHost)?;
                let ok = !literal.is_empty()
                    && literal
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
                if !ok {
                    return Err(UrlError::InvalidHost);
                }
                let host_len = literal.len() + 2;
                let host = host_port.get(..host_len).ok_or(UrlError::InvalidHost)?;
                let port = match after {
                    "" => None,
                    _ => Some(after.strip_prefix(':').ok_or(UrlError::InvalidHost)?),
                };
                (host, port)
            } else {
                match host_port.rsplit_once(':') {
                    Some((host, port)) => (host, Some(port)),
                    None => (host_port, None),
                }
            };
            if host.is_empty() {
                return Err(UrlError::MissingHost);
            }
            if !host.starts_with('[')
                && !host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
            {
                return Err(UrlError::InvalidHost);
            }
            let port = match port {
                None => None,
                Some(digits) => Some(parse_port(digits)?),
            };
            Ok((host, port))
        }
    }

    proptest! {
        /// Any string over the characters that matter to the splitting (and some that
        /// are refused) splits, or is refused, exactly as before.
        #[test]
        fn splits_as_the_reference_does(
            s in "(https?://|HTTP://|ftp://|)[a-zA-Z0-9@:/?#.\\[\\]%_~!-]{0,24}",
        ) {
            prop_assert_eq!(parse_http_url(&s), reference::parse_http_url(&s), "{:?}", s);
        }

        /// Any string at all, too.
        #[test]
        fn any_string_splits_as_the_reference_does(s in any::<alloc::string::String>()) {
            prop_assert_eq!(parse_http_url(&s), reference::parse_http_url(&s), "{:?}", s);
        }

        /// What the plain test accepts, the full parse accepts too, without userinfo; and
        /// the plain test accepts the plain addresses it is for.
        #[test]
        fn a_plain_url_is_one_the_parse_accepts(
            s in "(https?://|HTTP://|http:/|)[a-zA-Z0-9@:/?#.\\[\\]%_~!^ \"-]{0,24}",
            host in "[a-zA-Z0-9._-]{1,20}",
            path in "(/[a-zA-Z0-9._~!$&'()*+,;=:@/-]{0,20})?(\\?[a-zA-Z0-9=&/?]{0,10})?(#[a-z]{0,5})?",
        ) {
            for s in [s, alloc::format!("https://{host}{path}"), alloc::format!("http://{host}{path}")] {
                if is_plain_http_url(&s) {
                    prop_assert!(parse_http_url(&s).is_ok_and(|url| !url.has_userinfo), "{:?}", s);
                }
            }
            for scheme in ["https", "http"] {
                let s = alloc::format!("{scheme}://{host}{path}");
                prop_assert!(is_plain_http_url(&s), "{:?}", s);
            }
        }

        /// Any string at all: accepted only if the full parse accepts it, without userinfo.
        #[test]
        fn any_plain_string_is_one_the_parse_accepts(s in any::<alloc::string::String>()) {
            let s = alloc::format!("https://{s}");
            if is_plain_http_url(&s) {
                prop_assert!(parse_http_url(&s).is_ok_and(|url| !url.has_userinfo), "{:?}", s);
            }
        }
    }

    #[test]
    fn splits_a_full_url() {
        let url = parse_http_url("HTTPS://user:pw@Example.com:8443/a/b?x=1&y=2#frag").unwrap();
        assert!(url.https);
        assert!(url.has_userinfo);
        assert_eq!(url.host, "Example.com");
        assert_eq!(url.port, Some(8443));
        assert_eq!(url.path, "/a/b");
        assert_eq!(url.query, Some("x=1&y=2"));
        assert_eq!(url.fragment, Some("frag"));
    }

    #[test]
    fn accepts_ipv6_literals_and_bare_hosts() {
        let url = parse_http_url("http://[::1]:8080").unwrap();
        assert_eq!((url.host, url.port, url.path), ("[::1]", Some(8080), ""));
        let url = parse_http_url("http://127.0.0.1?q").unwrap();
        assert_eq!(
            (url.host, url.port, url.query),
            ("127.0.0.1", None, Some("q"))
        );
    }

    #[test]
    fn the_plain_test_takes_only_plain_addresses() {
        for plain in [
            "https://www.example.com/callback",
            "http://a",
            "https://a_b-c.d/?x#y",
            "http://example.com?q=1",
            "https://example.com#f",
        ] {
            assert!(is_plain_http_url(plain), "{plain}");
        }
        for other in [
            "",
            "HTTPS://example.com/",
            "https://",
            "https:///path",
            "https://user@example.com/",
            "https://example.com:443/",
            "https://[::1]/",
            "https://example.com/%20",
            "https://example.com/a b",
            "https://exa!mple.com",
            "ftp://example.com",
        ] {
            assert!(!is_plain_http_url(other), "{other}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_http_url() {
        use UrlError::*;
        let cases: &[(&str, UrlError)] = &[
            ("", Empty),
            ("ftp://example.com", NotHttp),
            ("www.example.com/callback", NotHttp),
            ("http:/example.com", NotHttp),
            ("https://", MissingHost),
            ("https:///path", MissingHost),
            ("https://:80/", MissingHost),
            ("https://exa mple.com", WhitespaceOrControl { position: 11 }),
            (
                "https://example.com/\n",
                WhitespaceOrControl { position: 20 },
            ),
            ("https://example.com/ü", InvalidCharacter { position: 20 }),
            (
                "https://example.com/\"x\"",
                InvalidCharacter { position: 20 },
            ),
            ("https://example.com/%zz", BadPercentEscape { position: 20 }),
            ("https://example.com/%2", BadPercentEscape { position: 20 }),
            ("https://exa!mple.com", InvalidHost),
            ("https://[zz]/", InvalidHost),
            ("https://[::1]x/", InvalidHost),
            ("https://example.com:/", InvalidPort),
            ("https://example.com:99999/", InvalidPort),
            ("https://example.com:8a/", InvalidPort),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_http_url(input), Err(*expected), "{input:?}");
        }
    }
}
