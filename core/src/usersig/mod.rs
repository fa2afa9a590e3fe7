//! UserSig and PrivateMapKey (Tencent's TLSSigAPIv2): generation, verification, and an
//! admin signer that caches its UserSig.
//!
//! # The algorithm, briefly
//!
//! A UserSig is a small JSON document, compressed with zlib and encoded in Tencent's base64
//! variant (standard base64 with `+ / =` written as `* - _`). The document carries the
//! version `"2.0"`, the user's identifier, the SDKAppID, the issue time, the lifetime in
//! seconds and `TLS.sig`: the standard base64 of an HMAC-SHA256, keyed with the secret-key
//! *string* (not hex-decoded), over the text
//!
//! ```text
//! TLS.identifier:<id>\nTLS.sdkappid:<n>\nTLS.time:<now>\nTLS.expire:<secs>\n
//! ```
//!
//! A PrivateMapKey is the same with one more field, `TLS.userbuf`: a binary grant (account,
//! SDKAppID, room, absolute expiry, privilege bits), base64-encoded, and also signed as a
//! final `TLS.userbuf:<base64>\n` line.
//!
//! # What we emit
//!
//! Official implementations differ in key order, spacing, escaping and compression level,
//! and the server only looks at the decoded fields. Our profile is: compact JSON in the key
//! order `TLS.ver, TLS.identifier, TLS.sdkappid, TLS.expire, TLS.time, [TLS.userbuf],
//! TLS.sig`; the identifier escaped as JSON requires (`"`, `\`, control characters) and
//! otherwise raw UTF-8; zlib with *stored* (uncompressed) blocks (header `78 01`, Adler-32
//! trailer), which skips the compressor entirely; Tencent's base64 with padding kept.
//!
//! # What we accept
//!
//! Verification parses rather than compares bytes, so it takes every official
//! implementation's output: any key order, `\/` and `\uXXXX` escapes, any zlib level,
//! a trailing newline, the Go library's omitted zero/empty fields, missing base64 padding.
//! The inflated document is capped at 16 KiB. A signature is valid up to and including
//! second `time + expire`.
//!
//! # Inputs we refuse to sign
//!
//! SDKAppID 0 or above `u32::MAX`; an empty identifier or one longer than
//! [`MAX_IDENTIFIER_LEN`]; for PrivateMapKeys a non-ASCII identifier and an empty,
//! non-ASCII or over-long ([`MAX_ROOM_NAME_LEN`]) room string, because the official
//! implementations encode those differently.
//!
//! ```
//! use callkit_core::secret::SecretKey;
//! use callkit_core::usersig::{self, Privileges, Room};
//!
//! let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")?;
//! let now = 1_700_000_000;
//! let sig = usersig::generate_user_sig(1_400_000_000, &key, "xiaojun", usersig::DEFAULT_EXPIRE, now)?;
//! let ok = usersig::verify_user_sig(1_400_000_000, &key, "xiaojun", sig.as_str(), now)?;
//! assert_eq!(ok.expires_at, now + usersig::DEFAULT_EXPIRE);
//!
//! let pmk = usersig::generate_private_map_key(
//!     1_400_000_000, &key, "xiaojun", Room::Named("adbjkl"), Privileges::ALL, 300, now)?;
//! let grant = usersig::verify_private_map_key(
//!     1_400_000_000, &key, "xiaojun", Room::Named("adbjkl"), pmk.as_str(), now)?.grant;
//! assert!(grant.privileges.contains(Privileges::SEND_VIDEO));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod admin;
mod document;
mod error;
mod mac;
mod signer;
mod types;
mod userbuf;
mod verifier;
mod wire;

pub use admin::{AdminSigner, DEFAULT_ADMIN, DEFAULT_REFRESH_MARGIN};
pub use error::{DecodeError, GenerateError, UserbufField, VerifyError};
pub use signer::Signer;
pub use types::{PrivateMap, Privileges, Room, RoomId, UserSig, Verified, VerifiedPrivateMapKey};
pub use verifier::Verifier;

use crate::secret::SecretKey;
use wire::Inflater;

/// The default lifetime of a UserSig: 180 days, in seconds (as the official libraries default to).
pub const DEFAULT_EXPIRE: u64 = 180 * 86_400;

/// The longest identifier we sign for, in bytes of UTF-8. Tencent documents at most 32
/// bytes; this generous cap keeps every document well inside the verifier's size limit.
pub const MAX_IDENTIFIER_LEN: usize = 1024;

/// The longest string room id we put in a PrivateMapKey, in bytes.
pub const MAX_ROOM_NAME_LEN: usize = 1024;

/// Generates a UserSig in one call. To sign many, keep a [`Signer`]: it sets the key up once.
pub fn generate_user_sig(
    sdkappid: u32,
    key: &SecretKey,
    identifier: &str,
    expire: u64,
    now: u64,
) -> Result<UserSig, GenerateError> {
    Signer::new(sdkappid, key)?.user_sig(identifier, expire, now)
}

/// Generates a PrivateMapKey in one call (see [`Signer::private_map_key`]).
pub fn generate_private_map_key(
    sdkappid: u32,
    key: &SecretKey,
    identifier: &str,
    room: Room<'_>,
    privileges: Privileges,
    expire: u64,
    now: u64,
) -> Result<UserSig, GenerateError> {
    Signer::new(sdkappid, key)?.private_map_key(identifier, room, privileges, expire, now)
}

/// Verifies a UserSig in one call (see [`Signer::verify_user_sig`]). Any `sdkappid` is
/// accepted here and simply compared, and an empty `identifier` matches a signature made
/// for the empty identifier (as the Go library can produce).
pub fn verify_user_sig(
    sdkappid: u32,
    key: &SecretKey,
    identifier: &str,
    usersig: &str,
    now: u64,
) -> Result<Verified, VerifyError> {
    let mac = signer::keyed(key);
    signer::verify_plain(
        &mut Inflater::once(),
        &mac,
        sdkappid,
        identifier,
        usersig,
        now,
    )
}

/// Verifies a PrivateMapKey in one call (see [`Signer::verify_private_map_key`]).
pub fn verify_private_map_key(
    sdkappid: u32,
    key: &SecretKey,
    identifier: &str,
    room: Room<'_>,
    private_map_key: &str,
    now: u64,
) -> Result<VerifiedPrivateMapKey, VerifyError> {
    let mac = signer::keyed(key);
    let mut inflater = Inflater::once();
    signer::verify_pmk(
        &mut inflater,
        &mac,
        sdkappid,
        identifier,
        room,
        private_map_key,
        now,
    )
}
