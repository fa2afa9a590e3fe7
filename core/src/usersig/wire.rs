//! The byte-level layers around the JSON document: Tencent's base64 variant, stored zlib
//! framing, JSON string escaping, and inflating what other implementations compressed.

#[cfg(not(feature = "std"))]
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

use super::error::DecodeError;

/// Standard alphabet; padding optional on input (Tencent's strings keep it, but some
/// transports strip it). Trailing bits must be zero, so every symbol matters.
const LENIENT_PADDING: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The largest inflated document accepted. Our generator's limits keep every document it
/// makes far below this (about 10 KiB at worst); the cap stops a zlib bomb.
pub(crate) const MAX_DOCUMENT_LEN: usize = 16 * 1024;

/// zlib header for deflate with a 32 KiB window and the "fastest" level hint (`78 01`),
/// the same as Go v1.4 and C++ emit.
const ZLIB_HEADER: [u8; 2] = [0x78, 0x01];

/// Standard base64 of `input`, with `=` padding (as `TLS.sig` and `TLS.userbuf` use).
pub(crate) fn base64_std(input: &[u8]) -> String {
    base64_simd::STANDARD.encode_to_string(input)
}

/// The length of the standard base64 of `len` bytes, with `=` padding.
pub(crate) const fn base64_std_len(len: usize) -> usize {
    base64_simd::STANDARD.encoded_length(len)
}

/// Standard base64 of `input`, with `=` padding, into `out`; the written part (empty if
/// `out` is too short).
pub(crate) fn base64_std_into<'o>(input: &[u8], out: &'o mut [u8]) -> &'o [u8] {
    use base64_simd::AsOut as _;
    match out.get_mut(..base64_std_len(input.len())) {
        Some(out) => base64_simd::STANDARD.encode(input, out.as_out()),
        None => &[],
    }
}

/// Tencent's variant of `input`: standard base64 with `+`, `/`, `=` written as `*`, `-`, `_`.
///
/// Encoded by base64-simd with the standard alphabet (its SIMD paths know no other), then
/// `+` and `/` swapped in a second pass over the (short) text and the padding (the last
/// two symbols at most) on its own; one allocation.
pub(crate) fn base64_tencent(input: &[u8]) -> String {
    // Into a vector of the exact length, not zeroed first.
    let mut out: Vec<u8> = base64_simd::STANDARD.encode_type(input);
    for symbol in &mut out {
        // Branch-free, so that the compiler makes vector code of it: `+` (0x2B) becomes `*`
        // (0x2A) and `/` (0x2F) becomes `-` (0x2D), one low bit each.
        let flip = u8::from(*symbol == b'+') | (u8::from(*symbol == b'/') << 1);
        *symbol ^= flip;
    }
    let padding = out.len().saturating_sub(2);
    for symbol in out.get_mut(padding..).unwrap_or_default() {
        if *symbol == b'=' {
            *symbol = b'_';
        }
    }
    // Base64 is ASCII: the check cannot fail.
    String::from_utf8(out).unwrap_or_default()
}

/// Undoes Tencent's variant, in `stack` when the text fits there, else in `heap`. The
/// standard symbols `+`, `/`, `=` are refused, so that every byte of a signature string has
/// exactly one meaning; missing padding is tolerated, wrong padding is not, and the unused
/// bits of the last symbol must be zero.
///
/// The text is copied with Tencent's symbols swapped for the standard ones (the standard
/// ones made invalid), then decoded in place by base64-simd, strictly.
pub(crate) fn unbase64_tencent_into<'b>(
    text: &str,
    stack: &'b mut [u8],
    heap: &'b mut Vec<u8>,
) -> Result<&'b [u8], DecodeError> {
    let body = text.trim_end_matches('_');
    let padding = text.len() - body.len();
    let padding_ok = padding == 0 || (padding <= 2 && (body.len() + padding).is_multiple_of(4));
    if body.is_empty() || !padding_ok {
        return Err(DecodeError::Base64);
    }
    let scratch = match stack.get_mut(..body.len()) {
        Some(scratch) => scratch,
        None => {
            heap.resize(body.len(), 0);
            heap.as_mut_slice()
        }
    };
    for (symbol, &sent) in scratch.iter_mut().zip(body.as_bytes()) {
        // Branch-free, so that the compiler makes vector code of it: each of Tencent's
        // symbols differs from the standard one in a few low bits.
        let flip = (if sent == b'*' { b'*' ^ b'+' } else { 0 })
            | (if sent == b'-' { b'-' ^ b'/' } else { 0 });
        // The standard symbols are not Tencent's: left invalid (`=`, padding, is invalid
        // to the unpadded decoder already).
        let standard = sent == b'+' || sent == b'/';
        *symbol = if standard { b'!' } else { sent ^ flip };
    }
    let decoded = base64_simd::STANDARD_NO_PAD
        .decode_inplace(scratch)
        .map_err(|_| DecodeError::Base64)?;
    Ok(decoded)
}

