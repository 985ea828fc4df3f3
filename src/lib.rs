//! horde-wasm: an AI Horde image-generation client in Rust, compiled to WebAssembly: the
//! transport over `fetch`, the job lifecycle, and the JavaScript classes, over horde-core (the
//! models, rules and endpoint table, which build natively).
//!
//! This file only declares modules and re-exports; see each module for its one job.
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

// The platform-neutral modules, from horde-core, at the paths the rest of this crate and its
// tests use (`crate::models`, `horde_wasm::models`).
pub use horde_core::{
    cadence, config, decode, endpoints, error, ids, job, method, models, num, pacing, query, retry,
    validate,
};
// The converters: the FromJs/ToJs derives of this crate's options classes refer to
// `crate::jsval`.
#[cfg(target_arch = "wasm32")]
pub use horde_core::jsval;
#[cfg(target_arch = "wasm32")]
use horde_core::text;

pub mod requests;
#[cfg(target_arch = "wasm32")]
pub mod status_helpers;

#[cfg(target_arch = "wasm32")]
pub mod client;
#[cfg(target_arch = "wasm32")]
mod diagnostics;
#[cfg(target_arch = "wasm32")]
mod download;
#[cfg(target_arch = "wasm32")]
mod guard;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod js_error;
#[cfg(target_arch = "wasm32")]
mod js_options;
#[cfg(target_arch = "wasm32")]
mod lifecycle;
#[cfg(target_arch = "wasm32")]
pub mod service;
#[cfg(target_arch = "wasm32")]
pub mod transport;

/// The allocator: talc, smaller in the module than the default dlmalloc.
// SAFETY: wasm32-unknown-unknown without the atomics feature runs on one thread, which is what
// `new_global` requires (a threaded build keeps the default allocator).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };
