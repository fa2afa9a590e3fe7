//! [`Signer`]: the HMAC key set up once, then any number of signatures made or checked.

use alloc::vec::Vec;
use core::fmt;

use super::document::Document;
use super::error::{DecodeError, GenerateError, UserbufField, VerifyError};
use super::mac::{HmacKey, pad, padded_len};
use super::types::{Privileges, Room, UserSig, Verified, VerifiedPrivateMapKey};
use super::wire::{
    Fill, Inflater, STORED_PREFIX, STORED_SUFFIX, Sink, adler32, base64_std, base64_std_into,
    base64_std_len, base64_tencent, ct_eq, json_str_len, push_json_str, stored_header,
    unbase64_std, unbase64_tencent_into,
};
use super::{MAX_IDENTIFIER_LEN, MAX_ROOM_NAME_LEN, userbuf};
use crate::secret::SecretKey;

/// Keys the HMAC: the secret-key string's bytes, used as text.
pub(crate) fn keyed(key: &SecretKey) -> HmacKey {
    HmacKey::new(key.expose_bytes())
}

/// A reusable signer and verifier for one SDKAppID and secret key.
///
/// The HMAC key schedule is computed once in [`Signer::new`] and cloned for each
/// signature, which is most of what makes repeated generation cheap. With the `std`
/// feature a signer also keeps one decompressor for the compressed UserSigs of the official
/// libraries, taken for a verification when no other thread holds it (a fresh one
/// otherwise), so that `&self` verification does not set one up per call. `Debug` is
/// redacted.
///
/// ```
/// use callkit_core::secret::SecretKey;
/// use callkit_core::usersig::{Signer, VerifyError};
///
/// let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")?;
/// let signer = Signer::new(1_400_000_000, &key)?;
/// let now = 1_700_000_000;
/// let sig = signer.user_sig("xiaojun", 86_400, now)?;
/// let checked = signer.verify_user_sig("xiaojun", sig.as_str(), now + 60)?;
/// assert_eq!(checked.expires_at, now + 86_400);
/// assert_eq!(
///     signer.verify_user_sig("xiaojun", sig.as_str(), now + 86_401),
///     Err(VerifyError::Expired { expires_at: now + 86_400 })
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Signer {
    sdkappid: u32,
    /// The SDKAppID's decimal digits (at most 10), written once.
    sdkappid_text: SdkAppIdText,
    mac: HmacKey,
    /// The decompressor (and its output buffer) kept between verifications.
    #[cfg(feature = "std")]
    inflater: std::sync::Mutex<Inflater>,
}

