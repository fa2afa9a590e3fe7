//! What the fuzz targets share: the fixed app they test against, and a reader of the
//! simple framing their inputs use (flag bytes, big-endian numbers, then texts split at
//! a NUL byte), so that the seed corpora can be the spec's examples as they are.

use callkit_core::secret::SecretKey;

/// The SDKAppID every target is "us".
pub const SDKAPPID: u32 = 1_400_000_000;

/// The sample key of the spec's vectors.
pub const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// [`KEY`] as a secret key.
pub fn key() -> SecretKey {
    SecretKey::new(KEY).expect("the sample key is valid")
}

/// Reads a fuzz input front to back; missing bytes read as zero.
pub struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    /// The next byte.
    pub fn u8(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }

    /// The next four bytes, big-endian.
    pub fn u32(&mut self) -> u32 {
        (0..4).fold(0, |n, _| (n << 8) | u32::from(self.u8()))
    }

    /// Everything up to the next NUL (consumed) or the end, as text (lossy).
    pub fn text(&mut self) -> String {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        let (text, rest) = self.0.split_at(end);
        self.0 = rest.get(1..).unwrap_or(&[]);
        String::from_utf8_lossy(text).into_owned()
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }
}
