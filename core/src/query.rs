//! The server's side of the signed query: [`SignedQuery::parse`] reads the five
//! parameters every request carries (`sdkappid`, `identifier`, `usersig`, `random`,
//! `contenttype`), as the service (or the emulator) must before verifying the UserSig.
//! It is the inverse of [`crate::request::build_request`]'s query.

use alloc::string::String;
use core::fmt;

use percent_encoding::percent_decode_str;

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
    /// A parameter's value is malformed (not a number, bad escape, not UTF-8, or
    /// `contenttype` other than `json`).
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
    /// Reads a query string (without the `?`). Unknown parameters are ignored; the
    /// five documented ones are required, once each, and `contenttype` must be `json`.
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        let mut sdkappid = None;
        let mut identifier = None;
        let mut usersig = None;
        let mut random = None;
        let mut content_type = None;
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (slot, name): (&mut Option<&str>, &'static str) = match name {
                "sdkappid" => (&mut sdkappid, "sdkappid"),
                "identifier" => (&mut identifier, "identifier"),
                "usersig" => (&mut usersig, "usersig"),
                "random" => (&mut random, "random"),
                "contenttype" => (&mut content_type, "contenttype"),
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(QueryError::Duplicate(name));
            }
        }
        let content_type = decode("contenttype", content_type)?;
        if content_type != "json" {
            return Err(QueryError::Invalid("contenttype"));
        }
        Ok(SignedQuery {
            sdkappid: number("sdkappid", sdkappid)?,
            identifier: decode("identifier", identifier)?,
            usersig: decode("usersig", usersig)?,
            random: number("random", random)?,
        })
    }

    /// The UserSig, percent-decoded; verify it, never log it.
    pub fn usersig(&self) -> &str {
        &self.usersig
    }
}

fn decode(name: &'static str, value: Option<&str>) -> Result<String, QueryError> {
    let value = value.ok_or(QueryError::Missing(name))?;
    percent_decode_str(value)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| QueryError::Invalid(name))
}

fn number(name: &'static str, value: Option<&str>) -> Result<u32, QueryError> {
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
        let bad = OK.replace("usersig=s", "usersig=%ff");
        assert_eq!(SignedQuery::parse(&bad), Err(Invalid("usersig")));
        // Names are case-sensitive.
        let bad = OK.replace("usersig=", "UserSig=");
        assert_eq!(SignedQuery::parse(&bad), Err(Missing("usersig")));
    }
}
