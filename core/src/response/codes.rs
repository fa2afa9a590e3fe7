//! The documented error codes, per generation (spec §2.1, §2.2, §3, §4, §7, §8 item 3),
//! and what each means to the SDK ([`ApiErrorKind`]).
//!
//! Codes overlap between generations with different meanings (v1 70001 is a bad
//! parameter, v4 70001 an expired UserSig), so there is one table per generation and
//! never a global one. The constants are public for matching on
//! [`super::ApiError::code`].

use super::ApiErrorKind;
use crate::endpoint::{Endpoint, Generation};

/// v1 codes (legacy CallKit hosts).
pub mod v1 {
    /// Success.
    pub const OK: i64 = 0;
    /// The app must buy the TUICallKit Group Call edition package.
    pub const PACKAGE_REQUIRED: i64 = 50001;
    /// Invalid request parameters (set/get pages: the address must start with http).
    pub const INVALID_PARAMETER: i64 = 70001;
    /// UserSig invalid.
    pub const USERSIG_INVALID: i64 = 70002;
    /// UserSig expired.
    pub const USERSIG_EXPIRED: i64 = 70003;
    /// The identifier is not a super administrator.
    pub const NOT_ADMIN: i64 = 70004;
    /// Request rate limited.
    pub const RATE_LIMITED: i64 = 70005;
    /// The request body could not be parsed.
    pub const BODY_PARSE_ERROR: i64 = 70009;
    /// No callback configuration ("no configuration information").
    pub const NO_CONFIGURATION: i64 = 999;
}

/// v4 codes (Chat REST gateway): the common 60xxx codes, the 70xxx account/UserSig
/// codes, and the `call_config` private codes.
pub mod v4 {
    /// Success.
    pub const OK: i64 = 0;
    /// HTTP parse error (check the URL format).
    pub const HTTP_PARSE_ERROR: i64 = 60002;
    /// Request JSON parse error.
    pub const JSON_PARSE_ERROR: i64 = 60003;
    /// Account or signature error.
    pub const ACCOUNT_OR_SIGNATURE_ERROR: i64 = 60004;
    /// Account or signature error.
    pub const ACCOUNT_OR_SIGNATURE_ERROR_2: i64 = 60005;
    /// SDKAppID invalid.
    pub const SDKAPPID_INVALID: i64 = 60006;
    /// REST call frequency over limit.
    pub const REST_RATE_LIMITED: i64 = 60007;
    /// Service timeout or bad HTTP request format.
    pub const SERVICE_TIMEOUT: i64 = 60008;
    /// Bad request resource (check the URL).
    pub const BAD_RESOURCE: i64 = 60009;
    /// App administrator permission needed.
    pub const NOT_ADMIN: i64 = 60010;
    /// SDKAppID request frequency over limit.
    pub const SDKAPPID_RATE_LIMITED: i64 = 60011;
    /// SDKAppID missing from the URL.
    pub const SDKAPPID_MISSING: i64 = 60012;
    /// HTTP response JSON parse error.
    pub const RESPONSE_PARSE_ERROR: i64 = 60013;
    /// Account switching timeout.
    pub const ACCOUNT_SWITCH_TIMEOUT: i64 = 60014;
    /// Wrong account type in the body (must be a string).
    pub const WRONG_ACCOUNT_TYPE: i64 = 60015;
    /// SDKAppID disabled.
    pub const SDKAPPID_DISABLED: i64 = 60016;
    /// Request disabled.
    pub const REQUEST_DISABLED: i64 = 60017;
    /// Too frequent, retry later.
    pub const TOO_FREQUENT: i64 = 60018;
    /// Too frequent, retry later.
    pub const TOO_FREQUENT_2: i64 = 60019;
    /// Chat Pro package expired or disabled.
    pub const PACKAGE_EXPIRED: i64 = 60020;
    /// Caller IP not allowed.
    pub const IP_NOT_ALLOWED: i64 = 60021;
    /// UserSig expired.
    pub const USERSIG_EXPIRED: i64 = 70001;
    /// UserSig empty (length 0).
    pub const USERSIG_EMPTY: i64 = 70002;
    /// UserSig could not be parsed (e.g. truncated).
    pub const USERSIG_PARSE_FAILED: i64 = 70003;
    /// UserSig verification failed (signed with another app's key?).
    pub const USERSIG_VERIFICATION_FAILED: i64 = 70009;
    /// The identifier differs from the one the UserSig was signed for.
    pub const USERSIG_IDENTIFIER_MISMATCH: i64 = 70013;
    /// The SDKAppID differs from the one the UserSig was signed for.
    pub const USERSIG_SDKAPPID_MISMATCH: i64 = 70014;
    /// Key not found (wrong data centre?).
    pub const KEY_NOT_FOUND: i64 = 70016;
    /// SDKAppID not found (wrong data centre?).
    pub const SDKAPPID_NOT_FOUND: i64 = 70020;
    /// UserSig verification failed and requests are refused for one minute.
    pub const USERSIG_LOCKED: i64 = 70050;
    /// Internal server error; retry.
    pub const SERVER_ERROR: i64 = 100001;
    /// Invalid parameter (see `ErrorInfo`).
    pub const INVALID_PARAMETER: i64 = 100002;
    /// Callback configuration does not exist.
    pub const NO_CONFIGURATION: i64 = 100301;
    /// Call records and call engine: internal error; retry.
    pub const CALL_SERVER_ERROR: i64 = 101001;
    /// Call engine: invalid parameter.
    pub const CALL_INVALID_PARAMETER: i64 = 101002;
    /// Call engine: the call does not exist or has already ended.
    pub const CALL_NOT_FOUND: i64 = 101004;
    /// Call records: the record does not exist.
    pub const RECORD_NOT_FOUND: i64 = 101050;
}

