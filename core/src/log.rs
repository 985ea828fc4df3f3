//! Warnings the SDK prints: `console.warn` in WebAssembly, standard error natively.
//! Nothing secret is ever passed here.

/// Prints a warning.
pub fn warn(message: &str) {
    #[cfg(target_arch = "wasm32")]
    crate::js::console_warn(message);
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("{message}");
}
