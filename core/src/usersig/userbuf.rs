//! The binary PrivateMapKey grant ("userbuf"): big-endian fields, laid out as
//! version (1), account length (2), account, sdkappid (4), numeric room (4),
//! absolute expiry (4), privileges (4), account type (4, always 0), and for version 1 a
//! string room: length (2), bytes.

use alloc::string::String;
use alloc::vec::Vec;

use super::error::{DecodeError, GenerateError};
use super::types::{PrivateMap, Privileges, Room, RoomId};
use super::{MAX_IDENTIFIER_LEN, MAX_ROOM_NAME_LEN};

/// Refuses the accounts the official implementations would encode differently.
pub(crate) fn check_account(account: &str) -> Result<(), GenerateError> {
    if !account.is_ascii() {
        return Err(GenerateError::NonAsciiAccount);
    }
    Ok(())
}

/// Refuses the rooms the official implementations would encode differently.
pub(crate) fn check_room(room: Room<'_>) -> Result<(), GenerateError> {
    if let Room::Named(name) = room {
        if name.is_empty() {
            return Err(GenerateError::EmptyRoomName);
        }
        if !name.is_ascii() {
            return Err(GenerateError::NonAsciiRoomName);
        }
        if name.len() > MAX_ROOM_NAME_LEN {
            return Err(GenerateError::RoomNameTooLong {
                max: MAX_ROOM_NAME_LEN,
            });
        }
    }
    Ok(())
}

/// Builds the userbuf. `expires_at` is `now + expire` (the caller keeps the low 32 bits).
pub(crate) fn build(
    account: &str,
    sdkappid: u32,
    room: Room<'_>,
    expires_at: u32,
    privileges: Privileges,
) -> Result<Vec<u8>, GenerateError> {
    check_account(account)?;
    check_room(room)?;
    let account_len =
        len16(account.len(), MAX_IDENTIFIER_LEN).ok_or(GenerateError::IdentifierTooLong {
            max: MAX_IDENTIFIER_LEN,
        })?;
    let (version, room_id, name) = match room {
        Room::Numeric(id) => (0u8, id, None),
        Room::Named(name) => (1u8, 0u32, Some(name)),
    };
    let mut buf = Vec::with_capacity(25 + account.len() + name.map_or(0, str::len));
    buf.push(version);
    buf.extend_from_slice(&account_len.to_be_bytes());
    buf.extend_from_slice(account.as_bytes());
    buf.extend_from_slice(&sdkappid.to_be_bytes());
    buf.extend_from_slice(&room_id.to_be_bytes());
    buf.extend_from_slice(&expires_at.to_be_bytes());
    buf.extend_from_slice(&privileges.bits().to_be_bytes());
    buf.extend_from_slice(&0u32.to_be_bytes());
    if let Some(name) = name {
        let name_len =
            len16(name.len(), MAX_ROOM_NAME_LEN).ok_or(GenerateError::RoomNameTooLong {
                max: MAX_ROOM_NAME_LEN,
            })?;
        buf.extend_from_slice(&name_len.to_be_bytes());
        buf.extend_from_slice(name.as_bytes());
    }
    Ok(buf)
}

/// A length that must fit both our limit and the 16-bit field.
fn len16(len: usize, max: usize) -> Option<u16> {
    if len > max {
        return None;
    }
    u16::try_from(len).ok()
}

/// Parses a userbuf, refusing unknown versions, short buffers, trailing bytes and
/// non-UTF-8 text.
pub(crate) fn parse(buf: &[u8]) -> Result<PrivateMap, DecodeError> {
    let mut r = Reader(buf);
    let version = r.u8()?;
    let account_len = r.u16()?;
    let account = r.text(usize::from(account_len))?;
    let sdkappid = r.u32()?;
    let room_id = r.u32()?;
    let expires_at = r.u32()?;
    let privileges = Privileges::from_bits(r.u32()?);
    let _account_type = r.u32()?;
    let room = match version {
        0 => RoomId::Numeric(room_id),
        1 => {
            let len = r.u16()?;
            RoomId::Named(r.text(usize::from(len))?)
        }
        _ => return Err(DecodeError::Userbuf),
    };
    if !r.0.is_empty() {
        return Err(DecodeError::Userbuf);
    }
    Ok(PrivateMap {
        account,
        sdkappid,
        room,
        expires_at,
        privileges,
    })
}

/// A cursor over the userbuf; every read fails cleanly on a short buffer.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let (head, tail) = self.0.split_at_checked(n).ok_or(DecodeError::Userbuf)?;
        self.0 = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        self.take(N)?.try_into().map_err(|_| DecodeError::Userbuf)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(u8::from_be_bytes(self.array()?))
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    fn text(&mut self, n: usize) -> Result<String, DecodeError> {
        let bytes = self.take(n)?;
        core::str::from_utf8(bytes)
            .map(String::from)
            .map_err(|_| DecodeError::Userbuf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_spec_example_s01() {
        let buf = build(
            "xiaojun",
            1_400_000_000,
            Room::Named("adbjkl"),
            1_700_000_000 + 15_552_000,
            Privileges::ALL,
        )
        .unwrap();
        let hex: String = buf.iter().map(|b| alloc::format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "0100077869616f6a756e53724e000000000066413f00000000ff0000000000066164626a6b6c"
        );
        let back = parse(&buf).unwrap();
        assert_eq!(back.room, RoomId::Named("adbjkl".into()));
        assert_eq!(back.account, "xiaojun");
        assert_eq!(back.privileges, Privileges::ALL);
    }

    #[test]
    fn parse_refuses_every_truncation_and_extension() {
        let buf = build("anchor", 7, Room::Numeric(9), 5, Privileges::NONE).unwrap();
        for cut in 0..buf.len() {
            assert_eq!(parse(&buf[..cut]), Err(DecodeError::Userbuf), "cut {cut}");
        }
        let mut longer = buf.clone();
        longer.push(0);
        assert_eq!(parse(&longer), Err(DecodeError::Userbuf));
        let mut bad_version = buf;
        bad_version[0] = 2;
        assert_eq!(parse(&bad_version), Err(DecodeError::Userbuf));
    }
}