/// The private codes of the v1 records endpoints (none are documented beyond the common
/// v1 list, spec §3.5-3.6).
pub const V1_RECORDS_CODES: &[(i64, ApiErrorKind)] = &[];

/// The private codes of the v4 call-record endpoints (spec §4.4-4.5); 100001 and 100002
/// are in the common v4 table.
pub const V4_RECORD_CODES: &[(i64, ApiErrorKind)] = &[
    (v4::CALL_SERVER_ERROR, ApiErrorKind::ServerError),
    (v4::RECORD_NOT_FOUND, ApiErrorKind::RecordNotFound),
];

/// The private codes of the v4 call-engine endpoints (spec §4.6-4.8).
pub const V4_CALL_ENGINE_CODES: &[(i64, ApiErrorKind)] = &[
    (v4::CALL_SERVER_ERROR, ApiErrorKind::ServerError),
    (v4::CALL_INVALID_PARAMETER, ApiErrorKind::InvalidParameter),
    (v4::CALL_NOT_FOUND, ApiErrorKind::CallNotFound),
];

/// Classifies `code` as returned by endpoint `E`: its private codes
/// ([`Endpoint::PRIVATE_CODES`]) first, then its generation's common table.
///
/// ```
/// use callkit_core::registry::{V4EndCall, V4GetCallback};
/// use callkit_core::response::{ApiErrorKind, codes::classify_for};
/// assert_eq!(classify_for::<V4EndCall>(101004), ApiErrorKind::CallNotFound);
/// assert_eq!(classify_for::<V4GetCallback>(101004), ApiErrorKind::Other);
/// ```
pub fn classify_for<E: Endpoint>(code: i64) -> ApiErrorKind {
    E::PRIVATE_CODES
        .iter()
        .find(|(private, _)| *private == code)
        .map_or_else(|| classify(E::GENERATION, code), |(_, kind)| *kind)
}

