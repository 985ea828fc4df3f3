//! [`AnyJson`]: a free-form JSON value that works with serde_json and serde-wasm-bindgen alike.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Any JSON value (for the free-form `params.special`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnyJson {
    /// `null`
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<AnyJson>),
    /// An object.
    Object(BTreeMap<String, AnyJson>),
}