/// [`unbase64_tencent_into`], into a new vector.
#[cfg(test)]
pub(crate) fn unbase64_tencent(text: &str) -> Result<Vec<u8>, DecodeError> {
    let mut heap = Vec::new();
    unbase64_tencent_into(text, &mut [], &mut heap).map(<[u8]>::to_vec)
}

/// Decodes standard base64 (padding optional), as used inside the document.
pub(crate) fn unbase64_std(text: &str) -> Option<Vec<u8>> {
    LENIENT_PADDING.decode(text).ok()
}

/// A stream of one stored (uncompressed) deflate block: the document is tiny and mostly
/// base64, so compressing it gains little and costs most of the time. Its bytes are
/// `[zlib header, block header: STORED_PREFIX][payload][Adler-32: STORED_SUFFIX]`: the
/// signer writes [`stored_header`], the payload and the payload's [`adler32`] in place.
pub(crate) const STORED_PREFIX: usize = 7;
/// See [`STORED_PREFIX`].
pub(crate) const STORED_SUFFIX: usize = 4;

/// The zlib header and the header of one final stored block of `len` bytes (a block holds
/// at most 64 KiB - 1, hence the type).
pub(crate) fn stored_header(len: u16) -> [u8; STORED_PREFIX] {
    let [l0, l1] = len.to_le_bytes();
    let [n0, n1] = (!len).to_le_bytes();
    let [h0, h1] = ZLIB_HEADER;
    // BFINAL = 1, BTYPE = 00 (stored), padding bits zero; then LEN and its complement.
    [h0, h1, 1, l0, l1, n0, n1]
}

/// Where the signer writes a document: into a [`Fill`] of its exact length.
pub(crate) trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

/// Counts the bytes written (tests: the reference for the signer's computed lengths).
#[cfg(test)]
pub(crate) struct Count(pub usize);

#[cfg(test)]
impl Sink for Count {
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

/// Writes into a slice of the exact length of the writes, computed beforehand.
pub(crate) struct Fill<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl<'a> Fill<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, at: 0 }
    }

    /// Whether exactly the whole slice was written (the count matched the writes).
    pub(crate) fn is_full(&self) -> bool {
        self.at == self.buf.len()
    }
}

impl Sink for Fill<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.at.saturating_add(bytes.len());
        if let Some(slot) = self.buf.get_mut(self.at..end) {
            slot.copy_from_slice(bytes);
        }
        self.at = end;
    }
}

#[cfg(test)]
impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// `payload` as a stored zlib stream (tests).
#[cfg(test)]
pub(crate) fn stored_zlib(payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len()).expect("one block");
    let mut stream = stored_header(len).to_vec();
    stream.extend_from_slice(payload);
    stream.extend_from_slice(&adler32(payload).to_be_bytes());
    stream
}

/// Inflates zlib streams of at most [`MAX_DOCUMENT_LEN`] bytes, insisting that the whole
/// input is one stream (no trailing bytes).
///
/// Streams made only of stored blocks (ours) take a fast path with no decompressor at all.
/// Compressed streams (zlib level 6 or 9 from the official libraries: one dynamic-Huffman
/// block) go to a decompressor that depends on the build, kept between calls so that its
/// state is allocated once and only reset for each stream:
///
/// - with the `std` feature, zlib-rs (the Rust port of zlib that flate2 uses), whose
///   `reset` clears a few fields and whose Huffman tables are built at zlib's small root
///   sizes: about half of fdeflate's time on a 136-byte stream, and fdeflate has no reset
///   (it allocates and zeroes an 18 KiB table per stream); zlib-rs needs std for its
///   allocator;
/// - without it, miniz_oxide (about 11 KiB of state).
///
/// The output buffer is kept between calls too, and the last compressed stream can be
/// remembered: a client presents the same UserSig again and again. The remembered stream is
/// compared in constant time, so timing does not reveal how much of a guess matches a
/// signature someone else presented.
pub(crate) struct Inflater {
    #[cfg(not(feature = "std"))]
    state: Option<Box<miniz_oxide::inflate::core::DecompressorOxide>>,
    #[cfg(feature = "std")]
    state: Option<zlib_rs::Inflate>,
    out: Vec<u8>,
    /// The compressed input whose inflated bytes are `out[..len]`, if any.
    last: Option<(Vec<u8>, usize)>,
    /// Whether to remember the last compressed stream (not for a single use).
    remember: bool,
}

