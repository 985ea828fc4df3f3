//! Decoding with the path of the field that failed (`generations[0].seed`), over any serde
//! deserializer: `serde_wasm_bindgen` in WebAssembly, `serde_json` in native tests.

use serde::{Deserialize, Deserializer};
use std::fmt;

/// The `field_path` of a body that is not JSON at all (cut off, or a gateway's HTML page).
pub const BODY_PATH: &str = "(body)";

/// A body that did not match the expected model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Where it failed, as `generations[0].seed`; `"."` for the top level.
    pub field_path: String,
    /// What was wrong there, in serde's words (for example `invalid type: integer `5`,
    /// expected a string`).
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.field_path, self.message)
    }
}

impl std::error::Error for DecodeError {}

/// Decodes `T`, naming the failing field on error.
pub fn decode<'de, T, D>(deserializer: D) -> Result<T, DecodeError>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
    D::Error: fmt::Display,
{
    serde_path_to_error::deserialize(deserializer).map_err(|e| DecodeError {
        field_path: e.path().to_string(),
        message: {
            // serde-wasm-bindgen's errors print as JS errors do ("Error: …").
            let m = e.inner().to_string();
            m.strip_prefix("Error: ").map(str::to_owned).unwrap_or(m)
        },
    })
}

/// Decodes `T` from a JavaScript value.
#[cfg(target_arch = "wasm32")]
pub fn decode_js<T: serde::de::DeserializeOwned>(
    value: wasm_bindgen::JsValue,
) -> Result<T, DecodeError> {
    decode(serde_wasm_bindgen::Deserializer::from(value))
}
