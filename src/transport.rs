//! Every HTTP call, to the Horde and to its image host: the global (or injected) `fetch`,
//! headers, per-attempt timeouts, abort, pacing under the rate limits, retries, the body limit,
//! and reading error bodies.

use crate::config::Settings;
use crate::decode::{DecodeError, BODY_PATH};
use crate::endpoints::Host;
use crate::error::{ApiError, Cause, Error};
use crate::js;
use crate::jsval::FromJs;
use crate::method::HttpMethod;
use crate::models::ErrorBody;
use crate::pacing::{limit_key, Limiter, Route};
use crate::retry::{retry_delay_ms, should_retry};
use js_sys::{Function, Object, Reflect};
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use web_sys::{RequestRedirect, Response};

/// The `field_path` of a body over the size limit.
pub const SIZE_PATH: &str = "(size)";

/// One logical call (which may take several attempts).
#[derive(Clone)]
pub struct Call {
    /// The method.
    pub method: HttpMethod,
    /// The URL fetched.
    pub url: String,
    /// What errors name: the path below the base URL (already validated), or an image URL
    /// without its query.
    pub path: String,
    /// Who answers: the Horde (JSON) or the image host (bytes).
    pub host: Host,
    /// The rate-limited route.
    pub route: Route,
    /// A JSON-serialisable body.
    pub body: Option<JsValue>,
    /// Whether the `apikey` header is sent (only to endpoints that read it).
    pub with_key: bool,
    /// Whether sending it twice is harmless (see [`crate::endpoints::Endpoint::repeatable`]).
    pub repeatable: bool,
    /// Per-attempt timeout.
    pub timeout_ms: f64,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The caller's `AbortSignal`, or undefined.
    pub signal: JsValue,
    /// Whether the signal may abort a request already sent. `false` for a submit: aborting it
    /// in flight could leave a job on the server that nobody knows the id of.
    pub abort_in_flight: bool,
    /// A time (epoch ms) after which no attempt starts and no retry waits: the whole call,
    /// retries and pacing included, ends by then with the last error (used for cancels, which
    /// must not keep an aborting caller waiting).
    pub deadline: Option<f64>,
    /// Whether the request may outlive the page (fetch's `keepalive`), for cancels sent while
    /// the page is being left.
    pub keepalive: bool,
}

impl Call {
    /// The limiter key (see [`limit_key`]).
    pub fn limit_key(&self) -> String {
        limit_key(self.method, &self.path)
    }

    /// What the call is, for errors: method and full path, or the image download.
    fn describe(&self) -> String {
        match self.host {
            Host::Horde => format!("{} {}", self.method.as_str(), self.path),
            Host::Image => "downloading an image".to_owned(),
        }
    }
}

/// Counters a client keeps about its own traffic to the Horde (image downloads are not
/// counted).
#[derive(Default)]
pub struct Counters {
    /// Attempts sent.
    pub attempts: Cell<u32>,
    /// 429 answers received.
    pub rate_limited: Cell<u32>,
    /// Retries made.
    pub retries: Cell<u32>,
}

/// The HTTP layer of one client.
pub struct Transport {
    /// Validated settings.
    pub settings: Settings,
    /// The injected fetch, if any.
    pub fetch: Option<Function>,
    /// Pacing state shared by every call of the client.
    pub limiter: RefCell<Limiter>,
    /// Traffic counters.
    pub counters: Counters,
}

impl Transport {
    /// A transport for these settings.
    pub fn new(settings: Settings, fetch: Option<Function>) -> Transport {
        Transport {
            settings,
            fetch,
            limiter: RefCell::new(Limiter::new()),
            counters: Counters::default(),
        }
    }