/// A clone has the same key and its own (empty) decompressor.
impl Clone for Signer {
    fn clone(&self) -> Self {
        Self::with_mac(self.sdkappid, self.mac.clone())
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("sdkappid", &self.sdkappid)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// The SDKAppID must be non-zero (its type already keeps it within the userbuf's 32 bits).
pub(crate) fn check_sdkappid(sdkappid: u32) -> Result<u32, GenerateError> {
    match sdkappid {
        0 => Err(GenerateError::SdkAppIdZero),
        id => Ok(id),
    }
}

/// An identifier we are willing to sign for.
pub(crate) fn check_identifier(identifier: &str) -> Result<(), GenerateError> {
    if identifier.is_empty() {
        return Err(GenerateError::EmptyIdentifier);
    }
    if identifier.len() > MAX_IDENTIFIER_LEN {
        return Err(GenerateError::IdentifierTooLong {
            max: MAX_IDENTIFIER_LEN,
        });
    }
    Ok(())
}

impl Signer {
    /// The keyed HMAC, for the verifier that wraps a signer.
    pub(crate) fn mac(&self) -> &HmacKey {
        &self.mac
    }

    /// Sets up the HMAC key for `sdkappid` (non-zero).
    pub fn new(sdkappid: u32, key: &SecretKey) -> Result<Self, GenerateError> {
        Ok(Self::with_mac(check_sdkappid(sdkappid)?, keyed(key)))
    }

    fn with_mac(sdkappid: u32, mac: HmacKey) -> Self {
        Self {
            sdkappid,
            sdkappid_text: SdkAppIdText::new(sdkappid),
            mac,
            #[cfg(feature = "std")]
            inflater: std::sync::Mutex::new(Inflater::once()),
        }
    }

    /// Runs `verify` with the kept decompressor if it is free, else with a fresh one.
    fn with_inflater<R>(&self, verify: impl FnOnce(&mut Inflater) -> R) -> R {
        #[cfg(feature = "std")]
        if let Ok(mut kept) = self.inflater.try_lock() {
            return verify(&mut kept);
        }
        verify(&mut Inflater::once())
    }

    /// The SDKAppID this signer signs for.
    pub fn sdkappid(&self) -> u32 {
        self.sdkappid
    }

    /// Generates a UserSig for `identifier`, issued at `now` (Unix seconds) and valid for
    /// `expire` seconds.
    pub fn user_sig(
        &self,
        identifier: &str,
        expire: u64,
        now: u64,
    ) -> Result<UserSig, GenerateError> {
        check_identifier(identifier)?;
        Ok(self.sign(identifier, expire, now, None))
    }

    /// Generates a PrivateMapKey granting `identifier` the `privileges` in `room`, issued at
    /// `now` and valid for `expire` seconds.
    ///
    /// The identifier must be ASCII and a string room non-empty ASCII: the official
    /// implementations encode anything else differently, so no server can be relied on to
    /// read it as meant.
    pub fn private_map_key(
        &self,
        identifier: &str,
        room: Room<'_>,
        privileges: Privileges,
        expire: u64,
        now: u64,
    ) -> Result<UserSig, GenerateError> {
        check_identifier(identifier)?;
        // The userbuf's expiry is absolute and 32-bit; all implementations keep the low bits.
        let expires_at = now.wrapping_add(expire) as u32;
        let buf = userbuf::build(identifier, self.sdkappid, room, expires_at, privileges)?;
        Ok(self.sign(identifier, expire, now, Some(&base64_std(&buf))))
    }

    /// The pipeline: HMAC over the fields, JSON document, stored zlib, Tencent base64.
    ///
    /// The document's exact length is counted first, then the stream is written straight
    /// into a buffer on the stack (on the heap only for identifiers or rooms far longer than
    /// Tencent's), front to back, each piece at its known place, so that the returned string
    /// is the only allocation. Written this way, with the HMAC's text and the Adler-32 inlined
    /// here, rather than framed by a general step after the document, a signature takes
    /// about 5 % less time (BENCHMARKS.md).
    fn sign(&self, identifier: &str, expire: u64, now: u64, userbuf: Option<&str>) -> UserSig {
        let sdkappid_text = self.sdkappid_text.as_bytes();
        let mut expire_text = itoa::Buffer::new();
        let expire_text = expire_text.format(expire).as_bytes();
        let mut time_text = itoa::Buffer::new();
        let time_text = time_text.format(now).as_bytes();

        let tag = hmac_tag(
            &self.mac,
            identifier,
            sdkappid_text,
            time_text,
            expire_text,
            userbuf,
        );
        let head = DocumentHead {
            identifier,
            identifier_json_len: json_str_len(identifier),
            sdkappid: sdkappid_text,
            expire: expire_text,
            time: time_text,
            userbuf,
        };

        // [zlib and block headers][head][the tag in base64]["}][Adler-32]
        let head_end = STORED_PREFIX + head.len();
        let sig_end = head_end + base64_std_len(tag.len());
        let payload_end = sig_end + DOCUMENT_END.len();
        let stream_len = payload_end + STORED_SUFFIX;
        let mut on_stack = Aligned([0u8; STACK_STREAM]);
        let mut on_heap = Vec::new();
        let stream = match on_stack.0.get_mut(..stream_len) {
            Some(stream) => stream,
            None => {
                on_heap.resize(stream_len, 0);
                on_heap.as_mut_slice()
            }
        };
        // MAX_DOCUMENT_TEXT, checked against one stored block at compile time, bounds every
        // document (the identifier's and the room's lengths were checked), so the length
        // fits; and `head` writes what it counted.
        let payload_len = u16::try_from(payload_end - STORED_PREFIX);
        debug_assert!(payload_len.is_ok());
        let payload_len = payload_len.unwrap_or(u16::MAX);
        if let Some(header) = stream.get_mut(..STORED_PREFIX) {
            header.copy_from_slice(&stored_header(payload_len));
        }
        let mut fill = Fill::new(stream.get_mut(STORED_PREFIX..head_end).unwrap_or_default());
        head.write(&mut fill);
        debug_assert!(fill.is_full());
        if let Some(sig) = stream.get_mut(head_end..sig_end) {
            base64_std_into(&tag, sig);
        }
        if let Some(end) = stream.get_mut(sig_end..payload_end) {
            end.copy_from_slice(DOCUMENT_END);
        }
        let adler = adler32(stream.get(STORED_PREFIX..payload_end).unwrap_or_default());
        if let Some(trailer) = stream.get_mut(payload_end..) {
            trailer.copy_from_slice(&adler.to_be_bytes());
        }
        UserSig::from_tencent_base64(base64_tencent(stream))
    }

    /// Verifies a plain UserSig: it must be for this SDKAppID and `identifier`, not expired
    /// at `now` (valid up to and including `time + expire`), carry no userbuf, and be signed
    /// with this key.
    pub fn verify_user_sig(
        &self,
        identifier: &str,
        usersig: &str,
        now: u64,
    ) -> Result<Verified, VerifyError> {
        self.with_inflater(|inflater| {
            verify_plain(inflater, &self.mac, self.sdkappid, identifier, usersig, now)
        })
    }

    /// Verifies a PrivateMapKey as [`verify_user_sig`](Self::verify_user_sig) does, and also
    /// that its userbuf is for `identifier`, this SDKAppID and `room`. Returns the grant, whose
    /// privileges the caller checks.
    pub fn verify_private_map_key(
        &self,
        identifier: &str,
        room: Room<'_>,
        key: &str,
        now: u64,
    ) -> Result<VerifiedPrivateMapKey, VerifyError> {
        self.with_inflater(|inflater| {
            verify_pmk(
                inflater,
                &self.mac,
                self.sdkappid,
                identifier,
                room,
                key,
                now,
            )
        })
    }
}

/// A buffer on the stack aligned to a cache line. Zeroing a 512-byte buffer at an odd
/// address took a slower path through `memset`: where the stack happened to sit decided
/// whether signing took 221 ns or 236 ns.
#[repr(align(64))]
struct Aligned<const N: usize>([u8; N]);

/// Room on the stack for a stored zlib stream (written when signing, decoded when
/// verifying): a UserSig for a Tencent-sized identifier (at most 32 bytes) or a
/// PrivateMapKey with a short room takes about 200-300 bytes.
const STACK_STREAM: usize = 512;

/// Room on the stack for the signed text, padded (about 85 bytes for a UserSig, 150 for a
/// PrivateMapKey with a short room).
const STACK_SIGNED: usize = 256;

/// An upper bound on a signed document's length: the fixed text, an identifier of
/// [`MAX_IDENTIFIER_LEN`] bytes each escaped as `\u00XX`, three 20-digit numbers, the
/// signature's base64 and the base64 of the largest userbuf.
const MAX_DOCUMENT_TEXT: usize = 160
    + 6 * MAX_IDENTIFIER_LEN
    + 3 * 20
    + base64_std_len(32)
    + base64_std_len(32 + MAX_IDENTIFIER_LEN + MAX_ROOM_NAME_LEN);
// Every document fits one stored block, the only framing the signer writes.
const _: () = assert!(MAX_DOCUMENT_TEXT <= u16::MAX as usize);

/// A `u32`'s decimal digits, kept with their length.
#[derive(Clone, Copy)]
struct SdkAppIdText {
    digits: [u8; 10],
    len: usize,
}

impl SdkAppIdText {
    fn new(sdkappid: u32) -> Self {
        let mut buffer = itoa::Buffer::new();
        let text = buffer.format(sdkappid).as_bytes();
        let mut digits = [0u8; 10];
        let len = text.len().min(digits.len());
        if let (Some(to), Some(from)) = (digits.get_mut(..len), text.get(..len)) {
            to.copy_from_slice(from);
        }
        Self { digits, len }
    }

    fn as_bytes(&self) -> &[u8] {
        self.digits.get(..self.len).unwrap_or_default()
    }
}

/// What closes a document after the signature's value.
const DOCUMENT_END: &[u8] = br#""}"#;

/// A document up to the signature's value (`TLS.sig`), its fields already as text. The
/// signature and [`DOCUMENT_END`] follow it.
struct DocumentHead<'a> {
    identifier: &'a str,
    /// The identifier's length once escaped for JSON: its own length when nothing needs
    /// escaping, as for every identifier Tencent accepts, and then it is copied as it is.
    identifier_json_len: usize,
    sdkappid: &'a [u8],
    expire: &'a [u8],
    time: &'a [u8],
    userbuf: Option<&'a str>,
}

impl DocumentHead<'_> {
    /// The fixed text of [`write`](Self::write), without the `TLS.userbuf` member.
    const FIXED: usize =
        r#"{"TLS.ver":"2.0","TLS.identifier":"","TLS.sdkappid":,"TLS.expire":,"TLS.time":,"TLS.sig":""#
            .len();
    /// The fixed text of the `TLS.userbuf` member.
    const USERBUF: usize = r#","TLS.userbuf":"""#.len();

