//! Bindings to the JavaScript side: globals, the platform's fetch types (web-sys), and the
//! helpers in `js/runtime.js`.

use js_sys::{Function, JsString, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Headers, ReadableStream, ReadableStreamDefaultReader,
    RequestInit, Response, TextDecoder,
};

// The message of a thrown value: horde-core's, which the converters also use.
pub use horde_core::js::message_of;

#[wasm_bindgen(module = "/js/runtime.js")]
extern "C" {
    /// Whole milliseconds on a monotonic clock (`performance.now()`), for intervals only.
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

    /// The timer and the caller's-signal listener of a [`Deadline`] (see `js/runtime.js`).
    type Trigger;
    #[wasm_bindgen(constructor)]
    fn new(controller: &JsValue, timeout_ms: f64, outer: &JsValue) -> Trigger;
    #[wasm_bindgen(method)]
    fn reason(this: &Trigger) -> u32;
    #[wasm_bindgen(method)]
    fn clear(this: &Trigger);
    #[wasm_bindgen(method)]
    fn abort(this: &Trigger);

    #[wasm_bindgen(js_name = callFetch)]
    fn call_fetch_js(
        fetch: Option<Function>,
        url: &str,
        init: &RequestInit,
        signal: &JsValue,
        limit: f64,
    ) -> Promise;
    #[wasm_bindgen(js_name = unlessAborted)]
    fn unless_aborted(promise: &Promise, signal: &JsValue) -> Promise;
    /// Cancels the body of a Response, or the stream of a reader, that nobody will read.
    pub fn discard(body: &JsValue);
    /// Whether `new URL(s)` parses it (fetch's own parser).
    #[wasm_bindgen(js_name = parsesAsUrl)]
    pub fn parses_as_url(s: &str) -> bool;
    /// base64 → bytes (`Uint8Array`), or undefined.
    #[wasm_bindgen(js_name = base64ToBytes)]
    pub fn base64_to_bytes(b64: &JsValue) -> JsValue;
    /// A Blob, where Blob exists.
    #[wasm_bindgen(js_name = makeBlob)]
    pub fn make_blob(bytes: &JsValue, mime: &str) -> JsValue;
    /// Calls a user callback, reporting (never propagating) what it throws.
    pub fn callback(f: &JsValue, arg: &JsValue);
}

// The fetch side: `callFetch` (js/runtime.js) calls the global `fetch` (windows, every kind of
// worker, Node 18 and later; not `window.fetch`) or the injected one. A Response may come from
// an injected or a replaced fetch, so it is the caller's object:
// it is read through the prototypes' own getters and methods (`final`), which read internal
// slots. Anything that is not a real Response, Headers, ReadableStream or typed array (a
// look-alike, a Proxy) makes them throw, an own property shadowing a getter is never run, and
// what they throw comes back as an `Err`. The `…Slots` types are these readings of the web-sys
// types.
#[wasm_bindgen]
extern "C" {
    type ResponseSlots;
    #[wasm_bindgen(method, final, getter, catch, js_class = "Response")]
    fn status(this: &ResponseSlots) -> Result<u16, JsValue>;
    #[wasm_bindgen(method, final, getter, catch, js_class = "Response")]
    fn headers(this: &ResponseSlots) -> Result<Headers, JsValue>;
    #[wasm_bindgen(method, final, getter, catch, js_class = "Response")]
    fn body(this: &ResponseSlots) -> Result<Option<ReadableStream>, JsValue>;

    type HeadersSlots;
    #[wasm_bindgen(method, final, catch, js_class = "Headers")]
    fn get(this: &HeadersSlots, name: &str) -> Result<Option<String>, JsValue>;

    type StreamSlots;
    #[wasm_bindgen(method, final, catch, js_class = "ReadableStream", js_name = getReader)]
    fn get_reader(this: &StreamSlots) -> Result<ReadableStreamDefaultReader, JsValue>;

    /// A Uint8Array read through the typed-array prototype.
    type Bytes;
    #[wasm_bindgen(constructor, catch, js_class = "Uint8Array")]
    fn new(length: f64) -> Result<Bytes, JsValue>;
    #[wasm_bindgen(method, final, getter, catch, js_class = "Uint8Array", js_name = byteLength)]
    fn byte_length(this: &Bytes) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, final, getter, catch, js_class = "Uint8Array")]
    fn length(this: &Bytes) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn set(this: &Bytes, chunk: &Bytes, at: f64) -> Result<(), JsValue>;

    // web-sys's `decode` copies the text into wasm memory; this one leaves it a JS string.
    type Utf8;
    #[wasm_bindgen(method, js_class = "TextDecoder")]
    fn decode(this: &Utf8, bytes: &Uint8Array) -> JsString;

    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_json_js(text: &JsString) -> Result<JsValue, JsValue>;
}

