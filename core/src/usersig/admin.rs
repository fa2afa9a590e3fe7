//! [`AdminSigner`]: the UserSig an app server signs its REST calls with, made once and
//! reused until shortly before it expires.

use alloc::string::String;
use core::fmt;

use super::DEFAULT_EXPIRE;
use super::error::GenerateError;
use super::signer::{Signer, check_identifier};
use super::types::UserSig;
use crate::secret::SecretKey;

/// Default refresh margin: a new UserSig is made one day before the cached one expires.
pub const DEFAULT_REFRESH_MARGIN: u64 = 86_400;

/// The admin account Tencent creates with every CallKit app (spec §2.1): what a client
/// signs as, and what the emulator accepts, unless told otherwise.
pub const DEFAULT_ADMIN: &str = "administrator";

/// Signs as the app administrator and caches the UserSig.
///
/// [`usersig`](Self::usersig) returns the cached signature while
/// `issued <= now < issued + expire - margin`, and makes a new one otherwise; that covers a
/// clock that went backwards (a signature "from the future" is not trusted) as well as
/// expiry. Call [`invalidate`](Self::invalidate) when the server reports the UserSig as
/// expired or invalid. `Debug` is redacted.
///
/// ```
/// use callkit_core::secret::SecretKey;
/// use callkit_core::usersig::AdminSigner;
///
/// let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")?;
/// let mut admin = AdminSigner::new(1_400_000_000, &key, "administrator")?
///     .with_lifetime(3_600, 600)?; // one hour, renewed 10 minutes early
/// let first = admin.usersig(1_700_000_000)?.clone();
/// assert_eq!(admin.usersig(1_700_002_999)?, &first); // reused
/// assert_ne!(admin.usersig(1_700_003_000)?, &first); // renewed at issued + expire - margin
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AdminSigner {
    signer: Signer,
    identifier: String,
    expire: u64,
    margin: u64,
    cached: Option<(UserSig, u64)>,
}

impl fmt::Debug for AdminSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminSigner")
            .field("sdkappid", &self.signer.sdkappid())
            .field("identifier", &self.identifier)
            .field("expire", &self.expire)
            .field("refresh_margin", &self.margin)
            .field("issued_at", &self.cached.as_ref().map(|(_, issued)| issued))
            .field("key", &"<redacted>")
            .finish()
    }
}

impl AdminSigner {
    /// A signer for the admin account `identifier`, with the default lifetime
    /// ([`DEFAULT_EXPIRE`], 180 days) and margin ([`DEFAULT_REFRESH_MARGIN`], 1 day).
    pub fn new(
        sdkappid: u32,
        key: &SecretKey,
        identifier: impl Into<String>,
    ) -> Result<Self, GenerateError> {
        let identifier = identifier.into();
        check_identifier(&identifier)?;
        Ok(Self {
            signer: Signer::new(sdkappid, key)?,
            identifier,
            expire: DEFAULT_EXPIRE,
            margin: DEFAULT_REFRESH_MARGIN,
            cached: None,
        })
    }

    /// Sets the UserSig lifetime and the refresh margin (both seconds); `margin` must be
    /// below `expire`. Drops any cached UserSig.
    pub fn with_lifetime(mut self, expire: u64, margin: u64) -> Result<Self, GenerateError> {
        if margin >= expire {
            return Err(GenerateError::MarginNotBelowExpire);
        }
        self.expire = expire;
        self.margin = margin;
        self.cached = None;
        Ok(self)
    }

    /// The cached UserSig, or a fresh one if there is none, it is due for renewal at `now`
    /// (Unix seconds), or it claims to be issued after `now`.
    pub fn usersig(&mut self, now: u64) -> Result<&UserSig, GenerateError> {
        let entry = match self.cached.take() {
            Some((sig, issued)) if !self.due(issued, now) => (sig, issued),
            _ => (
                self.signer.user_sig(&self.identifier, self.expire, now)?,
                now,
            ),
        };
        Ok(&self.cached.insert(entry).0)
    }

    fn due(&self, issued: u64, now: u64) -> bool {
        let renew_at = issued.saturating_add(self.expire - self.margin);
        now < issued || now >= renew_at
    }

    /// Forgets the cached UserSig, so that the next [`usersig`](Self::usersig) makes a new one.
    pub fn invalidate(&mut self) {
        self.cached = None;
    }

    /// When the cached UserSig was issued, if there is one.
    pub fn issued_at(&self) -> Option<u64> {
        self.cached.as_ref().map(|(_, issued)| *issued)
    }

    /// The admin identifier.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The SDKAppID.
    pub fn sdkappid(&self) -> u32 {
        self.signer.sdkappid()
    }

    /// The lifetime of each UserSig, seconds.
    pub fn expire(&self) -> u64 {
        self.expire
    }

    /// How long before expiry a UserSig is renewed, seconds.
    pub fn refresh_margin(&self) -> u64 {
        self.margin
    }

    /// The underlying signer (to verify, or to sign for other users with the same key).
    pub fn signer(&self) -> &Signer {
        &self.signer
    }
}
