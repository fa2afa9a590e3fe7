//! [`Verifier`]: a [`Signer`] plus reusable inflate state, for checking many signatures that
//! other implementations compressed.

use core::fmt;

use super::error::{GenerateError, VerifyError};
use super::signer::{Signer, verify_plain, verify_pmk};
use super::types::{Room, Verified, VerifiedPrivateMapKey};
use super::wire::Inflater;
use crate::secret::SecretKey;

/// Verifies UserSigs and PrivateMapKeys, keeping its decompression state between calls.
///
/// Our own signatures are stored (uncompressed) zlib and need no decompressor, but the
/// official libraries compress theirs (zlib level 6 or 9). A `Verifier` keeps the output
/// buffer (and, without the `std` feature, miniz_oxide's 11 KiB decompressor) between calls
/// and remembers the last compressed stream, hence `&mut self`. Checks and results
/// are exactly those of [`Signer::verify_user_sig`] and [`Signer::verify_private_map_key`].
/// Keep one per thread (or behind a lock); `Debug` is redacted.
///
/// ```
/// use callkit_core::secret::SecretKey;
/// use callkit_core::usersig::{Signer, Verifier};
///
/// let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")?;
/// let mut verifier = Verifier::new(1_400_000_000, &key)?;
/// // Python tls-sig-api-v2 1.1's output for these inputs at 1700000000, 180 days (zlib level 6).
/// let python = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpYJkTE1NjRDiJZm5YFFzNPXFmekgG3zKHM1T9D3LzdODi-OKs8vCqpxcAvydnV2SSv2cy03cPcpDnA2SMgu0nUxslWoBHdYzUg__";
/// let checked = verifier.verify_user_sig("xiaojun", python, 1_700_000_000)?;
/// assert_eq!(checked.expire, 180 * 86_400);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    signer: Signer,
    inflater: Inflater,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("signer", &self.signer)
            .finish_non_exhaustive()
    }
}

impl From<Signer> for Verifier {
    fn from(signer: Signer) -> Self {
        Self {
            signer,
            inflater: Inflater::new(),
        }
    }
}

impl Verifier {
    /// Sets up the HMAC key for `sdkappid` (non-zero), as [`Signer::new`] does.
    pub fn new(sdkappid: u32, key: &SecretKey) -> Result<Self, GenerateError> {
        Signer::new(sdkappid, key).map(Self::from)
    }

    /// The signer inside, which can also generate signatures.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Same checks and result as [`Signer::verify_user_sig`].
    pub fn verify_user_sig(
        &mut self,
        identifier: &str,
        usersig: &str,
        now: u64,
    ) -> Result<Verified, VerifyError> {
        verify_plain(
            &mut self.inflater,
            self.signer.mac(),
            self.signer.sdkappid(),
            identifier,
            usersig,
            now,
        )
    }

    /// Same checks and result as [`Signer::verify_private_map_key`].
    pub fn verify_private_map_key(
        &mut self,
        identifier: &str,
        room: Room<'_>,
        key: &str,
        now: u64,
    ) -> Result<VerifiedPrivateMapKey, VerifyError> {
        verify_pmk(
            &mut self.inflater,
            self.signer.mac(),
            self.signer.sdkappid(),
            identifier,
            room,
            key,
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Python's U01 output (zlib level 6), 180 days from 1700000000.
    const PYTHON_U01: &str = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpYJkTE1NjRDiJZm5YFFzNPXFmekgG3zKHM1T9D3LzdODi-OKs8vCqpxcAvydnV2SSv2cy03cPcpDnA2SMgu0nUxslWoBHdYzUg__";
    const NOW: u64 = 1_700_000_000;

    #[test]
    fn a_remembered_signature_is_still_checked_in_full_every_time() {
        let key =
            SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")
                .unwrap();
        let mut verifier = Verifier::new(1_400_000_000, &key).unwrap();
        let expires_at = NOW + 180 * 86_400;
        for _ in 0..2 {
            assert_eq!(
                verifier
                    .verify_user_sig("xiaojun", PYTHON_U01, NOW)
                    .unwrap()
                    .expires_at,
                expires_at
            );
            assert_eq!(
                verifier.verify_user_sig("xiaojun", PYTHON_U01, expires_at + 1),
                Err(VerifyError::Expired { expires_at })
            );
            assert_eq!(
                verifier.verify_user_sig("xiaojuN", PYTHON_U01, NOW),
                Err(VerifyError::IdentifierMismatch)
            );
        }
        let other_key = SecretKey::new("another-key").unwrap();
        let mut other = Verifier::new(1_400_000_000, &other_key).unwrap();
        for _ in 0..2 {
            assert_eq!(
                other.verify_user_sig("xiaojun", PYTHON_U01, NOW),
                Err(VerifyError::SignatureMismatch)
            );
        }
    }
}