    /// The length of what [`write`](Self::write) writes.
    fn len(&self) -> usize {
        Self::FIXED
            + self.identifier_json_len
            + self.sdkappid.len()
            + self.expire.len()
            + self.time.len()
            + self
                .userbuf
                .map_or(0, |userbuf| Self::USERBUF + userbuf.len())
    }

    /// Writes the JSON document up to the signature's value (the official libraries' key
    /// order).
    fn write(&self, out: &mut impl Sink) {
        out.put(br#"{"TLS.ver":"2.0","TLS.identifier":""#);
        if self.identifier_json_len == self.identifier.len() {
            out.put(self.identifier.as_bytes());
        } else {
            push_json_str(out, self.identifier);
        }
        out.put(br#"","TLS.sdkappid":"#);
        out.put(self.sdkappid);
        out.put(br#","TLS.expire":"#);
        out.put(self.expire);
        out.put(br#","TLS.time":"#);
        out.put(self.time);
        if let Some(userbuf) = self.userbuf {
            out.put(br#","TLS.userbuf":""#);
            out.put(userbuf.as_bytes()); // base64: nothing to escape
            out.put(b"\"");
        }
        out.put(br#","TLS.sig":""#);
    }
}

/// HMAC-SHA256 over the signed text,
/// `TLS.identifier:..\nTLS.sdkappid:..\nTLS.time:..\nTLS.expire:..\n[TLS.userbuf:..\n]`,
/// written into one buffer (on the stack unless the identifier or room is far longer than
/// Tencent's) and padded there. Inlined into the signer, as the Adler-32 is: called apart,
/// the two cost a signature about 3 %.
#[inline(always)]
fn hmac_tag(
    mac: &HmacKey,
    identifier: &str,
    sdkappid: &[u8],
    time: &[u8],
    expire: &[u8],
    userbuf: Option<&str>,
) -> [u8; 32] {
    const FIXED: usize = "TLS.identifier:\nTLS.sdkappid:\nTLS.time:\nTLS.expire:\n".len();
    const USERBUF: usize = "TLS.userbuf:\n".len();
    let len = FIXED
        + identifier.len()
        + sdkappid.len()
        + time.len()
        + expire.len()
        + userbuf.map_or(0, |userbuf| USERBUF + userbuf.len());
    let mut on_stack = Aligned([0u8; STACK_SIGNED]);
    let mut on_heap = Vec::new();
    let buf = match on_stack.0.get_mut(..padded_len(len)) {
        Some(buf) => buf,
        None => {
            on_heap.resize(padded_len(len), 0);
            on_heap.as_mut_slice()
        }
    };
    let mut text = Fill::new(buf);
    text.put(b"TLS.identifier:");
    text.put(identifier.as_bytes());
    text.put(b"\nTLS.sdkappid:");
    text.put(sdkappid);
    text.put(b"\nTLS.time:");
    text.put(time);
    text.put(b"\nTLS.expire:");
    text.put(expire);
    text.put(b"\n");
    if let Some(userbuf) = userbuf {
        text.put(b"TLS.userbuf:");
        text.put(userbuf.as_bytes());
        text.put(b"\n");
    }
    mac.tag(pad(buf, len).unwrap_or_default())
}

/// A plain UserSig: [`verify_document`] with no userbuf allowed.
pub(crate) fn verify_plain(
    inflater: &mut Inflater,
    mac: &HmacKey,
    sdkappid: u32,
    identifier: &str,
    text: &str,
    now: u64,
) -> Result<Verified, VerifyError> {
    verify_document(inflater, mac, sdkappid, identifier, text, now, false).map(|(v, _)| v)
}

/// Everything but the userbuf's contents. Returns the decoded userbuf bytes when present.
fn verify_document(
    inflater: &mut Inflater,
    mac: &HmacKey,
    sdkappid: u32,
    identifier: &str,
    text: &str,
    now: u64,
    want_userbuf: bool,
) -> Result<(Verified, Option<Vec<u8>>), VerifyError> {
    let mut on_stack = Aligned([0u8; STACK_STREAM]);
    let mut on_heap = Vec::new();
    let zlib = unbase64_tencent_into(text, &mut on_stack.0, &mut on_heap)?;
    let json = inflater.inflate(zlib)?;
    let doc = Document::parse(json)?;
    // The document may claim any number; compare wide so a too-large one is a mismatch.
    if doc.sdkappid != u64::from(sdkappid) {
        return Err(VerifyError::SdkAppIdMismatch {
            expected: sdkappid,
            found: doc.sdkappid,
        });
    }
    if doc.identifier != identifier {
        return Err(VerifyError::IdentifierMismatch);
    }
    let expires_at = doc.time.saturating_add(doc.expire);
    if now > expires_at {
        return Err(VerifyError::Expired { expires_at });
    }
    match (&doc.userbuf, want_userbuf) {
        (None, true) => return Err(VerifyError::UserbufMissing),
        (Some(_), false) => return Err(VerifyError::UserbufUnexpected),
        _ => {}
    }
    let sig_text = doc
        .sig
        .as_deref()
        .ok_or(DecodeError::MissingField(super::document::SIG))?;

    let mut sdkappid_text = itoa::Buffer::new();
    let mut time_text = itoa::Buffer::new();
    let mut expire_text = itoa::Buffer::new();
    let expected = hmac_tag(
        mac,
        &doc.identifier,
        sdkappid_text.format(doc.sdkappid).as_bytes(),
        time_text.format(doc.time).as_bytes(),
        expire_text.format(doc.expire).as_bytes(),
        doc.userbuf.as_deref(),
    );
    // The claim is compared as text with the expected tag's base64: standard base64 (the
    // trailing bits zero) with its one `=`, which may be missing, is the only text that
    // decodes to these 32 bytes. Constant time: a timing difference must not reveal how
    // much of a forgery was right.
    let mut expected_text = [0u8; 44];
    let expected_text = base64_std_into(&expected, &mut expected_text);
    let claimed = sig_text.as_bytes();
    let unpadded = claimed.len() + 1 == expected_text.len();
    let comparable = if unpadded {
        expected_text.get(..claimed.len()).unwrap_or_default()
    } else {
        expected_text
    };
    if !ct_eq(comparable, claimed) {
        return Err(VerifyError::SignatureMismatch);
    }

    let userbuf = match &doc.userbuf {
        Some(text) => Some(unbase64_std(text).ok_or(DecodeError::Userbuf)?),
        None => None,
    };
    let verified = Verified {
        time: doc.time,
        expire: doc.expire,
        expires_at,
    };
    Ok((verified, userbuf))
}

pub(crate) fn verify_pmk(
    inflater: &mut Inflater,
    mac: &HmacKey,
    sdkappid: u32,
    identifier: &str,
    room: Room<'_>,
    text: &str,
    now: u64,
) -> Result<VerifiedPrivateMapKey, VerifyError> {
    let (verified, buf) = verify_document(inflater, mac, sdkappid, identifier, text, now, true)?;
    let grant = userbuf::parse(&buf.unwrap_or_default())?;
    if grant.account != identifier {
        return Err(VerifyError::UserbufMismatch(UserbufField::Account));
    }
    if grant.sdkappid != sdkappid {
        return Err(VerifyError::UserbufMismatch(UserbufField::SdkAppId));
    }
    if grant.room.as_room() != room {
        return Err(VerifyError::UserbufMismatch(UserbufField::Room));
    }
    Ok(VerifiedPrivateMapKey { verified, grant })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usersig::wire::Count;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    #[test]
    fn a_document_is_as_long_as_computed() {
        for identifier in ["x", "xiaojun", "a\"b\\c\n\u{1}é😀"] {
            for userbuf in [None, Some("AAECAwQ=")] {
                for (sdkappid, number) in [
                    (&b"1"[..], &b"0"[..]),
                    (b"4294967295", b"18446744073709551615"),
                ] {
                    let head = DocumentHead {
                        identifier,
                        identifier_json_len: json_str_len(identifier),
                        sdkappid,
                        expire: number,
                        time: number,
                        userbuf,
                    };
                    let mut count = Count(0);
                    head.write(&mut count);
                    assert_eq!(head.len(), count.0, "{identifier:?} {userbuf:?}");
                    // What we write is read back by the fast path, unless it needed escapes.
                    let mut written = Vec::new();
                    head.write(&mut written);
                    assert_eq!(written.len(), head.len());
                    written.extend_from_slice(base64_std(&[0xA5; 32]).as_bytes());
                    written.extend_from_slice(DOCUMENT_END);
                    let ours = super::super::document::Document::parse_ours(&written);
                    assert_eq!(ours.is_some(), !identifier.contains(['"', '\\', '\n']));
                    if let Some(ours) = ours {
                        assert_eq!(ours.identifier, identifier);
                        assert_eq!(ours.userbuf.as_deref(), userbuf);
                    }
                }
            }
        }
        for sdkappid in [1, 9, 10, 1_400_000_000, u32::MAX] {
            assert_eq!(
                SdkAppIdText::new(sdkappid).as_bytes(),
                sdkappid.to_string().as_bytes()
            );
        }
    }

    /// Python's U01 output (zlib level 6), 180 days from 1700000000.
    #[cfg(feature = "std")]
    const PYTHON_U01: &str = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpYJkTE1NjRDiJZm5YFFzNPXFmekgG3zKHM1T9D3LzdODi-OKs8vCqpxcAvydnV2SSv2cy03cPcpDnA2SMgu0nUxslWoBHdYzUg__";

    #[cfg(feature = "std")]
    #[test]
    fn a_busy_kept_decompressor_means_a_fresh_one_not_a_wait() {
        let key =
            SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")
                .unwrap();
        let signer = Signer::new(1_400_000_000, &key).unwrap();
        let now = 1_700_000_000;
        let expires_at = now + 180 * 86_400;
        let check = |signer: &Signer| signer.verify_user_sig("xiaojun", PYTHON_U01, now);
        assert_eq!(check(&signer).unwrap().expires_at, expires_at);
        {
            // Held elsewhere (another thread, in real use): the call must not block.
            let _held = signer.inflater.lock().unwrap();
            assert_eq!(check(&signer).unwrap().expires_at, expires_at);
        }
        // Kept state is reset per stream, and a clone has its own.
        let clone = signer.clone();
        for signer in [&signer, &clone, &signer] {
            assert_eq!(check(signer).unwrap().expires_at, expires_at);
            assert_eq!(
                signer.verify_user_sig("xiaojun", &PYTHON_U01[..PYTHON_U01.len() - 4], now),
                Err(VerifyError::Undecodable(DecodeError::Zlib))
            );
        }
    }
}
