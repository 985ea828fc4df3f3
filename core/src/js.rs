//! The JavaScript calls of the converters, ids and numbers: globals and the helpers in
//! `js/values.js`. WebAssembly only.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `console.warn`.
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    pub fn console_warn(message: &str);
    // These run the caller's code on a Proxy (traps) or a getter, which may throw; without
    // `catch`, a throw would unwind through the module and leave it broken.
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array_js(value: &JsValue) -> Result<bool, JsValue>;
    /// `Object.keys`, or what it threw.
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    pub fn keys(value: &JsValue) -> Result<js_sys::Array, JsValue>;
}

#[wasm_bindgen(module = "/js/values.js")]
extern "C" {
    #[wasm_bindgen(js_name = fillRandom)]
    fn fill_random_js(bytes: &mut [u8]) -> bool;
    /// The message of a thrown value.
    #[wasm_bindgen(js_name = messageOf)]
    pub fn message_of(e: &JsValue) -> String;
    /// `String(n)`: a number as JavaScript prints it.
    #[wasm_bindgen(js_name = numberText)]
    pub fn number_text(n: f64) -> String;
    /// `Number(s)`: text as a number (NaN if it is not one).
    #[wasm_bindgen(js_name = parseNumber)]
    pub fn parse_number(s: &str) -> f64;
    /// Whether a string has no lone UTF-16 surrogate.
    #[wasm_bindgen(js_name = wellFormed)]
    pub fn well_formed(s: &JsValue) -> bool;
}

/// `Array.isArray`; `false` where it throws (a revoked Proxy).
pub fn is_array(value: &JsValue) -> bool {
    is_array_js(value).unwrap_or(false)
}

/// The `length` of an array (any whole number up to 2³² − 1), or what reading it threw.
pub fn array_length(array: &JsValue) -> Result<u32, JsValue> {
    let n = js_sys::Reflect::get(array, &JsValue::from_str("length"))?
        .as_f64()
        .unwrap_or(-1.0);
    if n.fract() == 0.0 && (0.0..=4_294_967_295.0).contains(&n) {
        Ok(n as u32)
    } else {
        Err(JsValue::from_str("its length is not a whole number"))
    }
}

/// Fills `bytes` from `crypto.getRandomValues`; `false` if it is not available.
pub fn fill_random(bytes: &mut [u8]) -> bool {
    fill_random_js(bytes)
}
