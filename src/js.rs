//! Bindings to the JavaScript side: globals and the helpers in `js/runtime.js`.

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    pub fn console_warn(message: &str);
    // These run the caller's code on a Proxy (traps) or a getter, which may throw; without
    // `catch`, a throw would unwind through the module and leave it broken.
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array_js(value: &JsValue) -> Result<bool, JsValue>;
    /// `Object.keys`, or what it threw.
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    pub fn keys(value: &JsValue) -> Result<js_sys::Array, JsValue>;
}

/// `Array.isArray`; `false` where it throws (a revoked Proxy).
pub fn is_array(value: &JsValue) -> bool {
    is_array_js(value).unwrap_or(false)
}

/// The `length` of an array (any whole number up to 2³² − 1), or what reading it threw.
pub fn array_length(array: &JsValue) -> Result<u32, JsValue> {
    let n = js_sys::Reflect::get(array, &JsValue::from_str("length"))?
        .as_f64()
        .unwrap_or(-1.0);
    if n.fract() == 0.0 && (0.0..=4_294_967_295.0).contains(&n) {
        Ok(n as u32)
    } else {
        Err(JsValue::from_str("its length is not a whole number"))
    }
}

#[wasm_bindgen(module = "/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(js_name = fillRandom)]
    fn fill_random_js(bytes: &mut [u8]) -> bool;
    /// Milliseconds since the epoch.
    pub fn now() -> f64;
    #[wasm_bindgen(js_name = sleep)]
    fn sleep_js(ms: f64, signal: &JsValue) -> Promise;
    /// Whether a value looks like an `AbortSignal`.
    #[wasm_bindgen(js_name = isAbortSignal)]
    pub fn is_abort_signal(value: &JsValue) -> bool;

    /// A wait that can be called off (see `js/runtime.js`).
    pub type Wait;
    #[wasm_bindgen(constructor)]
    pub fn new(ms: f64, signal: &JsValue) -> Wait;
    #[wasm_bindgen(method, getter)]
    pub fn promise(this: &Wait) -> Promise;
    #[wasm_bindgen(method)]
    pub fn cancel(this: &Wait);

    /// A per-attempt deadline (see `js/runtime.js`).
    pub type Deadline;
    #[wasm_bindgen(constructor)]
    pub fn new(timeout_ms: f64, outer: &JsValue) -> Deadline;
    #[wasm_bindgen(method, getter)]
    pub fn signal(this: &Deadline) -> JsValue;
    #[wasm_bindgen(method)]
    pub fn reason(this: &Deadline) -> u32;
    #[wasm_bindgen(method)]
    pub fn clear(this: &Deadline);
    /// Fires the deadline's signal now (as an abort).
    #[wasm_bindgen(method)]
    pub fn abort(this: &Deadline);

    #[wasm_bindgen(js_name = callFetch)]
    fn call_fetch_js(
        fetch: &JsValue,
        url: &str,
        method: &str,
        headers: &Object,
        body: &JsValue,
        signal: &JsValue,
        redirect: &str,
        keepalive: bool,
    ) -> Promise;
    #[wasm_bindgen(js_name = readLimited)]
    fn read_limited_js(response: &JsValue, limit: f64, signal: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = readBytes)]
    fn read_bytes_js(response: &JsValue, limit: f64, signal: &JsValue) -> Promise;
    /// A response header.
    pub fn header(response: &JsValue, name: &str) -> Option<String>;
    /// The response status, or -1.
    #[wasm_bindgen(js_name = statusOf)]
    pub fn status_of(response: &JsValue) -> i32;
    #[wasm_bindgen(js_name = parseJson)]
    fn parse_json_js(text: &JsValue) -> JsValue;
    /// The message of a thrown value.
    #[wasm_bindgen(js_name = messageOf)]
    pub fn message_of(e: &JsValue) -> String;
    /// base64 → bytes (`Uint8Array`), or undefined.
    #[wasm_bindgen(js_name = base64ToBytes)]
    pub fn base64_to_bytes(b64: &JsValue) -> JsValue;
    /// A Blob, where Blob exists.
    #[wasm_bindgen(js_name = makeBlob)]
    pub fn make_blob(bytes: &JsValue, mime: &str) -> JsValue;
    /// Calls a user callback, reporting (never propagating) what it throws.
    pub fn callback(f: &JsValue, arg: &JsValue);
    /// `String(n)`: a number as JavaScript prints it.
    #[wasm_bindgen(js_name = numberText)]
    pub fn number_text(n: f64) -> String;
    /// `Number(s)`: text as a number (NaN if it is not one).
    #[wasm_bindgen(js_name = parseNumber)]
    pub fn parse_number(s: &str) -> f64;
    /// Whether a string has no lone UTF-16 surrogate.
    #[wasm_bindgen(js_name = wellFormed)]
    pub fn well_formed(s: &JsValue) -> bool;
}

