//! Decoding with the path of the field that failed (`generations[0].seed`): over any serde
//! deserializer natively (tests use serde_json), and from JavaScript values in WebAssembly
//! (through [`crate::jsval`], which tracks the path itself).

#[cfg(not(target_arch = "wasm32"))]
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

impl DecodeError {
    /// The failing field below `argument` (`request.params.width`, `existing[0]`), as an
    /// [`Error::InvalidArgument`](crate::error::Error::InvalidArgument).
    pub fn into_invalid(self, argument: &str) -> crate::error::Error {
        let field = match self.field_path.as_str() {
            "." if argument.is_empty() => "request".to_owned(),
            "." => argument.to_owned(),
            p if p.starts_with('[') || argument.is_empty() => format!("{argument}{p}"),
            p => format!("{argument}.{p}"),
        };
        crate::error::Error::invalid(field, self.message)
    }
}

/// Decodes `T`, naming the failing field on error.
#[cfg(not(target_arch = "wasm32"))]
pub fn decode<'de, T, D>(deserializer: D) -> Result<T, DecodeError>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
    D::Error: fmt::Display,
{
    serde_path_to_error::deserialize(deserializer).map_err(|e| DecodeError {
        field_path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// Decodes `T` from a JavaScript value.
#[cfg(target_arch = "wasm32")]
pub fn decode_js<T: crate::jsval::FromJs>(value: wasm_bindgen::JsValue) -> Result<T, DecodeError> {
    T::from_js(value).map_err(from_de)
}

/// Checks a value against a shape and returns its clean copy (an answer that passes through,
/// see [`crate::jsval::check`]).
#[cfg(target_arch = "wasm32")]
pub fn check_js(
    value: wasm_bindgen::JsValue,
    kind: &'static crate::jsval::Kind,
) -> Result<wasm_bindgen::JsValue, DecodeError> {
    crate::jsval::check(value, kind).map_err(from_de)
}

/// One copy of the error conversion for every `decode_js::<T>`.
#[cfg(target_arch = "wasm32")]
#[inline(never)]
fn from_de(e: crate::jsval::DeError) -> DecodeError {
    DecodeError {
        field_path: e.path(),
        message: e.message().to_owned(),
    }
}
