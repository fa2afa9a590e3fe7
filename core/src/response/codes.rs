//! What each documented error code means, per generation (spec §2.1, §2.2, §3, §4, §7,
//! §8 item 3). Codes overlap between generations with different meanings (v1 70001 is
//! a bad parameter, v4 70001 an expired UserSig), so there is one table per generation
//! and never a global one.

use super::ApiErrorKind;
use crate::endpoint::Generation;

/// Classifies `code` as returned by an endpoint of `generation`.
pub(crate) fn classify(generation: Generation, code: i64) -> ApiErrorKind {
    match generation {
        Generation::V1 => classify_v1(code),
        Generation::V4 => classify_v4(code),
    }
}

fn classify_v1(code: i64) -> ApiErrorKind {
    use ApiErrorKind::*;
    match code {
        // "app must buy the TUICallKit Group Call edition package"
        50001 => PackageMissing,
        // "invalid request parameters" (set/get pages: "address must start with http")
        70001 => InvalidParameter,
        70002 => UserSigInvalid,
        70003 => UserSigExpired,
        // "requesting user is not a super administrator"
        70004 => NotAdmin,
        70005 => RateLimited,
        // "request body could not be parsed"
        70009 => InvalidParameter,
        // "no configuration information" / "callback does not exist"
        999 => NoConfiguration,
        // The docs say "other: internal error, open a ticket" without promising a retry helps.
        _ => Other,
    }
}

fn classify_v4(code: i64) -> ApiErrorKind {
    use ApiErrorKind::*;
    match code {
        // Chat REST common codes (table in spec §2.2).
        60002 | 60003 | 60006 | 60009 | 60012 | 60015 => InvalidParameter,
        60004 | 60005 => UserSigInvalid,
        60007 | 60011 | 60018 | 60019 => RateLimited,
        // service timeout; response JSON parse error; account switching timeout
        60008 | 60013 | 60014 => ServerError,
        60010 => NotAdmin,
        60020 => PackageMissing,
        // Account / UserSig codes (spec §7).
        70001 => UserSigExpired,
        // 70002 length 0, 70003 parse failed, 70009 verification failed,
        // 70013/70014 user id / SDKAppID differ from the signed ones, 70016 key not found,
        // 70050 verification failed and rate limited for a minute (see `is_rate_limited`).
        70002 | 70003 | 70009 | 70013 | 70014 | 70016 | 70050 => UserSigInvalid,
        // SDKAppID not found (wrong data centre?)
        70020 => InvalidParameter,
        // call_config private codes (spec §4.1-4.3).
        100001 => ServerError,
        100002 => InvalidParameter,
        100301 => NoConfiguration,
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
    }
}
