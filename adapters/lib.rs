//! callkit: Tencent RTC CallKit server REST APIs for Rust services that do not run tokio.
//!
//! # Transports
//!
//! Requests go through a [`transport::Transport`] (or its blocking twin): any closure, or
//! one of the bundled transports behind features:
//!
//! | feature | transport | stack |
//! | --- | --- | --- |
//! | `smol` (default) | [`SmolTransport`] | hyper 1.x + rustls (ring) + webpki-roots on smol |
//! | `async-std` | `AsyncStdTransport` | the same on async-std (discontinued upstream) |
//! | `surf` | `SurfTransport` | a caller-built `surf::Client` (callkit enables no surf backend) |
//!
//! No tokio runtime is ever started or required: hyper depends on the `tokio` crate with
//! only its `sync` feature (channels), which has no executor, reactor or timer.
//!
//! A transport's error says what happened to the request
//! ([`transport::Failure::kind`]: not sent, refused, maybe sent, timed out, body over the
//! cap); the client's retries go by it alone. The call loop itself (rate limits, retries,
//! retry safety, UserSig renewal, failover) is the core's sans-IO
//! [`CallLoop`](callkit_core::call_loop::CallLoop), which [`Client`] and
//! [`BlockingClient`] drive.
//!
//! # Time
//!
//! Everything that reads the time or waits goes through one [`runtime::Runtime`] (smol,
//! async-std, plain threads, or for tests `testing::ManualRuntime`, feature `test-util`),
//! given to any builder with `.runtime(...)`.
//!
//! Only `smol` is on by default. `server` adds [`server::LoopbackServer`], the
//! HTTP/HTTPS server behind the emulator and webhook receivers.
//!
//! [`webhook`] receives CallKit's callbacks: a ready `http` handler, and `webhook::serve`
//! on that server.
//!
//! `emulator` adds [`emulator::EmulatorServer`]: the CallKit service emulator served over
//! loopback, with simulated calls whose callbacks it delivers (`callkit = { version = "0.1",
//! features = ["emulator"] }` in your dev-dependencies). `redis` adds `fleet`: a rate
//! budget and a webhook memory shared by every instance of a service. `test-util` adds
//! helpers for your tests: `testing::ManualRuntime` (time moved by hand), and the
//! servers' counters and fault injection.
//!
//! # Example
//!
//! A client whose transport is a closure playing the service (what a unit test of your
//! own code does; in production, [`SmolTransport`] or your HTTP stack):
//!
//! ```
//! use callkit::transport::{HttpRequest, HttpResponse};
//! use callkit::{Client, Region, SecretKey};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let service = |request: HttpRequest| async move {
//!     assert_eq!(request.uri().path(), "/v4/call_engine_http_srv/end_call");
//!     let body = r#"{"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0, "RequestId": "r-1"}"#;
//!     Ok::<_, std::convert::Infallible>(HttpResponse::new(body.as_bytes().to_vec()))
//! };
//! let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")?;
//! let client = Client::builder(1400000000, key, Region::ChatSingapore).build(service)?;
//! let call = callkit::core::records::V4CallId::new("055662e1-bc8a-469c-a334-1126c8c17d58");
//! futures_lite::future::block_on(client.v4_end_call(&call))?;
//! # Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use callkit_core as core;

pub mod client;
mod error;
pub mod runtime;
#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod testing;
pub mod transport;

pub use callkit_core::region::{BaseUrl, Region, Server};
pub use callkit_core::secret::SecretKey;
pub use client::{BlockingClient, Client, ClientBuilder, Error};
pub use error::{TimeoutKind, TransportError, redact_url};

#[cfg(feature = "hyper-stack")]
mod hyper_client;
#[cfg(feature = "hyper-stack")]
#[cfg_attr(docsrs, doc(cfg(any(feature = "smol", feature = "async-std"))))]
pub use hyper_client::proxy::Proxies;

#[cfg(feature = "smol")]
mod smol;
#[cfg(feature = "smol")]
#[cfg_attr(docsrs, doc(cfg(feature = "smol")))]
pub use crate::smol::{SmolTransport, SmolTransportBuilder};

#[cfg(feature = "async-std")]
mod async_std;
#[cfg(feature = "async-std")]
#[cfg_attr(docsrs, doc(cfg(feature = "async-std")))]
pub use crate::async_std::{AsyncStdTransport, AsyncStdTransportBuilder};

#[cfg(feature = "surf")]
mod surf;
#[cfg(feature = "surf")]
#[cfg_attr(docsrs, doc(cfg(feature = "surf")))]
pub use crate::surf::{SurfTransport, SurfTransportBuilder};

#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub mod server;

#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
pub mod emulator;
pub mod webhook;

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod fleet;

// The README's Rust snippets are compiled (and the runnable ones run) as doc tests, so the
// README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
