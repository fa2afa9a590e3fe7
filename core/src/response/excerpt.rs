//! A short, printable, secret-free excerpt of a response body, for error messages.

use alloc::string::String;
use core::fmt::{self, Write};

/// How many bytes of the body an excerpt shows at most.
pub const EXCERPT_BYTES: usize = 200;

/// The first [`EXCERPT_BYTES`] bytes of a response body, cut on a character boundary,
/// with control characters and invalid UTF-8 escaped and any UserSig (a proxy may echo
/// the request URL) replaced by `<redacted>` ([`crate::redact`]).
///
/// ```
/// use callkit_core::response::BodyExcerpt;
/// let excerpt = BodyExcerpt::new(b"<html>502 Bad Gateway\n?usersig=abc&x=1</html>");
/// assert_eq!(excerpt.as_str(), r"<html>502 Bad Gateway\n?usersig=<redacted>&x=1</html>");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BodyExcerpt {
    text: String,
    /// Bytes of the body left out.
    omitted: usize,
}

impl BodyExcerpt {
    /// Makes the excerpt of `body`.
    pub fn new(body: &[u8]) -> Self {
        let mut text = String::with_capacity(EXCERPT_BYTES + 16);
        let mut rest = body;
        let mut taken = 0;
        while taken < body.len() {
            match core::str::from_utf8(rest) {
                Ok(valid) => {
                    taken += push_chars(&mut text, valid, EXCERPT_BYTES - taken);
                    break;
                }
                Err(error) => {
                    let (valid, after) = rest.split_at(error.valid_up_to());
                    // `valid` is valid UTF-8 by construction.
                    let valid = core::str::from_utf8(valid).unwrap_or_default();
                    let used = push_chars(&mut text, valid, EXCERPT_BYTES - taken);
                    taken += used;
                    if used < valid.len() || taken >= EXCERPT_BYTES {
                        break;
                    }
                    let bad = error.error_len().unwrap_or(after.len()).max(1);
                    let Some((invalid, after)) = after.split_at_checked(bad) else {
                        break;
                    };
                    for byte in invalid {
                        if taken >= EXCERPT_BYTES {
                            break;
                        }
                        let _ = write!(text, "\\x{byte:02x}");
                        taken += 1;
                    }
                    rest = after;
                }
            }
            if taken >= EXCERPT_BYTES {
                break;
            }
        }
        crate::redact::redact_usersig_in_place(&mut text);
        BodyExcerpt {
            text,
            omitted: body.len().saturating_sub(taken),
        }
    }

    /// The escaped, redacted text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How many bytes of the body the excerpt leaves out.
    pub fn omitted(&self) -> usize {
        self.omitted
    }
}

/// Pushes whole characters of `s`, escaping control characters, until `budget` input
/// bytes are used; returns the input bytes used.
fn push_chars(out: &mut String, s: &str, budget: usize) -> usize {
    let mut used = 0;
    for c in s.chars() {
        if used + c.len_utf8() > budget {
            break;
        }
        used += c.len_utf8();
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    used
}

impl fmt::Display for BodyExcerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.text)?;
        if self.omitted > 0 {
            write!(f, " (+{} more bytes)", self.omitted)?;
        }
        Ok(())
    }
}

impl fmt::Debug for BodyExcerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn escapes_controls_and_invalid_utf8() {
        let excerpt = BodyExcerpt::new(b"a\x00b\xffc\r\n\xe2\x82");
        assert_eq!(excerpt.as_str(), r"a\u{0}b\xffc\r\n\xe2\x82");
        assert_eq!(excerpt.omitted(), 0);
    }

    #[test]
    fn truncates_on_a_character_boundary() {
        let mut body = Vec::from([b'x'; EXCERPT_BYTES - 1]);
        body.extend_from_slice("é and more".as_bytes());
        let excerpt = BodyExcerpt::new(&body);
        assert_eq!(excerpt.as_str().len(), EXCERPT_BYTES - 1);
        assert_eq!(excerpt.omitted(), body.len() - (EXCERPT_BYTES - 1));
        let shown = alloc::format!("{excerpt}");
        assert!(shown.ends_with(&alloc::format!("(+{} more bytes)", excerpt.omitted())));
    }

    #[test]
    fn redacts_every_usersig() {
        let excerpt = BodyExcerpt::new(b"x?UserSig=eJw1jt*abc&a=1 y?usersig=secret2");
        assert_eq!(
            excerpt.as_str(),
            "x?UserSig=<redacted>&a=1 y?usersig=<redacted>"
        );
    }
}