    /// Sends the call, paced and retried, and returns the 2xx answer: its parsed JSON, or for
    /// the image host its bytes (a `Uint8Array`).
    pub async fn send(&self, call: &Call) -> Result<JsValue, Error> {
        let mut attempt = 0;
        loop {
            self.pace(call).await?;
            let result = self.attempt(call).await;
            let error = match result {
                Ok(json) => return Ok(json),
                Err(e) => e,
            };
            if matches!(&error, Error::Api(e) if e.status == 429) {
                self.count(call, &self.counters.rate_limited);
            }
            if attempt >= call.max_retries || !should_retry(&error, call.repeatable) {
                return Err(error);
            }
            let delay = retry_delay_ms(&error, attempt, call.route.windows_ms(), js::random());
            if call.deadline.is_some_and(|d| js::now() + delay > d) {
                return Err(error);
            }
            if matches!(&error, Error::Api(e) if e.status == 429) && !call.route.rules().is_empty()
            {
                // Everyone on this key waits, not just this call.
                self.limiter
                    .borrow_mut()
                    .block_until(&call.limit_key(), js::now() + delay);
            }
            if !js::sleep(delay, &call.signal).await {
                return Err(js::aborted_error(call.describe(), &call.signal));
            }
            attempt += 1;
            self.count(call, &self.counters.retries);
        }
    }

    /// Adds one to a counter, for a call to the Horde.
    fn count(&self, call: &Call, counter: &Cell<u32>) {
        if call.host == Host::Horde {
            counter.set(counter.get() + 1);
        }
    }

    /// Waits for a send slot under the route's limits (abortable; the slot is given back if the
    /// wait is aborted).
    pub async fn pace(&self, call: &Call) -> Result<(), Error> {
        if aborted(&call.signal) {
            return Err(js::aborted_error(call.describe(), &call.signal));
        }
        if !self.settings.pacing || call.route.rules().is_empty() {
            return Ok(());
        }
        let key = call.limit_key();
        let now = js::now();
        let at = self
            .limiter
            .borrow_mut()
            .reserve(&key, call.route.rules(), now);
        if let Some(deadline) = call.deadline.filter(|&d| at > d) {
            self.limiter.borrow_mut().release(&key, at);
            return Err(Error::Timeout {
                method: call.method.as_str(),
                path: call.path.clone(),
                timeout_ms: (deadline - now).max(0.0),
            });
        }
        if at > now && !js::sleep(at - now, &call.signal).await {
            self.limiter.borrow_mut().release(&key, at);
            return Err(js::aborted_error(call.describe(), &call.signal));
        }
        self.limiter.borrow_mut().confirm(&key, at, js::now());
        Ok(())
    }

    /// Whether an optional call on this route and path could go now without using any of the
    /// last `spare` slots of its windows.
    pub fn has_room(&self, method: HttpMethod, path: &str, route: Route, spare: u32) -> bool {
        if !self.settings.pacing {
            return true;
        }
        self.limiter.borrow_mut().has_room(
            &limit_key(method, path),
            route.rules(),
            js::now(),
            spare,
        )
    }

    /// The request's headers, as a plain object (an injected fetch sees them as given): none
    /// for the image host.
    fn headers(&self, call: &Call) -> Object {
        let h = Object::new();
        if call.host == Host::Image {
            return h;
        }
        let set = |k: &str, v: &str| {
            let _ = Reflect::set(&h, &JsValue::from_str(k), &JsValue::from_str(v));
        };
        set("Accept", "application/json");
        set("Client-Agent", &self.settings.client_agent);
        if call.with_key {
            set("apikey", self.settings.api_key.expose());
        }
        if call.body.is_some() {
            set("Content-Type", "application/json");
        }
        h
    }