/// Sleeps `ms`; `false` if `signal` aborted first.
pub async fn sleep(ms: f64, signal: &JsValue) -> bool {
    JsFuture::from(sleep_js(ms, signal))
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// A deadline: an AbortController of ours, aborted after `timeout_ms` (none if infinite) or when
/// the caller's signal `outer` aborts; [`Deadline::clear`] must be called once it is no longer
/// needed. (Where AbortController does not exist, its signal is undefined.)
pub struct Deadline {
    trigger: Trigger,
    signal: Option<AbortSignal>,
}

impl Deadline {
    /// A deadline for `timeout_ms` and the caller's signal (or undefined).
    pub fn new(timeout_ms: f64, outer: &JsValue) -> Deadline {
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(AbortController::signal);
        let controller = controller.map_or(JsValue::UNDEFINED, JsValue::from);
        Deadline {
            trigger: Trigger::new(&controller, timeout_ms, outer),
            signal,
        }
    }

    /// The signal that aborts at the deadline, as a value.
    pub fn signal(&self) -> JsValue {
        self.signal
            .as_ref()
            .map_or(JsValue::UNDEFINED, JsValue::from)
    }

    /// 0 while it has not fired, 1 after the timeout, 2 after the caller's abort (or
    /// [`Deadline::abort`]).
    pub fn reason(&self) -> u32 {
        self.trigger.reason()
    }

    /// Stops the timer and the listener.
    pub fn clear(&self) {
        self.trigger.clear()
    }

    /// Fires the deadline's signal now (as an abort).
    pub fn abort(&self) {
        self.trigger.abort()
    }
}

/// Calls fetch (the injected function, or the global one) with `init`, whose signal is
/// `deadline`'s. The answer is given up on when that signal aborts, even if the function ignores
/// it. A Response of another fetch library is rebuilt as the platform's (`js/runtime.js`), its
/// body left out when its declared length is over `limit`. The answer is not checked: read it
/// with [`status`], [`header`] and [`read_body`], which do.
pub async fn fetch(
    injected: Option<&Function>,
    url: &str,
    init: &RequestInit,
    deadline: &Deadline,
    limit: f64,
) -> Result<Response, JsValue> {
    let promise = call_fetch_js(injected.cloned(), url, init, &deadline.signal(), limit);
    JsFuture::from(promise)
        .await
        .map(JsCast::unchecked_into::<Response>)
}

/// A fetch's init: `method`, `headers`, `body` (if not undefined), `deadline`'s signal, no
/// credentials, no cache, `redirect`, and `keepalive` (set only when true, so an injected fetch
/// sees no new key).
pub fn request_init(
    method: &str,
    headers: &JsValue,
    body: &JsValue,
    deadline: &Deadline,
    redirect: web_sys::RequestRedirect,
    keepalive: bool,
) -> RequestInit {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_headers(headers);
    if !body.is_undefined() {
        init.set_body(body);
    }
    init.set_signal(deadline.signal.as_ref());
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_redirect(redirect);
    init.set_cache(web_sys::RequestCache::NoStore);
    if keepalive {
        let _ = Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
    }
    init
}

/// The status of a real Response; `None` for anything else.
pub fn status(response: &Response) -> Option<u16> {
    response.unchecked_ref::<ResponseSlots>().status().ok()
}

/// A header of a real Response, or `None`.
pub fn header(response: &Response, name: &str) -> Option<String> {
    let response = response.unchecked_ref::<ResponseSlots>();
    response
        .headers()
        .and_then(|h| h.unchecked_ref::<HeadersSlots>().get(name))
        .ok()
        .flatten()
}

/// The body of a real Response as bytes of our own, counted as they arrive (after any
/// Content-Encoding was undone) and given up past `limit` bytes (`Err(Ok(bytes read))`), so that
/// a compressed or mislabelled body cannot grow beyond it. `Err(Err(_))` when it cannot be read,
/// or when `signal` (ours) aborts first, even if the stream stalls.
pub async fn read_body(
    response: &Response,
    limit: f64,
    signal: &JsValue,
) -> Result<Uint8Array, Result<f64, JsValue>> {
    let response = response.unchecked_ref::<ResponseSlots>();
    let chunks = js_sys::Array::new();
    let mut total = 0.0;
    if let Some(body) = response.body().map_err(Err)? {
        let reader = body
            .unchecked_ref::<StreamSlots>()
            .get_reader()
            .map_err(Err)?;
        if let Err(e) = read_chunks(&reader, &chunks, &mut total, limit, signal).await {
            // Over the limit, timed out, or failed: the rest is not wanted.
            discard(&reader);
            return Err(e);
        }
    }
    let all = Bytes::new(total).map_err(Err)?;
    let mut at = 0.0;
    for chunk in chunks.iter() {
        let chunk = chunk.unchecked_into::<Bytes>();
        all.set(&chunk, at).map_err(Err)?;
        at += chunk.byte_length().map_err(Err)?;
    }
    Ok(all.unchecked_into())
}

/// Reads a stream into `chunks`, adding their lengths to `total`, up to `limit` bytes.
async fn read_chunks(
    reader: &ReadableStreamDefaultReader,
    chunks: &js_sys::Array,
    total: &mut f64,
    limit: f64,
    signal: &JsValue,
) -> Result<(), Result<f64, JsValue>> {
    loop {
        let step = JsFuture::from(unless_aborted(&reader.read(), signal))
            .await
            .map_err(Err)?;
        let field = |name: &str| Reflect::get(&step, &JsValue::from_str(name)).unwrap_or_default();
        if field("done").is_truthy() {
            return Ok(());
        }
        // A stream the caller made may give anything: only a real typed array of bytes (its
        // length in bytes is its length in items) is taken.
        let chunk = field("value").unchecked_into::<Bytes>();
        let len = chunk
            .byte_length()
            .ok()
            .filter(|&n| chunk.length().ok() == Some(n));
        let Some(len) = len else {
            let e = js_sys::TypeError::new("the body stream gave something that is not bytes");
            return Err(Err(e.into()));
        };
        *total += len;
        if *total > limit {
            return Err(Ok(*total));
        }
        chunks.push(&chunk);
    }
}

/// UTF-8 bytes as a JavaScript string (malformed sequences replaced).
pub fn utf8(bytes: &Uint8Array) -> Result<JsString, JsValue> {
    Ok(TextDecoder::new()?.unchecked_ref::<Utf8>().decode(bytes))
}

/// Parses JSON; `None` if it is not JSON.
pub fn parse_json(text: &JsString) -> Option<JsValue> {
    parse_json_js(text).ok()
}

/// The error of a call stopped by `signal` during `during`, with the signal's reason as its cause.
pub fn aborted_error(during: impl Into<String>, signal: &JsValue) -> crate::error::Error {
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