/// A clone starts with no decompressor state and nothing remembered (the state is only
/// a cache, reset for every stream).
impl Clone for Inflater {
    fn clone(&self) -> Self {
        Self::with_memory(self.remember)
    }
}

impl Inflater {
    /// An inflater that allocates nothing until the first compressed stream.
    pub(crate) const fn new() -> Self {
        Self::with_memory(true)
    }

    /// An inflater that does not copy a stream to remember it (a one-off, or the
    /// [`Signer`](super::Signer)'s cache, which keeps only the decompressor and buffer).
    pub(crate) const fn once() -> Self {
        Self::with_memory(false)
    }

    const fn with_memory(remember: bool) -> Self {
        Self {
            state: None,
            out: Vec::new(),
            last: None,
            remember,
        }
    }

    /// The inflated bytes of `input`, valid until the next call.
    pub(crate) fn inflate<'a>(&'a mut self, input: &'a [u8]) -> Result<&'a [u8], DecodeError> {
        if let Some((last, len)) = &self.last
            && ct_eq(last, input)
        {
            return Ok(self.out.get(..*len).unwrap_or_default());
        }
        // Whatever happens next overwrites `out`.
        let mut last = self.last.take().map(|(bytes, _)| bytes).unwrap_or_default();
        match inflate_stored(input, &mut self.out) {
            Some(Ok(Stored::InPlace(inflated))) => Ok(inflated),
            Some(Ok(Stored::Joined)) => Ok(&self.out),
            Some(Err(e)) => Err(e),
            None => {
                let len = self.inflate_general(input)?.len();
                if self.remember {
                    last.clear();
                    last.extend_from_slice(input);
                    self.last = Some((last, len));
                }
                Ok(self.out.get(..len).unwrap_or_default())
            }
        }
    }

    /// Sizes the output buffer for a first attempt at `input`. The buffer keeps its length
    /// from earlier calls, so only growth zeroes memory. Stale bytes are never read: both
    /// decompressors refuse any back-reference before the start of this stream's output.
    fn prepare_out(&mut self, input: &[u8]) {
        let wanted = input.len().saturating_mul(4).clamp(256, MAX_DOCUMENT_LEN);
        if self.out.len() < wanted {
            self.out.resize(wanted, 0);
        }
    }

    /// Any zlib stream, through zlib-rs, growing the output up to the cap.
    ///
    /// zlib stops reading right after the Adler-32, so whatever input is left unread when
    /// the stream ends is trailing bytes, which are refused.
    #[cfg(feature = "std")]
    fn inflate_general(&mut self, input: &[u8]) -> Result<&[u8], DecodeError> {
        use zlib_rs::{InflateFlush, Status};

        self.prepare_out(input);
        let Self { state, out, .. } = self;
        let state = match state {
            Some(state) => {
                state.reset(true);
                state
            }
            // A zlib header and any window size up to 32 KiB (what the header may ask for).
            None => state.insert(zlib_rs::Inflate::new(true, 15)),
        };
        loop {
            let (read, written) = (state.total_in(), state.total_out());
            let (Ok(read_at), Ok(written_at)) = (usize::try_from(read), usize::try_from(written))
            else {
                return Err(DecodeError::Zlib);
            };
            let status = state
                .decompress(
                    input.get(read_at..).unwrap_or_default(),
                    out.get_mut(written_at..).unwrap_or_default(),
                    InflateFlush::Finish,
                )
                .map_err(|_| DecodeError::Zlib)?;
            let (Ok(in_pos), Ok(out_pos)) = (
                usize::try_from(state.total_in()),
                usize::try_from(state.total_out()),
            ) else {
                return Err(DecodeError::Zlib);
            };
            match status {
                Status::StreamEnd if in_pos == input.len() => {
                    return out.get(..out_pos).ok_or(DecodeError::Zlib);
                }
                Status::StreamEnd => return Err(DecodeError::Zlib), // trailing bytes
                // Out of room: grow (or refuse a bomb at the cap).
                _ if out_pos >= out.len() => grow_out(out)?,
                // Room left, yet no end: a truncated stream (or no progress at all).
                _ => return Err(DecodeError::Zlib),
            }
        }
    }

