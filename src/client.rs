//! `HordeClient`, the JavaScript class: options, camelCase methods, and the Promise plumbing.
//! The work itself lives in the transport, the requests and the lifecycle.

use crate::config::RawSettings;
use crate::decode::decode_js;
use crate::download::{download, DownloadOptions, GenerationRef};
use crate::endpoints::{
    Endpoint, PathArgs, FIND_USER, HEARTBEAT, IMAGE_CANCEL, IMAGE_CHECK, IMAGE_STATUS,
    IMAGE_SUBMIT, MODELS,
};
use crate::error::Error;
use crate::guard::{submit_guarded, Submitted};
use crate::ids::JobId;
use crate::js_error::ErrorToJs;
use crate::js_options::decode_options;
use crate::jsval::{check_keys, FromJs, Shape, ToJs};
use crate::lifecycle::{generate_images, GenerateOptions};
use crate::models::{
    ActiveModel, HeartbeatResponse, ImageGenerateAsyncRequest, ImageGenerateCheckResponse,
    ImageGenerateDryRunResponse, ImageGenerateStatusResponse, ImageGenerationParams, ModelsQuery,
    UserDetails,
};
use crate::query::models_query_string;
use crate::requests::{parse_job_id, RequestKind};
pub use crate::service::RequestOptions;
use crate::service::Service;
use crate::transport::{Call, Transport};
use crate::validate::validate_request;
use horde_wasm_macros::{FromJs, ToJs};
use js_sys::{Function, Object, Promise, Reflect};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use tsify::{Ts, Tsify};
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
    service: Rc<Service>,
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

/// Checks an answer that passes through against `T`'s shape (every field validated) and returns
/// its clean copy: the code of [`convert`] without building `T`, for answers the module does
/// not read.
fn pass<T: Shape>(json: JsValue) -> Result<JsValue, crate::decode::DecodeError> {
    crate::decode::check_js(json, T::KIND)
}

/// The promise of one call: one shared async pipeline (send, then convert) for every simple
/// method; argument errors reject without sending anything.
fn launch(service: &Rc<Service>, call: Result<Call, Error>, convert: Convert) -> Promise {
    launch_for(service, call, convert, None)
}

/// [`launch`] for a status answer of `job`: its generations are remembered for downloads.
fn launch_for(
    service: &Rc<Service>,
    call: Result<Call, Error>,
    convert: Convert,
    job: Option<JobId>,
) -> Promise {
    let call = match call {
        Ok(call) => call,
        Err(e) => return Promise::reject(&e.to_js()),
    };
    let service = service.clone();
    spawn(async move {
        let json = service.transport.send(&call).await?;
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
            service.remember(&job, ids);
        }
        Ok(out)
    })
}