    /// One attempt: fetch, read, parse, classify.
    async fn attempt(&self, call: &Call) -> Result<JsValue, Error> {
        self.count(call, &self.counters.attempts);
        let method = call.method.as_str();
        let body = match &call.body {
            Some(b) => js_sys::JSON::stringify(b)
                .map(JsValue::from)
                .map_err(|_| Error::invalid("request", "could not be serialised as JSON"))?,
            None => JsValue::UNDEFINED,
        };
        let outer = if call.abort_in_flight {
            call.signal.clone()
        } else {
            JsValue::UNDEFINED
        };
        let timeout_ms = match call.deadline {
            Some(d) => call.timeout_ms.min((d - js::now()).max(1.0)),
            None => call.timeout_ms,
        };
        let deadline = js::Deadline::new(timeout_ms, &outer);
        let result = self.exchange(call, &body, &deadline).await;
        deadline.clear();
        result.map_err(|e| match (e, deadline.reason()) {
            (Failure::Platform(..), 1) | (Failure::Read(..), 1) => Error::Timeout {
                method,
                path: call.path.clone(),
                timeout_ms,
            },
            (Failure::Platform(..), 2) | (Failure::Read(..), 2) => {
                js::aborted_error(call.describe(), &call.signal)
            }
            (Failure::Platform(msg, cause), _) => Error::Connection {
                method,
                path: call.path.clone(),
                message: msg,
                cause,
            },
            (Failure::Read(msg, cause), _) => Error::Connection {
                method,
                path: call.path.clone(),
                message: format!("the answer was cut off: {msg}"),
                cause,
            },
            (Failure::Done(e), _) => e,
        })
    }

    async fn exchange(
        &self,
        call: &Call,
        body: &JsValue,
        deadline: &js::Deadline,
    ) -> Result<JsValue, Failure> {
        // A request that carries the key refuses redirects, so the key cannot follow one to
        // another origin (fetch keeps custom headers across redirects).
        let redirect = if call.with_key {
            RequestRedirect::Error
        } else {
            RequestRedirect::Follow
        };
        let init = js::request_init(
            call.method.as_str(),
            &self.headers(call),
            body,
            deadline,
            redirect,
            call.keepalive,
        );
        let limit = self.settings.max_body_bytes;
        let response = js::fetch(self.fetch.as_ref(), &call.url, &init, deadline, limit)
            .await
            .map_err(Failure::platform)?;
        let status = self.head(call, &response)?;
        let bytes = js::read_body(&response, limit, &deadline.signal())
            .await
            .map_err(|e| match e {
                Ok(len) => Failure::Done(too_large(call, len, limit)),
                Err(e) => Failure::read(e),
            })?;
        self.answer(call, status, &response, bytes)
    }

    /// The status of an answer whose body is to be read, or why it is not read: not a
    /// Response, an image host's error answer (its body says nothing the status does not), or
    /// a declared length over `maxBodyBytes`.
    #[inline(never)]
    fn head(&self, call: &Call, response: &Response) -> Result<u16, Failure> {
        let status = js::status(response)
            .filter(|s| (100..=599).contains(s))
            .ok_or_else(|| {
                Failure::Platform(
                    "fetch returned something that is not a Response".to_owned(),
                    Cause::default(),
                )
            })?;
        let limit = self.settings.max_body_bytes;
        let declared = js::header(response, "content-length").and_then(|v| crate::num::parse(&v));
        let refused = if call.host == Host::Image && !(200..300).contains(&status) {
            Some(api_error(
                call,
                status,
                response,
                "image host error".to_owned(),
                None,
                None,
            ))
        } else {
            declared
                .filter(|&len| len > limit)
                .map(|len| too_large(call, len, limit))
        };
        match refused {
            Some(e) => {
                js::discard(response);
                Err(Failure::Done(e))
            }
            None => Ok(status),
        }
    }

