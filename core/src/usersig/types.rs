//! The values the UserSig functions take and give: the signature itself, rooms and privileges.

use alloc::string::String;
use core::fmt;
use core::ops::{BitOr, BitOrAssign};

/// A UserSig or PrivateMapKey string, as sent to Tencent (`usersig=` query parameter) or
/// handed to a client SDK.
///
/// It is a bearer credential, so `Debug` shows only its length. Use [`UserSig::as_str`] where
/// the text is really needed.
///
/// It knows whether its text can go in a query as it is (made only of letters, digits and
/// `-._~*`, as every signature Tencent's base64 variant writes is): worked out once, when
/// it is made, so that [`crate::request::build_request`] need not look at its 200 bytes
/// again for every request it signs.
#[derive(Clone, PartialEq, Eq)]
pub struct UserSig {
    text: String,
    /// Whether `text` needs no escaping in a query: always what
    /// `crate::request::is_plain_query_value(&text)` says.
    query_plain: bool,
}

impl UserSig {
    /// Wraps a string received from elsewhere (for example to pass it to `verify`, or to
    /// [`crate::request::build_request`]).
    pub fn from_string(text: String) -> Self {
        let query_plain = crate::request::is_plain_query_value(&text);
        Self { text, query_plain }
    }

    /// Wraps the output of `base64_tencent`, whose symbols (letters, digits, `*`, `-`,
    /// `_`) all go in a query as they are.
    pub(crate) fn from_tencent_base64(text: String) -> Self {
        Self {
            text,
            query_plain: true,
        }
    }

    /// The signature text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The signature text, consuming the wrapper.
    pub fn into_string(self) -> String {
        self.text
    }

    /// Whether the text goes in a query as it is (no percent-escape needed).
    pub(crate) fn is_query_plain(&self) -> bool {
        self.query_plain
    }
}

impl fmt::Debug for UserSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserSig(<redacted, {} chars>)", self.text.len())
    }
}

/// The room a PrivateMapKey grants access to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Room<'a> {
    /// A numeric room id (`roomid`), as the TRTC SDK's `roomId`.
    Numeric(u32),
    /// A string room id (`strRoomId`). Must be non-empty ASCII for generation.
    Named(&'a str),
}

/// A room id decoded from a PrivateMapKey (the owned form of [`Room`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RoomId {
    /// A numeric room id.
    Numeric(u32),
    /// A string room id.
    Named(String),
}

impl RoomId {
    /// Borrows this room id as a [`Room`].
    pub fn as_room(&self) -> Room<'_> {
        match self {
            RoomId::Numeric(id) => Room::Numeric(*id),
            RoomId::Named(name) => Room::Named(name),
        }
    }
}

/// The privilege bits of a PrivateMapKey (`privilegeMap`, a 32-bit field).
///
/// ```
/// use callkit_core::usersig::Privileges;
/// let audience = Privileges::ENTER_ROOM | Privileges::RECV_AUDIO | Privileges::RECV_VIDEO;
/// assert_eq!(audience.bits(), 42);
/// assert!(Privileges::ALL.contains(audience));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Privileges(u32);

impl Privileges {
    /// No privilege at all.
    pub const NONE: Self = Self(0);
    /// Create a room (bit 1).
    pub const CREATE_ROOM: Self = Self(1);
    /// Enter a room (bit 2).
    pub const ENTER_ROOM: Self = Self(2);
    /// Send audio (bit 4).
    pub const SEND_AUDIO: Self = Self(4);
    /// Receive audio (bit 8).
    pub const RECV_AUDIO: Self = Self(8);
    /// Send video (bit 16).
    pub const SEND_VIDEO: Self = Self(16);
    /// Receive video (bit 32).
    pub const RECV_VIDEO: Self = Self(32);
    /// Send the sub-stream, i.e. share the screen (bit 64).
    pub const SEND_SUB_STREAM: Self = Self(64);
    /// Receive the sub-stream (bit 128).
    pub const RECV_SUB_STREAM: Self = Self(128);
    /// All eight documented privileges (255).
    pub const ALL: Self = Self(255);

    /// Any 32-bit value, undocumented bits included (the field is carried as is).
    pub const fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// The raw 32-bit value.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Privileges {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for Privileges {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for Privileges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Privileges({:#x})", self.0)
    }
}

/// What a successful verification learned from the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// `TLS.time`: when it was issued (Unix seconds).
    pub time: u64,
    /// `TLS.expire`: its lifetime in seconds, relative to `time`.
    pub expire: u64,
    /// `time + expire` (saturating): the last second at which it is still valid.
    pub expires_at: u64,
}

/// The grant carried in a PrivateMapKey's userbuf.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrivateMap {
    /// The account (user id) the grant is for.
    pub account: String,
    /// The SDKAppID written into the userbuf.
    pub sdkappid: u32,
    /// The room.
    pub room: RoomId,
    /// The absolute expiry in the userbuf (`dwExpTime`, Unix seconds modulo 2^32).
    pub expires_at: u32,
    /// The privilege bits.
    pub privileges: Privileges,
}

/// What a successful PrivateMapKey verification learned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedPrivateMapKey {
    /// The signature's own fields.
    pub verified: Verified,
    /// The decoded userbuf.
    pub grant: PrivateMap,
}

#[cfg(test)]
mod tests {
    use alloc::string::String;

    use proptest::prelude::*;

    use super::*;
    use crate::request::is_plain_query_value;
    use crate::secret::SecretKey;
    use crate::usersig::Signer;

    /// What `UserSig` claims about its text is what the text is.
    fn claim_holds(sig: &UserSig) -> bool {
        sig.is_query_plain() == is_plain_query_value(sig.as_str())
    }

    #[test]
    fn from_string_works_out_whether_the_text_is_plain() {
        for (text, plain) in [
            ("eJw1jc*sig-_~.", true),
            ("", true),
            ("a b", false),
            ("a+b", false),
            ("a/b", false),
            ("a=", false),
            ("é", false),
        ] {
            let sig = UserSig::from_string(String::from(text));
            assert_eq!(sig.is_query_plain(), plain, "{text:?}");
            assert!(claim_holds(&sig));
        }
    }

    proptest! {
        /// Every UserSig and PrivateMapKey the signer makes is plain, as it claims
        /// without looking (identifiers and rooms of any ASCII, any time and lifetime).
        #[test]
        fn what_the_signer_makes_is_plain_as_claimed(
            identifier in "[ -~]{1,32}",
            room in "[ -~]{1,64}",
            numeric in any::<u32>(),
            privileges in any::<u32>(),
            expire in any::<u64>(),
            now in any::<u64>(),
        ) {
            prop_assume!(!identifier.bytes().any(|b| b == b' '));
            let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e").unwrap();
            let signer = Signer::new(1400000000, &key).unwrap();
            let sig = signer.user_sig(&identifier, expire, now).unwrap();
            prop_assert!(sig.is_query_plain() && claim_holds(&sig));
            for room in [Room::Named(&room), Room::Numeric(numeric)] {
                let key = signer
                    .private_map_key(&identifier, room, Privileges::from_bits(privileges), expire, now)
                    .unwrap();
                prop_assert!(key.is_query_plain() && claim_holds(&key));
            }
        }
    }
}
