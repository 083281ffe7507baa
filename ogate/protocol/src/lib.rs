//! The contract between OGate and the chain reactors it serves, for reactors written in Rust.
//!
//! - [`task`]: the deployment tasks OGate hands out, by webhook or feed;
//! - [`signature`]: how a webhook is signed, and how a receiver checks it;
//! - [`secret`]: secrets in configuration, never shown in `Debug` output, inline or from files.
//!
//! A reactor in another language needs none of this: OGate's OpenAPI document describes the
//! same JSON, and the signature scheme is written out in [`signature`].

#![deny(missing_docs)]

pub mod secret;
pub mod signature;
pub mod task;
