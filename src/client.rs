//! `HordeClient`, the JavaScript class: options, camelCase methods, and the Promise plumbing.
//! The work itself lives in the transport, the requests and the lifecycle.

use crate::config::RawSettings;
use crate::decode::decode_js;
use crate::download::{download, DownloadOptions, GenerationRef};
use crate::error::Error;
use crate::guard::{submit_guarded, Submitted};
use crate::ids::JobId;
use crate::js_options::decode_options;
use crate::jsval::{check_keys, FromJs, ToJs};
use crate::lifecycle::{generate_images, GenerateOptions};
use crate::models::{
    ActiveModel, HeartbeatResponse, ImageGenerateAsyncRequest, ImageGenerateCheckResponse,
    ImageGenerateDryRunResponse, ImageGenerateStatusResponse, ImageGenerationParams, ModelsQuery,
    UserDetails,
};
use crate::pacing::Route;
use crate::query::models_query_string;
use crate::requests::HttpMethod;
use crate::requests::{
    parse_job_id, DeleteImageGenerateRequest, HordeRequest, ImageGenerateCheckRequest,
    ImageGenerateStatusRequest,
};
use crate::transport::{Call, Transport};
use crate::validate::validate_request;
use horde_wasm_macros::{FromJs, ToJs};
use js_sys::{Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// Options of `new HordeClient(options)`. Every field is optional.
#[derive(Tsify, FromJs, ToJs, Default)]
#[serde(rename_all = "camelCase")]
#[js(options)]
pub struct ClientOptions {
    /// The API root. Default `https://aihorde.net/api`; the local simulator is
    /// `http://127.0.0.1:7001/api`. Must be `https://`, except to loopback addresses.
    #[tsify(optional)]
    pub base_url: Option<String>,
    /// The API key. Default the anonymous key `0000000000`. It is sent only to `baseUrl`'s
    /// origin, only to the endpoints that read it (submit and `find_user`), never in a URL, and
    /// never appears in an error, a log line, `toString()` or `JSON.stringify`.
    #[tsify(optional)]
    pub api_key: Option<String>,
    /// The `Client-Agent` header, `name:version:contact` (for example
    /// `MyApp:1.0:https://example.org`). The Horde asks every client to send a real one. Default
    /// `horde-wasm:<version>:<repository>`.
    #[tsify(optional)]
    pub client_agent: Option<String>,
    /// Timeout of each attempt, in milliseconds, body included. Default 30000. Timed-out GET and
    /// DELETE calls are retried.
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
    /// Retries after the first attempt, for failures that are safe to retry. Default 2, at most
    /// 10.
    #[tsify(optional)]
    pub max_retries: Option<u32>,
    /// Client-side pacing under the Horde's rate limits. Default `true`; turn it off only
    /// against a server without limits.
    #[tsify(optional)]
    pub pacing: Option<bool>,
    /// Largest response body accepted, in bytes (characters of text). Default 64 MiB.
    #[tsify(optional)]
    pub max_body_bytes: Option<f64>,
    /// Allow `http://` to hosts that are not loopback addresses (an API key would travel in
    /// clear text). Default `false`.
    #[tsify(optional)]
    pub allow_insecure_http: Option<bool>,
    /// The `fetch` to use. Default the global `fetch` (browsers, workers, Node 18+).
    #[tsify(optional, type = "typeof fetch")]
    pub fetch: Option<Function>,
}

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

/// What the client has sent so far (for diagnostics and benchmarks).
#[derive(Tsify, FromJs, ToJs)]
#[serde(rename_all = "camelCase")]
pub struct ClientStats {
    /// HTTP attempts sent to the Horde.
    pub attempts: u32,
    /// Retries among them.
    pub retries: u32,
    /// 429 answers received.
    pub rate_limited: u32,
}

/// The shared state of a client; cloned into every call's future, so `free()` during a call is
/// harmless.
pub(crate) struct Inner {
    pub transport: Transport,
    /// Which job each recently seen generation belongs to, so that `downloadImage` can refresh
    /// an expired URL without being told the job id. The newest [`IMAGES_REMEMBERED`] only.
    pub images: RefCell<Vec<(String, JobId)>>,
}

/// How many generations a client remembers the job of.
pub const IMAGES_REMEMBERED: usize = 1024;

/// `HordeClient.send` typed by the request's class (TypeScript merges this interface into the
/// class; the request classes differ by their literal `kind`).
#[wasm_bindgen(typescript_custom_section)]
const SEND_OVERLOADS: &str = r#"
export interface HordeClient {
    /** Sends a check request: resolves to its `ImageGenerateCheckResponse`. */
    send(request: ImageGenerateCheckRequest, options?: RequestOptions): Promise<ImageGenerateCheckResponse>;
    /** Sends a status request: resolves to its `ImageGenerateStatusResponse`. */
    send(request: ImageGenerateStatusRequest, options?: RequestOptions): Promise<ImageGenerateStatusResponse>;
    /** Sends a delete (cancel) request: resolves to the status just before the cancel. */
    send(request: DeleteImageGenerateRequest, options?: RequestOptions): Promise<ImageGenerateStatusResponse>;
}
"#;

/// An AI Horde client.
///
/// ```ts
/// const horde = new HordeClient({ baseUrl: 'http://127.0.0.1:7001/api', clientAgent: 'MyApp:1.0:me@example.org' });
/// const status = await horde.getImageStatus(id);
/// ```
///
/// Every method returns a Promise and never throws synchronously; rejections are
/// `HordeError` subclasses (see the README's error table).
#[wasm_bindgen]
pub struct HordeClient {
    inner: Rc<Inner>,
}

/// One instance of the promise machinery for every method (each future is boxed), which
/// keeps the module small.
#[inline(never)]
fn run(f: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>) -> Promise {
    future_to_promise(f)
}

/// Runs a future whose errors are [`Error`]s.
fn spawn<F>(f: F) -> Promise
where
    F: Future<Output = Result<JsValue, Error>> + 'static,
{
    run(Box::pin(async move { f.await.map_err(|e| e.to_js()) }))
}

/// Decodes an answer as `T` (validating every field) and re-encodes it as a plain object.
type Convert = fn(JsValue) -> Result<JsValue, crate::decode::DecodeError>;

fn convert<T: FromJs + ToJs>(json: JsValue) -> Result<JsValue, crate::decode::DecodeError> {
    decode_js::<T>(json).map(|t| t.to_js())
}

/// The promise of one call: one shared async pipeline (send, then convert) for every simple
/// method; argument errors reject without sending anything.
fn launch(inner: &Rc<Inner>, call: Result<Call, Error>, convert: Convert) -> Promise {
    launch_for(inner, call, convert, None)
}

/// [`launch`] for a status answer of `job`: its generations are remembered for downloads.
fn launch_for(
    inner: &Rc<Inner>,
    call: Result<Call, Error>,
    convert: Convert,
    job: Option<JobId>,
) -> Promise {
    let call = match call {
        Ok(call) => call,
        Err(e) => return Promise::reject(&e.to_js()),
    };
    let inner = inner.clone();
    spawn(async move {
        let json = inner.transport.send(&call).await?;
        let out = convert(json).map_err(|error| Error::Decode {
            method: call.method.as_str(),
            path: call.path.clone(),
            error,
        })?;
        if let Some(job) = job {
            let ids = Reflect::get(&out, &JsValue::from_str("generations"))
                .ok()
                .map(|g| {
                    js_sys::Array::from(&g)
                        .iter()
                        .filter_map(|g| {
                            Reflect::get(&g, &JsValue::from_str("id")).ok()?.as_string()
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            inner.remember(&job, ids);
        }
        Ok(out)
    })
}

/// A model as a plain JavaScript object.
pub(crate) fn to_js<T: ToJs + ?Sized>(value: &T) -> JsValue {
    value.to_js()
}

/// The submit endpoint.
pub const SUBMIT_PATH: &str = "/v2/generate/async";

/// An image request from JavaScript: an object with known keys only (a misspelt key would
/// otherwise be dropped without a word), decoded with the failing field's path.
pub(crate) fn request_arg(value: &JsValue) -> Result<ImageGenerateAsyncRequest, Error> {
    if !value.is_object() || crate::js::is_array(value) {
        return Err(Error::invalid(
            "request",
            "must be an object with at least a prompt",
        ));
    }
    check_keys("", value, ImageGenerateAsyncRequest::KEYS)?;
    if let Ok(params) = Reflect::get(value, &JsValue::from_str("params")) {
        check_keys("params", &params, ImageGenerationParams::KEYS)?;
    }
    // Paths are relative to the request (`params.width`), as the validation rules name them.
    decode_js::<ImageGenerateAsyncRequest>(value.clone()).map_err(|e| e.into_invalid(""))
}

/// A job id argument from JavaScript.
pub(crate) fn job_id_arg(argument: &str, id: &JsValue) -> Result<JobId, Error> {
    let s = id
        .as_string()
        .ok_or_else(|| Error::invalid(argument, "must be a string (a job id, which is a UUID)"))?;
    parse_job_id(argument, &s)
}

impl Inner {
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

impl HordeClient {
    /// The call of a job request built by `make` from the `id` argument, and that job id.
    fn job_call<R: HordeRequest>(
        &self,
        id: &JsValue,
        options: &JsValue,
        make: fn(JobId) -> R,
    ) -> (Result<Call, Error>, Option<JobId>) {
        match job_id_arg("id", id) {
            Ok(job) => {
                let call = decode_options("options", options).and_then(|opts: RequestOptions| {
                    self.inner.request_call(&make(job.clone()), &opts)
                });
                (call, Some(job))
            }
            Err(e) => (Err(e), None),
        }
    }
}

#[wasm_bindgen]
impl HordeClient {
    /// Creates a client. Throws `HordeInvalidArgumentError` for an invalid option (an unknown
    /// key, a non-https `baseUrl`, a `clientAgent` with line breaks, …). Does no I/O.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "ClientOptions")] options: JsValue,
    ) -> Result<HordeClient, JsValue> {
        let o: ClientOptions = decode_options("options", &options)?;
        let settings = RawSettings {
            base_url: o.base_url,
            api_key: o.api_key,
            client_agent: o.client_agent,
            timeout_ms: o.timeout_ms,
            max_retries: o.max_retries,
            pacing: o.pacing,
            max_body_bytes: o.max_body_bytes,
            allow_insecure_http: o.allow_insecure_http,
        }
        .validate()?;
        Ok(HordeClient {
            inner: Rc::new(Inner {
                transport: Transport::new(settings, o.fetch),
                images: RefCell::new(Vec::new()),
            }),
        })
    }

    /// The API root this client talks to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.inner.transport.settings.base_url.clone()
    }

    /// The `Client-Agent` this client sends.
    #[wasm_bindgen(getter, js_name = clientAgent)]
    pub fn client_agent(&self) -> String {
        self.inner.transport.settings.client_agent.clone()
    }

    /// Whether the client uses the anonymous key.
    #[wasm_bindgen(getter, js_name = isAnonymous)]
    pub fn is_anonymous(&self) -> bool {
        self.inner.transport.settings.api_key.is_anonymous()
    }

    /// What the client has sent so far.
    #[wasm_bindgen(getter, unchecked_return_type = "ClientStats")]
    pub fn stats(&self) -> JsValue {
        let c = &self.inner.transport.counters;
        ClientStats {
            attempts: c.attempts.get(),
            retries: c.retries.get(),
            rate_limited: c.rate_limited.get(),
        }
        .to_js()
    }

    /// A summary without the API key (for `JSON.stringify`).
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> JsValue {
        let o = Object::new();
        let s = &self.inner.transport.settings;
        let _ = Reflect::set(&o, &"baseUrl".into(), &s.base_url.as_str().into());
        let _ = Reflect::set(&o, &"clientAgent".into(), &s.client_agent.as_str().into());
        let _ = Reflect::set(&o, &"apiKey".into(), &"[redacted]".into());
        o.into()
    }

    /// A one-line description without the API key.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!("HordeClient({})", self.inner.transport.settings.base_url)
    }

    /// `GET /v2/generate/status/{id}`: the full status of a request, with its finished images.
    ///
    /// Rate limited by the Horde to 10 calls per minute per id; the client paces itself under
    /// that. Poll `checkImage` instead, and call this once `done`. Rejects with
    /// `HordeInvalidArgumentError` (not a UUID; nothing is sent), `HordeNotFoundError`
    /// (unknown or expired id), `HordeRateLimitError`, `HordeServerError`,
    /// `HordeConnectionError`, `HordeTimeoutError`, `HordeAbortError` or `HordeDecodeError`.
    #[wasm_bindgen(js_name = getImageStatus, unchecked_return_type = "Promise<ImageGenerateStatusResponse>")]
    pub fn get_image_status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let (call, job) = self.job_call(&id, &options, ImageGenerateStatusRequest::for_job);
        launch_for(
            &self.inner,
            call,
            convert::<ImageGenerateStatusResponse>,
            job,
        )
    }

    /// `DELETE /v2/generate/status/{id}`: cancels a request and returns its status just
    /// before the cancel (so `waiting` may be above 0 and `done` false).
    ///
    /// No new images start; images already on workers still finish, are delivered and are
    /// charged; the request stays readable until it expires. Cancelling a finished request is
    /// harmless. Rejects like `getImageStatus`.
    #[wasm_bindgen(js_name = deleteImageStatus, unchecked_return_type = "Promise<ImageGenerateStatusResponse>")]
    pub fn delete_image_status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let (call, job) = self.job_call(&id, &options, DeleteImageGenerateRequest::for_job);
        launch_for(
            &self.inner,
            call,
            convert::<ImageGenerateStatusResponse>,
            job,
        )
    }

    /// `GET /v2/generate/check/{id}`: the progress of a request, without images. Cheap: 10 per
    /// second per id, cached one second by the server. Rejects like `getImageStatus`.
    #[wasm_bindgen(js_name = checkImage, unchecked_return_type = "Promise<ImageGenerateCheckResponse>")]
    pub fn check_image(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let (call, _) = self.job_call(&id, &options, ImageGenerateCheckRequest::for_job);
        launch(&self.inner, call, convert::<ImageGenerateCheckResponse>)
    }

    /// Sends a request object (`new ImageGenerateStatusRequest(id)`,
    /// `new DeleteImageGenerateRequest(id)` or `new ImageGenerateCheckRequest(id)`) and resolves
    /// to its success response type (TypeScript picks it from the request's class: see
    /// `SEND_OVERLOADS`; this union is the fallback for a request of unknown class).
    #[wasm_bindgen(
        unchecked_return_type = "Promise<ImageGenerateStatusResponse | ImageGenerateCheckResponse>"
    )]
    pub fn send(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "ImageGenerateStatusRequest | DeleteImageGenerateRequest | ImageGenerateCheckRequest"
        )]
        request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let field = |k: &str| {
            Reflect::get(&request, &JsValue::from_str(k))
                .ok()
                .filter(|_| request.is_object())
                .unwrap_or(JsValue::UNDEFINED)
        };
        let kind = field("kind").as_string().unwrap_or_default();
        let (call, job, convert): (_, _, Convert) = match kind.as_str() {
            "ImageGenerateStatusRequest" => {
                let (c, j) =
                    self.job_call(&field("id"), &options, ImageGenerateStatusRequest::for_job);
                (c, j, convert::<ImageGenerateStatusResponse>)
            }
            "DeleteImageGenerateRequest" => {
                let (c, j) =
                    self.job_call(&field("id"), &options, DeleteImageGenerateRequest::for_job);
                (c, j, convert::<ImageGenerateStatusResponse>)
            }
            "ImageGenerateCheckRequest" => {
                let (c, _) =
                    self.job_call(&field("id"), &options, ImageGenerateCheckRequest::for_job);
                (c, None, convert::<ImageGenerateCheckResponse>)
            }
            _ => {
                let e = Error::invalid(
                    "request",
                    "must be an ImageGenerateStatusRequest, DeleteImageGenerateRequest or ImageGenerateCheckRequest",
                );
                return Promise::reject(&e.to_js());
            }
        };
        launch_for(&self.inner, call, convert, job)
    }

    /// `POST /v2/generate/async`: submits an image request and resolves to its id and the
    /// server's per-image kudos estimate.
    ///
    /// The request is validated first (nothing is sent if it is invalid: `HordeInvalidArgumentError`
    /// names the field), and the SDK defaults are filled in (see `ImageGenerateAsyncRequest`).
    /// A submit is never retried after an ambiguous failure (a timeout or a 5xx may have
    /// created a job); only rate-limit 429s are retried. `TooManyPrompts` rejects with
    /// `HordeRateLimitError` (`generateImages` waits it out instead). An abort stops the
    /// pacing wait but not a request already sent, so no job is created unseen.
    #[wasm_bindgen(js_name = submitImage, unchecked_return_type = "Promise<ImageGenerateAsyncResponse>")]
    pub fn submit_image(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageGenerateAsyncRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let prepared = request_arg(&request).and_then(|request| {
            if request.dry_run == Some(true) {
                return Err(Error::invalid("dry_run", "use estimateKudos for a dry run"));
            }
            let opts: RequestOptions = decode_options("options", &options)?;
            let call = self.inner.submit_call(request, &opts, false)?;
            Ok((call, opts.signal))
        });
        let (mut call, signal) = match prepared {
            Ok(p) => p,
            Err(e) => return Promise::reject(&e.to_js()),
        };
        let inner = self.inner.clone();
        spawn(async move {
            // The caller's timeout and signal end the wait; the request, once sent, runs to its
            // answer, and a job it creates after the caller gave up is cancelled (see guard).
            let timeout_ms = call.timeout_ms;
            let stop = crate::js::Deadline::new(timeout_ms, &signal);
            call.timeout_ms = timeout_ms.max(crate::lifecycle::SUBMIT_ATTEMPT_TIMEOUT_MS);
            let outcome = submit_guarded(inner, call, &stop.signal(), 0.0).await;
            let why = stop.reason();
            stop.clear();
            match outcome {
                Submitted::Answered(r) => Ok(r?.to_js()),
                Submitted::Stopped(_) if why == 1 => Err(Error::Timeout {
                    method: "POST",
                    path: SUBMIT_PATH.into(),
                    timeout_ms,
                }),
                Submitted::Stopped(_) => {
                    Err(crate::js::aborted(format!("POST {SUBMIT_PATH}"), &signal))
                }
            }
        })
    }

    /// A dry run of `POST /v2/generate/async`: the estimated total kudos cost of the request
    /// (all `n` images, model multipliers and the tax), without creating anything.
    #[wasm_bindgen(js_name = estimateKudos, unchecked_return_type = "Promise<ImageGenerateDryRunResponse>")]
    pub fn estimate_kudos(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageGenerateAsyncRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let call = request_arg(&request).and_then(|request| {
            let opts: RequestOptions = decode_options("options", &options)?;
            self.inner.submit_call(request, &opts, true)
        });
        launch(&self.inner, call, convert::<ImageGenerateDryRunResponse>)
    }

    /// Submits, waits and resolves to the final status with every image: the whole lifecycle.
    ///
    /// Checks the job at a cadence that follows the server's estimate (about once a second near
    /// the end, up to every 10 s while queued), calls `onProgress` after each check and
    /// `onImage` once per image (early when the status rate limit has room), and fetches the
    /// status once the job is `done`. Every call is paced under the Horde's rate limits.
    ///
    /// Ends: resolves when done with every image requested; rejects with `HordeJobFaultedError`
    /// when the job ended short of them (the real server ends a job `done` and not `faulted`
    /// when its worker faulted on an image: a faulted image is not redone; `partial` holds the
    /// images that arrived and the message says how many were lost), `HordeJobExpiredError`
    /// (404 before done),
    /// `HordeJobImpossibleError` (no worker for `impossibleTimeoutMs`; the job is cancelled),
    /// `HordeAbortError` / `HordeTimeoutError` (the job is cancelled on the server first), or
    /// the submit's own errors. Every job error carries `jobId`, and `partial` (the status with
    /// the images finished by then) when there is one; `cancelError` is set if the cancel
    /// itself failed.
    #[wasm_bindgen(js_name = generateImages, unchecked_return_type = "Promise<ImageGenerateStatusResponse>")]
    pub fn generate_images(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageGenerateAsyncRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "GenerateOptions")] options: JsValue,
    ) -> Promise {
        let prepared = request_arg(&request).and_then(|mut request| {
            if request.dry_run == Some(true) {
                return Err(Error::invalid("dry_run", "use estimateKudos for a dry run"));
            }
            request.apply_sdk_defaults();
            validate_request(&request)?;
            let opts: GenerateOptions = decode_options("options", &options)?;
            Ok((request, opts))
        });
        match prepared {
            Ok((request, opts)) => {
                run(Box::pin(generate_images(self.inner.clone(), request, opts)))
            }
            Err(e) => Promise::reject(&e.to_js()),
        }
    }

    /// The bytes of a generation's image, whether `img` is a URL or base64.
    ///
    /// Sends no API key and no custom header to the image host. An expired URL (the Horde's URLs
    /// last 30 minutes) is refreshed once through a status call, for a generation this client
    /// fetched itself or given `options.jobId`.
    /// Rejects with `HordeImageUnavailableError` for `"N/A"`, an error answer, or bytes that
    /// are not an image; censored images resolve, with `censored: true`.
    #[wasm_bindgen(js_name = downloadImage, unchecked_return_type = "Promise<DownloadedImage>")]
    pub fn download_image(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageGeneration")] generation: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "DownloadOptions")] options: JsValue,
    ) -> Promise {
        let prepared = (|| {
            if !generation.is_object() {
                return Err(Error::invalid(
                    "generation",
                    "must be an ImageGeneration object",
                ));
            }
            let g: GenerationRef =
                decode_js(generation.clone()).map_err(|e| e.into_invalid("generation"))?;
            let opts: DownloadOptions = decode_options("options", &options)?;
            // Checked like every call's timeout (the default here is only a placeholder).
            crate::config::positive_ms("options.timeoutMs", opts.timeout_ms, 1.0)?;
            Ok((g, opts))
        })();
        match prepared {
            Ok((g, opts)) => spawn(download(self.inner.clone(), g, opts)),
            Err(e) => Promise::reject(&e.to_js()),
        }
    }

    /// `GET /v2/status/heartbeat`: whether the Horde is up (not rate limited).
    #[wasm_bindgen(unchecked_return_type = "Promise<HeartbeatResponse>")]
    pub fn heartbeat(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let call = decode_options("options", &options).and_then(|opts: RequestOptions| {
            self.inner.call(
                &opts,
                HttpMethod::Get,
                "/v2/status/heartbeat".into(),
                Route::Unlimited,
            )
        });
        launch(&self.inner, call, convert::<HeartbeatResponse>)
    }

    /// `GET /v2/status/models`: the models some worker serves now, with queue and speed.
    #[wasm_bindgen(js_name = listModels, unchecked_return_type = "Promise<ActiveModel[]>")]
    pub fn list_models(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ModelsQuery")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let call = decode_options("query", &query).and_then(|query: ModelsQuery| {
            let opts: RequestOptions = decode_options("options", &options)?;
            let path = format!("/v2/status/models{}", models_query_string(&query));
            self.inner
                .call(&opts, HttpMethod::Get, path, Route::Default)
        });
        launch(&self.inner, call, convert::<Vec<ActiveModel>>)
    }

    /// `GET /v2/find_user`: the user behind the client's API key (use it to validate a key:
    /// an unknown key rejects with `HordeNotFoundError`, rc `UserNotFound`).
    #[wasm_bindgen(js_name = findUser, unchecked_return_type = "Promise<UserDetails>")]
    pub fn find_user(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let call = decode_options("options", &options).and_then(|opts: RequestOptions| {
            let mut call = self.inner.call(
                &opts,
                HttpMethod::Get,
                "/v2/find_user".into(),
                Route::Default,
            )?;
            call.with_key = true;
            Ok(call)
        });
        launch(&self.inner, call, convert::<UserDetails>)
    }
}
