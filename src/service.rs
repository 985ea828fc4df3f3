//! The service core: the transport, the client's settings and pacing (inside the transport),
//! the per-call options, and the plumbing that turns an operation into a paced, retried call and
//! decodes its answer. No JS class lives here; `client.rs` wraps it in `HordeClient`, and the
//! lifecycle, the submit guard and downloads use it directly.

use crate::decode::decode_js;
use crate::error::Error;
use crate::ids::JobId;
use crate::jsval::{FromJs, ToJs};
use crate::models::ImageGenerateAsyncRequest;
use crate::pacing::Route;
use crate::requests::{HordeRequest, HttpMethod};
use crate::transport::{Call, Transport};
use crate::validate::validate_request;
use horde_wasm_macros::{FromJs, ToJs};
use std::cell::RefCell;
use tsify::Tsify;
use wasm_bindgen::JsValue;

/// The submit endpoint.
pub const SUBMIT_PATH: &str = "/v2/generate/async";

/// Options of a single call.
#[derive(Tsify, FromJs, ToJs, Default)]
#[serde(rename_all = "camelCase")]
#[js(options)]
pub struct RequestOptions {
    /// Aborts the call; it then rejects with `HordeAbortError`.
    #[tsify(optional, type = "AbortSignal")]
    #[js(read = crate::js_options::signal)]
    pub signal: JsValue,
    /// Overrides the client's `timeoutMs` for this call.
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
    /// Overrides the client's `maxRetries` for this call.
    #[tsify(optional)]
    pub max_retries: Option<u32>,
    /// Lets the request outlive the page (fetch's `keepalive`): for a cancel sent while the
    /// page is being left, from a `pagehide` listener. Default `false`. Browsers refuse
    /// keepalive bodies over 64 KB. (The cancels `generateImages` sends itself always use it.)
    #[tsify(optional)]
    pub keepalive: Option<bool>,
}

/// The service behind a client: its transport (settings, fetch, pacing, counters) and the jobs
/// of the generations it has seen. Shared by every call's future, so `free()` of the JS class
/// during a call is harmless.
pub struct Service {
    /// The HTTP layer.
    pub transport: Transport,
    /// Which job each recently seen generation belongs to, so that `downloadImage` can refresh
    /// an expired URL without being told the job id. The newest [`IMAGES_REMEMBERED`] only.
    pub images: RefCell<Vec<(String, JobId)>>,
}

/// How many generations a client remembers the job of.
pub const IMAGES_REMEMBERED: usize = 1024;

impl Service {
    /// A service over this transport.
    pub fn new(transport: Transport) -> Service {
        Service {
            transport,
            images: RefCell::new(Vec::new()),
        }
    }

    /// Remembers that these generations belong to `job`.
    pub fn remember(&self, job: &JobId, generation_ids: impl IntoIterator<Item = String>) {
        let mut images = self.images.borrow_mut();
        for id in generation_ids {
            images.retain(|(g, _)| *g != id);
            images.push((id, job.clone()));
        }
        let excess = images.len().saturating_sub(IMAGES_REMEMBERED);
        images.drain(..excess);
    }

    /// The job a generation was seen in, if remembered.
    pub fn job_of(&self, generation_id: &str) -> Option<JobId> {
        self.images
            .borrow()
            .iter()
            .find(|(g, _)| g == generation_id)
            .map(|(_, j)| j.clone())
    }

    /// A call with the client's defaults and the caller's overrides.
    pub fn call(
        &self,
        opts: &RequestOptions,
        method: HttpMethod,
        path: String,
        route: Route,
    ) -> Result<Call, Error> {
        let s = &self.transport.settings;
        let timeout_ms =
            crate::config::positive_ms("options.timeoutMs", opts.timeout_ms, s.timeout_ms)?;
        let max_retries = opts.max_retries.unwrap_or(s.max_retries);
        if max_retries > 10 {
            return Err(Error::invalid(
                "options.maxRetries",
                "must be between 0 and 10",
            ));
        }
        Ok(Call {
            method,
            path,
            route,
            body: None,
            with_key: false,
            timeout_ms,
            max_retries,
            signal: opts.signal.clone(),
            abort_in_flight: true,
            deadline: None,
            keepalive: opts.keepalive == Some(true),
        })
    }

    /// A call for a seed request.
    pub fn request_call<R: HordeRequest>(
        &self,
        request: &R,
        opts: &RequestOptions,
    ) -> Result<Call, Error> {
        self.call(opts, R::METHOD, request.path(), R::ROUTE)
    }

    /// The `POST /v2/generate/async` call: the request with the SDK defaults filled in,
    /// validated, and `dry_run` set or not, with the caller's options (signal, timeout,
    /// retries). Never aborted in flight (see [`Call`]).
    pub fn submit_call(
        &self,
        mut request: ImageGenerateAsyncRequest,
        opts: &RequestOptions,
        dry_run: bool,
    ) -> Result<Call, Error> {
        request.apply_sdk_defaults();
        request.dry_run = dry_run.then_some(true);
        validate_request(&request)?;
        let mut call = self.call(opts, HttpMethod::Post, SUBMIT_PATH.into(), Route::Submit)?;
        call.body = Some(request.to_js());
        call.with_key = true;
        call.abort_in_flight = false;
        Ok(call)
    }

    /// Sends a seed request and decodes its answer.
    pub async fn send_request<R: HordeRequest>(
        &self,
        request: &R,
        opts: &RequestOptions,
    ) -> Result<R::Response, Error>
    where
        R::Response: FromJs,
    {
        let call = self.request_call(request, opts)?;
        self.send_typed(&call).await
    }

    /// Sends a call and decodes its answer as `T`.
    pub async fn send_typed<T: FromJs>(&self, call: &Call) -> Result<T, Error> {
        let json = self.transport.send(call).await?;
        decode_js::<T>(json).map_err(|error| Error::Decode {
            method: call.method.as_str(),
            path: call.path.clone(),
            error,
        })
    }
}
