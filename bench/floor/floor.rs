//! The "floor" of the bundle (`node bench/floor.mjs`): what the wasm would hold if the
//! asynchronous half of the SDK (the fetch loop, the lifecycle, the submit guard, downloads and
//! the `HordeClient` class) were JavaScript and Rust kept only the synchronous core, called
//! from that JavaScript: the models and their converters, request validation and defaults,
//! answer decoding, the status module's functions, the request classes, the errors, the
//! client's settings, pacing, retry and cadence decisions, and the reading of error answers.
//!
//! Not part of the crate: bench/floor.mjs copies it into a scratch copy of the crate, in
//! place of the asynchronous modules. It is a measurement, not a design; each export stands
//! for a call a JavaScript driver would make.
#![allow(missing_docs)]

use crate::cadence::{failure_delay_ms, next_check_delay_ms};
use crate::config::{RawSettings, Settings};
use crate::decode::decode_js;
use crate::error::{ApiError, Error};
use crate::js_error::ErrorToJs;
use crate::jsval::{check_keys, FromJs, ToJs};
use crate::models::*;
use crate::pacing::{limit_key, Limiter, Route};
use crate::requests::HttpMethod;
use crate::retry::{retry_delay_ms, should_retry};
use crate::validate::validate_request;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;

fn convert<T: FromJs + ToJs>(json: JsValue, path: &str) -> Result<JsValue, JsValue> {
    decode_js::<T>(json).map(|t| t.to_js()).map_err(|error| {
        Error::Decode {
            method: "GET",
            path: path.to_owned(),
            error,
        }
        .to_js()
    })
}

/// The body of a submit: the request checked, defaulted and validated.
#[wasm_bindgen(js_name = prepareSubmit)]
pub fn prepare_submit(value: JsValue, dry: bool) -> Result<JsValue, JsValue> {
    (|| {
        if !value.is_object() || js_sys::Array::is_array(&value) {
            return Err(Error::invalid(
                "request",
                "must be an object with at least a prompt",
            ));
        }
        check_keys("", &value, ImageGenerateAsyncRequest::KEYS)?;
        if let Ok(params) = Reflect::get(&value, &JsValue::from_str("params")) {
            check_keys("params", &params, ImageGenerationParams::KEYS)?;
        }
        let mut request = decode_js::<ImageGenerateAsyncRequest>(value.clone())
            .map_err(|e| e.into_invalid(""))?;
        request.apply_sdk_defaults();
        request.dry_run = dry.then_some(true);
        validate_request(&request)?;
        Ok(request.to_js())
    })()
    .map_err(|e: Error| e.to_js())
}

/// A 2xx answer decoded as the endpoint's model.
#[wasm_bindgen(js_name = decodeAnswer)]
pub fn decode_answer(kind: u8, json: JsValue, path: &str) -> Result<JsValue, JsValue> {
    match kind {
        0 => convert::<ImageGenerateStatusResponse>(json, path),
        1 => convert::<ImageGenerateCheckResponse>(json, path),
        2 => convert::<ImageGenerateAsyncResponse>(json, path),
        3 => convert::<ImageGenerateDryRunResponse>(json, path),
        4 => convert::<HeartbeatResponse>(json, path),
        5 => convert::<Vec<ActiveModel>>(json, path),
        _ => convert::<UserDetails>(json, path),
    }
}

/// The next check's delay, from a check answer.
#[wasm_bindgen(js_name = nextCheckDelay)]
pub fn next_check_delay(check: JsValue, checks: u32) -> Result<f64, JsValue> {
    let c: ImageGenerateCheckResponse =
        decode_js(check).map_err(|e| e.into_invalid("check").to_js())?;
    Ok(next_check_delay_ms(&c, checks))
}

/// The delay after `failures` failed checks.
#[wasm_bindgen(js_name = failureDelay)]
pub fn failure_delay(failures: u32) -> f64 {
    failure_delay_ms(failures)
}

fn route(code: u8) -> Route {
    match code {
        0 => Route::Submit,
        1 => Route::Status,
        2 => Route::Unlimited,
        _ => Route::Default,
    }
}

fn method(code: u8) -> HttpMethod {
    match code {
        0 => HttpMethod::Get,
        1 => HttpMethod::Post,
        _ => HttpMethod::Delete,
    }
}

