//! callkit: Tencent RTC CallKit server REST APIs for Rust services that do not run tokio.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use callkit_core as core;