/// Fills `bytes` from `crypto.getRandomValues`; `false` if it is not available.
pub fn fill_random(bytes: &mut [u8]) -> bool {
    fill_random_js(bytes)
}

/// Sleeps `ms`; `false` if `signal` aborted first.
pub async fn sleep(ms: f64, signal: &JsValue) -> bool {
    JsFuture::from(sleep_js(ms, signal))
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// How a request treats redirects and the page going away.
pub struct FetchMode<'a> {
    /// fetch's `redirect`: `"follow"`, or `"error"` for a request that carries the key.
    pub redirect: &'a str,
    /// fetch's `keepalive`: the request outlives the page.
    pub keepalive: bool,
}

/// Calls fetch (the given function, or the global one).
pub async fn fetch(
    fetch: Option<&Function>,
    url: &str,
    method: &str,
    headers: &Object,
    body: &JsValue,
    signal: &JsValue,
    mode: FetchMode<'_>,
) -> Result<JsValue, JsValue> {
    let f: JsValue = fetch.map_or(JsValue::UNDEFINED, |f| f.clone().into());
    JsFuture::from(call_fetch_js(
        &f,
        url,
        method,
        headers,
        body,
        signal,
        mode.redirect,
        mode.keepalive,
    ))
    .await
}

/// The body as text, or `Err(Ok(bytes))` once more than `limit` bytes arrived; `Err(Err(_))`
/// when it cannot be read or `signal` aborts first.
pub async fn read_limited(
    response: &JsValue,
    limit: f64,
    signal: &JsValue,
) -> Result<js_sys::JsString, Result<f64, JsValue>> {
    limited(
        read_limited_js(response, limit, signal),
        "the body is not text",
    )
    .await
}

/// The body as bytes, or `Err(Ok(bytes))` once more than `limit` bytes arrived (see
/// [`read_limited`]).
pub async fn read_bytes(
    response: &JsValue,
    limit: f64,
    signal: &JsValue,
) -> Result<js_sys::Uint8Array, Result<f64, JsValue>> {
    limited(
        read_bytes_js(response, limit, signal),
        "the body is not bytes",
    )
    .await
}

/// The outcome of `readLimited` / `readBytes`: a `T`, or the number of bytes read past the limit.
async fn limited<T: JsCast>(read: Promise, not_t: &str) -> Result<T, Result<f64, JsValue>> {
    let v = JsFuture::from(read).await.map_err(Err)?;
    if let Some(n) = v.as_f64() {
        return Err(Ok(n));
    }
    v.dyn_into::<T>().map_err(|_| Err(JsValue::from_str(not_t)))
}

/// Parses JSON; `None` if it is not JSON.
pub fn parse_json(text: &JsValue) -> Option<JsValue> {
    let r = parse_json_js(text);
    if r.is_undefined() {
        None
    } else {
        js_sys::Reflect::get(&r, &JsValue::from_str("value")).ok()
    }
}

/// The error of a call stopped by `signal` during `during`, with the signal's reason as its cause.
pub fn aborted(during: impl Into<String>, signal: &JsValue) -> crate::error::Error {
    crate::error::Error::Aborted {
        during: during.into(),
        cause: abort_reason(signal),
    }
}

/// The `reason` of an aborted signal, as an error's cause (none for undefined).
pub fn abort_reason(signal: &JsValue) -> crate::error::Cause {
    if !signal.is_object() {
        return crate::error::Cause(None);
    }
    crate::error::Cause(
        js_sys::Reflect::get(signal, &JsValue::from_str("reason"))
            .ok()
            .filter(|r| !r.is_undefined()),
    )
}

/// A uniform random number in [0, 1).
pub fn random() -> f64 {
    js_sys::Math::random()
}
