//! Decoding the options objects callers pass from JavaScript: camelCase keys, unknown keys
//! rejected (a misspelt `baseURL` must not silently send traffic to the public Horde), and
//! JS-only values (functions, signals) kept as they are.

use crate::decode::decode_js;
use crate::error::Error;
use crate::js;
use js_sys::Function;
use serde::de::{DeserializeOwned, Error as _};
use serde::Deserializer;
use wasm_bindgen::{JsCast, JsValue};

/// Decodes an options object (undefined or null give the defaults); errors name
/// `<argument>.<field>`. Keys the struct does not know are rejected (serde-wasm-bindgen reads
/// only the fields a struct names, so `deny_unknown_fields` alone would not see them).
pub fn decode_options<T: DeserializeOwned + Default>(
    argument: &str,
    value: &JsValue,
) -> Result<T, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(Error::invalid(argument, "must be an object"));
    }
    check_keys::<T>(argument, value)?;
    decode_js::<T>(value.clone()).map_err(|e| {
        let field = if e.field_path == "." {
            argument.to_owned()
        } else {
            format!("{argument}.{}", e.field_path)
        };
        Error::invalid(field, e.message)
    })
}

/// Rejects keys of the object `value` that the struct `T` does not have, suggesting the
/// closest one.
pub fn check_keys<T: DeserializeOwned>(argument: &str, value: &JsValue) -> Result<(), Error> {
    let known = struct_fields::<T>();
    for key in js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            let normal = |s: &str| s.to_ascii_lowercase().replace('_', "");
            let rule = match known.iter().find(|k| normal(k) == normal(&key)) {
                Some(k) => format!("unknown key; did you mean {k}?"),
                None => format!("unknown key; the keys are {}", known.join(", ")),
            };
            return Err(Error::invalid(format!("{argument}.{key}"), rule));
        }
    }
    Ok(())
}

/// An optional function.
pub fn opt_function<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Function>, D::Error> {
    let v: JsValue = serde_wasm_bindgen::preserve::deserialize(d)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<Function>()
        .map(Some)
        .map_err(|_| D::Error::custom("must be a function"))
}

/// An optional `AbortSignal` (as a plain JS value; undefined when absent).
pub fn opt_signal<'de, D: Deserializer<'de>>(d: D) -> Result<JsValue, D::Error> {
    let v: JsValue = serde_wasm_bindgen::preserve::deserialize(d)?;
    if v.is_undefined() || v.is_null() {
        return Ok(JsValue::UNDEFINED);
    }
    if js::is_abort_signal(&v) {
        Ok(v)
    } else {
        Err(D::Error::custom("must be an AbortSignal"))
    }
}

/// The field names of a struct that derives `Deserialize`, read from its derive.
fn struct_fields<'de, T: serde::Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::value::Error::custom("probe"))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(serde::de::value::Error::custom("probe"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}
