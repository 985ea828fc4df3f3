//! Answers that pass through: a model's [`Shape`], a static description derived from the same
//! definition as its serde and `FromJs`/`ToJs` code, and [`check`], one interpreter that
//! validates a JavaScript value against it and returns a clean copy.
//!
//! Most answers of the Horde are only handed to the caller (the user, the models list, a
//! worker, a team): the module never reads their fields. Building the Rust struct and writing
//! it back costs code per field in every such model; a shape costs a table entry per field, and
//! the one interpreter below serves them all. A model the module reads (a status, a check, a
//! submit's answer) is converted with its `FromJs`/`ToJs` instead. Both paths give the same
//! object and the same errors (a wasm test checks them against each other on the fixtures and
//! on bad values).

use super::convert::{array_items, object, FromJs};
use super::error::DeError;
use super::key;
use js_sys::{Array, JsString, Object, Reflect};
use wasm_bindgen::JsValue;

/// What a value must be.
#[derive(Debug)]
pub enum Kind {
    /// A well-formed string (also an open enum: any string is accepted).
    Str,
    /// A boolean.
    Bool,
    /// Any number.
    F64,
    /// A whole number from 0 to 2³² − 1.
    U32,
    /// An `Option`: `undefined` and `null` are absent (the key is left out).
    Opt(&'static Kind),
    /// An `OrDefault`: `null` and a missing field are the inner kind's default.
    OrDefault(&'static Kind),
    /// An array of the kind.
    Array(&'static Kind),
    /// An object with these fields; other keys are dropped.
    Object(&'static [Field]),
}

/// A field of an object: its wire name and its kind.
#[derive(Debug)]
pub struct Field {
    /// The wire name (serde's).
    pub name: &'static str,
    /// What its value must be.
    pub kind: &'static Kind,
}

/// A type with a shape. `#[derive(Shape)]` implements it for a model from its serde
/// attributes.
pub trait Shape {
    /// The type's shape.
    const KIND: &'static Kind;
}

impl Shape for String {
    const KIND: &'static Kind = &Kind::Str;
}

impl Shape for JsString {
    const KIND: &'static Kind = &Kind::Str;
}

impl Shape for bool {
    const KIND: &'static Kind = &Kind::Bool;
}

impl Shape for f64 {
    const KIND: &'static Kind = &Kind::F64;
}

impl Shape for u32 {
    const KIND: &'static Kind = &Kind::U32;
}

impl<T: Shape> Shape for Option<T> {
    const KIND: &'static Kind = &Kind::Opt(T::KIND);
}

impl<T: Shape> Shape for Vec<T> {
    const KIND: &'static Kind = &Kind::Array(T::KIND);
}

impl<T: Shape> Shape for crate::models::OrDefault<T> {
    const KIND: &'static Kind = &Kind::OrDefault(T::KIND);
}

/// `v` checked against `kind`, as a fresh value: objects hold only their known fields,
/// absent options are left out. The error names the failing field's path, as `FromJs` does.
pub fn check(v: JsValue, kind: &'static Kind) -> Result<JsValue, DeError> {
    match kind {
        Kind::Str => JsString::from_js(v).map(JsValue::from),
        Kind::Bool => bool::from_js(v).map(JsValue::from_bool),
        Kind::F64 => f64::from_js(v).map(JsValue::from_f64),
        Kind::U32 => u32::from_js(v).map(|n| JsValue::from_f64(f64::from(n))),
        Kind::Opt(inner) => {
            if v.is_null() || v.is_undefined() {
                Ok(JsValue::UNDEFINED)
            } else {
                check(v, inner)
            }
        }
        Kind::OrDefault(inner) => {
            // `undefined` is a missing field's (see `missing`); elsewhere it is a type error.
            if v.is_null() {
                Ok(default(inner))
            } else {
                check(v, inner)
            }
        }
        Kind::Array(item) => {
            let out = Array::new();
            array_items(&v, &mut |i, x| {
                out.push(&check(x, item).map_err(|e| e.within_index(i))?);
                Ok(())
            })?;
            Ok(out.into())
        }
        Kind::Object(fields) => {
            let o = object(v)?;
            let out = Object::new();
            for f in *fields {
                let x = match Reflect::get(&o, &key(f.name)) {
                    Ok(x) if x.is_undefined() => missing(f.kind),
                    Ok(x) => check(x, f.kind),
                    Err(e) => Err(super::convert::unreadable(e)),
                }
                .map_err(|e| e.within_field(f.name))?;
                if !x.is_undefined() {
                    let _ = Reflect::set(&out, &key(f.name), &x);
                }
            }
            Ok(out.into())
        }
    }
}

/// The value of a missing field: absent for an option, the default for an `OrDefault`, an error
/// otherwise (as `FromJs::missing`).
fn missing(kind: &'static Kind) -> Result<JsValue, DeError> {
    match kind {
        Kind::Opt(_) => Ok(JsValue::UNDEFINED),
        Kind::OrDefault(inner) => Ok(default(inner)),
        _ => Err(DeError::custom_msg("missing field")),
    }
}

/// The default value of a kind (as its Rust type's `Default`, written back).
fn default(kind: &'static Kind) -> JsValue {
    match kind {
        Kind::Str => JsValue::from_str(""),
        Kind::Bool => JsValue::FALSE,
        Kind::F64 | Kind::U32 => JsValue::from_f64(0.0),
        Kind::Array(_) => Array::new().into(),
        Kind::Opt(_) => JsValue::UNDEFINED,
        Kind::OrDefault(inner) => default(inner),
        Kind::Object(fields) => {
            let out = Object::new();
            for f in *fields {
                let x = default(f.kind);
                if !x.is_undefined() {
                    let _ = Reflect::set(&out, &key(f.name), &x);
                }
            }
            out.into()
        }
    }
}
