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
//! `server` (on by default through `emulator`) adds [`server::LoopbackServer`], a
//! loopback HTTP/HTTPS server for tests, the emulator and webhook receivers.
//!
//! [`webhook`] receives CallKit's callbacks: a ready `http` handler, and `webhook::serve`
//! on that server.
//!
//! `emulator` (default) adds [`emulator::EmulatorServer`]: the CallKit service emulator
//! served over loopback, with simulated calls whose callbacks it delivers.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use callkit_core as core;

pub mod client;
mod error;
pub mod transport;

pub use callkit_core::region::{BaseUrl, Region, Server};
pub use callkit_core::secret::SecretKey;
pub use client::{BlockingClient, Client, ClientBuilder, Error};
pub use error::{TimeoutKind, TransportError, redact_url};

#[cfg(feature = "hyper-stack")]
mod hyper_client;
#[cfg(feature = "hyper-stack")]
pub use hyper_client::proxy::Proxies;

#[cfg(feature = "smol")]
mod smol;
#[cfg(feature = "smol")]
pub use crate::smol::{SmolTransport, SmolTransportBuilder};

#[cfg(feature = "async-std")]
mod async_std;
#[cfg(feature = "async-std")]
pub use crate::async_std::{AsyncStdTransport, AsyncStdTransportBuilder};

#[cfg(feature = "surf")]
mod surf;
#[cfg(feature = "surf")]
pub use crate::surf::{SurfTransport, SurfTransportBuilder};

#[cfg(feature = "server")]
pub mod server;

#[cfg(feature = "emulator")]
pub mod emulator;
pub mod webhook;

// The README's Rust snippets are compiled (and the runnable ones run) as doc tests, so the
// README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
