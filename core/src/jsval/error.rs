//! The converters' decode error, with the path of the field that failed.

use crate::js;
use std::fmt;
use wasm_bindgen::JsValue;

/// A step of a path: a struct field, an array index or a map key.
#[derive(Clone, Debug)]
enum Seg {
    Field(&'static str),
    Index(u32),
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
