//! Building a signed request as a value: [`build_request`] produces a [`SignedRequest`]
//! (method, full URL, headers, body) that any HTTP stack can send; under the `std`
//! feature it converts into an `http::Request<Vec<u8>>`.
//!
//! The URL carries the admin's UserSig in its query, so [`SignedRequest`]'s `Debug`
//! redacts it; [`SignedRequest::redacted_url`] is the form to log.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::endpoint::{Endpoint, Generation};
use crate::region::Server;
use crate::usersig::UserSig;
use crate::validate::{
    InvalidBody, InvalidIdentifier, MAX_IDENTIFIER_LEN, Validate, check_identifier,
};

/// What a query value may hold unescaped: RFC 3986 unreserved characters, plus `*`,
/// which Tencent's base64 variant puts in UserSigs and a query may hold literally (so
/// the signature goes out exactly as the official tools send it).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'*');

/// The headers of every request: the body is JSON.
static DEFAULT_HEADERS: [Header; 1] = [(
    Cow::Borrowed("content-type"),
    Cow::Borrowed("application/json"),
)];

/// The HTTP method. Every CallKit REST endpoint is `POST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `POST`.
    Post,
}

impl Method {
    /// The method's name, e.g. `"POST"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
        }
    }
}

/// A header name and value.
pub type Header = (Cow<'static, str>, Cow<'static, str>);

/// A complete request signed with the admin's UserSig, ready to send: method, absolute
/// URL (with the signed query), headers and body. The core's own value, because the
/// `http` crate needs std; under the `std` feature it becomes an `http::Request<Vec<u8>>`
/// ([`SignedRequest::into_http`]), which is what the adapters' transports take.
///
/// `Debug` shows the URL with the `usersig` value replaced by `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    method: Method,
    url: String,
    usersig: Range<usize>,
    /// Borrowed from [`DEFAULT_HEADERS`] until a header is added, so a request that
    /// needs no other header costs no allocation for them.
    headers: Cow<'static, [Header]>,
    body: Vec<u8>,
    random: u32,
}

impl SignedRequest {
    /// The method (always [`Method::Post`] for CallKit).
    pub fn method(&self) -> Method {
        self.method
    }

    /// The full URL, including the UserSig: send it, never log it
    /// (see [`SignedRequest::redacted_url`]).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL with the `usersig` value replaced by `<redacted>`, for logs and errors.
    pub fn redacted_url(&self) -> String {
        let (before, after) = match (
            self.url.get(..self.usersig.start),
            self.url.get(self.usersig.end..),
        ) {
            (Some(before), Some(after)) => (before, after),
            _ => return String::from("<redacted>"),
        };
        let mut out = String::with_capacity(before.len() + 10 + after.len());
        out.push_str(before);
        out.push_str("<redacted>");
        out.push_str(after);
        out
    }

    /// The headers (`Content-Type: application/json`, plus any added).
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// Adds a header (e.g. a `User-Agent`).
    pub fn push_header(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) {
        self.headers.to_mut().push((name.into(), value.into()));
    }

