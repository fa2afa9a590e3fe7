//! What every command that calls the service shares: the connection flags (`--sdkappid`,
//! `--region` or `--base-url`, `--allow-http`, `--ca-cert`, `--admin`, the key, `--proxy`,
//! `--redis`), the
//! client they build, and how a failed call becomes an exit code and a message.

use std::path::PathBuf;
use std::sync::Arc;

use callkit::client::SharedRateLimiter;
use callkit::core::endpoint::Generation;
use callkit::core::region::BaseUrlError;
use callkit::core::response::ApiErrorKind;
use callkit::{BaseUrl, Client, Error, Proxies, Region, Server, SmolTransport, TransportError};
use clap::Args;

use crate::{Failure, KeyArg};

/// Which app, which server, which key.
#[derive(Debug, Args)]
pub(crate) struct Connection {
    /// The application's SDKAppID.
    #[arg(long, value_name = "N")]
    sdkappid: u32,

    /// The app administrator the request is signed as.
    #[arg(long, value_name = "ID", default_value = "administrator")]
    admin: String,

    /// A documented host: callkit-intl or callkit-china (v1), chat-china, chat-singapore,
    /// chat-seoul, chat-frankfurt, chat-silicon-valley, chat-jakarta or chat-mumbai (v4).
    #[arg(long, value_name = "NAME", value_parser = parse_region, conflicts_with = "base_url")]
    region: Option<Region>,

    /// A custom base URL (an emulator or a proxy) instead of a region.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,

    /// Allow a plain-http --base-url on loopback (127.0.0.1, ::1, localhost) only.
    #[arg(long, requires = "base_url")]
    allow_http: bool,

    /// A PEM certificate to trust besides the webpki roots (e.g. the emulator's).
    #[arg(long, value_name = "PATH")]
    ca_cert: Option<PathBuf>,

    #[command(flatten)]
    key: KeyArg,

    /// An HTTP proxy for the HTTPS calls (http://[user:password@]host:port). Without it,
    /// HTTPS_PROXY, ALL_PROXY and NO_PROXY are read as curl reads them.
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,

    /// Share the rate budget with every process pointing at this Redis
    /// (redis://host:port), so that separate runs and instances together keep Tencent's
    /// per-app limits.
    #[arg(
        long,
        value_name = "URL",
        env = "CALLKIT_REDIS_URL",
        hide_env_values = true
    )]
    redis: Option<String>,
}

impl Connection {
    /// The client for an API `generation`: its server, transport (with the extra root)
    /// and key. A region of the other generation is a usage error.
    pub(crate) fn client(&self, generation: Generation) -> Result<Client<SmolTransport>, Failure> {
        let server = match (&self.region, &self.base_url) {
            (Some(region), _) => {
                if region.generation() != generation {
                    let wanted = match generation {
                        Generation::V4 => "a chat-* region",
                        Generation::V1 => "callkit-intl or callkit-china",
                    };
                    return Err(Failure::Usage(format!(
                        "region {} does not serve this API: use {wanted}",
                        region.name()
                    )));
                }
                Server::from(*region)
            }
            (None, Some(url)) => Server::from(base_url(url, self.allow_http)?),
            (None, None) => {
                return Err(Failure::Usage(format!(
                    "say where the API is: --region NAME ({}) or --base-url URL (an emulator)",
                    region_names()
                )));
            }
        };
        let mut transport = SmolTransport::builder().allow_http(self.allow_http);
        if let Some(path) = &self.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                Failure::Usage(format!("cannot read --ca-cert {}: {e}", path.display()))
            })?;
            transport = transport.add_root_certificate_pem(pem);
        }
        if let Some(url) = &self.proxy {
            let proxies =
                Proxies::all(url).map_err(|e| Failure::Usage(format!("bad --proxy: {e}")))?;
            transport = transport.proxy(proxies);
        }
        let transport = transport
            .build()
            .map_err(|e| Failure::Usage(format!("cannot build the HTTPS transport: {e}")))?;
        let key = self.key.secret_key()?;
        let mut builder = Client::builder(self.sdkappid, key, server).admin(self.admin.clone());
        if let Some(url) = &self.redis {
            builder = builder.rate_limiter(shared_limiter(url)?);
        }
        builder
            .build(transport)
            .map_err(|e| Failure::Usage(e.to_string()))
    }
}

/// The `--redis` budget shared with every other process pointing at `url`.
fn shared_limiter(url: &str) -> Result<Arc<dyn SharedRateLimiter>, Failure> {
    let limiter = callkit::fleet::RedisRateLimiter::new(url)
        .map_err(|e| Failure::Usage(format!("bad --redis (or CALLKIT_REDIS_URL): {e}")))?
        .margin(CLI_SHARED_MARGIN);
    Ok(Arc::new(limiter))
}

/// The window margin of a budget shared by separate CLI runs. A process sends its request
/// some time after reserving the slot (it still has to connect), and many short-lived
/// processes on a busy machine are scheduled late by tens of milliseconds, more than a
/// long-lived client's 50 ms margin absorbs; a quarter second keeps their arrivals apart
/// at the cost of a fifth of the budget.
const CLI_SHARED_MARGIN: std::time::Duration = std::time::Duration::from_millis(250);