    /// Any zlib stream, through miniz_oxide, growing the output up to the cap.
    #[cfg(not(feature = "std"))]
    fn inflate_general(&mut self, input: &[u8]) -> Result<&[u8], DecodeError> {
        use miniz_oxide::inflate::TINFLStatus;
        use miniz_oxide::inflate::core::{decompress, inflate_flags};

        let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
            | inflate_flags::TINFL_FLAG_COMPUTE_ADLER32
            | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
        self.prepare_out(input);
        let Self { state, out, .. } = self;
        let state = state.get_or_insert_with(Box::default);
        state.init();
        let (mut in_pos, mut out_pos) = (0usize, 0usize);
        loop {
            let (status, read, written) = decompress(
                state,
                input.get(in_pos..).unwrap_or_default(),
                out,
                out_pos,
                flags,
            );
            in_pos += read;
            out_pos += written;
            match status {
                TINFLStatus::Done if in_pos == input.len() => {
                    return out.get(..out_pos).ok_or(DecodeError::Zlib);
                }
                TINFLStatus::HasMoreOutput => grow_out(out)?,
                _ => return Err(DecodeError::Zlib),
            }
        }
    }
}

/// Doubles an output buffer, or refuses once it is at the cap (a zip bomb).
fn grow_out(out: &mut Vec<u8>) -> Result<(), DecodeError> {
    if out.len() >= MAX_DOCUMENT_LEN {
        return Err(DecodeError::Zlib);
    }
    let grown = out.len().saturating_mul(2).min(MAX_DOCUMENT_LEN);
    out.resize(grown, 0);
    Ok(())
}

/// Inflates a zlib stream of at most [`MAX_DOCUMENT_LEN`] bytes in one call (see [`Inflater`]).
#[cfg(test)]
pub(crate) fn inflate_zlib(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    Inflater::once().inflate(input).map(<[u8]>::to_vec)
}

/// Fast path for streams made only of stored blocks (ours, Go v1.4's): no decompressor
/// state to set up. Returns `None` if a compressed block shows up, leaving it to the
/// general path. Stricter than RFC 1951 on purpose: the unused bits of a stored block
/// header must be zero. A stream of one block (ours) is left in place, in `input`; the
/// blocks of a longer one are joined in `out`, which is cleared first.
fn inflate_stored<'a>(
    input: &'a [u8],
    out: &mut Vec<u8>,
) -> Option<Result<Stored<'a>, DecodeError>> {
    out.clear();
    let (&[cmf, flg], mut rest) = input.split_first_chunk::<2>()?;
    if !zlib_header_ok(cmf, flg) {
        return Some(Err(DecodeError::Zlib));
    }
    let mut first: Option<&'a [u8]> = None;
    let mut total = 0usize;
    loop {
        let (&[head, l0, l1, n0, n1], after) = rest.split_first_chunk::<5>()?;
        if head & 0b110 != 0 {
            return None; // a compressed block: take the general path
        }
        if head & !1 != 0 {
            return Some(Err(DecodeError::Zlib));
        }
        let len = u16::from_le_bytes([l0, l1]);
        if !len != u16::from_le_bytes([n0, n1]) {
            return Some(Err(DecodeError::Zlib));
        }
        let Some((data, after)) = after.split_at_checked(usize::from(len)) else {
            return Some(Err(DecodeError::Zlib));
        };
        total += data.len();
        if total > MAX_DOCUMENT_LEN {
            return Some(Err(DecodeError::Zlib));
        }
        match first {
            None => first = Some(data),
            Some(first) => {
                if out.is_empty() {
                    out.reserve(rest.len() + first.len());
                    out.extend_from_slice(first);
                }
                out.extend_from_slice(data);
            }
        }
        rest = after;
        if head & 1 == 1 {
            break;
        }
    }
    let (inflated, stored) = match first {
        Some(first) if out.is_empty() => (first, Stored::InPlace(first)),
        _ => (out.as_slice(), Stored::Joined),
    };
    let ok = match rest {
        [a, b, c, d] => u32::from_be_bytes([*a, *b, *c, *d]) == adler32(inflated),
        _ => false,
    };
    Some(if ok {
        Ok(stored)
    } else {
        Err(DecodeError::Zlib)
    })
}

