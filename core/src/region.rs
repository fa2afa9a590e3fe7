//! Where requests go: the documented hosts ([`Region`]), custom base URLs ([`BaseUrl`]),
//! and the choice between them ([`Server`]).
//!
//! A region serves exactly one API generation: the two CallKit hosts serve v1, the
//! Tencent Chat gateways serve v4. A custom base URL (an emulator, a proxy) serves both.

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

use crate::endpoint::Generation;
use crate::url_check::parse_http_url;
use crate::validate::UrlError;

macro_rules! regions {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $generation:ident,
        $primary:literal, $backup:expr; )*) => {
        /// A documented host of the CallKit server API (spec §2.1, §2.2, §7).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Region {
            $( $(#[$doc])* $variant, )*
        }

        impl Region {
            /// Every region, v1 first.
            pub const ALL: &'static [Region] = &[$(Region::$variant),*];

            /// A short stable name (`callkit-intl`, `chat-singapore`, ...), for
            /// configuration files and command lines; [`FromStr`] reads it back.
            pub const fn name(self) -> &'static str {
                match self { $(Region::$variant => $name,)* }
            }

            /// The API generation this host serves.
            pub const fn generation(self) -> Generation {
                match self { $(Region::$variant => Generation::$generation,)* }
            }

            /// The base URL of the primary host, e.g. `https://console.tim.qq.com`.
            pub const fn base_url(self) -> &'static str {
                match self { $(Region::$variant => $primary,)* }
            }

            /// The base URL of the documented backup host (`*.my-imcloud.com`, for when
            /// DNS of the primary is hijacked), if there is one; the v1 hosts have none.
            pub const fn backup_base_url(self) -> Option<&'static str> {
                match self { $(Region::$variant => $backup,)* }
            }
        }

        impl FromStr for Region {
            type Err = UnknownRegion;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(Region::$variant),)*
                    _ => Err(UnknownRegion),
                }
            }
        }
    };
}

regions! {
    /// v1, international: `callkit-intl.trtc.tencent-cloud.com`.
    CallkitIntl = "callkit-intl", V1, "https://callkit-intl.trtc.tencent-cloud.com", None;
    /// v1, mainland China: `callkit.trtc.tencent-cloud.com` (listed on older and China-site pages).
    CallkitChina = "callkit-china", V1, "https://callkit.trtc.tencent-cloud.com", None;
    /// v4, mainland China: `console.tim.qq.com` (backup `adminapi.my-imcloud.com`).
    ChatChina = "chat-china", V4, "https://console.tim.qq.com",
        Some("https://adminapi.my-imcloud.com");
    /// v4, Singapore: `adminapisgp.im.qcloud.com`.
    ChatSingapore = "chat-singapore", V4, "https://adminapisgp.im.qcloud.com",
        Some("https://adminapisgp.my-imcloud.com");
    /// v4, Seoul: `adminapikr.im.qcloud.com`.
    ChatSeoul = "chat-seoul", V4, "https://adminapikr.im.qcloud.com",
        Some("https://adminapikr.my-imcloud.com");
    /// v4, Frankfurt: `adminapiger.im.qcloud.com`.
    ChatFrankfurt = "chat-frankfurt", V4, "https://adminapiger.im.qcloud.com",
        Some("https://adminapiger.my-imcloud.com");
    /// v4, Silicon Valley: `adminapiusa.im.qcloud.com`.
    ChatSiliconValley = "chat-silicon-valley", V4, "https://adminapiusa.im.qcloud.com",
        Some("https://adminapiusa.my-imcloud.com");
    /// v4, Jakarta: `adminapiidn.im.qcloud.com`.
    ChatJakarta = "chat-jakarta", V4, "https://adminapiidn.im.qcloud.com",
        Some("https://adminapiidn.my-imcloud.com");
    /// v4, Mumbai: `adminapiind.im.qcloud.com` (listed on some versions of the docs only).
    ChatMumbai = "chat-mumbai", V4, "https://adminapiind.im.qcloud.com",
        Some("https://adminapiind.my-imcloud.com");
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name given is not one of [`Region::name`]'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown region name")]
pub struct UnknownRegion;

/// Why a string cannot be a [`BaseUrl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// It is not an absolute http(s) URL with a host.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// It uses plain `http` and was not parsed with [`BaseUrl::parse_allow_http`].
    #[error("the base URL must use https (plain http only through parse_allow_http)")]
    NotHttps,
    /// It has a query string; the SDK writes the query itself.
    #[error("the base URL must not have a query string")]
    HasQuery,
    /// It has a fragment.
    #[error("the base URL must not have a fragment")]
    HasFragment,
    /// It has `user:password@`; credentials in URLs end up in logs.
    #[error("the base URL must not hold credentials (user@)")]
    HasUserinfo,
}

