//! Rust → plain JavaScript objects, through serde.

use super::{key, unstash, PRESERVE};
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::ser::{self, Serialize};
use std::fmt;
use wasm_bindgen::JsValue;

/// A serialisation error (only for shapes this crate never produces).
#[derive(Debug)]
pub struct SerError(String);

impl fmt::Display for SerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

/// Serialises to a JavaScript value: structs and maps become plain objects, sequences arrays,
/// `None` `undefined`, and preserved fields the JavaScript value they hold.
pub fn to_js_value<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, SerError> {
    value.serialize(JsSerializer)
}

fn set(target: &JsValue, k: &JsValue, v: &JsValue) -> Result<(), SerError> {
    Reflect::set(target, k, v)
        .map(|_| ())
        .map_err(|_| SerError("could not set a property".to_owned()))
}

struct JsSerializer;

struct Seq(Array);
struct Obj {
    object: Object,
    next_key: Option<JsValue>,
}

fn unsupported<T>(what: &str) -> Result<T, SerError> {
    Err(SerError(format!("{what} is not supported")))
}

impl ser::Serializer for JsSerializer {
    type Ok = JsValue;
    type Error = SerError;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = ser::Impossible<JsValue, SerError>;
    type SerializeMap = Obj;
    type SerializeStruct = Obj;
    type SerializeStructVariant = ser::Impossible<JsValue, SerError>;

    fn serialize_bool(self, v: bool) -> Result<JsValue, SerError> {
        Ok(JsValue::from_bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v as f64))
    }
    fn serialize_u8(self, v: u8) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v as f64))
    }
    fn serialize_f32(self, v: f32) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<JsValue, SerError> {
        Ok(JsValue::from_f64(v))
    }
    fn serialize_char(self, v: char) -> Result<JsValue, SerError> {
        Ok(JsValue::from_str(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<JsValue, SerError> {
        Ok(JsValue::from_str(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<JsValue, SerError> {
        Ok(Uint8Array::from(v).into())
    }
    fn serialize_none(self) -> Result<JsValue, SerError> {
        Ok(JsValue::UNDEFINED)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<JsValue, SerError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<JsValue, SerError> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<JsValue, SerError> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<JsValue, SerError> {
        Ok(key(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<JsValue, SerError> {
        if name == PRESERVE {
            return unstash().ok_or_else(|| SerError("a preserved value went missing".to_owned()));
        }
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<JsValue, SerError> {
        let o = Object::new();
        set(&o, &key(variant), &v.serialize(JsSerializer)?)?;
        Ok(o.into())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq, SerError> {
        Ok(Seq(Array::new()))
    }
    fn serialize_tuple(self, _: usize) -> Result<Seq, SerError> {
        Ok(Seq(Array::new()))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Seq, SerError> {
        Ok(Seq(Array::new()))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, SerError> {
        unsupported("a tuple variant")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Obj, SerError> {
        Ok(Obj {
            object: Object::new(),
            next_key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Obj, SerError> {
        Ok(Obj {
            object: Object::new(),
            next_key: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, SerError> {
        unsupported("a struct variant")
    }
}

impl ser::SerializeSeq for Seq {
    type Ok = JsValue;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        self.0.push(&v.serialize(JsSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<JsValue, SerError> {
        Ok(self.0.into())
    }
}

impl ser::SerializeTuple for Seq {
    type Ok = JsValue;
    type Error = SerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<JsValue, SerError> {
        Ok(self.0.into())
    }
}

impl ser::SerializeTupleStruct for Seq {
    type Ok = JsValue;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<JsValue, SerError> {
        Ok(self.0.into())
    }
}

impl ser::SerializeMap for Obj {
    type Ok = JsValue;
    type Error = SerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), SerError> {
        let k = k.serialize(JsSerializer)?;
        if !k.is_string() {
            return unsupported("a map key that is not a string");
        }
        self.next_key = Some(k);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SerError> {
        let k = self
            .next_key
            .take()
            .ok_or_else(|| SerError("a map value came before its key".to_owned()))?;
        set(&self.object, &k, &v.serialize(JsSerializer)?)
    }
    fn end(self) -> Result<JsValue, SerError> {
        Ok(self.object.into())
    }
}

impl ser::SerializeStruct for Obj {
    type Ok = JsValue;
    type Error = SerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        k: &'static str,
        v: &T,
    ) -> Result<(), SerError> {
        let v = v.serialize(JsSerializer)?;
        if v.is_undefined() {
            return Ok(());
        }
        set(&self.object, &key(k), &v)
    }
    fn end(self) -> Result<JsValue, SerError> {
        Ok(self.object.into())
    }
}