/// Where [`inflate_stored`] left the inflated bytes.
enum Stored<'a> {
    /// One block: its bytes, in the input.
    InPlace(&'a [u8]),
    /// Several blocks: joined in the output buffer.
    Joined,
}

/// Whether `a` and `b` are equal, in time that depends on their lengths only (the lengths
/// are not secret). The differences are gathered eight bytes at a time and only the final
/// word goes through `subtle`, instead of one optimisation barrier per byte.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    if a.len() != b.len() {
        return false;
    }
    let (a_words, a_tail) = a.as_chunks::<8>();
    let (b_words, b_tail) = b.as_chunks::<8>();
    let mut diff = 0u64;
    for (x, y) in a_words.iter().zip(b_words) {
        diff |= u64::from_ne_bytes(*x) ^ u64::from_ne_bytes(*y);
    }
    for (x, y) in a_tail.iter().zip(b_tail) {
        diff |= u64::from(x ^ y);
    }
    bool::from(diff.ct_eq(&0))
}

/// The Adler-32 of `bytes` (zlib's trailer).
#[inline]
pub(crate) fn adler32(bytes: &[u8]) -> u32 {
    simd_adler32::adler32(&bytes)
}

/// zlib header check: deflate, window ≤ 32 KiB, no preset dictionary, valid check bits.
fn zlib_header_ok(cmf: u8, flg: u8) -> bool {
    cmf & 0x0F == 8
        && cmf >> 4 <= 7
        && flg & 0x20 == 0
        && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

/// The length of `s` as written by [`push_json_str`].
pub(crate) fn json_str_len(s: &str) -> usize {
    s.bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0C => 2,
            0x00..=0x1F => 6,
            _ => 1,
        })
        .sum()
}

