//! The body of an error answer: `RequestError` (`{message, rc}`) or a validation error
//! (`{message, errors}`), read leniently because gateways and proxies answer with anything.

use horde_wasm_macros::FromJs;
use serde::de::{Deserializer, IgnoredAny};
use serde::Deserialize;
use std::collections::BTreeMap;

/// What an error body said. Every field is optional: a 429 from the rate limiter has no `rc`,
/// a validation 400 has `errors` and no `rc`, and a gateway's body may be anything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, FromJs)]
pub struct ErrorBody {
    /// The human-readable message.
    #[serde(default, deserialize_with = "lenient_string")]
    #[js(read = lenient_string_js)]
    pub message: Option<String>,
    /// The return code, an open set (`MissingPrompt`, `TooManyPrompts`, …; some end in a dot).
    #[serde(default, deserialize_with = "lenient_string")]
    #[js(read = lenient_string_js)]
    pub rc: Option<String>,
    /// Validation errors: (field path, text), sorted by path.
    #[serde(default, deserialize_with = "lenient_map")]
    #[js(read = lenient_map_js)]
    pub errors: Option<Vec<(String, String)>>,
}

/// A value of the expected type, or anything else (ignored).
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose<T> {
    Expected(T),
    Other(IgnoredAny),
}

impl<T> Loose<T> {
    fn ok(self) -> Option<T> {
        match self {
            Loose::Expected(v) => Some(v),
            Loose::Other(_) => None,
        }
    }
}

/// A string; anything else (number, object, null) reads as absent.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Loose<String>>::deserialize(d)?.and_then(Loose::ok))
}

/// An object of field → text; a value that is not a string is kept as a note, and anything
/// that is not an object reads as absent.
fn lenient_map<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<(String, String)>>, D::Error> {
    let map = Option::<Loose<BTreeMap<String, Loose<String>>>>::deserialize(d)?.and_then(Loose::ok);
    Ok(map.map(|m| {
        m.into_iter()
            .map(|(k, v)| (k, v.ok().unwrap_or_else(|| "(not a string)".to_owned())))
            .collect()
    }))
}

/// [`lenient_string`] for a JavaScript value.
#[cfg(target_arch = "wasm32")]
fn lenient_string_js(v: wasm_bindgen::JsValue) -> Result<Option<String>, crate::jsval::DeError> {
    Ok(v.as_string())
}

/// [`lenient_map`] for a JavaScript value, in the object's key order (`lenient_map` sorts by
/// key).
#[cfg(target_arch = "wasm32")]
fn lenient_map_js(
    v: wasm_bindgen::JsValue,
) -> Result<Option<Vec<(String, String)>>, crate::jsval::DeError> {
    use wasm_bindgen::JsCast;
    if !v.is_object() || js_sys::Array::is_array(&v) {
        return Ok(None);
    }
    let entries = js_sys::Object::entries(v.unchecked_ref());
    Ok(Some(
        entries
            .iter()
            .map(|pair| {
                let pair: js_sys::Array = pair.unchecked_into();
                let text = pair
                    .get(1)
                    .as_string()
                    .unwrap_or_else(|| "(not a string)".to_owned());
                (pair.get(0).as_string().unwrap_or_default(), text)
            })
            .collect(),
    ))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn parse(s: &str) -> ErrorBody {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn reads_the_three_server_shapes() {
        let b = parse(r#"{"message":"No prompt","rc":"MissingPrompt"}"#);
        assert_eq!(b.rc.as_deref(), Some("MissingPrompt"));
        let b = parse(r#"{"message":"10 per 1 minute"}"#);
        assert_eq!(
            (b.message.as_deref(), b.rc),
            (Some("10 per 1 minute"), None)
        );
        let b = parse(
            r#"{"message":"Input payload validation failed","errors":{"params.width":"4000 is greater than the maximum of 3072","x":5}}"#,
        );
        let e = b.errors.unwrap();
        assert_eq!(
            e,
            vec![
                (
                    "params.width".to_owned(),
                    "4000 is greater than the maximum of 3072".to_owned()
                ),
                ("x".to_owned(), "(not a string)".to_owned()),
            ]
        );
    }

    #[test]
    fn anything_else_is_absent_not_an_error() {
        for s in [
            r#"{}"#,
            r#"{"message":5,"rc":null,"errors":"x"}"#,
            r#"{"rc":["a"],"errors":[1]}"#,
        ] {
            let b = parse(s);
            assert_eq!(b, ErrorBody::default(), "{s}");
        }
    }
}
