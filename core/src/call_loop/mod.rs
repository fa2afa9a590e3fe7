//! The call loop: what a transport failure means for the next attempt.

mod failure;

pub use failure::FailureKind;
