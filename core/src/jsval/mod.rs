//! JavaScript values ↔ this crate's models in WebAssembly: the [`FromJs`] and [`ToJs`]
//! converters (derived by `horde-wasm-macros` from the models' serde attributes), their
//! [`DeError`] with the failing field's path (so a decode error can say
//! `generations[0].seed`), and `preserve` for values that must stay JavaScript values.
//!
//! The models' serde derives (native code, tsify's declarations) are not what the module runs:
//! serde's visitors instantiated for a JavaScript (de)serializer cost tens of kilobytes per model
//! (see README, "Which crate does what"). On wasm32 the serde derives go through
//! serde-wasm-bindgen, whose `preserve` the fields kept as JavaScript values use; a wasm test
//! decodes the same fixtures with serde-wasm-bindgen and with `FromJs` and compares.

mod convert;
mod error;
mod shape;

pub use convert::{check_keys, field, field_with, object, put, FromJs, Placeholder, ToJs};
pub use error::DeError;
pub use shape::{check, Field, Kind, Shape};

/// An options struct: decodable, with a default, and its list of keys. `#[derive(FromJs)]`
/// with `#[js(options)]` implements it.
pub trait Options: FromJs + Default {
    /// The keys it accepts.
    const KEYS: &'static [&'static str];
}

use std::cell::RefCell;
use wasm_bindgen::JsValue;

thread_local! {
    /// Interned JS strings for `&'static str` keys (field names).
    static KEYS: RefCell<Vec<(usize, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// The JS string for a static key, created once.
pub(crate) fn key(s: &'static str) -> JsValue {
    let addr = s.as_ptr() as usize ^ (s.len() << 20);
    KEYS.with(|k| {
        let mut k = k.borrow_mut();
        if let Some((_, v)) = k.iter().find(|(a, _)| *a == addr) {
            return v.clone();
        }
        let v = JsValue::from_str(s);
        k.push((addr, v.clone()));
        v
    })
}

/// `#[serde(with = "crate::jsval::preserve")]`: a field kept as the JavaScript value it is
/// (a `JsString`, a function, …), never copied into wasm memory: serde-wasm-bindgen's
/// `preserve`. The `FromJs`/`ToJs` derives recognise this path and read the value as it is.
pub mod preserve {
    pub use serde_wasm_bindgen::preserve::{deserialize, serialize};
}

/// `#[serde(with = "crate::jsval::preserve_opt")]`: an optional field kept as a JavaScript
/// value; `undefined` and `null` read as `None`.
pub mod preserve_opt {
    use serde::de::Error as _;
    use serde::{Deserializer, Serializer};
    use wasm_bindgen::{JsCast, JsValue};

    /// Serialises a present value as itself.
    pub fn serialize<T: JsCast, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => serde_wasm_bindgen::preserve::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    /// Reads the value, or `None` for undefined and null.
    pub fn deserialize<'de, T: JsCast, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
        let v: JsValue = serde_wasm_bindgen::preserve::deserialize(d)?;
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.dyn_into()
            .map(Some)
            .map_err(|_| D::Error::custom("invalid type: expected a JavaScript object"))
    }
}
