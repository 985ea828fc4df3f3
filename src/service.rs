//! The service core: the transport, the client's settings and pacing (inside the transport),
//! the per-call options, and the plumbing that turns an operation into a paced, retried call and
//! decodes its answer. No JS class lives here; `client.rs` wraps it in `HordeClient`, and the
//! lifecycle, the submit guard and downloads use it directly.

use crate::decode::decode_js;
use crate::endpoints::{Endpoint, Host, PathArgs, IMAGE_DOWNLOAD, IMAGE_SUBMIT};
use crate::error::Error;
use crate::ids::JobId;
use crate::jsval::{FromJs, ToJs};
use crate::method::HttpMethod;
use crate::models::ImageGenerateAsyncRequest;
use crate::pacing::Route;
use crate::transport::{Call, Transport};
use crate::validate::validate_request;
use horde_wasm_macros::{FromJs, ToJs};
use std::cell::RefCell;
use tsify::Tsify;
use wasm_bindgen::JsValue;

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

    /// The call of `endpoint`, with its path filled from `args`, the client's defaults and the
    /// caller's overrides.
    #[inline]
    pub fn prepare<R>(
        &self,
        endpoint: &Endpoint<R>,
        args: &PathArgs<'_>,
        body: Option<JsValue>,
        opts: &RequestOptions,
    ) -> Result<Call, Error> {
        self.prepare_untyped(
            Operation {
                method: endpoint.method,
                path: endpoint.path_with(args),
                host: endpoint.host,
                route: endpoint.route,
                with_key: endpoint.with_key,
                repeatable: endpoint.repeatable,
            },
            body,
            opts,
        )
    }

    /// [`Service::prepare`] past the row's type (one copy in the module for every endpoint).
    fn prepare_untyped(
        &self,
        operation: Operation,
        body: Option<JsValue>,
        opts: &RequestOptions,
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
        let url = match operation.host {
            Host::Horde => format!("{}{}", s.base_url, operation.path),
            Host::Image => operation.path.clone(),
        };
        Ok(Call {
            method: operation.method,
            url,
            path: operation.path,
            host: operation.host,
            route: operation.route,
            body,
            with_key: operation.with_key,
            repeatable: operation.repeatable,
            timeout_ms,
            max_retries,
            signal: opts.signal.clone(),
            abort_in_flight: operation.repeatable,
            deadline: None,
            keepalive: opts.keepalive == Some(true),
        })
    }

    /// The call of [`IMAGE_DOWNLOAD`] for an image URL, which must be an `http(s)` URL that
    /// fetch can parse (its parse error would quote the whole URL). Its errors name the URL
    /// without its query (a presigned URL's signature).
    pub fn image_call(&self, url: &str, opts: &RequestOptions) -> Result<Call, Error> {
        let not_http = || Error::invalid("generation.img", "is not an http(s) URL");
        if url.chars().any(char::is_control) {
            return Err(not_http());
        }
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || !crate::js::parses_as_url(url)
        {
            return Err(not_http());
        }
        let mut call = self.prepare(&IMAGE_DOWNLOAD, &PathArgs::url(url), None, opts)?;
        call.path = crate::text::split_once(url, "?")
            .map_or(url, |(p, _)| p)
            .to_owned();
        Ok(call)
    }

    /// Calls `endpoint` and decodes its answer.
    pub async fn call<R: FromJs>(
        &self,
        endpoint: &Endpoint<R>,
        args: &PathArgs<'_>,
        body: Option<JsValue>,
        opts: &RequestOptions,
    ) -> Result<R, Error> {
        let call = self.prepare(endpoint, args, body, opts)?;
        self.send_typed(&call).await
    }

    /// The submit call ([`IMAGE_SUBMIT`]): the request with the SDK defaults filled in,
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
        self.prepare(
            &IMAGE_SUBMIT,
            &PathArgs::default(),
            Some(request.to_js()),
            opts,
        )
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

/// An endpoint row without its answer's type.
struct Operation {
    method: HttpMethod,
    path: String,
    host: Host,
    route: Route,
    with_key: bool,
    repeatable: bool,
}