/// What a call fails with: an argument the CLI refuses, the client's error, or output
/// that could not be written.
pub(crate) enum CallError {
    Usage(String),
    Client(Error),
    Output(Failure),
}

impl From<Error> for CallError {
    fn from(error: Error) -> Self {
        CallError::Client(error)
    }
}

impl CallError {
    /// The failure of the command `what` (e.g. `callback get (v1)`): a usage error for
    /// input refused before sending (exit 2), otherwise the error with its code, message,
    /// request id and random (exit 1).
    pub(crate) fn into_failure(self, what: &str) -> Failure {
        let error = match self {
            CallError::Usage(message) => return Failure::Usage(message),
            CallError::Output(failure) => return failure,
            CallError::Client(error) => error,
        };
        // Refused before sending (a bad address, a bad admin id): a bad argument.
        if let Error::InvalidInput(_) = error {
            return Failure::Usage(error.to_string());
        }
        let mut message = format!("{what} failed: {error}");
        let mut detail = serde_json::Map::new();
        if let Some(api) = error.api() {
            message.push_str(&format!(
                "\n  code: {} ({})\n  message: {}\n  request id: {}\n  random: {}",
                api.code,
                api.kind.describe(),
                api.message,
                api.request_id.as_deref().unwrap_or("none"),
                api.random
            ));
            detail.insert("code".into(), api.code.into());
            detail.insert("classification".into(), api.kind.describe().into());
            detail.insert("api_message".into(), api.message.as_str().into());
            detail.insert("request_id".into(), api.request_id.as_deref().into());
        }
        if let Some(random) = error.random() {
            if error.api().is_none() {
                message.push_str(&format!("\n  random: {random}"));
            }
            detail.insert("random".into(), random.into());
        }
        if let Some(fix) = fix(&error) {
            message.push_str(&format!("\n  try: {fix}"));
            detail.insert("try".into(), fix.into());
        }
        Failure::Call { message, detail }
    }
}

/// What a user of the CLI can change to fix `error`, in terms of its flags.
fn fix(error: &Error) -> Option<&'static str> {
    if let Some(kind) = error.kind() {
        return Some(match kind {
            ApiErrorKind::NotAdmin => {
                "sign as an app administrator: --admin NAME (the default is administrator)"
            }
            ApiErrorKind::UserSigInvalid | ApiErrorKind::UserSigExpired => {
                "check CALLKIT_SECRET_KEY (or --key), --sdkappid and --admin, and that --region \
                 is the app's data centre"
            }
            ApiErrorKind::RateLimited => {
                "wait a second and retry; when several processes call at once, share one \
                 budget with --redis URL"
            }
            ApiErrorKind::NoConfiguration => "create one first: callkit callback set ...",
            ApiErrorKind::PackageMissing => {
                "buy or claim the CallKit package for this app in the console"
            }
            _ => return None,
        });
    }
    let Error::Transport { source, .. } = error.last() else {
        return None;
    };
    match source.downcast_ref::<TransportError>()? {
        TransportError::Tls { source, .. } if source.to_string().contains("UnknownIssuer") => Some(
            "the server's certificate is not trusted: pass --ca-cert PEM (for `callkit \
                 emulator --tls`, the .pem path it printed)",
        ),
        TransportError::Tls { .. } => Some(
            "the TLS handshake failed: check --base-url (https to an https server) and --ca-cert",
        ),
        TransportError::Connect { .. } => Some(
            "nothing answered: check --region or --base-url (is the emulator still running?), \
             and --proxy / HTTPS_PROXY",
        ),
        TransportError::Timeout { .. } => {
            Some("the server did not answer in time: check the network, --proxy and the region")
        }
        _ => None,
    }
}

/// A `--base-url`: https, or http on loopback with `--allow-http`.
fn base_url(url: &str, allow_http: bool) -> Result<BaseUrl, Failure> {
    let bad = |e: &dyn std::fmt::Display| Failure::Usage(format!("bad --base-url: {e}"));
    if !allow_http {
        return BaseUrl::parse(url).map_err(|e| match e {
            BaseUrlError::NotHttps => {
                bad(&"plain http:// needs --allow-http (loopback hosts only)")
            }
            other => bad(&other),
        });
    }
    let parsed = BaseUrl::parse_allow_http(url).map_err(|e| bad(&e))?;
    let host = url
        .parse::<http::Uri>()
        .ok()
        .and_then(|uri| uri.host().map(str::to_owned))
        .unwrap_or_default();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]" | "::1");
    if parsed.as_str().starts_with("http://") && !loopback {
        return Err(bad(&"--allow-http is for loopback hosts only"));
    }
    Ok(parsed)
}

fn parse_region(name: &str) -> Result<Region, String> {
    name.parse::<Region>()
        .map_err(|_| format!("unknown region; known: {}", region_names()))
}

/// Every region's name, comma-separated.
fn region_names() -> String {
    let names: Vec<&str> = Region::ALL.iter().map(|r| r.name()).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_http_is_for_loopback_only() {
        assert!(base_url("http://127.0.0.1:8080", true).is_ok());
        assert!(base_url("http://localhost:8080", true).is_ok());
        assert!(base_url("http://example.com", true).is_err());
        assert!(base_url("http://127.0.0.1:8080", false).is_err());
        assert!(base_url("https://example.com", false).is_ok());
    }
}