/// A custom base URL, checked: `https` (or explicitly allowed `http`), a host, an
/// optional port and path prefix, no query, fragment or credentials. A trailing slash
/// is removed, so `https://h/p/` and `https://h/p` are the same base.
///
/// ```
/// use callkit_core::region::BaseUrl;
/// let base = BaseUrl::parse("https://proxy.example.com/callkit/").unwrap();
/// assert_eq!(base.as_str(), "https://proxy.example.com/callkit");
/// assert!(BaseUrl::parse("http://127.0.0.1:8080").is_err());
/// assert!(BaseUrl::parse_allow_http("http://127.0.0.1:8080").is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Parses an `https` base URL.
    pub fn parse(s: &str) -> Result<Self, BaseUrlError> {
        Self::parse_inner(s, false)
    }

    /// Parses a base URL that may also use plain `http`: for loopback tests and the
    /// emulator. Never use it for the real service: the query string carries the UserSig.
    pub fn parse_allow_http(s: &str) -> Result<Self, BaseUrlError> {
        Self::parse_inner(s, true)
    }

    fn parse_inner(s: &str, allow_http: bool) -> Result<Self, BaseUrlError> {
        let url = parse_http_url(s)?;
        if !url.https && !allow_http {
            return Err(BaseUrlError::NotHttps);
        }
        if url.query.is_some() {
            return Err(BaseUrlError::HasQuery);
        }
        if url.fragment.is_some() {
            return Err(BaseUrlError::HasFragment);
        }
        if url.has_userinfo {
            return Err(BaseUrlError::HasUserinfo);
        }
        // Rebuild in a normal form: lower-case scheme and host, no trailing slash.
        let path = url.path.trim_end_matches('/');
        let mut out = String::with_capacity(s.len());
        out.push_str(if url.https { "https://" } else { "http://" });
        out.extend(url.host.chars().map(|c| c.to_ascii_lowercase()));
        if let Some(port) = url.port {
            out.push(':');
            out.push_str(itoa::Buffer::new().format(port));
        }
        out.push_str(path);
        Ok(BaseUrl(out))
    }

    /// The normalized base URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BaseUrl {
    type Err = BaseUrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ServerKind {
    Primary(Region),
    Backup(Region),
    Custom(BaseUrl),
}

/// The server requests are sent to: a region's primary host, a region's backup host,
/// or a custom base URL.
///
/// ```
/// use callkit_core::endpoint::Generation;
/// use callkit_core::region::{Region, Server};
/// let server = Server::from(Region::ChatSingapore);
/// assert_eq!(server.base_url(), "https://adminapisgp.im.qcloud.com");
/// assert!(server.serves(Generation::V4) && !server.serves(Generation::V1));
/// assert!(Server::backup(Region::CallkitIntl).is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Server(ServerKind);

impl Server {
    /// The region's primary host.
    pub const fn region(region: Region) -> Self {
        Server(ServerKind::Primary(region))
    }

    /// The region's backup host, if it has one.
    pub const fn backup(region: Region) -> Option<Self> {
        match region.backup_base_url() {
            Some(_) => Some(Server(ServerKind::Backup(region))),
            None => None,
        }
    }

    /// A custom base URL; it serves both generations.
    pub const fn custom(base: BaseUrl) -> Self {
        Server(ServerKind::Custom(base))
    }

    /// The base URL requests start with (no trailing slash).
    pub fn base_url(&self) -> &str {
        match &self.0 {
            ServerKind::Primary(region) => region.base_url(),
            // `backup` only builds this variant for regions that have a backup host.
            ServerKind::Backup(region) => region.backup_base_url().unwrap_or(""),
            ServerKind::Custom(base) => base.as_str(),
        }
    }

