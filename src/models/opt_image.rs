//! `Option<JsString>` fields kept as JS values (source images and masks can be megabytes).
#![cfg(target_arch = "wasm32")]

use serde::de::Error as _;
use serde::{Deserializer, Serializer};
use wasm_bindgen::{JsCast, JsValue};

/// Serialises a present image as the same JS string.
pub fn serialize<S: Serializer>(v: &Option<js_sys::JsString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(js) => serde_wasm_bindgen::preserve::serialize(js, s),
        None => s.serialize_none(),
    }
}

/// Reads a string (kept as a JS value) or undefined/null.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<js_sys::JsString>, D::Error> {
    let v: JsValue = serde_wasm_bindgen::preserve::deserialize(d)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<js_sys::JsString>()
        .map(Some)
        .map_err(|_| D::Error::custom("invalid type: expected a string"))
}
