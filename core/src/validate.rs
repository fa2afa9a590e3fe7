//! Checks run before anything is sent: request bodies ([`Validate`]), the admin
//! identifier and callback addresses.
//!
//! The service's own error for a bad address (v1 70001, v4 100002) arrives only after a
//! round trip and a spent rate-limit slot, and says little; these checks say exactly
//! what is wrong, locally.

use crate::endpoint::Empty;
pub use crate::url_check::UrlError;
use crate::url_check::{is_plain_http_url, parse_http_url};

/// The longest UserID Tencent accepts, in bytes.
pub const MAX_IDENTIFIER_LEN: usize = 32;

/// Why a request body cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidBody {
    /// The callback address is not an absolute http(s) URL with a host.
    #[error("invalid callback address: {0}")]
    CallbackAddress(#[from] UrlError),
    /// The list of v1 actions or v4 callback commands is empty.
    #[error("the {list} list is empty; subscribe to at least one")]
    EmptyList {
        /// The field's name as sent (`actions` or `CallbackCommandList`).
        list: &'static str,
    },
    /// An entry of the list is empty or has white space or control characters.
    #[error("entry {index} of the {list} list is empty or contains white space")]
    BadListEntry {
        /// The field's name as sent.
        list: &'static str,
        /// The entry's position in the list, from 0.
        index: usize,
    },
    /// A required text field (a call id, an account) is empty.
    #[error("{field} is empty")]
    EmptyField {
        /// The field's name as sent.
        field: &'static str,
    },
    /// A number is outside its documented range.
    #[error("{field} is {value}, outside the allowed {min} to {max}")]
    OutOfRange {
        /// The field's name as sent.
        field: &'static str,
        /// The value given.
        value: u64,
        /// The smallest allowed value.
        min: u64,
        /// The largest allowed value.
        max: u64,
    },
    /// A text field is longer than documented.
    #[error("{field} is {len} bytes long; at most {max} are allowed")]
    TooLong {
        /// The field's name as sent.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The start of a time range is after its end.
    #[error("the time range starts ({start}) after it ends ({end}); start must be <= end")]
    TimeRange {
        /// The start, Unix seconds.
        start: u64,
        /// The end, Unix seconds.
        end: u64,
    },
    /// `RoomIdType` does not fit the room id given.
    #[error("RoomIdType and RoomId disagree: {0}")]
    RoomId(&'static str),
}

/// Why a string cannot be the admin identifier (UserID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidIdentifier {
    /// The identifier is empty.
    #[error("the identifier is empty")]
    Empty,
    /// The identifier is longer than [`MAX_IDENTIFIER_LEN`] bytes.
    #[error("the identifier is {len} bytes long; Tencent user ids are at most 32 bytes")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The identifier contains white space or control characters.
    #[error("the identifier contains white space or control characters")]
    Whitespace,
}

/// A request body that can check itself before it is sent.
pub trait Validate {
    /// `Ok` if the body may be sent as it is.
    fn validate(&self) -> Result<(), InvalidBody>;
}

impl Validate for Empty {
    fn validate(&self) -> Result<(), InvalidBody> {
        Ok(())
    }
}

/// Checks an admin identifier: 1 to 32 bytes, no white space or control characters.
///
/// ```
/// use callkit_core::validate::{check_identifier, InvalidIdentifier};
/// assert!(check_identifier("administrator").is_ok());
/// assert_eq!(check_identifier(" admin"), Err(InvalidIdentifier::Whitespace));
/// ```
pub fn check_identifier(identifier: &str) -> Result<(), InvalidIdentifier> {
    if identifier.is_empty() {
        return Err(InvalidIdentifier::Empty);
    }
    if identifier.len() > MAX_IDENTIFIER_LEN {
        return Err(InvalidIdentifier::TooLong {
            len: identifier.len(),
        });
    }
    if has_space_or_control(identifier) {
        return Err(InvalidIdentifier::Whitespace);
    }
    Ok(())
}

/// Checks a callback address: an absolute `http`/`https` URL with a host, made only of
/// characters a URI may hold (no white space, no control characters, non-ASCII
/// percent-encoded), and without `user:password@` (CallKit would store the credentials
/// and return them in every `get`). Query strings are allowed (an app may put a token
/// there). What is allowed but unwise is listed by [`callback_address_warnings`].
///
/// ```
/// use callkit_core::validate::{UrlError, check_callback_address};
/// assert!(check_callback_address("https://www.example.com/callback?token=t").is_ok());
/// assert!(check_callback_address("www.example.com/callback").is_err());
/// assert_eq!(
///     check_callback_address("https://user:pass@www.example.com/callback"),
///     Err(UrlError::Credentials)
/// );
/// ```
pub fn check_callback_address(address: &str) -> Result<(), UrlError> {
    // The usual address (`https://host/path`) is known good without the full parse.
    if is_plain_http_url(address) {
        return Ok(());
    }
    let url = parse_http_url(address)?;
    if url.has_userinfo {
        return Err(UrlError::Credentials);
    }
    Ok(())
}

/// Something allowed in a callback address that is probably a mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressWarning {
    /// Plain `http://` to a host outside this machine and the private networks: every
    /// callback (user ids, call ids) crosses the internet unencrypted.
    #[error(
        "plain http:// to a public host: CallKit's callbacks would cross the internet \
         unencrypted; use https://"
    )]
    PlainHttpToPublicHost,
    /// A `#fragment`: never sent to the server, so whatever it carries is lost.
    #[error("the #fragment is never sent to the server; put it in the path or the query")]
    Fragment,
}

