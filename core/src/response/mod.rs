//! Turning `(HTTP status, body bytes)` into an endpoint's typed result or a
//! [`ResponseError`], and what those errors mean.
//!
//! * [`parse_response`]: the one entry point, generic over the [`Endpoint`].
//! * [`ApiError`] / [`ApiErrorKind`]: the service answered with a non-zero code; the code
//!   is classified per generation ([`codes`]).
//! * [`ResponseError`]: an API error, a non-200 status, or a body that is not the
//!   documented envelope; the latter two carry a [`BodyExcerpt`].
//!
//! Parsing is lenient: unknown fields are ignored, `errorCode`/`ErrorCode` may be a
//! number or a numeric string, request ids a string or a number, and the payload is
//! only decoded once the envelope says the call succeeded (an error reply with an odd
//! `data` still yields the API error, not a parse error).

pub mod codes;
mod envelope;
mod excerpt;

use alloc::string::String;
use core::fmt;

pub(crate) use envelope::read_plain_success;
#[cfg(any(test, fuzzing))]
pub(crate) use envelope::typed_success;
pub use excerpt::{BodyExcerpt, EXCERPT_BYTES};

use crate::endpoint::{Endpoint, Generation};

/// What an API error code means, so the caller can act without knowing the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// The UserSig has expired: sign a new one and retry.
    UserSigExpired,
    /// The UserSig is invalid (wrong key, wrong SDKAppID or identifier, truncated...).
    UserSigInvalid,
    /// The identifier is not an app administrator.
    NotAdmin,
    /// Too many requests: wait and retry.
    RateLimited,
    /// The app lacks the required package (v1: Group Call edition), or it expired.
    PackageMissing,
    /// No callback configuration exists (v1 999, v4 100301).
    NoConfiguration,
    /// A request parameter or the body was rejected.
    InvalidParameter,
    /// The service failed internally; a retry may succeed.
    ServerError,
    /// The call does not exist or has already ended (v4 call engine 101004): for
    /// `end_call`, the call is over either way.
    CallNotFound,
    /// No record of that call (v4 call records 101050; a call younger than a few seconds
    /// or older than the 7 days kept has none).
    RecordNotFound,
    /// A code this SDK does not classify; see the code and message.
    Other,
}

impl ApiErrorKind {
    /// A short description, for messages.
    pub const fn describe(self) -> &'static str {
        match self {
            ApiErrorKind::UserSigExpired => "UserSig expired",
            ApiErrorKind::UserSigInvalid => "UserSig invalid",
            ApiErrorKind::NotAdmin => "identifier is not an app administrator",
            ApiErrorKind::RateLimited => "rate limited",
            ApiErrorKind::PackageMissing => "required package missing",
            ApiErrorKind::NoConfiguration => "no callback configuration",
            ApiErrorKind::InvalidParameter => "invalid parameter",
            ApiErrorKind::ServerError => "server error",
            ApiErrorKind::CallNotFound => "call does not exist or has already ended",
            ApiErrorKind::RecordNotFound => "call record does not exist",
            ApiErrorKind::Other => "unclassified error",
        }
    }
}

/// The service answered, with a non-zero error code (or v4 `ActionStatus: "FAIL"`).
///
/// Carries what is needed to act on it and to open a ticket with Tencent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct ApiError {
    /// The API generation that answered (the code's meaning depends on it).
    pub generation: Generation,
    /// The endpoint's path.
    pub path: &'static str,
    /// The error code as returned (0 if a v4 reply said `FAIL` without a code).
    pub code: i64,
    /// The error message as returned (`errorMessage` / `ErrorInfo`).
    pub message: String,
    /// The request id, if the reply had one.
    pub request_id: Option<String>,
    /// The `random` query parameter the request was sent with.
    pub random: u32,
    /// What the code means.
    pub kind: ApiErrorKind,
    /// Whether the endpoint is safe to retry ([`Endpoint::RETRY_SAFE`]).
    pub retry_safe: bool,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} failed with code {} ({}): {:?}",
            self.generation,
            self.path,
            self.code,
            self.kind.describe(),
            self.message
        )?;
        match &self.request_id {
            Some(id) => write!(f, ", request id {id}")?,
            None => f.write_str(", no request id")?,
        }
        write!(f, ", random {}", self.random)
    }
}

impl ApiError {
    /// Whether the client should retry (after waiting, and with a fresh UserSig if it
    /// expired): rate limits, expired UserSigs and server errors, for retry-safe
    /// endpoints. A v4 70050 (invalid UserSig, locked for a minute) is not retryable.
    pub fn is_retryable(&self) -> bool {
        self.retry_safe
            && matches!(
                self.kind,
                ApiErrorKind::RateLimited
                    | ApiErrorKind::UserSigExpired
                    | ApiErrorKind::ServerError
            )
    }

    /// Whether the service is throttling this app: [`ApiErrorKind::RateLimited`], or
    /// v4 70050 (UserSig verification failed and requests refused for one minute).
    pub fn is_rate_limited(&self) -> bool {
        self.kind == ApiErrorKind::RateLimited
            || (self.generation == Generation::V4 && self.code == 70050)
    }

    /// Whether the cached UserSig should be thrown away and a new one signed.
    pub fn is_usersig_expired(&self) -> bool {
        self.kind == ApiErrorKind::UserSigExpired
    }
}