/// Classifies `code` as returned by an endpoint of `generation`.
///
/// ```
/// use callkit_core::endpoint::Generation;
/// use callkit_core::response::{ApiErrorKind, codes::classify};
/// assert_eq!(classify(Generation::V1, 70001), ApiErrorKind::InvalidParameter);
/// assert_eq!(classify(Generation::V4, 70001), ApiErrorKind::UserSigExpired);
/// ```
pub fn classify(generation: Generation, code: i64) -> ApiErrorKind {
    match generation {
        Generation::V1 => classify_v1(code),
        Generation::V4 => classify_v4(code),
    }
}

fn classify_v1(code: i64) -> ApiErrorKind {
    use ApiErrorKind::*;
    use v1::*;
    match code {
        PACKAGE_REQUIRED => PackageMissing,
        INVALID_PARAMETER | BODY_PARSE_ERROR => InvalidParameter,
        USERSIG_INVALID => UserSigInvalid,
        USERSIG_EXPIRED => UserSigExpired,
        NOT_ADMIN => NotAdmin,
        RATE_LIMITED => RateLimited,
        NO_CONFIGURATION => NoConfiguration,
        // The docs say "other: internal error, open a ticket" without promising a retry helps.
        _ => Other,
    }
}

fn classify_v4(code: i64) -> ApiErrorKind {
    use ApiErrorKind::*;
    use v4::*;
    match code {
        HTTP_PARSE_ERROR | JSON_PARSE_ERROR | SDKAPPID_INVALID | BAD_RESOURCE
        | SDKAPPID_MISSING | WRONG_ACCOUNT_TYPE | SDKAPPID_NOT_FOUND => InvalidParameter,
        ACCOUNT_OR_SIGNATURE_ERROR | ACCOUNT_OR_SIGNATURE_ERROR_2 => UserSigInvalid,
        REST_RATE_LIMITED | SDKAPPID_RATE_LIMITED | TOO_FREQUENT | TOO_FREQUENT_2 => RateLimited,
        SERVICE_TIMEOUT | RESPONSE_PARSE_ERROR | ACCOUNT_SWITCH_TIMEOUT | SERVER_ERROR => {
            ServerError
        }
        NOT_ADMIN => NotAdmin,
        PACKAGE_EXPIRED => PackageMissing,
        USERSIG_EXPIRED => UserSigExpired,
        // 70050 is also a one-minute lock-out: see `ApiError::is_rate_limited`.
        USERSIG_EMPTY
        | USERSIG_PARSE_FAILED
        | USERSIG_VERIFICATION_FAILED
        | USERSIG_IDENTIFIER_MISMATCH
        | USERSIG_SDKAPPID_MISMATCH
        | KEY_NOT_FOUND
        | USERSIG_LOCKED => UserSigInvalid,
        INVALID_PARAMETER => InvalidParameter,
        NO_CONFIGURATION => NoConfiguration,
        _ => Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_code_means_different_things_per_generation() {
        use ApiErrorKind::*;
        assert_eq!(classify(Generation::V1, 70001), InvalidParameter);
        assert_eq!(classify(Generation::V4, 70001), UserSigExpired);
        assert_eq!(classify(Generation::V1, 70003), UserSigExpired);
        assert_eq!(classify(Generation::V4, 70003), UserSigInvalid);
        assert_eq!(classify(Generation::V1, 70009), InvalidParameter);
        assert_eq!(classify(Generation::V4, 70009), UserSigInvalid);
        assert_eq!(classify(Generation::V1, 999), NoConfiguration);
        assert_eq!(classify(Generation::V4, 999), Other);
        assert_eq!(classify(Generation::V4, 100301), NoConfiguration);
        assert_eq!(classify(Generation::V1, 100301), Other);
        assert_eq!(classify(Generation::V1, 60010), Other);
        assert_eq!(classify(Generation::V4, 60010), NotAdmin);
        assert_eq!(classify(Generation::V4, 60008), ServerError);
        assert_eq!(classify(Generation::V4, 70020), InvalidParameter);
    }
}
