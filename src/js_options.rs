//! Decoding the options objects callers pass from JavaScript: camelCase keys, unknown keys
//! rejected (a misspelt `baseURL` must not silently send traffic to the public Horde), and
//! JS-only values (functions, signals) kept as they are.

use crate::decode::decode_js;
use crate::error::Error;
use crate::js;
pub use crate::jsval::Options;
use crate::jsval::{check_keys, DeError};
use horde_core::js::is_array;
use wasm_bindgen::JsValue;

/// Decodes an options object (undefined or null give the defaults); errors name
/// `<argument>.<field>`, and keys the struct does not have are rejected.
pub fn decode_options<T: Options>(argument: &str, value: &JsValue) -> Result<T, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    if !value.is_object() || is_array(value) || value.is_function() {
        return Err(Error::invalid(argument, "must be an object"));
    }
    check_keys(argument, value, T::KEYS)?;
    decode_js::<T>(value.clone()).map_err(|e| e.into_invalid(argument))
}

/// Reads an `AbortSignal` (undefined and null read as undefined).
pub fn signal(v: JsValue) -> Result<JsValue, DeError> {
    if v.is_undefined() || v.is_null() || js::is_abort_signal(&v) {
        Ok(if v.is_null() { JsValue::UNDEFINED } else { v })
    } else {
        Err(DeError::custom_msg("must be an AbortSignal"))
    }
}
