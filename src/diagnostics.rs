//! Diagnostics for benchmarks and leak checks.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The size of this module's WebAssembly linear memory, in bytes. It grows when the module
/// needs more and never shrinks, so a value that stays flat over many calls shows that the
/// client does not accumulate memory.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .dyn_into::<js_sys::ArrayBuffer>()
                .map(|b| f64::from(b.byte_length()))
                .unwrap_or(0.0)
        })
        .unwrap_or(0.0)
}
