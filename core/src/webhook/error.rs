//! Why a callback was rejected, and the HTTP reply that says so.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::Generation;

/// A rejected callback: what was wrong ([`kind`](Self::kind)) and, when the query told
/// it, which generation sent it ([`generation`](Self::generation)), so the reply can be
/// shaped the way that sender reads it.
///
/// Neither `Display` nor [`response`](Self::response) ever contains the configured token
/// or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookError {
    generation: Option<Generation>,
    kind: WebhookErrorKind,
}

/// What was wrong with a callback request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookErrorKind {
    /// The method was not `POST` (HTTP 405).
    #[error("method {method} not allowed: callbacks are POST")]
    MethodNotAllowed {
        /// The method received (clipped to 32 characters).
        method: String,
    },
    /// The body is larger than [`WebhookConfig::max_body_bytes`](super::WebhookConfig)
    /// (HTTP 413).
    #[error("body of {len} bytes is over the limit of {max} bytes")]
    BodyTooLarge {
        /// The body's length.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// A query parameter this module reads appeared twice (HTTP 400). Duplicates are
    /// refused rather than "first wins", so that no one can smuggle a second `Sign` or
    /// `SdkAppid` past a proxy that reads the other copy.
    #[error("query parameter {name} appears more than once")]
    DuplicateParameter {
        /// The parameter's name as received (clipped to 32 characters).
        name: String,
    },
    /// A required query parameter is missing or empty (HTTP 400).
    #[error("query parameter {name} is missing")]
    MissingParameter {
        /// The parameter's name.
        name: &'static str,
    },
    /// A query parameter has a value that cannot be read (HTTP 400).
    #[error("query parameter {name} is invalid: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// The query has neither `command` (v1) nor `CallbackCommand` (v4) (HTTP 400).
    #[error("the query has neither command (v1) nor CallbackCommand (v4)")]
    UnknownGeneration,
    /// The query has both `command` and `CallbackCommand` (HTTP 400).
    #[error("the query has both command (v1) and CallbackCommand (v4)")]
    AmbiguousGeneration,
    /// The query's SDKAppID is not this app's (HTTP 403).
    #[error("SDKAppID {received} is not this app's ({expected})")]
    SdkAppIdMismatch {
        /// This app's SDKAppID.
        expected: u32,
        /// The one in the query (wider, so an out-of-range one is reported as sent).
        received: u64,
    },
    /// A token is configured but the query lacks `Sign` or `RequestTime` (HTTP 401).
    #[error("Sign and RequestTime are required")]
    MissingSignature,
    /// `Sign` is not sha256(token + RequestTime) (HTTP 403).
    #[error("Sign does not match")]
    BadSignature,
    /// `RequestTime` is more than 60 s away from now (HTTP 403).
    #[error("RequestTime {request_time} is more than 60 s from now ({now})")]
    RequestTimeSkew {
        /// `RequestTime` from the query (Unix seconds).
        request_time: u64,
        /// The receiver's clock (Unix seconds).
        now: u64,
    },
    /// The v4 body's `CallbackCommand` differs from the query's (HTTP 400).
    #[error("body CallbackCommand {body} differs from the query's {query}")]
    CommandMismatch {
        /// The query's command (clipped to 64 characters).
        query: String,
        /// The body's command (clipped to 64 characters).
        body: String,
    },
    /// A field that identifies the event (the call id) or that its command requires is
    /// missing or empty (HTTP 400). Only identity is strict: misspelt enums, ids as
    /// numbers and unknown extra fields are still read leniently.
    #[error("required field {field} is missing or empty")]
    MissingField {
        /// The field's path in the body, e.g. `CallInfo.CallId`.
        field: &'static str,
    },
    /// The body is not valid JSON, or a field has a type that cannot be read (HTTP 400).
    /// Published examples with a missing comma land here: they are not repaired.
    #[error("invalid JSON body at line {line} column {column}: {message}")]
    InvalidJson {
        /// 1-based line of the error (0 if unknown).
        line: usize,
        /// 1-based column of the error (0 if unknown).
        column: usize,
        /// serde_json's description.
        message: String,
    },
}

/// Truncates text from the request before it goes into an error (and so into a reply).
pub(crate) fn clip(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((end, _)) => {
            let mut out = String::from(s.get(..end).unwrap_or(""));
            out.push('…');
            out
        }
        None => String::from(s),
    }
}

impl WebhookErrorKind {
    /// The HTTP status to reply with.
    pub fn status(&self) -> u16 {
        match self {
            Self::MethodNotAllowed { .. } => 405,
            Self::BodyTooLarge { .. } => 413,
            Self::MissingSignature => 401,
            Self::SdkAppIdMismatch { .. } | Self::BadSignature | Self::RequestTimeSkew { .. } => {
                403
            }
            Self::DuplicateParameter { .. }
            | Self::MissingParameter { .. }
            | Self::InvalidParameter { .. }
            | Self::UnknownGeneration
            | Self::AmbiguousGeneration
            | Self::CommandMismatch { .. }
            | Self::MissingField { .. }
            | Self::InvalidJson { .. } => 400,
        }
    }

    pub(crate) fn from_json(e: &serde_json::Error) -> Self {
        Self::InvalidJson {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}

impl WebhookError {
    pub(crate) fn new(generation: Option<Generation>, kind: WebhookErrorKind) -> Self {
        Self { generation, kind }
    }

    /// What was wrong.
    pub fn kind(&self) -> &WebhookErrorKind {
        &self.kind
    }

    /// The generation the query named, if it named one.
    pub fn generation(&self) -> Option<Generation> {
        self.generation
    }

    /// The HTTP status to reply with (400, 401, 403, 405 or 413).
    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// The HTTP status and JSON body to reply with, in the sender's generation's shape
    /// with the status as a non-zero `ErrorCode`:
    ///
    /// * v1: `{"ErrorCode":400,"ErrorMessage":"…"}`
    /// * v4: `{"ActionStatus":"FAIL","ErrorInfo":"…","ErrorCode":400}`
    /// * unknown: both sets of keys.
    ///
    /// ```
    /// use callkit_core::webhook::{parse, WebhookConfig};
    /// let err = parse("GET", "sdkappid=1&command=cancel", b"{}", &WebhookConfig::new(1), 0)
    ///     .unwrap_err();
    /// let (status, body) = err.response();
    /// assert_eq!(status, 405);
    /// assert!(body.starts_with(br#"{"ErrorCode":405,"ErrorMessage":"method GET"#));
    /// ```
    pub fn response(&self) -> (u16, Vec<u8>) {
        let status = self.status();
        let message = self.kind.to_string();
        let body = super::reply::failure_body(self.generation, status, &message);
        (status, body)
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.generation {
            Some(g) => write!(f, "rejected {g} callback: {}", self.kind),
            None => write!(f, "rejected callback: {}", self.kind),
        }
    }
}

impl core::error::Error for WebhookError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.kind)
    }
}