    /// The generation this server serves, or `None` for a custom URL (which serves both).
    pub fn generation(&self) -> Option<Generation> {
        match &self.0 {
            ServerKind::Primary(region) | ServerKind::Backup(region) => Some(region.generation()),
            ServerKind::Custom(_) => None,
        }
    }

    /// Whether endpoints of `generation` may be called on this server.
    pub fn serves(&self, generation: Generation) -> bool {
        self.generation().is_none_or(|g| g == generation)
    }

    /// The host to fail over to when this one cannot be reached: a v4 region's backup
    /// domain. `None` for a backup host, a v1 host and a custom URL.
    pub fn failover(&self) -> Option<Server> {
        match &self.0 {
            ServerKind::Primary(region) if region.generation() == Generation::V4 => {
                Server::backup(*region)
            }
            _ => None,
        }
    }

    /// The region, if this is a region's primary or backup host.
    pub fn region_preset(&self) -> Option<Region> {
        match &self.0 {
            ServerKind::Primary(region) | ServerKind::Backup(region) => Some(*region),
            ServerKind::Custom(_) => None,
        }
    }
}

impl From<Region> for Server {
    fn from(region: Region) -> Self {
        Server::region(region)
    }
}

impl From<BaseUrl> for Server {
    fn from(base: BaseUrl) -> Self {
        Server::custom(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_know_their_generation_and_hosts() {
        assert_eq!(Region::ALL.len(), 9);
        for region in Region::ALL {
            let v1 = region.base_url().contains("callkit");
            assert_eq!(region.generation() == Generation::V1, v1, "{region}");
            assert_eq!(region.backup_base_url().is_some(), !v1, "{region}");
            assert_eq!(region.name().parse::<Region>(), Ok(*region));
            assert!(BaseUrl::parse(region.base_url()).is_ok());
            if let Some(backup) = region.backup_base_url() {
                assert!(backup.ends_with(".my-imcloud.com"), "{backup}");
            }
        }
        assert_eq!(
            Region::CallkitIntl.base_url(),
            "https://callkit-intl.trtc.tencent-cloud.com"
        );
        assert_eq!(
            Region::ChatChina.backup_base_url(),
            Some("https://adminapi.my-imcloud.com")
        );
        assert_eq!("mars".parse::<Region>(), Err(UnknownRegion));
    }

    #[test]
    fn base_urls_are_checked_and_normalized() {
        assert_eq!(
            BaseUrl::parse("HTTPS://Example.COM:8443/a//")
                .unwrap()
                .as_str(),
            "https://example.com:8443/a"
        );
        assert_eq!(BaseUrl::parse("https://h/").unwrap().as_str(), "https://h");
        assert_eq!(BaseUrl::parse("http://h"), Err(BaseUrlError::NotHttps));
        assert_eq!(
            BaseUrl::parse_allow_http("http://127.0.0.1:1/")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:1"
        );
        assert_eq!(
            BaseUrl::parse("https://h/?a=1"),
            Err(BaseUrlError::HasQuery)
        );
        assert_eq!(
            BaseUrl::parse("https://h/#x"),
            Err(BaseUrlError::HasFragment)
        );
        assert_eq!(
            BaseUrl::parse("https://u:p@h/"),
            Err(BaseUrlError::HasUserinfo)
        );
        assert_eq!(
            BaseUrl::parse("ftp://h/"),
            Err(BaseUrlError::Url(UrlError::NotHttp))
        );
    }

    #[test]
    fn servers() {
        let backup = Server::backup(Region::ChatSeoul).unwrap();
        assert_eq!(backup.base_url(), "https://adminapikr.my-imcloud.com");
        assert!(backup.serves(Generation::V4));
        assert!(!backup.serves(Generation::V1));
        let v1 = Server::from(Region::CallkitChina);
        assert!(v1.serves(Generation::V1) && !v1.serves(Generation::V4));
        let custom = Server::from(BaseUrl::parse_allow_http("http://[::1]:9").unwrap());
        assert!(custom.serves(Generation::V1) && custom.serves(Generation::V4));
        assert_eq!(custom.base_url(), "http://[::1]:9");
        assert_eq!(custom.region_preset(), None);
    }
}
