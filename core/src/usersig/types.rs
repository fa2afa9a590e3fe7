//! The values the UserSig functions take and give: the signature itself, rooms and privileges.

use alloc::string::String;
use core::fmt;
use core::ops::{BitOr, BitOrAssign};

/// A UserSig or PrivateMapKey string, as sent to Tencent (`usersig=` query parameter) or
/// handed to a client SDK.
///
/// It is a bearer credential, so `Debug` shows only its length. Use [`UserSig::as_str`] where
/// the text is really needed.
#[derive(Clone, PartialEq, Eq)]
pub struct UserSig(String);

impl UserSig {
    /// Wraps a string received from elsewhere (for example to pass it to `verify`).
    pub fn from_string(text: String) -> Self {
        Self(text)
    }

    /// The signature text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The signature text, consuming the wrapper.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for UserSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserSig(<redacted, {} chars>)", self.0.len())
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
