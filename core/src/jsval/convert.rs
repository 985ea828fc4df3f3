//! [`FromJs`] and [`ToJs`]: the compact converters between JavaScript values and this crate's
//! models that the wasm build uses. `#[derive(FromJs, ToJs)]` (the `horde-wasm-macros` crate)
//! implements them for a struct, with the wire names of its serde attributes: one [`field`] or
//! [`field_with`] call per field to read it, one [`put`] per field to write it.
//!
//! Why not serde here: serde's derived visitors, instantiated for a JavaScript deserializer,
//! cost about 30 bytes of module per field and kilobytes per struct (the request model alone
//! was 32 KB), and the bundle has a 50 KB target. These converters cost a call per field. The
//! serde derives stay for native code and the TypeScript declarations (tsify reads them), and
//! the derives here read the same attributes; a wasm test decodes the same fixtures both ways
//! and checks that they agree.

use super::error::{describe, DeError};
use super::key;
use crate::js;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Reads a value of this type from JavaScript.
pub trait FromJs: Sized {
    /// Converts `v`; errors carry the path below `v`.
    fn from_js(v: JsValue) -> Result<Self, DeError>;
    /// The value for a missing (`undefined`) field; an error unless the type has a default.
    fn missing() -> Result<Self, DeError> {
        Err(DeError::custom_msg("missing field"))
    }
}

/// Writes a value of this type as a JavaScript value.
pub trait ToJs {
    /// The JavaScript value.
    fn to_js(&self) -> JsValue;
    /// Whether the field is left out of its object (a `None`).
    fn is_absent(&self) -> bool {
        false
    }
}

fn type_error(v: &JsValue, expected: &str) -> DeError {
    DeError::custom_msg(&format!(
        "invalid type: {}, expected {expected}",
        describe(v)
    ))
}

/// The object to read fields from, or a type error.
pub fn object(v: JsValue) -> Result<Object, DeError> {
    if v.is_object() && !js::is_array(&v) && !v.is_function() {
        Ok(v.unchecked_into())
    } else {
        Err(type_error(&v, "an object"))
    }
}

/// The value a field takes while its struct is read after an earlier field failed (it is
/// dropped with the struct, never seen).
pub trait Placeholder {
    /// The value.
    fn placeholder() -> Self;
}

impl<T: Default> Placeholder for T {
    fn placeholder() -> Self {
        T::default()
    }
}

/// Reads field `name` of `o`; a missing field goes to `T::missing`.
///
/// The first error is recorded in `failed` (with the field's name in its path), and from then
/// on fields are not read and give their placeholder. A struct is thus built with one exit
/// instead of one per field: each early return of a `?` would drop the fields read so far,
/// and that clean-up code, repeated per field, was 6 % of the module.
pub fn field<T: FromJs + Placeholder>(
    o: &Object,
    name: &'static str,
    failed: &mut Option<DeError>,
) -> T {
    field_with(o, name, T::from_js, failed)
}

/// [`field`] with a custom reader.
pub fn field_with<T: FromJs + Placeholder>(
    o: &Object,
    name: &'static str,
    read: fn(JsValue) -> Result<T, DeError>,
    failed: &mut Option<DeError>,
) -> T {
    if failed.is_some() {
        return T::placeholder();
    }
    let v = match raw_field(o, name) {
        Ok(Some(v)) => read(v),
        Ok(None) => T::missing(),
        Err(e) => Err(e),
    };
    v.unwrap_or_else(|e| {
        record(failed, e, name);
        T::placeholder()
    })
}

/// Field `name` of `o`, `None` when undefined (the part of [`field_with`] that does not depend
/// on the field's type, kept out of its many instances).
#[inline(never)]
fn raw_field(o: &Object, name: &'static str) -> Result<Option<JsValue>, DeError> {
    match Reflect::get(o, &key(name)) {
        Ok(v) if v.is_undefined() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(e) => Err(unreadable(e)),
    }
}

#[inline(never)]
fn record(failed: &mut Option<DeError>, e: DeError, name: &'static str) {
    *failed = Some(e.within_field(name));
}