    /// The outcome of a whole answer: the bytes (image host), the parsed JSON of a 2xx, or the
    /// error of a Horde error answer (its body's `message`, `rc` and `errors`, with the key
    /// redacted: the Horde echoes it in some messages, "User with api_key '…' not found").
    #[inline(never)]
    fn answer(
        &self,
        call: &Call,
        status: u16,
        response: &Response,
        bytes: js_sys::Uint8Array,
    ) -> Result<JsValue, Failure> {
        if call.host == Host::Image {
            return Ok(bytes.into());
        }
        let text = js::utf8(&bytes).map_err(Failure::read)?;
        let parsed = js::parse_json(&text);
        let what = || {
            format!(
                "{} characters{}",
                text.length(),
                content_type_note(response)
            )
        };
        if (200..300).contains(&status) {
            return parsed.ok_or_else(|| {
                Failure::Done(Error::Decode {
                    method: call.method.as_str(),
                    path: call.path.clone(),
                    error: DecodeError {
                        field_path: BODY_PATH.to_owned(),
                        message: format!("the {status} answer is not JSON ({})", what()),
                    },
                })
            });
        }
        let body = parsed.map(error_body).unwrap_or_default();
        let key = self.settings.api_key.expose();
        let message = match body.message {
            Some(m) => redact(&m, key),
            None => format!("the answer is not a Horde error body ({})", what()),
        };
        let errors = body.errors.map(|errors| {
            errors
                .into_iter()
                .map(|(field, text)| (redact(&field, key), redact(&text, key)))
                .collect()
        });
        let rc = body.rc.map(|rc| redact(&rc, key));
        Err(Failure::Done(api_error(
            call, status, response, message, rc, errors,
        )))
    }
}

/// The error of an error answer.
fn api_error(
    call: &Call,
    status: u16,
    response: &Response,
    message: String,
    rc: Option<String>,
    errors: Option<Vec<(String, String)>>,
) -> Error {
    Error::Api(Box::new(ApiError {
        status,
        rc,
        message,
        errors,
        method: call.method.as_str(),
        path: call.path.clone(),
        // The Horde's limiter puts its window's Retry-After on every answer; it is advice only
        // on a rate limit (429) or an unavailable server (503).
        retry_after_ms: if status == 429 || status == 503 {
            js::header(response, "retry-after")
                .and_then(|v| parse_retry_after(&v, js_sys::Date::now()))
        } else {
            None
        },
    }))
}

/// Why an attempt got no usable answer.
enum Failure {
    /// fetch itself rejected (its message, and the error itself).
    Platform(String, Cause),
    /// The body could not be read.
    Read(String, Cause),
    /// A complete, classified outcome.
    Done(Error),
}

impl Failure {
    /// A rejection of fetch.
    fn platform(e: JsValue) -> Failure {
        Failure::Platform(js::message_of(&e), Cause(Some(e)))
    }

    /// A failure to read the body.
    fn read(e: JsValue) -> Failure {
        Failure::Read(js::message_of(&e), Cause(Some(e)))
    }
}

/// The error of a body over `maxBodyBytes` (`fieldPath` `(size)`).
fn too_large(call: &Call, len: f64, limit: f64) -> Error {
    Error::Decode {
        method: call.method.as_str(),
        path: call.path.clone(),
        error: DecodeError {
            field_path: SIZE_PATH.to_owned(),
            message: format!(
                "the body has {} bytes, more than maxBodyBytes ({})",
                crate::num::text(len),
                crate::num::text(limit)
            ),
        },
    }
}

fn content_type_note(response: &Response) -> String {
    match js::header(response, "content-type") {
        Some(ct) => {
            let ct: String = ct.chars().filter(|c| !c.is_control()).take(60).collect();
            format!(", {ct}")
        }
        None => String::new(),
    }
}

/// Reads a Horde error body (`{message, rc, errors}`) leniently: whatever is not of the
/// expected type is ignored, and a body that is not an object reads as empty.
fn error_body(v: JsValue) -> ErrorBody {
    ErrorBody::from_js(v).unwrap_or_default()
}

/// `text` with every occurrence of the secret replaced by `[redacted]`.
pub fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    crate::text::replace(text, secret, "[redacted]")
}

/// Whether a signal (or undefined) has aborted.
pub fn aborted(signal: &JsValue) -> bool {
    !signal.is_undefined()
        && Reflect::get(signal, &JsValue::from_str("aborted"))
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
}

/// `Retry-After` in milliseconds: delta-seconds, or an HTTP date (`now` is epoch ms).
pub fn parse_retry_after(value: &str, now: f64) -> Option<f64> {
    let v = value.trim();
    if let Some(secs) = crate::num::parse(v) {
        return (secs >= 0.0).then_some(secs * 1000.0);
    }
    let at = js_sys::Date::parse(v);
    (at.is_finite()).then_some((at - now).max(0.0))
}
