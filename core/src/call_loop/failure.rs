//! [`FailureKind`]: what a transport says happened when it got no complete response.

use core::fmt;

/// What happened to a request that got no complete response, as the transport reports
/// it. The call loop decides on it alone whether a retry is safe: it never needs to know
/// the transport's error type.
///
/// ```
/// use callkit_core::call_loop::FailureKind;
/// assert!(FailureKind::NotSent.is_retryable());
/// assert!(!FailureKind::Refused.is_retryable());
/// assert!(FailureKind::TimedOut.may_have_been_sent());
/// assert_eq!(FailureKind::TimedOut.to_string(), "timed out, the request may have been sent");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// The request surely never left this machine: the name did not resolve, no TCP
    /// connection could be opened, the TLS handshake failed, or connecting timed out.
    /// Another attempt (on any endpoint, even one not safe to retry) cannot do anything
    /// twice, and a failover host may be tried.
    NotSent,
    /// The transport would not send this request at all (an invalid URL or header, plain
    /// `http://` where only HTTPS is allowed, a broken configuration): nothing was sent,
    /// and sending it again would fail the same way.
    Refused,
    /// The exchange failed after the request may have been written (connection reset, a
    /// malformed reply...): the service may have acted on it.
    MaybeSent,
    /// The request's deadline passed after it may have been sent: the service may have
    /// acted on it.
    TimedOut,
    /// A reply came, but its body is larger than the transport's cap: the request was
    /// sent and the service acted on it.
    BodyTooLarge,
}

impl FailureKind {
    /// Whether another attempt may help and cannot repeat anything: only
    /// [`FailureKind::NotSent`].
    pub const fn is_retryable(self) -> bool {
        matches!(self, FailureKind::NotSent)
    }

    /// Whether the service may have received the request (and acted on it).
    pub const fn may_have_been_sent(self) -> bool {
        matches!(
            self,
            FailureKind::MaybeSent | FailureKind::TimedOut | FailureKind::BodyTooLarge
        )
    }

    /// A short description, e.g. `request not sent`.
    pub const fn describe(self) -> &'static str {
        match self {
            FailureKind::NotSent => "request not sent",
            FailureKind::Refused => "request refused by the transport, not sent",
            FailureKind::MaybeSent => "request may have been sent",
            FailureKind::TimedOut => "timed out, the request may have been sent",
            FailureKind::BodyTooLarge => "response body over the transport's cap",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}
