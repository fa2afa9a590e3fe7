//! The optional Chat-style callback signature (spec §6.7): with a token configured, the
//! sender appends `Sign = hex(sha256(Token + RequestTime))` and `RequestTime` (Unix
//! seconds) to the query. CallKit documents no such scheme for its own callbacks, so it
//! is checked only when the app configures a token.

use alloc::string::String;
use core::fmt;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::error::WebhookErrorKind;

/// How far `RequestTime` may be from `now`, either way, in seconds.
pub const MAX_CLOCK_SKEW_SECS: u64 = 60;

/// The callback authentication token set in the console. Zeroized on drop; `Debug` is
/// redacted.
///
/// ```
/// use callkit_core::webhook::CallbackToken;
/// assert_eq!(format!("{:?}", CallbackToken::new("xxxxyyyy")), "CallbackToken(<redacted>)");
/// ```
#[derive(Clone)]
pub struct CallbackToken(Zeroizing<String>);

impl CallbackToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(Zeroizing::new(token.into()))
    }

    fn digest(&self, request_time: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.0.as_bytes());
        h.update(request_time.as_bytes());
        h.finalize().into()
    }
}

impl fmt::Debug for CallbackToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackToken(<redacted>)")
    }
}

/// `hex(sha256(token + request_time))`, lower-case: the `Sign` a sender puts in the query.
///
/// ```
/// use callkit_core::webhook::{sign, CallbackToken};
/// assert_eq!(
///     sign(&CallbackToken::new("xxxxyyyy"), "1669872112"),
///     "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061",
/// );
/// ```
pub fn sign(token: &CallbackToken, request_time: &str) -> String {
    hex::encode(token.digest(request_time))
}

/// Checks `Sign` (hex, either case) in constant time, then `RequestTime` against `now`.
pub(crate) fn verify(
    token: &CallbackToken,
    sign: Option<&str>,
    request_time: Option<&str>,
    now: u64,
) -> Result<(), WebhookErrorKind> {
    let (Some(sign), Some(request_time)) = (sign, request_time) else {
        return Err(WebhookErrorKind::MissingSignature);
    };
    // Plain digits only: `u64::from_str` would also take "+1669872112", a second spelling
    // of one time with a different Sign.
    if request_time.is_empty() || !request_time.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookErrorKind::InvalidParameter {
            name: "RequestTime",
            reason: "not plain decimal digits",
        });
    }
    let given = hex::decode(sign).map_err(|_| WebhookErrorKind::BadSignature)?;
    // `ct_eq` on slices of different lengths is false without comparing contents.
    if !bool::from(given.as_slice().ct_eq(&token.digest(request_time))) {
        return Err(WebhookErrorKind::BadSignature);
    }
    let time: u64 = request_time
        .parse()
        .map_err(|_| WebhookErrorKind::InvalidParameter {
            name: "RequestTime",
            reason: "out of range",
        })?;
    if time.abs_diff(now) > MAX_CLOCK_SKEW_SECS {
        return Err(WebhookErrorKind::RequestTimeSkew {
            request_time: time,
            now,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_SIGN: &str = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061";

    #[test]
    fn doc_example_verifies_and_others_do_not() {
        let t = CallbackToken::new("xxxxyyyy");
        assert_eq!(
            verify(&t, Some(DOC_SIGN), Some("1669872112"), 1669872112),
            Ok(())
        );
        let upper = DOC_SIGN.to_ascii_uppercase();
        assert_eq!(
            verify(&t, Some(&upper), Some("1669872112"), 1669872112),
            Ok(())
        );
        let other = CallbackToken::new("xxxxyyyz");
        assert_eq!(
            verify(&other, Some(DOC_SIGN), Some("1669872112"), 1669872112),
            Err(WebhookErrorKind::BadSignature)
        );
        assert_eq!(
            verify(&t, Some(&DOC_SIGN[..62]), Some("1669872112"), 1669872112),
            Err(WebhookErrorKind::BadSignature)
        );
        assert_eq!(
            verify(&t, Some("zz"), Some("1669872112"), 1669872112),
            Err(WebhookErrorKind::BadSignature)
        );
        assert_eq!(
            verify(&t, None, Some("1669872112"), 1669872112),
            Err(WebhookErrorKind::MissingSignature)
        );
    }

    #[test]
    fn request_time_must_be_plain_digits_even_when_signed() {
        let t = CallbackToken::new("xxxxyyyy");
        for time in [
            "+1669872112",
            " 1669872112",
            "1669872112 ",
            "",
            "1_669_872_112",
            "1e9",
        ] {
            let signed = sign(&t, time);
            assert_eq!(
                verify(&t, Some(&signed), Some(time), 1669872112),
                Err(WebhookErrorKind::InvalidParameter {
                    name: "RequestTime",
                    reason: "not plain decimal digits",
                }),
                "{time:?}"
            );
        }
    }
}