/// Sets field `name` of `o` unless the value is absent.
pub fn put<T: ToJs + ?Sized>(o: &Object, name: &'static str, value: &T) {
    if !value.is_absent() {
        set(o, name, value.to_js());
    }
}

/// Sets a property of a fresh plain object (which cannot fail).
#[inline(never)]
fn set(o: &Object, name: &'static str, value: JsValue) {
    let _ = Reflect::set(o, &key(name), &value);
}

/// Rejects keys of `v` that are not in `known` (a misspelt option must not be ignored).
pub fn check_keys(argument: &str, v: &JsValue, known: &[&str]) -> Result<(), crate::error::Error> {
    if !v.is_object() {
        return Ok(());
    }
    let keys = js::keys(v).map_err(|e| {
        crate::error::Error::invalid(
            if argument.is_empty() {
                "request"
            } else {
                argument
            },
            unreadable(e).message().to_owned(),
        )
    })?;
    for k in keys.iter() {
        let k = k.as_string().unwrap_or_default();
        if !known.contains(&k.as_str()) {
            let normal = |s: &str| s.to_ascii_lowercase().replace('_', "");
            let rule = match known.iter().find(|c| normal(c) == normal(&k)) {
                Some(c) => format!("unknown key; did you mean {c}?"),
                None => format!("unknown key; the keys are {}", known.join(", ")),
            };
            let field = if argument.is_empty() {
                k
            } else {
                format!("{argument}.{k}")
            };
            return Err(crate::error::Error::invalid(field, rule));
        }
    }
    Ok(())
}

impl FromJs for String {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        match v.as_string() {
            Some(s) if js::well_formed(&v) => Ok(s),
            Some(_) => Err(DeError::custom_msg(
                "invalid string: it holds a lone UTF-16 surrogate",
            )),
            None => Err(type_error(&v, "a string")),
        }
    }
}

impl ToJs for String {
    fn to_js(&self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl ToJs for str {
    fn to_js(&self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl FromJs for bool {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        v.as_bool().ok_or_else(|| type_error(&v, "a boolean"))
    }
}

impl ToJs for bool {
    fn to_js(&self) -> JsValue {
        JsValue::from_bool(*self)
    }
}

impl FromJs for f64 {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        v.as_f64().ok_or_else(|| type_error(&v, "a number"))
    }
}

impl ToJs for f64 {
    fn to_js(&self) -> JsValue {
        JsValue::from_f64(*self)
    }
}

impl FromJs for u32 {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        match v.as_f64() {
            Some(n) if n.fract() == 0.0 && (0.0..=4_294_967_295.0).contains(&n) => Ok(n as u32),
            Some(_) => Err(DeError::custom_msg(&format!(
                "invalid value: {}, expected a whole number from 0 to 4294967295",
                describe(&v)
            ))),
            None => Err(type_error(&v, "a whole number")),
        }
    }
}

impl ToJs for u32 {
    fn to_js(&self) -> JsValue {
        JsValue::from_f64(f64::from(*self))
    }
}

impl FromJs for js_sys::JsString {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        if v.is_string() && !js::well_formed(&v) {
            return Err(DeError::custom_msg(
                "invalid string: it holds a lone UTF-16 surrogate",
            ));
        }
        v.dyn_into().map_err(|v| type_error(&v, "a string"))
    }
}

impl ToJs for js_sys::JsString {
    fn to_js(&self) -> JsValue {
        self.clone().into()
    }
}

impl FromJs for js_sys::Function {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        v.dyn_into().map_err(|v| type_error(&v, "a function"))
    }
}

impl ToJs for js_sys::Function {
    fn to_js(&self) -> JsValue {
        self.clone().into()
    }
}

impl FromJs for Object {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        object(v)
    }
}

impl ToJs for Object {
    fn to_js(&self) -> JsValue {
        self.clone().into()
    }
}

impl FromJs for JsValue {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        Ok(v)
    }
    fn missing() -> Result<Self, DeError> {
        Ok(JsValue::UNDEFINED)
    }
}

impl ToJs for JsValue {
    fn to_js(&self) -> JsValue {
        self.clone()
    }
    fn is_absent(&self) -> bool {
        self.is_undefined()
    }
}