/// An image request from JavaScript: an object with known keys only (a misspelt key would
/// otherwise be dropped without a word), decoded with the failing field's path.
pub(crate) fn request_arg(value: &JsValue) -> Result<ImageGenerateAsyncRequest, Error> {
    if !value.is_object() || horde_core::js::is_array(value) {
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

impl HordeClient {
    /// The call of a job's `endpoint` for the `id` argument, and that job id.
    fn job_call<R>(
        &self,
        id: &JsValue,
        options: &JsValue,
        endpoint: &Endpoint<R>,
    ) -> (Result<Call, Error>, Option<JobId>) {
        match job_id_arg("id", id) {
            Ok(job) => {
                let call = decode_options("options", options).and_then(|opts: RequestOptions| {
                    self.service
                        .prepare(endpoint, &PathArgs::job(&job), None, &opts)
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
        let o: ClientOptions = decode_options("options", &options).map_err(|e| e.to_js())?;
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
        .validate()
        .map_err(|e| e.to_js())?;
        Ok(HordeClient {
            service: Rc::new(Service::new(Transport::new(settings, o.fetch))),
        })
    }

    /// The API root this client talks to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.service.transport.settings.base_url.clone()
    }

    /// The `Client-Agent` this client sends.
    #[wasm_bindgen(getter, js_name = clientAgent)]
    pub fn client_agent(&self) -> String {
        self.service.transport.settings.client_agent.clone()
    }

    /// Whether the client uses the anonymous key.
    #[wasm_bindgen(getter, js_name = isAnonymous)]
    pub fn is_anonymous(&self) -> bool {
        self.service.transport.settings.api_key.is_anonymous()
    }

    /// What the client has sent so far.
    #[wasm_bindgen(getter, unchecked_return_type = "ClientStats")]
    pub fn stats(&self) -> JsValue {
        let c = &self.service.transport.counters;
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
        let s = &self.service.transport.settings;
        let _ = Reflect::set(&o, &"baseUrl".into(), &s.base_url.as_str().into());
        let _ = Reflect::set(&o, &"clientAgent".into(), &s.client_agent.as_str().into());
        let _ = Reflect::set(&o, &"apiKey".into(), &"[redacted]".into());
        o.into()
    }

    /// A one-line description without the API key.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!("HordeClient({})", self.service.transport.settings.base_url)
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
        let (call, job) = self.job_call(&id, &options, &IMAGE_STATUS);
        launch_for(
            &self.service,
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
        let (call, job) = self.job_call(&id, &options, &IMAGE_CANCEL);
        launch_for(
            &self.service,
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
        let (call, _) = self.job_call(&id, &options, &IMAGE_CHECK);
        launch(&self.service, call, convert::<ImageGenerateCheckResponse>)
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
        let kind = field("kind")
            .as_string()
            .and_then(|name| RequestKind::from_class_name(&name));
        let (call, job, convert): (_, _, Convert) = match kind {
            Some(RequestKind::ImageStatus) => {
                let (c, j) = self.job_call(&field("id"), &options, &IMAGE_STATUS);
                (c, j, convert::<ImageGenerateStatusResponse>)
            }
            Some(RequestKind::ImageCancel) => {
                let (c, j) = self.job_call(&field("id"), &options, &IMAGE_CANCEL);
                (c, j, convert::<ImageGenerateStatusResponse>)
            }
            Some(RequestKind::ImageCheck) => {
                let (c, _) = self.job_call(&field("id"), &options, &IMAGE_CHECK);
                (c, None, convert::<ImageGenerateCheckResponse>)
            }
            None => {
                let e = Error::invalid(
                    "request",
                    "must be an ImageGenerateStatusRequest, DeleteImageGenerateRequest or ImageGenerateCheckRequest",
                );
                return Promise::reject(&e.to_js());
            }
        };
        launch_for(&self.service, call, convert, job)
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
        request: Ts<ImageGenerateAsyncRequest>,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let prepared = request_arg(&request.into()).and_then(|request| {
            if request.dry_run == Some(true) {
                return Err(Error::invalid("dry_run", "use estimateKudos for a dry run"));
            }
            let opts: RequestOptions = decode_options("options", &options)?;
            let call = self.service.submit_call(request, &opts, false)?;
            Ok((call, opts.signal))
        });
        let (mut call, signal) = match prepared {
            Ok(p) => p,
            Err(e) => return Promise::reject(&e.to_js()),
        };
        let service = self.service.clone();
        spawn(async move {
            // The caller's timeout and signal end the wait; the request, once sent, runs to its
            // answer, and a job it creates after the caller gave up is cancelled (see guard).
            let timeout_ms = call.timeout_ms;
            let stop = crate::js::Deadline::new(timeout_ms, &signal);
            call.timeout_ms = timeout_ms.max(crate::job::SUBMIT_ATTEMPT_TIMEOUT_MS);
            let outcome = submit_guarded(service, call, &stop.signal(), 0.0).await;
            let why = stop.reason();
            stop.clear();
            match outcome {
                Submitted::Answered(r) => Ok(r?.to_js()),
                Submitted::Stopped(_) if why == 1 => Err(Error::Timeout {
                    method: IMAGE_SUBMIT.method.as_str(),
                    path: IMAGE_SUBMIT.path.into(),
                    timeout_ms,
                }),
                Submitted::Stopped(_) => {
                    let during = format!("{} {}", IMAGE_SUBMIT.method.as_str(), IMAGE_SUBMIT.path);
                    Err(crate::js::aborted_error(during, &signal))
                }
            }
        })
    }

    /// A dry run of `POST /v2/generate/async`: the estimated total kudos cost of the request
    /// (all `n` images, model multipliers and the tax), without creating anything.
    #[wasm_bindgen(js_name = estimateKudos, unchecked_return_type = "Promise<ImageGenerateDryRunResponse>")]
    pub fn estimate_kudos(
        &self,
        request: Ts<ImageGenerateAsyncRequest>,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let call = request_arg(&request.into()).and_then(|request| {
            let opts: RequestOptions = decode_options("options", &options)?;
            self.service.submit_call(request, &opts, true)
        });
        launch(&self.service, call, pass::<ImageGenerateDryRunResponse>)
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
        request: Ts<ImageGenerateAsyncRequest>,
        #[wasm_bindgen(unchecked_optional_param_type = "GenerateOptions")] options: JsValue,
    ) -> Promise {
        let prepared = request_arg(&request.into()).and_then(|mut request| {
            if request.dry_run == Some(true) {
                return Err(Error::invalid("dry_run", "use estimateKudos for a dry run"));
            }
            request.apply_sdk_defaults();
            validate_request(&request)?;
            let opts: GenerateOptions = decode_options("options", &options)?;
            Ok((request, opts))
        });
        match prepared {
            Ok((request, opts)) => run(Box::pin(generate_images(
                self.service.clone(),
                request,
                opts,
            ))),
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
        generation: Ts<crate::models::ImageGeneration>,
        #[wasm_bindgen(unchecked_optional_param_type = "DownloadOptions")] options: JsValue,
    ) -> Promise {
        let generation: JsValue = generation.into();
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
            Ok((g, opts)) => spawn(download(self.service.clone(), g, opts)),
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
            self.service
                .prepare(&HEARTBEAT, &PathArgs::default(), None, &opts)
        });
        launch(&self.service, call, pass::<HeartbeatResponse>)
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
            let args = PathArgs {
                query: models_query_string(&query),
                ..PathArgs::default()
            };
            self.service.prepare(&MODELS, &args, None, &opts)
        });
        launch(&self.service, call, pass::<Vec<ActiveModel>>)
    }

    /// `GET /v2/find_user`: the user behind the client's API key (use it to validate a key:
    /// an unknown key rejects with `HordeNotFoundError`, rc `UserNotFound`).
    #[wasm_bindgen(js_name = findUser, unchecked_return_type = "Promise<UserDetails>")]
    pub fn find_user(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let call = decode_options("options", &options).and_then(|opts: RequestOptions| {
            self.service
                .prepare(&FIND_USER, &PathArgs::default(), None, &opts)
        });
        launch(&self.service, call, pass::<UserDetails>)
    }
}
