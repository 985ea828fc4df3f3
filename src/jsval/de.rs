//! JavaScript value → Rust, through serde, with the failing field's path.

use super::{key, stash, PRESERVE};
use crate::js;
use js_sys::{Array, Object, Reflect};
use serde::de::{
    self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor,
};
use serde::forward_to_deserialize_any;
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};

/// A step of a path: a struct field, an array index or a map key.
#[derive(Clone, Debug)]
enum Seg {
    Field(&'static str),
    Index(u32),
    Key(String),
}

/// A decode error: what was wrong, and where.
#[derive(Clone, Debug)]
pub struct DeError {
    /// Innermost step last.
    path: Vec<Seg>,
    message: String,
}

impl DeError {
    fn new(message: String) -> DeError {
        DeError {
            path: Vec::new(),
            message,
        }
    }

    /// An error with a message and no path yet.
    pub fn custom_msg(message: &str) -> DeError {
        DeError::new(message.to_owned())
    }

    /// The error, under struct field `name`.
    pub fn within_field(self, name: &'static str) -> DeError {
        self.within(Seg::Field(name))
    }

    /// The error, under array index `i`.
    pub fn within_index(self, i: u32) -> DeError {
        self.within(Seg::Index(i))
    }

    /// Adds the step the error happened under (called from the inside out).
    fn within(mut self, seg: Seg) -> DeError {
        self.path.insert(0, seg);
        self
    }

    /// The path as `generations[0].seed`, or `"."` at the top level.
    pub fn path(&self) -> String {
        if self.path.is_empty() {
            return ".".to_owned();
        }
        let mut out = String::new();
        for seg in &self.path {
            match seg {
                Seg::Field(f) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(f);
                }
                Seg::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Seg::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// What was wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.path(), self.message)
    }
}

impl std::error::Error for DeError {}

/// Describes an unexpected value without Rust's float formatting (which would cost the
/// module tens of kilobytes).
fn unexpected(u: Unexpected<'_>) -> String {
    match u {
        Unexpected::Bool(b) => format!("boolean `{b}`"),
        Unexpected::Unsigned(n) => format!("integer `{n}`"),
        Unexpected::Signed(n) => format!("integer `{n}`"),
        Unexpected::Float(x) => format!("number `{}`", js::number_text(x)),
        Unexpected::Char(c) => format!("character \"{c}\""),
        Unexpected::Str(s) => format!("string \"{}\"", truncate(s)),
        Unexpected::Bytes(_) => "bytes".to_owned(),
        Unexpected::Unit => "null".to_owned(),
        Unexpected::Option => "an option".to_owned(),
        Unexpected::NewtypeStruct => "a newtype struct".to_owned(),
        Unexpected::Seq => "an array".to_owned(),
        Unexpected::Map => "an object".to_owned(),
        Unexpected::Enum => "an enum".to_owned(),
        Unexpected::UnitVariant
        | Unexpected::NewtypeVariant
        | Unexpected::TupleVariant
        | Unexpected::StructVariant => "an enum variant".to_owned(),
        Unexpected::Other(o) => o.to_owned(),
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::new(msg.to_string())
    }
    fn invalid_type(u: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::new(format!("invalid type: {}, expected {exp}", unexpected(u)))
    }
    fn invalid_value(u: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::new(format!("invalid value: {}, expected {exp}", unexpected(u)))
    }
}

/// A short description of a JS value, for error messages.
pub fn describe(v: &JsValue) -> String {
    if v.is_undefined() {
        "undefined".to_owned()
    } else if v.is_null() {
        "null".to_owned()
    } else if let Some(b) = v.as_bool() {
        format!("boolean `{b}`")
    } else if let Some(n) = v.as_f64() {
        format!("number `{}`", js::number_text(n))
    } else if v.is_string() {
        "a string".to_owned()
    } else if js::is_array(v) {
        "an array".to_owned()
    } else if v.is_function() {
        "a function".to_owned()
    } else {
        "an object".to_owned()
    }
}

/// Decodes `T` from a JavaScript value.
pub fn from_js<T: de::DeserializeOwned>(value: JsValue) -> Result<T, DeError> {
    T::deserialize(JsDeserializer::new(value))
}

/// A deserializer over one JavaScript value.
pub struct JsDeserializer {
    value: JsValue,
}

impl JsDeserializer {
    /// Wraps a value.
    pub fn new(value: JsValue) -> JsDeserializer {
        JsDeserializer { value }
    }

    fn type_error(&self, expected: &str) -> DeError {
        DeError::new(format!(
            "invalid type: {}, expected {expected}",
            describe(&self.value)
        ))
    }

    fn string(&self) -> Result<Option<String>, DeError> {
        match self.value.as_string() {
            None => Ok(None),
            Some(s) => {
                if !js::well_formed(&self.value) {
                    return Err(DeError::new(
                        "invalid string: it holds a lone UTF-16 surrogate".to_owned(),
                    ));
                }
                Ok(Some(s))
            }
        }
    }