impl<T: FromJs> FromJs for Option<T> {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        if v.is_null() || v.is_undefined() {
            Ok(None)
        } else {
            T::from_js(v).map(Some)
        }
    }
    fn missing() -> Result<Self, DeError> {
        Ok(None)
    }
}

impl<T: ToJs> ToJs for Option<T> {
    fn to_js(&self) -> JsValue {
        self.as_ref().map_or(JsValue::UNDEFINED, ToJs::to_js)
    }
    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl<T: FromJs> FromJs for Vec<T> {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        let mut out = Vec::new();
        array_items(&v, &mut |i, item| {
            out.push(T::from_js(item).map_err(|e| e.within_index(i))?);
            Ok(())
        })?;
        Ok(out)
    }
}

/// Calls `each` with the index and value of every item of the array `v`, or fails with a type
/// error, an over-long array or an item that could not be read. The output grows with the items
/// read, never from `length` alone: a body of 24 million zeros fails at its first item, not by
/// asking for gigabytes up front (a failed allocation aborts the module).
pub(super) fn array_items(
    v: &JsValue,
    each: &mut dyn FnMut(u32, JsValue) -> Result<(), DeError>,
) -> Result<(), DeError> {
    if !js::is_array(v) {
        return Err(type_error(v, "an array"));
    }
    let len = js::array_length(v).map_err(unreadable)?;
    if len > MAX_ITEMS {
        return Err(too_many(len));
    }
    for i in 0..len {
        let item = Reflect::get_u32(v, i).map_err(|e| unreadable(e).within_index(i))?;
        each(i, item)?;
    }
    Ok(())
}

/// A pair, from a two-item array as serde reads it.
impl<A: FromJs, B: FromJs> FromJs for (A, B) {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        if !js::is_array(&v) {
            return Err(type_error(&v, "an array of two items"));
        }
        let len = js::array_length(&v).map_err(unreadable)?;
        if len != 2 {
            return Err(DeError::custom_msg(&format!(
                "invalid length {len}, expected an array of two items"
            )));
        }
        let item = |i: u32| Reflect::get_u32(&v, i).map_err(unreadable);
        let a = item(0)
            .and_then(A::from_js)
            .map_err(|e| e.within_index(0))?;
        let b = item(1)
            .and_then(B::from_js)
            .map_err(|e| e.within_index(1))?;
        Ok((a, b))
    }
}

/// The most items an array may have. No answer of the Horde comes near it (a status has at most
/// a few dozen generations, the model list a few hundred models), and no request needs it; a
/// longer array (a sparse one of length 2³² − 1, or millions of items) would hold the module,
/// and the page, for minutes before failing.
pub const MAX_ITEMS: u32 = 100_000;

#[inline(never)]
fn too_many(len: u32) -> DeError {
    DeError::custom_msg(&format!(
        "invalid length: {len} items, more than the {MAX_ITEMS} read"
    ))
}

/// The error of a value whose reading threw (a getter or a Proxy trap of the caller's).
#[inline(never)]
pub(super) fn unreadable(e: JsValue) -> DeError {
    DeError::custom_msg(&format!("could not be read: {}", js::message_of(&e)))
}

impl<T: ToJs> ToJs for Vec<T> {
    fn to_js(&self) -> JsValue {
        let a = Array::new_with_length(self.len() as u32);
        for (i, x) in self.iter().enumerate() {
            a.set(i as u32, x.to_js());
        }
        a.into()
    }
}

impl<T: ToJs> ToJs for [T] {
    fn to_js(&self) -> JsValue {
        let a = Array::new_with_length(self.len() as u32);
        for (i, x) in self.iter().enumerate() {
            a.set(i as u32, x.to_js());
        }
        a.into()
    }
}

impl<T: FromJs + Default> FromJs for crate::models::OrDefault<T> {
    fn from_js(v: JsValue) -> Result<Self, DeError> {
        if v.is_null() {
            Ok(Self(T::default()))
        } else {
            T::from_js(v).map(Self)
        }
    }
    fn missing() -> Result<Self, DeError> {
        Ok(Self(T::default()))
    }
}

impl<T: ToJs> ToJs for crate::models::OrDefault<T> {
    fn to_js(&self) -> JsValue {
        self.0.to_js()
    }
}
