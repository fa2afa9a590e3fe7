//! The small value types that webhook bodies share: a millisecond [`Timestamp`] and the
//! enums whose spellings the published docs do not agree on.
//!
//! Every enum here is *lenient*: [`from_wire`](MediaType::from_wire) matches a value with
//! ASCII case ignored and with `_`, `-` and spaces ignored, so `normal_end`, `NormalEnd`
//! and `Normal_end` are one value, and a value no variant knows is kept in `Other`.
//! Building is strict: [`as_v1_str`](MediaType::as_v1_str) and
//! [`as_v4_str`](MediaType::as_v4_str) give the one spelling each generation's docs use.
//! Serializing (for logs) writes the v4 spelling, or the kept text of `Other`.

use alloc::string::String;
use core::fmt;

/// A point in time as milliseconds since the Unix epoch.
///
/// v1 callbacks carry seconds and v4 callbacks milliseconds; both become this one unit.
///
/// ```
/// use callkit_core::webhook::Timestamp;
/// let t = Timestamp::from_secs(1_704_856_873).unwrap();
/// assert_eq!(t.as_millis(), 1_704_856_873_000);
/// assert_eq!(Timestamp::from_millis(1_740_464_128_807).as_secs(), 1_740_464_128);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Timestamp(u64);

impl Timestamp {
    /// A timestamp from milliseconds since the epoch.
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// A timestamp from seconds since the epoch; `None` if the milliseconds would overflow
    /// a `u64` (beyond the year 584 million).
    pub const fn from_secs(secs: u64) -> Option<Self> {
        match secs.checked_mul(1000) {
            Some(millis) => Some(Self(millis)),
            None => None,
        }
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Whole seconds since the epoch (milliseconds are truncated).
    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }
}

/// Compares two spellings with ASCII case and the separators `_`, `-` and space ignored.
pub(crate) fn loose_eq(a: &str, b: &str) -> bool {
    fn significant(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes()
            .filter(|b| !matches!(b, b'_' | b'-' | b' '))
            .map(|b| b.to_ascii_lowercase())
    }
    significant(a).eq(significant(b))
}

/// Declares a lenient string enum: known variants with their v1 and v4 spellings and any
/// extra aliases, plus `Other(String)` for the rest.
macro_rules! lenient_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($v1:literal, $v4:literal $(, $alias:literal)* ), )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept as received.
            Other(String),
        }

        impl $name {
            /// Reads a value leniently (case, `_`, `-` and spaces ignored; the aliases in
            /// the variant docs accepted); anything unknown becomes `Other`.
            pub fn from_wire(value: &str) -> Self {
                // Exact spellings first: what the service sends, compared as bytes.
                $(
                    if value == $v1 || value == $v4 {
                        return Self::$variant;
                    }
                )+
                $(
                    if loose_eq(value, $v1) || loose_eq(value, $v4) $(|| loose_eq(value, $alias))* {
                        return Self::$variant;
                    }
                )+
                Self::Other(String::from(value))
            }

            /// The spelling the v1 (legacy) docs use; `Other` gives its kept text.
            pub fn as_v1_str(&self) -> &str {
                match self {
                    $( Self::$variant => $v1, )+
                    Self::Other(s) => s,
                }
            }

            /// The spelling the v4 (Chat-style) docs use; `Other` gives its kept text.
            pub fn as_v4_str(&self) -> &str {
                match self {
                    $( Self::$variant => $v4, )+
                    Self::Other(s) => s,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_v4_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_v4_str())
            }
        }
    };
}

lenient_enum! {
    /// Audio or video call (`MediaType`, or `CallMediaType` in the v4 start-call example).
    MediaType {
        /// An audio call.
        Audio = ("audio", "Audio"),
        /// A video call.
        Video = ("video", "Video"),
    }
}

lenient_enum! {
    /// One-to-one or group call. v1 says `single`/`group`, v4 `SingleCall`/`MultiCall`;
    /// both spellings (and `multi`, `groupcall`) are accepted for either generation.
    CallType {
        /// A one-to-one call (`single`, `SingleCall`).
        Single = ("single", "SingleCall"),
        /// A group call (`group`, `MultiCall`; also `multi`, `GroupCall`).
        Group = ("group", "MultiCall", "multi", "groupcall"),
    }
}

lenient_enum! {
    /// The side of the acting user in a v1 callback (`Role`).
    Role {
        /// The user who started the call.
        Caller = ("caller", "Caller"),
        /// A user who was called.
        Callee = ("callee", "Callee"),
    }
}

lenient_enum! {
    /// How a call ended (`CallResult`). v1 spells it `normal_end`, v4 `NormalEnd`.
    CallResult {
        /// The caller cancelled before an answer.
        Cancel = ("cancel", "Cancel"),
        /// The callee declined.
        Reject = ("reject", "Reject"),
        /// The callee did not answer in time.
        NotAnswer = ("not_answer", "NotAnswer"),
        /// Connected and ended normally.
        NormalEnd = ("normal_end", "NormalEnd"),
        /// The line was busy.
        CallBusy = ("call_busy", "CallBusy"),
        /// Interrupted (network and the like).
        Interrupt = ("interrupt", "Interrupt"),
        /// The server saw a heartbeat expire and ended the call (v4 end-call webhook,
        /// v1 records).
        Offline = ("offline", "Offline"),
    }
}

lenient_enum! {
    /// A member's state in a v4 `UserList` (`Status`).
    UserStatus {
        /// In the call.
        Calling = ("Calling", "Calling"),
        /// Invited, not yet answered.
        Waiting = ("Waiting", "Waiting"),
    }
}