    fn number<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value.as_f64() {
            Some(n) if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 => {
                if n >= 0.0 {
                    visitor.visit_u64(n as u64)
                } else {
                    visitor.visit_i64(n as i64)
                }
            }
            Some(n) => visitor.visit_f64(n),
            None => Err(self.type_error("a number")),
        }
    }

    fn is_plain_object(&self) -> bool {
        self.value.is_object() && !js::is_array(&self.value) && !self.value.is_function()
    }
}

impl<'de> de::Deserializer<'de> for JsDeserializer {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let v = &self.value;
        if v.is_undefined() || v.is_null() {
            visitor.visit_unit()
        } else if let Some(b) = v.as_bool() {
            visitor.visit_bool(b)
        } else if v.as_f64().is_some() {
            self.number(visitor)
        } else if let Some(s) = self.string()? {
            visitor.visit_string(s)
        } else if js::is_array(v) {
            self.deserialize_seq(visitor)
        } else if self.is_plain_object() {
            self.deserialize_map(visitor)
        } else {
            Err(self.type_error("a JSON value"))
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.value.is_undefined() || self.value.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.value.is_undefined() || self.value.is_null() {
            visitor.visit_unit()
        } else {
            Err(self.type_error("null"))
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == PRESERVE {
            stash(self.value);
            return visitor.visit_unit();
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if !js::is_array(&self.value) {
            return Err(self.type_error("an array"));
        }
        let array: Array = self.value.unchecked_into();
        let len = array.length();
        visitor.visit_seq(Items {
            array,
            index: 0,
            len,
        })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if !self.is_plain_object() {
            return Err(self.type_error("an object"));
        }
        let entries = Object::entries(self.value.unchecked_ref::<Object>());
        let len = entries.length();
        visitor.visit_map(Entries {
            entries,
            index: 0,
            len,
            pending: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if !self.is_plain_object() {
            return Err(self.type_error("an object"));
        }
        visitor.visit_map(Fields {
            object: self.value,
            fields,
            index: 0,
            pending: None,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.string()? {
            Some(s) => visitor.visit_enum(s.into_deserializer()),
            None => Err(self.type_error("a string")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        // Unknown fields are skipped without being walked, however deep they are.
        visitor.visit_unit()
    }

    // Primitives dispatch only on their own kind, so that each primitive visitor does not
    // instantiate the whole of `deserialize_any` (which matters for the module's size).
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value.as_bool() {
            Some(b) => visitor.visit_bool(b),
            None => Err(self.type_error("a boolean")),
        }
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.number(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.number(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.number(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.number(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.string()? {
            Some(s) => visitor.visit_string(s),
            None => Err(self.type_error("a string")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u128 f32 char bytes byte_buf unit_struct tuple tuple_struct
    }
}

/// The known fields of a struct, read by name (unknown ones are never looked at; missing
/// ones, `undefined`, are skipped so serde's defaults apply).
struct Fields {
    object: JsValue,
    fields: &'static [&'static str],
    index: usize,
    pending: Option<(&'static str, JsValue)>,
}

impl<'de> MapAccess<'de> for Fields {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        while let Some(&field) = self.fields.get(self.index) {
            self.index += 1;
            let value = Reflect::get(&self.object, &key(field)).map_err(|e| {
                DeError::new(format!("could not be read: {}", js::message_of(&e)))
                    .within(Seg::Field(field))
            })?;
            if value.is_undefined() {
                continue;
            }
            self.pending = Some((field, value));
            let k = de::value::BorrowedStrDeserializer::<DeError>::new(field);
            return seed.deserialize(k).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        let (field, value) = self
            .pending
            .take()
            .ok_or_else(|| DeError::new("a value was read before its key".to_owned()))?;
        seed.deserialize(JsDeserializer::new(value))
            .map_err(|e| e.within(Seg::Field(field)))
    }
}

/// The elements of an array.
struct Items {
    array: Array,
    index: u32,
    len: u32,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        if self.index >= self.len {
            return Ok(None);
        }
        let i = self.index;
        self.index += 1;
        seed.deserialize(JsDeserializer::new(self.array.get(i)))
            .map(Some)
            .map_err(|e| e.within(Seg::Index(i)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.len - self.index) as usize)
    }
}

/// The entries of an object read as a map.
struct Entries {
    entries: Array,
    index: u32,
    len: u32,
    pending: Option<(String, JsValue)>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        if self.index >= self.len {
            return Ok(None);
        }
        let pair: Array = self.entries.get(self.index).unchecked_into();
        self.index += 1;
        let k = pair.get(0).as_string().unwrap_or_default();
        self.pending = Some((k.clone(), pair.get(1)));
        seed.deserialize(de::value::StringDeserializer::<DeError>::new(k))
            .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        let (k, value) = self
            .pending
            .take()
            .ok_or_else(|| DeError::new("a value was read before its key".to_owned()))?;
        seed.deserialize(JsDeserializer::new(value))
            .map_err(|e| e.within(Seg::Key(k)))
    }
}
