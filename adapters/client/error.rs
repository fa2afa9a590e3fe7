//! [`Error`]: everything a [`Client`](super::Client) call or build can fail with.
//!
//! One type, not generic over the transport: the transport's error is kept boxed as the
//! source (downcast it to [`crate::TransportError`] or your own type), so callers can write
//! `Result<_, callkit::Error>` without naming the transport, and `?` it into any error type.

use std::error::Error as StdError;
use std::fmt;

use callkit_core::redact::redact_usersig;

use callkit_core::request::{BuildError, IntoHttpError};
use callkit_core::response::{ApiError, ApiErrorKind, ResponseError};
use callkit_core::usersig::GenerateError;

use crate::transport::FailureKind;

/// Why a call (or building a client) failed.
///
/// No variant carries the secret key or a UserSig. Display messages end with what to do.
/// A transport's own error text (which a custom transport may fill with the request
/// URL) is shown through [`callkit_core::redact`] in `Display`, `Debug` and log lines;
/// the original stays reachable as the error's `source()`.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input cannot be sent: SDKAppID 0, a bad admin identifier, an invalid body
    /// (e.g. a callback address that is not an http(s) URL), or an endpoint of the other
    /// API generation than the server. Nothing was sent.
    #[error("invalid input, nothing was sent: {0}; fix the value and call again")]
    InvalidInput(#[from] BuildError),
    /// The admin UserSig could not be signed (or its lifetime is inconsistent).
    #[error(
        "cannot sign the admin UserSig: {0}; check the SDKAppID, admin identifier and UserSig lifetime"
    )]
    UserSig(#[from] GenerateError),
    /// The request could not be expressed as an `http::Request` (a bad header).
    #[error("the request cannot be sent: {0}")]
    InvalidRequest(#[from] IntoHttpError),
    /// The transport got no complete response.
    #[error(
        "{path}: no response from the server ({}), random {random}: {}; check the network, the server URL and the transport's timeouts",
        kind,
        redact_usersig(&source.to_string())
    )]
    Transport {
        /// The endpoint's path.
        path: &'static str,
        /// The `random` the request carried.
        random: u32,
        /// What happened to the request, as the transport reported it
        /// ([`Failure::kind`](crate::transport::Failure::kind)):
        /// [`FailureKind::NotSent`] errors are retried on every endpoint.
        kind: FailureKind,
        /// The transport's error: downcast to [`crate::TransportError`] for the bundled
        /// transports, or to your closure's error type.
        #[source]
        source: Box<dyn StdError + Send + Sync + 'static>,
    },
    /// The server answered, but not with success: an API error code (classified, with
    /// message, request id and `random`), a non-200 status, or a malformed body.
    #[error("{0}; {hint}", hint = hint(.0))]
    Response(#[from] ResponseError),
    /// A request to an endpoint that is not safe to retry (`start_call_by_robot`) failed
    /// after it may have reached the service: the service may have acted on it, so it
    /// was not resent. `last` is the failure.
    #[error(
        "{path}: the request may have been sent and acted on, so it was not resent (a second request could repeat it, e.g. ring the callees twice); check the outcome (get_call_info, the call records) before trying again: {last}"
    )]
    MaybeSent {
        /// The endpoint's path.
        path: &'static str,
        /// The failure.
        last: Box<Error>,
    },
    /// A retryable failure happened on every one of `attempts` attempts; `last` is the
    /// final one.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// How many attempts were made (the configured maximum).
        attempts: u32,
        /// The last attempt's error.
        last: Box<Error>,
    },
}

impl Error {
    /// The error itself, or for [`Error::RetriesExhausted`] the last attempt's error.
    pub fn last(&self) -> &Error {
        match self {
            Error::RetriesExhausted { last, .. } | Error::MaybeSent { last, .. } => last.last(),
            other => other,
        }
    }

    /// The API error, if the service answered with an error code (also through
    /// [`Error::RetriesExhausted`]).
    pub fn api(&self) -> Option<&ApiError> {
        match self.last() {
            Error::Response(response) => response.api(),
            _ => None,
        }
    }

    /// The classification of the API error, if the service answered with one.
    pub fn kind(&self) -> Option<ApiErrorKind> {
        self.api().map(|error| error.kind)
    }