lenient_enum! {
    /// What a member did, in a v4 `ChangedUserList` (`ActionType`).
    ///
    /// The sources disagree on spellings (spec §6.6); these aliases are accepted on input,
    /// with case, `_`, `-` and spaces ignored:
    /// `Accept` = `Accept`, `Answer`; `HangUp` = `Hangup`, `HangUp`, `Hang Up`;
    /// `Invite` = `Invite`, `Invited`; `CancelInvite` = `Cancel_Invite`, `Canncel_Invite`.
    /// Building writes the EN example's spelling (`Answer`, `Hangup`, `Invite`,
    /// `Cancel_Invite`).
    ActionType {
        /// The member answered (`Answer`, `Accept`).
        Accept = ("Answer", "Answer", "accept"),
        /// The member declined.
        Reject = ("Reject", "Reject"),
        /// The member did not answer in time.
        NotAnswer = ("NotAnswer", "NotAnswer"),
        /// The member hung up (`Hangup`, `HangUp`, `Hang Up`).
        HangUp = ("Hangup", "Hangup"),
        /// The member joined mid-call.
        Join = ("Join", "Join"),
        /// The member's heartbeat expired.
        Offline = ("Offline", "Offline"),
        /// The member was invited (`Invite`, `Invited`).
        Invite = ("Invite", "Invite", "invited"),
        /// An invitation was withdrawn (`Cancel_Invite`, `Canncel_Invite`).
        CancelInvite = ("Cancel_Invite", "Cancel_Invite", "canncelinvite"),
    }
}

lenient_enum! {
    /// The platform that triggered the callback (`optplatform` / `OptPlatform` query
    /// parameter). v1 lists `iOS`, `Android`, `Web`, `miniProgram`; Chat adds the rest.
    OptPlatform {
        /// A server REST call.
        RestApi = ("RESTAPI", "RESTAPI"),
        /// A browser.
        Web = ("Web", "Web"),
        /// Android.
        Android = ("Android", "Android"),
        /// iOS (Chat sometimes writes `IOS`).
        Ios = ("iOS", "iOS"),
        /// Windows.
        Windows = ("Windows", "Windows"),
        /// macOS.
        MacOs = ("macOS", "macOS"),
        /// iPad.
        IPad = ("iPad", "iPad"),
        /// A WeChat mini program (v1 only).
        MiniProgram = ("miniProgram", "miniProgram"),
        /// Chat's own "Unknown".
        Unknown = ("Unknown", "Unknown"),
    }
}

/// How a v4 `RoomId` is to be read (`RoomIdType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum RoomIdType {
    /// `1`: the room id is a number.
    Numeric,
    /// `2`: the room id is a string.
    Text,
    /// Any other code (the `get_call_info` example shows `0`).
    Other(i64),
}

impl RoomIdType {
    /// The type for a wire code.
    pub fn from_code(code: i64) -> Self {
        match code {
            1 => Self::Numeric,
            2 => Self::Text,
            other => Self::Other(other),
        }
    }

    /// The wire code.
    pub fn code(self) -> i64 {
        match self {
            Self::Numeric => 1,
            Self::Text => 2,
            Self::Other(code) => code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicting_spellings_are_one_value() {
        for s in ["Hangup", "HangUp", "Hang Up", "hang_up"] {
            assert_eq!(ActionType::from_wire(s), ActionType::HangUp, "{s}");
        }
        for s in ["Invite", "Invited"] {
            assert_eq!(ActionType::from_wire(s), ActionType::Invite, "{s}");
        }
        for s in ["Cancel_Invite", "Canncel_Invite", "CancelInvite"] {
            assert_eq!(ActionType::from_wire(s), ActionType::CancelInvite, "{s}");
        }
        for s in ["Answer", "Accept", "accept"] {
            assert_eq!(ActionType::from_wire(s), ActionType::Accept, "{s}");
        }
        assert_eq!(CallResult::from_wire("Not_answer"), CallResult::NotAnswer);
        assert_eq!(CallResult::from_wire("NotAnswer"), CallResult::NotAnswer);
        assert_eq!(CallType::from_wire("MultiCall"), CallType::Group);
        assert_eq!(CallType::from_wire("single"), CallType::Single);
        assert_eq!(OptPlatform::from_wire("IOS"), OptPlatform::Ios);
    }

    #[test]
    fn unknown_values_are_kept() {
        assert_eq!(
            MediaType::from_wire("hologram"),
            MediaType::Other("hologram".into())
        );
        assert_eq!(MediaType::Other("x y".into()).as_v1_str(), "x y");
        // Dropping separators must not make distinct values collide.
        assert_ne!(CallResult::from_wire("callbusy"), CallResult::Cancel);
        assert_eq!(
            ActionType::from_wire("Hang"),
            ActionType::Other("Hang".into())
        );
    }

    #[test]
    fn each_generation_has_its_spelling() {
        assert_eq!(CallResult::NormalEnd.as_v1_str(), "normal_end");
        assert_eq!(CallResult::NormalEnd.as_v4_str(), "NormalEnd");
        assert_eq!(CallType::Group.as_v1_str(), "group");
        assert_eq!(CallType::Group.as_v4_str(), "MultiCall");
    }

    #[test]
    fn timestamps_convert_and_refuse_overflow() {
        assert_eq!(Timestamp::from_secs(2).unwrap().as_millis(), 2000);
        assert_eq!(Timestamp::from_millis(2999).as_secs(), 2);
        assert_eq!(Timestamp::from_secs(u64::MAX), None);
    }
}