/// The client's synchronous state: settings, the limiter, and the reading of answers.
#[wasm_bindgen]
pub struct Core {
    settings: Settings,
    limiter: Limiter,
}

#[wasm_bindgen]
impl Core {
    /// Validates the settings (the options object is read by the driver).
    #[wasm_bindgen(constructor)]
    pub fn new(
        base_url: Option<String>,
        api_key: Option<String>,
        client_agent: Option<String>,
        timeout_ms: Option<f64>,
        max_retries: Option<u32>,
        pacing: Option<bool>,
        max_body_bytes: Option<f64>,
        allow_insecure_http: Option<bool>,
    ) -> Result<Core, JsValue> {
        let settings = RawSettings {
            base_url,
            api_key,
            client_agent,
            timeout_ms,
            max_retries,
            pacing,
            max_body_bytes,
            allow_insecure_http,
        }
        .validate()
        .map_err(|e| e.to_js())?;
        Ok(Core {
            settings,
            limiter: Limiter::new(),
        })
    }

    /// The URL and headers of an attempt.
    pub fn headers(&self, with_key: bool, with_body: bool) -> js_sys::Array {
        let a = js_sys::Array::new();
        a.push(&JsValue::from_str(&self.settings.client_agent));
        if with_key {
            a.push(&JsValue::from_str(self.settings.api_key.expose()));
        }
        a.push(&JsValue::from_bool(with_body));
        a
    }

    /// When the next attempt on this route may go (epoch ms).
    pub fn reserve(&mut self, m: u8, path: &str, r: u8, now: f64) -> f64 {
        if !self.settings.pacing {
            return now;
        }
        self.limiter
            .reserve(&limit_key(method(m), path), route(r).rules(), now)
    }

    /// The reserved slot was used at `actual`.
    pub fn confirm(&mut self, m: u8, path: &str, at: f64, actual: f64) {
        self.limiter
            .confirm(&limit_key(method(m), path), at, actual);
    }

    /// The reserved slot was not used.
    pub fn release(&mut self, m: u8, path: &str, at: f64) {
        self.limiter.release(&limit_key(method(m), path), at);
    }

    /// Whether an optional call could go now, keeping `spare` slots.
    #[wasm_bindgen(js_name = hasRoom)]
    pub fn has_room(&mut self, m: u8, path: &str, r: u8, now: f64, spare: u32) -> bool {
        self.limiter
            .has_room(&limit_key(method(m), path), route(r).rules(), now, spare)
    }

    /// An error answer read as a `HordeError`, with the key redacted; and whether and after how
    /// long to retry it (`-1`: do not).
    #[wasm_bindgen(js_name = errorAnswer)]
    pub fn error_answer(
        &mut self,
        m: u8,
        path: &str,
        r: u8,
        status: u16,
        body: JsValue,
        retry_after_ms: Option<f64>,
        attempt: u32,
        random: f64,
        now: f64,
    ) -> js_sys::Array {
        let text = |k: &str| {
            Reflect::get(&body, &JsValue::from_str(k))
                .ok()
                .and_then(|x| x.as_string())
        };
        let key = self.settings.api_key.expose();
        let redact = |s: String| crate::text::replace(&s, key, "[redacted]");
        let error = Error::Api(Box::new(ApiError {
            status,
            rc: text("rc").map(redact),
            message: text("message")
                .map(redact)
                .unwrap_or_else(|| "the answer is not a Horde error body".into()),
            errors: None,
            method: method(m).as_str(),
            path: path.to_owned(),
            retry_after_ms,
        }));
        let delay = if should_retry(&error, method(m).is_idempotent()) {
            let d = retry_delay_ms(&error, attempt, route(r).windows_ms(), random);
            if status == 429 {
                self.limiter
                    .block_until(&limit_key(method(m), path), now + d);
            }
            d
        } else {
            -1.0
        };
        let out = js_sys::Array::new();
        out.push(&error.to_js());
        out.push(&JsValue::from_f64(delay));
        out
    }

    /// Forgets windows that have passed.
    pub fn sweep(&mut self, now: f64) {
        self.limiter.sweep(now);
    }
}
