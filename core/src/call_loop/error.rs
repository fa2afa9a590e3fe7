//! [`CallError`]: why a call driven by a [`CallLoop`](super::CallLoop) failed.

use alloc::boxed::Box;

use crate::request::BuildError;
use crate::response::{ApiErrorKind, ResponseError};
use crate::usersig::GenerateError;

use super::FailureKind;

/// Why a call failed. The adapters wrap it in their own error (which adds the transport's
/// error as the source of a [`CallError::Transport`]).
///
/// Not `#[non_exhaustive]`, unlike the errors users handle: it mirrors, variant for
/// variant, the error each adapter builds from it, and an exhaustive match there makes a
/// new variant a compile error instead of a guess.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The body or configuration cannot be sent (nothing was sent).
    #[error("invalid input, nothing was sent: {0}")]
    InvalidInput(#[from] BuildError),
    /// The admin UserSig could not be signed.
    #[error("cannot sign the admin UserSig: {0}")]
    UserSig(#[from] GenerateError),
    /// The transport got no complete response; `kind` says what happened.
    #[error("{path}: no response from the server ({kind}), random {random}")]
    Transport {
        /// The endpoint's path.
        path: &'static str,
        /// The `random` the request carried.
        random: u32,
        /// What the transport reported.
        kind: FailureKind,
    },
    /// The service answered, but not with success.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// A request to an endpoint that is not retry safe may have reached the service, so
    /// it was not resent.
    #[error("{path}: the request may have been sent and acted on, so it was not resent: {last}")]
    MaybeSent {
        /// The endpoint's path.
        path: &'static str,
        /// The failure.
        last: Box<CallError>,
    },
    /// Every one of `attempts` attempts failed with a retryable error.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's error.
        last: Box<CallError>,
    },
}

impl CallError {
    /// The error itself, or the last attempt's error inside [`CallError::MaybeSent`] and
    /// [`CallError::RetriesExhausted`].
    pub fn last(&self) -> &CallError {
        match self {
            CallError::RetriesExhausted { last, .. } | CallError::MaybeSent { last, .. } => {
                last.last()
            }
            other => other,
        }
    }

    /// Whether the request may have reached the service and been acted on: no reply or
    /// an unreadable one, a non-200 status, or a server-side error.
    pub fn may_have_been_sent(&self) -> bool {
        match self.last() {
            CallError::Transport { kind, .. } => kind.may_have_been_sent(),
            CallError::Response(ResponseError::Api(api)) => {
                matches!(api.kind, ApiErrorKind::ServerError | ApiErrorKind::Other)
            }
            CallError::Response(_) => true,
            _ => false,
        }
    }
}