/// Why a response could not be turned into the endpoint's result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The service answered with an error code.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The HTTP status was not 200 (the docs: 200 unless a network-level error).
    #[error("{path}: HTTP status {status}, body {excerpt} (random {random})")]
    HttpStatus {
        /// The endpoint's path.
        path: &'static str,
        /// The status received.
        status: u16,
        /// The start of the body.
        excerpt: BodyExcerpt,
        /// The `random` the request was sent with.
        random: u32,
        /// Whether the endpoint is safe to retry.
        retry_safe: bool,
    },
    /// Status 200 but the body is not the documented envelope or payload.
    #[error(
        "{path}: malformed response ({reason}), HTTP status {status}, body {excerpt} (random {random})"
    )]
    Malformed {
        /// The endpoint's path.
        path: &'static str,
        /// The status received.
        status: u16,
        /// What was wrong.
        reason: MalformedReason,
        /// The start of the body.
        excerpt: BodyExcerpt,
        /// The `random` the request was sent with.
        random: u32,
    },
}

impl ResponseError {
    /// Whether the client should retry: a retryable [`ApiError`], or a 429 / 5xx
    /// status (a gateway or network failure) on a retry-safe endpoint.
    pub fn is_retryable(&self) -> bool {
        match self {
            ResponseError::Api(error) => error.is_retryable(),
            ResponseError::HttpStatus {
                status, retry_safe, ..
            } => *retry_safe && (*status == 429 || (500..=599).contains(status)),
            ResponseError::Malformed { .. } => false,
        }
    }

    /// The API error, if the service answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            ResponseError::Api(error) => Some(error),
            _ => None,
        }
    }

    /// The classification of the API error, if the service answered with one.
    pub fn kind(&self) -> Option<ApiErrorKind> {
        self.api().map(|error| error.kind)
    }
}

/// What was wrong with a malformed response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MalformedReason {
    /// The body is not a JSON object of the envelope's shape.
    NotAnEnvelope,
    /// The envelope has neither an error code nor (v4) an action status.
    NoStatus,
    /// The call succeeded but the payload has an unexpected shape.
    BadPayload,
    /// The call succeeded but the payload this endpoint returns is missing or null.
    MissingPayload,
}

impl fmt::Display for MalformedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MalformedReason::NotAnEnvelope => "not the documented JSON envelope",
            MalformedReason::NoStatus => "no error code or action status",
            MalformedReason::BadPayload => "payload has an unexpected shape",
            MalformedReason::MissingPayload => "success without the expected payload",
        })
    }
}

/// Parses the reply to a request made to endpoint `E`.
///
/// `random` is the `random` the request was sent with ([`crate::request::SignedRequest::random`]);
/// it is carried into errors so a failure can be matched to its request.
///
/// ```
/// use callkit_core::callback::{V1Action, V1GetCallback};
/// use callkit_core::response::parse_response;
/// let body = br#"{"errorCode": 0, "errorMessage": "Success", "requestId": "355c",
///   "data": {"actions": ["call_busy","normal_end"], "address": "http://www.example.com/callback"}}"#;
/// let config = parse_response::<V1GetCallback>(200, body, 7).unwrap();
/// assert_eq!(config.actions, [V1Action::CallBusy, V1Action::NormalEnd]);
///
/// let body = br#"{"errorCode": 999, "errorMessage": "no config", "requestId": "x", "data": ""}"#;
/// let error = parse_response::<V1GetCallback>(200, body, 7).unwrap_err();
/// assert_eq!(error.kind(), Some(callkit_core::response::ApiErrorKind::NoConfiguration));
/// ```
pub fn parse_response<E: Endpoint>(
    status: u16,
    body: &[u8],
    random: u32,
) -> Result<E::Response, ResponseError> {
    if status != 200 {
        return Err(ResponseError::HttpStatus {
            path: E::PATH,
            status,
            excerpt: BodyExcerpt::new(body),
            random,
            retry_safe: E::RETRY_SAFE,
        });
    }
    // The endpoint's own plain-JSON reader first, where it declares one (see
    // `Endpoint::read_plain`); then one serde pass for the common case; the rest
    // (failures included) is read in two.
    let success = match E::read_plain(body) {
        Some(data) => Some(Some(data)),
        None => envelope::typed_success::<E::Data>(E::GENERATION, body),
    };
    if let Some(data) = success
        && let Some(response) = E::response(data)
    {
        return Ok(response);
    }
    let malformed = |reason| ResponseError::Malformed {
        path: E::PATH,
        status,
        reason,
        excerpt: BodyExcerpt::new(body),
        random,
    };
    let outcome = match E::GENERATION {
        Generation::V1 => envelope::V1Envelope::parse(body),
        Generation::V4 => envelope::V4Envelope::parse(body),
    }
    .map_err(malformed)?;
    match outcome {
        envelope::Outcome::Success(payload) => {
            let data = match payload {
                None => None,
                Some(raw) => Some(
                    serde_json::from_str::<E::Data>(raw.get())
                        .map_err(|_| malformed(MalformedReason::BadPayload))?,
                ),
            };
            E::response(data).ok_or_else(|| malformed(MalformedReason::MissingPayload))
        }
        envelope::Outcome::Failure {
            code,
            mut message,
            mut request_id,
        } => {
            // A message or request id could echo the request URL; never let a UserSig
            // through.
            crate::redact::redact_usersig_in_place(&mut message);
            if let Some(id) = request_id.as_mut() {
                crate::redact::redact_usersig_in_place(id);
            }
            Err(ResponseError::Api(ApiError {
                generation: E::GENERATION,
                path: E::PATH,
                code,
                message,
                request_id,
                random,
                kind: codes::classify_for::<E>(code),
                retry_safe: E::RETRY_SAFE,
            }))
        }
    }
}
