//! The contract between OGate and the chain reactors it serves, for reactors written in Rust.
//!
//! - [`task`]: the deployment tasks OGate hands out, by webhook or feed;
//! - [`shutdown`]: SIGTERM or Ctrl-C as a cancellation token;
//! - [`signature`]: how a webhook is signed, and how a receiver checks it;
//! - [`http`]: the limits both HTTP servers keep, and the JSON they refuse with;
//! - [`secret`]: secrets in configuration, never shown in `Debug` output, inline or from files.
//!
//! A reactor in another language needs none of this: OGate's OpenAPI document describes the
//! same JSON, and the signature scheme is written out in [`signature`].

#![deny(missing_docs)]

pub mod http;
pub mod secret;
pub mod shutdown;
pub mod signature;
pub mod task;