    /// The `random` of the (last) request that reached the transport, if any: quote it,
    /// with the request id, when opening a ticket.
    pub fn random(&self) -> Option<u32> {
        match self.last() {
            Error::Transport { random, .. } => Some(*random),
            Error::Response(ResponseError::Api(api)) => Some(api.random),
            Error::Response(ResponseError::HttpStatus { random, .. }) => Some(*random),
            Error::Response(ResponseError::Malformed { random, .. }) => Some(*random),
            _ => None,
        }
    }

    /// How many attempts were made when the client gave up retrying
    /// ([`Error::RetriesExhausted`]); `None` for an error returned without retrying.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::RetriesExhausted { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    /// A one-line summary for logs: the outcome without advice.
    pub(crate) fn summary(&self) -> String {
        match self {
            Error::Response(ResponseError::Api(api)) => format!(
                "code {} ({}), message {:?}, request id {}",
                api.code,
                api.kind.describe(),
                api.message,
                api.request_id.as_deref().unwrap_or("none")
            ),
            Error::Response(ResponseError::HttpStatus { status, .. }) => {
                format!("HTTP status {status}")
            }
            Error::Response(ResponseError::Malformed { status, reason, .. }) => {
                format!("malformed response ({reason}), HTTP status {status}")
            }
            Error::Transport { kind, source, .. } => format!(
                "transport error ({kind}): {}",
                redact_usersig(&source.to_string())
            ),
            other => other.to_string(),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidInput(e) => f.debug_tuple("InvalidInput").field(e).finish(),
            Error::UserSig(e) => f.debug_tuple("UserSig").field(e).finish(),
            Error::InvalidRequest(e) => f.debug_tuple("InvalidRequest").field(e).finish(),
            Error::Transport {
                path,
                random,
                kind,
                source,
            } => f
                .debug_struct("Transport")
                .field("path", path)
                .field("random", random)
                .field("kind", kind)
                .field("source", &RedactedDebug(source.as_ref()))
                .finish(),
            Error::Response(e) => f.debug_tuple("Response").field(e).finish(),
            Error::RetriesExhausted { attempts, last } => f
                .debug_struct("RetriesExhausted")
                .field("attempts", attempts)
                .field("last", last)
                .finish(),
            Error::MaybeSent { path, last } => f
                .debug_struct("MaybeSent")
                .field("path", path)
                .field("last", last)
                .finish(),
        }
    }
}

/// A value's `Debug`, with any UserSig in it redacted.
struct RedactedDebug<'a>(&'a (dyn StdError + Send + Sync));

impl fmt::Debug for RedactedDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_usersig(&format!("{:?}", self.0)))
    }
}

/// What to do about a response error, by classification.
fn hint(error: &ResponseError) -> &'static str {
    match error {
        ResponseError::Api(api) => match api.kind {
            ApiErrorKind::UserSigExpired => "the client signs a new UserSig on the next call",
            ApiErrorKind::UserSigInvalid => {
                "check the secret key, the SDKAppID and the admin identifier (and the region: keys live in one data centre)"
            }
            ApiErrorKind::NotAdmin => {
                "sign as an app administrator account (the client's admin identifier, `administrator` by default)"
            }
            ApiErrorKind::RateLimited => "slow down and retry later",
            ApiErrorKind::PackageMissing => {
                "buy or claim the CallKit package for this app in the console"
            }
            ApiErrorKind::NoConfiguration => "set a callback configuration first",
            ApiErrorKind::InvalidParameter => "check the request body and the query parameters",
            ApiErrorKind::ServerError => {
                "retry later; open a ticket with the request id if it persists"
            }
            ApiErrorKind::CallNotFound => {
                "the call is over (or never existed): nothing is left to end or to ask about"
            }
            ApiErrorKind::RecordNotFound => {
                "check the call id; records appear once a call ends and are kept for 7 days"
            }
            _ => "see the code's documentation; open a ticket with the request id and random",
        },
        ResponseError::HttpStatus { .. } => {
            "check the server URL; a gateway or network failure returns non-200 statuses"
        }
        _ => "check the server URL: the reply is not the CallKit API's envelope",
    }
}
