//! Why a signature cannot be made, or why one is refused. No variant carries the key or
//! the signature text.

/// Why a UserSig or PrivateMapKey cannot be generated (or an [`AdminSigner`](super::AdminSigner)
/// cannot be configured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The SDKAppID is 0.
    #[error("the SDKAppID is 0")]
    SdkAppIdZero,
    /// The identifier (user id) is empty: no real user has an empty id.
    #[error("the identifier is empty")]
    EmptyIdentifier,
    /// The identifier is longer than [`MAX_IDENTIFIER_LEN`](super::MAX_IDENTIFIER_LEN) bytes
    /// (which also keeps it within the userbuf's 16-bit length field).
    #[error("the identifier is longer than {max} bytes")]
    IdentifierTooLong {
        /// The limit, in bytes of UTF-8.
        max: usize,
    },
    /// A PrivateMapKey's account (the identifier) is not ASCII: the official implementations
    /// write such an account into the userbuf in incompatible ways.
    #[error(
        "a PrivateMapKey needs an ASCII identifier (implementations disagree on anything else)"
    )]
    NonAsciiAccount,
    /// A string room id is empty: the official implementations disagree on its layout.
    #[error("the string room id is empty")]
    EmptyRoomName,
    /// A string room id is not ASCII: the official implementations disagree on its bytes.
    #[error("the string room id is not ASCII (implementations disagree on anything else)")]
    NonAsciiRoomName,
    /// A string room id is longer than [`MAX_ROOM_NAME_LEN`](super::MAX_ROOM_NAME_LEN) bytes.
    #[error("the string room id is longer than {max} bytes")]
    RoomNameTooLong {
        /// The limit, in bytes.
        max: usize,
    },
    /// An admin signer's refresh margin is not below its expiry.
    #[error("the refresh margin must be shorter than the expiry")]
    MarginNotBelowExpire,
}

/// Why a signature string could not even be decoded, by stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The text is not Tencent's base64 variant (or is empty).
    #[error("not valid base64 (Tencent variant)")]
    Base64,
    /// The bytes are not a complete zlib stream, carry trailing bytes, or inflate beyond the size cap.
    #[error("not a valid zlib stream (or larger than the size cap)")]
    Zlib,
    /// The inflated document is not a JSON object.
    #[error("not a JSON object")]
    Json,
    /// A field that must be present is missing (only `TLS.sig` is mandatory: the Go library
    /// omits zero and empty fields).
    #[error("field {0} is missing")]
    MissingField(&'static str),
    /// A field has the wrong JSON type (or a negative or fractional number).
    #[error("field {0} has the wrong type")]
    BadFieldType(&'static str),
    /// `TLS.userbuf` is not base64, or not a well-formed PrivateMapKey buffer.
    #[error("the userbuf is malformed")]
    Userbuf,
}

/// A PrivateMapKey userbuf field that differs from what the caller expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserbufField {
    /// The account differs from the identifier.
    Account,
    /// The SDKAppID in the userbuf differs.
    SdkAppId,
    /// The room differs (number vs. string, or value).
    Room,
}

/// Why a UserSig or PrivateMapKey is refused. Match on it to map reasons to error codes.
///
/// Checks run in the order of the official Go verifier: decoding, SDKAppID, identifier,
/// expiry, userbuf presence, then the signature, then (PrivateMapKey) the userbuf's
/// contents. So only [`SignatureMismatch`](Self::SignatureMismatch) and
/// [`UserbufMismatch`](Self::UserbufMismatch) speak about a document known to be genuinely
/// signed; the earlier reasons describe what the string claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The string could not be decoded; the inner value says at which stage.
    #[error("undecodable signature: {0}")]
    Undecodable(#[from] DecodeError),
    /// `TLS.sdkappid` is not the expected SDKAppID.
    #[error("the SDKAppID does not match: expected {expected}, the signature is for {found}")]
    SdkAppIdMismatch {
        /// The SDKAppID the verifier was set up for.
        expected: u32,
        /// The SDKAppID the document claims (wider than a `u32`, as a document may claim).
        found: u64,
    },
    /// `TLS.identifier` is not the expected identifier.
    #[error("the identifier does not match")]
    IdentifierMismatch,
    /// `now > time + expire`.
    #[error("the signature expired at {expires_at}")]
    Expired {
        /// `time + expire`, the last second it was valid.
        expires_at: u64,
    },
    /// The HMAC does not match: another key, or altered fields.
    #[error("the signature does not match")]
    SignatureMismatch,
    /// A PrivateMapKey was expected but the document has no `TLS.userbuf`.
    #[error("no userbuf, but a PrivateMapKey was expected")]
    UserbufMissing,
    /// A plain UserSig was expected but the document carries a `TLS.userbuf`.
    #[error("a userbuf is present, but a plain UserSig was expected")]
    UserbufUnexpected,
    /// The userbuf is well-formed but grants something else.
    #[error("the userbuf's {0:?} does not match")]
    UserbufMismatch(UserbufField),
}
