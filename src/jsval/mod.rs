//! serde ↔ JavaScript values, built for this crate: one deserializer that tracks the path of
//! the field that failed (so a decode error can say `generations[0].seed`), one serializer
//! that builds plain objects, and `preserve` for strings that must stay JavaScript values.
//!
//! It replaces serde-wasm-bindgen plus serde_path_to_error on the wasm side: wrapping every
//! visitor to track paths doubled the code of every model (a third of the module's size), and
//! the bundle has a 50 KB target. Native code uses serde_json with the same derives.

mod convert;
mod de;
mod ser;

pub use convert::{check_keys, field, field_with, object, put, FromJs, Placeholder, ToJs};
pub use de::{from_js, DeError};
pub use ser::to_js_value;

use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// The newtype-struct name that marks a value kept as a JavaScript value.
pub(crate) const PRESERVE: &str = "\u{0}horde-wasm::preserve";

thread_local! {
    /// The value in transit between `preserve` and the (de)serializer.
    static STASH: RefCell<Option<JsValue>> = const { RefCell::new(None) };
    /// Interned JS strings for `&'static str` keys (field names).
    static KEYS: RefCell<Vec<(usize, JsValue)>> = const { RefCell::new(Vec::new()) };
}

pub(crate) fn stash(v: JsValue) {
    STASH.with(|s| *s.borrow_mut() = Some(v));
}

pub(crate) fn unstash() -> Option<JsValue> {
    STASH.with(|s| s.borrow_mut().take())
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

/// Checks that a JS value is a `T`.
fn cast<T: wasm_bindgen::JsCast>(v: JsValue) -> Result<T, String> {
    use wasm_bindgen::JsCast;
    let expected = std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or("value");
    v.dyn_into::<T>()
        .map_err(|v| format!("invalid type: {}, expected {expected}", de::describe(&v)))
}

/// Reads the value a `preserve` field stands on.
fn take<'de, D: serde::Deserializer<'de>>(d: D) -> Result<JsValue, D::Error> {
    use serde::de::Error as _;
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JavaScript value")
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    d.deserialize_newtype_struct(PRESERVE, V)?;
    unstash().ok_or_else(|| D::Error::custom("this field needs the JavaScript decoder"))
}

/// `#[serde(with = "crate::jsval::preserve")]`: a field kept as the JavaScript value it is
/// (a `JsString`, a function, …), never copied into wasm memory.
pub mod preserve {
    use super::{cast, stash, take, PRESERVE};
    use serde::de::Error as _;
    use serde::{Deserializer, Serializer};
    use wasm_bindgen::{JsCast, JsValue};

    /// Serialises the value as itself.
    pub fn serialize<T: JsCast, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        stash(v.unchecked_ref::<JsValue>().clone());
        s.serialize_newtype_struct(PRESERVE, &())
    }

    /// Takes the value as it is, checked to be a `T`.
    pub fn deserialize<'de, T: JsCast, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        cast(take(d)?).map_err(D::Error::custom)
    }
}

/// `#[serde(with = "crate::jsval::preserve_opt")]`: an optional field kept as a JavaScript
/// value; `undefined` and `null` read as `None`.
pub mod preserve_opt {
    use super::{cast, preserve, take};
    use serde::de::Error as _;
    use serde::{Deserializer, Serializer};
    use wasm_bindgen::JsCast;

    /// Serialises a present value as itself.
    pub fn serialize<T: JsCast, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => preserve::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    /// Reads the value, or `None` for undefined and null.
    pub fn deserialize<'de, T: JsCast, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
        let v = take(d)?;
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        cast(v).map(Some).map_err(D::Error::custom)
    }
}