/// Appends `s` as the inside of a JSON string: `"` and `\` and control characters are
/// escaped, everything else (including non-ASCII) is written as raw UTF-8.
pub(crate) fn push_json_str(out: &mut impl Sink, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0C => b'f',
            0x00..=0x1F => 0,
            _ => continue,
        };
        out.put(bytes.get(start..i).unwrap_or_default());
        if short == 0 {
            out.put(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xF)],
            ]);
        } else {
            out.put(&[b'\\', short]);
        }
        start = i + 1;
    }
    out.put(bytes.get(start..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn stored_zlib_round_trips_through_miniz() {
        for len in [0usize, 1, 300, 0xFFFF] {
            let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let bytes = stored_zlib(&payload);
            let back = miniz_oxide::inflate::decompress_to_vec_zlib(&bytes).unwrap();
            assert_eq!(back, payload, "len {len}");
        }
    }

    #[test]
    fn stored_streams_of_several_blocks_are_joined() {
        fn stream(blocks: &[&[u8]]) -> Vec<u8> {
            let mut bytes = ZLIB_HEADER.to_vec();
            for (i, block) in blocks.iter().enumerate() {
                let len = block.len() as u16;
                bytes.push(u8::from(i + 1 == blocks.len()));
                bytes.extend_from_slice(&len.to_le_bytes());
                bytes.extend_from_slice(&(!len).to_le_bytes());
                bytes.extend_from_slice(block);
            }
            let joined = blocks.concat();
            bytes.extend_from_slice(&adler32(&joined).to_be_bytes());
            bytes
        }
        for blocks in [
            &[&b"abc"[..], b"de"][..],
            &[b"", b"", b"xyz"],
            &[b"", b""],
            &[b"a", b"", b"b"],
        ] {
            let bytes = stream(blocks);
            assert_eq!(inflate_zlib(&bytes).unwrap(), blocks.concat(), "{blocks:?}");
            let back = miniz_oxide::inflate::decompress_to_vec_zlib(&bytes).unwrap();
            assert_eq!(back, blocks.concat());
        }
    }

    #[test]
    fn the_computed_json_length_is_what_is_written() {
        let every_ascii: String = (0u8..0x80).map(char::from).collect();
        for s in [
            "",
            "xiaojun",
            "a\"b\\c\n\u{1}\u{1f}é😀/",
            every_ascii.as_str(),
        ] {
            let mut count = Count(0);
            push_json_str(&mut count, s);
            assert_eq!(json_str_len(s), count.0, "{s:?}");
        }
        for b in 0u8..0x80 {
            let s = char::from(b).to_string();
            let mut written = Vec::new();
            push_json_str(&mut written, &s);
            assert_eq!(json_str_len(&s), written.len(), "byte {b}");
        }
    }

    #[test]
    fn a_fill_is_full_when_the_count_matched() {
        let mut count = Count(0);
        push_json_str(&mut count, "a\"b\u{1}");
        assert_eq!(count.0, 10);
        let mut buf = [0u8; 10];
        let mut fill = Fill::new(&mut buf);
        push_json_str(&mut fill, "a\"b\u{1}");
        assert!(fill.is_full());
        assert_eq!(&buf, br#"a\"b\u0001"#);
        let mut short = [0u8; 4];
        let mut fill = Fill::new(&mut short);
        push_json_str(&mut fill, "abcdef");
        assert!(!fill.is_full());
    }

    #[test]
    fn both_inflate_paths_refuse_trailing_bytes_and_bombs() {
        let mut bytes = stored_zlib(b"abc");
        assert_eq!(inflate_zlib(&bytes).unwrap(), b"abc");
        bytes.push(0);
        assert_eq!(inflate_zlib(&bytes), Err(DecodeError::Zlib));

        let big = alloc::vec![b'a'; MAX_DOCUMENT_LEN + 1];
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&big, 6);
        assert_eq!(inflate_zlib(&compressed), Err(DecodeError::Zlib));
        let fits = miniz_oxide::deflate::compress_to_vec_zlib(&big[1..], 6);
        assert_eq!(inflate_zlib(&fits).unwrap().len(), MAX_DOCUMENT_LEN);
        let mut trailing = fits.clone();
        trailing.push(0);
        assert_eq!(inflate_zlib(&trailing), Err(DecodeError::Zlib));
    }

    #[test]
    fn compressed_streams_refuse_every_trailing_tail() {
        // A decompressor may read ahead of what it decodes (fdeflate, used before, read up
        // to 8 bytes ahead); none of those may slip by,
        // not even a tail that repeats the stream's own Adler-32.
        let text =
            b"{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"xiaojun\",\"TLS.sdkappid\":1400000000}";
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(text, 6);
        assert_eq!(inflate_zlib(&compressed).unwrap(), text);
        let adler = compressed.get(compressed.len() - 4..).unwrap();
        for extra in 1..=9 {
            for fill in [0u8, 0xFF] {
                let mut bytes = compressed.clone();
                bytes.extend(core::iter::repeat_n(fill, extra));
                assert_eq!(
                    inflate_zlib(&bytes),
                    Err(DecodeError::Zlib),
                    "{extra} x {fill}"
                );
            }
            let mut bytes = compressed.clone();
            bytes.extend(adler.iter().cycle().skip(4 - extra % 4).take(extra));
            assert!(bytes.ends_with(adler) || extra < 4);
            assert_eq!(
                inflate_zlib(&bytes),
                Err(DecodeError::Zlib),
                "{extra} adler"
            );
        }
        for cut in 1..compressed.len() {
            let truncated = compressed.get(..cut).unwrap();
            assert_eq!(
                inflate_zlib(truncated),
                Err(DecodeError::Zlib),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_reused_inflater_gives_each_stream_its_own_bytes() {
        let texts: [&[u8]; 3] = [
            b"first document, first",
            b"second",
            b"a third, longer document",
        ];
        let compressed: Vec<Vec<u8>> = texts
            .iter()
            .map(|t| miniz_oxide::deflate::compress_to_vec_zlib(t, 6))
            .collect();
        let stored = stored_zlib(b"stored");
        let mut corrupt = compressed[2].clone();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 1; // Adler-32 off by one bit

        let mut inflater = Inflater::new();
        // Repeats (the remembered stream), switches, the stored path in between, and a
        // failure in between must never return another stream's bytes.
        let order = [0, 0, 1, 0, 3, 0, 4, 2, 2, 4, 2, 1];
        for (step, &i) in order.iter().enumerate() {
            let got = match i {
                3 => inflater.inflate(&stored).map(<[u8]>::to_vec),
                4 => inflater.inflate(&corrupt).map(<[u8]>::to_vec),
                _ => inflater.inflate(&compressed[i]).map(<[u8]>::to_vec),
            };
            let want = match i {
                3 => Ok(b"stored".to_vec()),
                4 => Err(DecodeError::Zlib),
                _ => Ok(texts[i].to_vec()),
            };
            assert_eq!(got, want, "step {step}, stream {i}");
        }
    }

    #[test]
    fn ct_eq_is_equality() {
        let data: Vec<u8> = (0..40u8).collect();
        for len in 0..data.len() {
            let a = &data[..len];
            assert!(ct_eq(a, a));
            assert!(!ct_eq(a, &data[..len + 1]));
            for flip in 0..len {
                let mut b = a.to_vec();
                b[flip] ^= 0x80;
                assert!(!ct_eq(a, &b), "len {len}, byte {flip}");
            }
        }
    }

    #[test]
    fn stored_block_padding_bits_must_be_zero() {
        let mut bytes = stored_zlib(b"abc");
        bytes[2] |= 0x08;
        assert_eq!(inflate_zlib(&bytes), Err(DecodeError::Zlib));
    }

    #[test]
    fn tencent_base64_maps_the_three_symbols_and_refuses_the_standard_ones() {
        let data = [0xFBu8, 0xFF, 0xBF, 0x00];
        let text = base64_tencent(&data);
        assert_eq!(text, "*-*-AA__");
        assert_eq!(unbase64_tencent(&text).unwrap(), data);
        assert_eq!(
            unbase64_tencent("*-*-AA").unwrap(),
            data,
            "padding may be missing"
        );
        assert_eq!(unbase64_tencent("+/+/AA=="), Err(DecodeError::Base64));
        assert_eq!(unbase64_tencent(""), Err(DecodeError::Base64));
        // Every symbol matters: the unused low bits of the last one must be zero.
        assert_eq!(unbase64_tencent("*-*-AB__"), Err(DecodeError::Base64));
        assert_eq!(unbase64_tencent("*-*-AAB_"), Err(DecodeError::Base64));
        assert_eq!(unbase64_tencent("*-*-A"), Err(DecodeError::Base64));
        assert_eq!(unbase64_tencent("*-*-A A_"), Err(DecodeError::Base64));
        for wrong_padding in ["*-*-AA_", "*-*-AA___", "*-*-_AA_", "*-*-A_A_", "____"] {
            assert_eq!(
                unbase64_tencent(wrong_padding),
                Err(DecodeError::Base64),
                "{wrong_padding}"
            );
        }
    }

    #[test]
    fn tencent_decoding_agrees_with_the_base64_crate() {
        // The base64 crate's strict standard engine, on the text with Tencent's symbols
        // swapped back, is the reference; texts from every length and symbol mix.
        let reference = GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::RequireNone),
        );
        let symbols = b"AZaz09*-+/=_ !Qw";
        let mut seed = 0x2545_f491_u32;
        for len in 0..40usize {
            for _ in 0..50 {
                let text: String = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 17;
                        seed ^= seed << 5;
                        char::from(symbols[seed as usize % symbols.len()])
                    })
                    .collect();
                let ours = unbase64_tencent(&text).ok();
                let body = text.trim_end_matches('_');
                let padding = text.len() - body.len();
                let standard_symbols = body.contains(['+', '/', '=']);
                let expected = if body.is_empty()
                    || standard_symbols
                    || !(padding == 0 || (padding <= 2 && text.len().is_multiple_of(4)))
                {
                    None
                } else {
                    reference
                        .decode(body.replace('*', "+").replace('-', "/"))
                        .ok()
                };
                assert_eq!(ours, expected, "{text:?}");
            }
        }
        let data: Vec<u8> = (0..=255).collect();
        for len in 1..data.len() {
            assert_eq!(
                unbase64_tencent(&base64_tencent(&data[..len])).unwrap(),
                &data[..len]
            );
        }
    }

    #[test]
    fn json_escaping_is_valid_json() {
        let s = "a\"b\\c\n\u{1}\u{1f}é😀/";
        let mut out = alloc::vec![b'"'];
        push_json_str(&mut out, s);
        out.put(b"\"");
        let back: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, s);
    }
}
