//! horde-core: the platform-neutral core of the AI Horde client. The wire models, request
//! validation, rate-limit pacing, retries, the check cadence, client settings, the endpoint
//! table, the one error type and the job lifecycle over a [`lifecycle::JobHost`]: no I/O, so
//! all of it builds and is tested natively. The WebAssembly crate (horde-wasm) adds the
//! transport, the host of the lifecycle and the JavaScript classes on top; a native client
//! would add its own transport and host.
//!
//! In WebAssembly the models also convert to and from JavaScript values ([`jsval`], derived by
//! horde-wasm-macros); those converters and the few JavaScript calls they need ([`js`]) exist on
//! wasm32 only.
#![deny(missing_docs)]
// Tests may panic: that is how they fail (Cargo.toml denies it in the shipped code).
#![cfg_attr(
    test,
    allow(
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

pub mod cadence;
pub mod config;
pub mod decode;
pub mod endpoints;
pub mod error;
pub mod ids;
pub mod job;
pub mod lifecycle;
pub mod log;
pub mod method;
pub mod models;
pub mod num;
pub mod pacing;
pub mod query;
pub mod requests;
pub mod retry;
pub mod text;
pub mod validate;

#[cfg(target_arch = "wasm32")]
pub mod js;
#[cfg(target_arch = "wasm32")]
pub mod jsval;