/// What is allowed but unwise in a valid callback address (empty for an invalid one, which
/// [`check_callback_address`] refuses).
///
/// ```
/// use callkit_core::validate::{AddressWarning, callback_address_warnings};
/// assert_eq!(
///     callback_address_warnings("http://hooks.example.com/cb#x"),
///     [AddressWarning::PlainHttpToPublicHost, AddressWarning::Fragment]
/// );
/// assert!(callback_address_warnings("http://127.0.0.1:8080/cb").is_empty());
/// assert!(callback_address_warnings("https://hooks.example.com/cb").is_empty());
/// ```
pub fn callback_address_warnings(address: &str) -> alloc::vec::Vec<AddressWarning> {
    let mut warnings = alloc::vec::Vec::new();
    let Ok(url) = parse_http_url(address) else {
        return warnings;
    };
    if !url.https && !is_local_host(url.host) {
        warnings.push(AddressWarning::PlainHttpToPublicHost);
    }
    if url.fragment.is_some() {
        warnings.push(AddressWarning::Fragment);
    }
    warnings
}

/// Loopback, private (RFC 1918, IPv6 unique-local) or link-local hosts, and `localhost`:
/// plain http to them does not cross the internet.
fn is_local_host(host: &str) -> bool {
    use core::net::IpAddr;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let suffix = ".localhost";
    let ends_localhost = host
        .len()
        .checked_sub(suffix.len())
        .and_then(|at| host.get(at..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix));
    if host.eq_ignore_ascii_case("localhost") || ends_localhost {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        Ok(IpAddr::V6(ip)) => {
            let first = ip.segments()[0];
            ip.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
        Err(_) => false,
    }
}

/// Whether `s` holds white space or a control character (Unicode's definitions), with
/// a fast path for ASCII, which is what every documented value is.
fn has_space_or_control(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes()
            .fold(false, |bad, b| bad | (b <= b' ') | (b == 0x7f))
    } else {
        s.chars().any(|c| c.is_whitespace() || c.is_control())
    }
}

/// Checks that a required text field is not empty.
pub(crate) fn check_non_empty(field: &'static str, value: &str) -> Result<(), InvalidBody> {
    if value.is_empty() {
        return Err(InvalidBody::EmptyField { field });
    }
    Ok(())
}

/// Checks that an optional number, when given, lies in `min..=max`.
pub(crate) fn check_range(
    field: &'static str,
    value: Option<u64>,
    min: u64,
    max: u64,
) -> Result<(), InvalidBody> {
    match value {
        Some(value) if !(min..=max).contains(&value) => Err(InvalidBody::OutOfRange {
            field,
            value,
            min,
            max,
        }),
        _ => Ok(()),
    }
}

/// Checks that a time range, where both ends are given, does not end before it starts.
pub(crate) fn check_time_range(start: Option<u64>, end: Option<u64>) -> Result<(), InvalidBody> {
    match (start, end) {
        (Some(start), Some(end)) if start > end => Err(InvalidBody::TimeRange { start, end }),
        _ => Ok(()),
    }
}

/// Checks a list of subscriptions: not empty, and no entry empty or holding white space.
/// `unknown` gives the text of entries this SDK does not know (`Other`); the documented
/// values are constants and need no check.
pub(crate) fn check_list<T>(
    list: &'static str,
    entries: &[T],
    unknown: impl Fn(&T) -> Option<&str>,
) -> Result<(), InvalidBody> {
    if entries.is_empty() {
        return Err(InvalidBody::EmptyList { list });
    }
    for (index, entry) in entries.iter().enumerate() {
        if let Some(text) = unknown(entry)
            && (text.is_empty() || has_space_or_control(text))
        {
            return Err(InvalidBody::BadListEntry { list, index });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(check_identifier(""), Err(InvalidIdentifier::Empty));
        assert_eq!(
            check_identifier("a".repeat(33).as_str()),
            Err(InvalidIdentifier::TooLong { len: 33 })
        );
        assert!(check_identifier("a".repeat(32).as_str()).is_ok());
        assert_eq!(
            check_identifier("ad min"),
            Err(InvalidIdentifier::Whitespace)
        );
        assert_eq!(
            check_identifier("admin\u{7}"),
            Err(InvalidIdentifier::Whitespace)
        );
        assert_eq!(
            check_identifier("admin\u{3000}"),
            Err(InvalidIdentifier::Whitespace)
        );
        assert!(check_identifier("admin@corp#1").is_ok());
    }

    #[test]
    fn lists() {
        fn unknown<'x>(s: &'x &str) -> Option<&'x str> {
            Some(s)
        }
        assert_eq!(
            check_list("actions", &[] as &[&str], unknown),
            Err(InvalidBody::EmptyList { list: "actions" })
        );
        assert_eq!(
            check_list("actions", &["a", ""], unknown),
            Err(InvalidBody::BadListEntry {
                list: "actions",
                index: 1
            })
        );
        assert_eq!(
            check_list("actions", &["a b"], unknown),
            Err(InvalidBody::BadListEntry {
                list: "actions",
                index: 0
            })
        );
        assert!(check_list("actions", &["a", "b"], unknown).is_ok());
        // Known entries are not looked at.
        assert!(check_list("actions", &[""], |_| None).is_ok());
    }
}
