//! The app's secret key, kept out of logs and wiped from memory when dropped.

use alloc::string::String;
use core::fmt;
use zeroize::Zeroizing;

/// The SDKAppID's secret key, as the console shows it (used as text, never hex-decoded).
///
/// It is zeroized when dropped and its `Debug` output is redacted, so it can sit in
/// configuration structs that get logged.
///
/// ```
/// use callkit_core::secret::SecretKey;
/// let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee46").unwrap();
/// assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
/// ```
#[derive(Clone)]
pub struct SecretKey(Zeroizing<String>);

/// Why a string cannot be a secret key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretKeyError {
    /// The key is empty.
    #[error("the secret key is empty")]
    Empty,
    /// The key has leading or trailing white space, most likely a copy-paste accident.
    #[error("the secret key has leading or trailing white space")]
    Whitespace,
}

impl SecretKey {
    /// Wraps a secret key, refusing one that cannot be right (empty, or padded with white space).
    pub fn new(key: impl Into<String>) -> Result<Self, SecretKeyError> {
        let key = Zeroizing::new(key.into());
        if key.is_empty() {
            return Err(SecretKeyError::Empty);
        }
        if key.trim() != key.as_str() {
            return Err(SecretKeyError::Whitespace);
        }
        Ok(Self(key))
    }

    /// The key's bytes, for the HMAC. Named so that every use stands out in review.
    pub fn expose_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_keys_that_cannot_be_right() {
        assert_eq!(SecretKey::new("").unwrap_err(), SecretKeyError::Empty);
        assert_eq!(SecretKey::new(" abc").unwrap_err(), SecretKeyError::Whitespace);
        assert_eq!(SecretKey::new("abc\n").unwrap_err(), SecretKeyError::Whitespace);
        assert_eq!(SecretKey::new("abc").unwrap().expose_bytes(), b"abc");
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = SecretKey::new("very-secret-key").unwrap();
        let shown = alloc::format!("{key:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
    }
}