    /// The JSON body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Takes the body out, leaving the request without one.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The `random` query parameter; pass it to [`crate::response::parse_response`].
    pub fn random(&self) -> u32 {
        self.random
    }
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("url", &self.redacted_url())
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// Why a request could not be built. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The endpoint belongs to the other API generation than the server's region
    /// (v1 endpoints live on the CallKit hosts, v4 on the Chat gateways).
    #[error("{path} is a {endpoint} endpoint but the server serves only {server}")]
    WrongGeneration {
        /// The endpoint's path.
        path: &'static str,
        /// The endpoint's generation.
        endpoint: Generation,
        /// The generation the server serves.
        server: Generation,
    },
    /// The SDKAppID is 0.
    #[error("the SDKAppID is 0")]
    ZeroSdkAppId,
    /// The admin identifier cannot be right.
    #[error("invalid admin identifier: {0}")]
    Identifier(#[from] InvalidIdentifier),
    /// The UserSig is empty or holds white space or control characters.
    #[error("the UserSig is empty or contains white space or control characters")]
    MalformedUserSig,
    /// The body failed its checks.
    #[error("invalid request body: {0}")]
    Body(#[from] InvalidBody),
    /// The body could not be serialized to JSON.
    #[error("the request body could not be serialized to JSON")]
    Serialize,
}

/// Builds the signed request for endpoint `E`:
/// `POST {base}{path}?sdkappid=..&identifier=..&usersig=..&random=..&contenttype=json`
/// with the JSON body and `Content-Type: application/json`.
///
/// `usersig` is the admin's UserSig (e.g. `signer.usersig(now)?`, the signer's cached
/// one; a UserSig from elsewhere through [`UserSig::from_string`]), which knows whether
/// it goes in the query as it is; `random` a fresh random `u32` per request. Everything
/// is checked first.
///
/// ```
/// use callkit_core::callback::{V1Action, V1CallbackConfig, V1SetCallback};
/// use callkit_core::region::Region;
/// use callkit_core::request::build_request;
/// use callkit_core::usersig::UserSig;
/// let body = V1CallbackConfig {
///     address: "https://www.example.com/callback".into(),
///     actions: vec![V1Action::NormalEnd],
/// };
/// let usersig = UserSig::from_string("eJw1jc*sig".into());
/// let request = build_request::<V1SetCallback>(
///     &Region::CallkitIntl.into(), 1400000000, "administrator", &usersig, 42, &body,
/// ).unwrap();
/// assert_eq!(
///     request.url(),
///     "https://callkit-intl.trtc.tencent-cloud.com/v1/callback/set?sdkappid=1400000000\
///      &identifier=administrator&usersig=eJw1jc*sig&random=42&contenttype=json"
/// );
/// assert!(!format!("{request:?}").contains("eJw1jc"));
/// ```
pub fn build_request<E: Endpoint>(
    server: &Server,
    sdkappid: u32,
    identifier: &str,
    usersig: &UserSig,
    random: u32,
    body: &E::Request,
) -> Result<SignedRequest, BuildError> {
    if let Some(generation) = server.generation()
        && generation != E::GENERATION
    {
        return Err(BuildError::WrongGeneration {
            path: E::PATH,
            endpoint: E::GENERATION,
            server: generation,
        });
    }
    if sdkappid == 0 {
        return Err(BuildError::ZeroSdkAppId);
    }
    // A plain identifier (the usual admin name: letters, digits, `-._~*`) holds neither
    // white space nor controls, so its length is all that is left to check; anything
    // else gets the full check.
    let identifier_plain = is_plain_query_value(identifier);
    if !(identifier_plain && (1..=MAX_IDENTIFIER_LEN).contains(&identifier.len())) {
        check_identifier(identifier)?;
    }
    // A UserSig made only of literal query characters (the normal case, known since it
    // was made) needs no further check; anything else must at least be free of white
    // space and controls.
    let usersig_plain = usersig.is_query_plain();
    let usersig = usersig.as_str();
    if usersig.is_empty() || (!usersig_plain && usersig.bytes().any(|b| b <= b' ' || b == 0x7f)) {
        return Err(BuildError::MalformedUserSig);
    }
    body.validate()?;
    let body = to_json(body)?;

    let base = server.base_url();
    // Sized for the worst case of the escaped identifier and a mostly-literal UserSig,
    // so the URL is written with at most one allocation in practice.
    let capacity = base.len()
        + E::PATH.len()
        + "?sdkappid=&identifier=&usersig=&random=&contenttype=json".len()
        + 10
        + identifier.len() * 3
        + usersig.len()
        + 16
        + 10;
    let mut url = String::with_capacity(capacity);
    let mut digits = itoa::Buffer::new();
    url.push_str(base);
    url.push_str(E::PATH);
    url.push_str("?sdkappid=");
    url.push_str(digits.format(sdkappid));
    url.push_str("&identifier=");
    if identifier_plain {
        url.push_str(identifier);
    } else {
        push_escaped(&mut url, identifier);
    }
    url.push_str("&usersig=");
    let usersig_start = url.len();
    if usersig_plain {
        url.push_str(usersig);
    } else {
        push_escaped(&mut url, usersig);
    }
    let usersig_end = url.len();
    url.push_str("&random=");
    url.push_str(digits.format(random));
    url.push_str("&contenttype=json");

    Ok(SignedRequest {
        method: Method::Post,
        url,
        usersig: usersig_start..usersig_end,
        headers: Cow::Borrowed(&DEFAULT_HEADERS),
        body,
        random,
    })
}

/// Serializes the body, exactly as serde_json would (see [`crate::json_write`]).
fn to_json<T: serde::Serialize>(body: &T) -> Result<Vec<u8>, BuildError> {
    crate::json_write::to_vec(body).ok_or(BuildError::Serialize)
}

/// Whether `value` needs no escaping in a query ([`QUERY_VALUE`] leaves it as it is).
/// Plain compares over 32-byte blocks, which compile to vector compares; a value of 32
/// bytes or more ends with an overlapping last block instead of a byte-by-byte tail
/// (a 200-byte UserSig would otherwise spend a third of the check on its last 20 bytes),
/// a shorter one is tested as one padded block.
pub(crate) fn is_plain_query_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    let plain = |block: &[u8]| {
        block
            .iter()
            .fold(true, |plain, &b| plain & is_plain_query_byte(b))
    };
    let Some(last) = bytes.last_chunk::<32>() else {
        // Shorter (an identifier): one block, padded with a plain byte, instead of the
        // fold's byte-by-byte tail.
        let mut block = [b'a'; 32];
        return match block.get_mut(..bytes.len()) {
            Some(head) => {
                head.copy_from_slice(bytes);
                plain(&block)
            }
            None => plain(bytes),
        };
    };
    let block = |chunk: &[u8]| <&[u8; 32]>::try_from(chunk).is_ok_and(|block| plain(block));
    bytes
        .chunks_exact(32)
        .fold(block(last), |all, chunk| all & block(chunk))
}

/// A byte [`QUERY_VALUE`] leaves as it is: a letter, a digit, `-`, `.`, `_`, `~` or `*`.
/// Written as few range tests: letters as one range once folded to lower case, and
/// `-`, `.`, the digits as one range (0x2d..=0x39) but for the `/` inside it.
fn is_plain_query_byte(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let dash_dot_digit = (b.wrapping_sub(b'-') < 13) & (b != b'/');
    letter | dash_dot_digit | (b == b'_') | (b == b'~') | (b == b'*')
}

/// Appends `value` percent-encoded with [`QUERY_VALUE`] (for values that are not plain).
fn push_escaped(url: &mut String, value: &str) {
    for piece in utf8_percent_encode(value, QUERY_VALUE) {
        url.push_str(piece);
    }
}

/// Why an [`SignedRequest`] could not become an `http::Request` (an invalid header, most
/// likely one added with [`SignedRequest::push_header`]). The URL is not shown.
#[cfg(feature = "std")]
#[derive(Debug, thiserror::Error)]
#[error("the request cannot be expressed as an http::Request: {0}")]
pub struct IntoHttpError(#[source] http::Error);

#[cfg(feature = "std")]
impl TryFrom<SignedRequest> for http::Request<Vec<u8>> {
    type Error = IntoHttpError;

    fn try_from(request: SignedRequest) -> Result<Self, Self::Error> {
        let method = match request.method {
            Method::Post => http::Method::POST,
        };
        let mut builder = http::Request::builder()
            .method(method)
            .uri(request.url.as_str());
        for (name, value) in request.headers.iter() {
            builder = builder.header(name.as_ref(), value.as_ref());
        }
        builder.body(request.body).map_err(IntoHttpError)
    }
}

#[cfg(feature = "std")]
impl SignedRequest {
    /// Converts into an `http::Request<Vec<u8>>` (same as `TryFrom`). Beware: the
    /// `http` type's `Debug` shows the URL, UserSig included.
    pub fn into_http(self) -> Result<http::Request<Vec<u8>>, IntoHttpError> {
        self.try_into()
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use super::*;

    #[test]
    fn the_plain_byte_test_agrees_with_the_escape_set_on_every_byte() {
        for b in 0..=255u8 {
            let definition =
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'*');
            assert_eq!(is_plain_query_byte(b), definition, "{b:#x}");
            // What the encoder leaves as it is (a non-ASCII byte is never alone in a str).
            let mut text = String::new();
            text.push(char::from(b));
            let kept = utf8_percent_encode(&text, QUERY_VALUE).to_string() == text;
            assert_eq!(kept && b.is_ascii(), definition, "{b:#x}");
        }
    }

    #[test]
    fn the_fast_path_agrees_with_the_encoder() {
        let mut values: Vec<String> = ["abcXYZ019-._~*", "a b", "a&b", "é", "%", "+", "/", "="]
            .map(String::from)
            .into();
        // One byte to escape at every place of values of 1 to 100 bytes, so that every
        // block, the overlapping last one and the short path all meet one.
        for len in 1..=100 {
            for at in 0..len {
                for odd in ["/", "%", " ", "é"] {
                    let mut value: String = "a".repeat(len);
                    value.replace_range(at..=at, odd);
                    values.push(value);
                }
            }
        }
        for value in values.iter().map(String::as_str) {
            let mut escaped = String::new();
            push_escaped(&mut escaped, value);
            let encoded: String = utf8_percent_encode(value, QUERY_VALUE).collect();
            assert_eq!(escaped, encoded, "{value:?}");
            assert_eq!(is_plain_query_value(value), encoded == value, "{value:?}");
        }
    }
}
