//! `HordeClient`, the JavaScript class: options, camelCase methods, and the Promise plumbing.
//! The work itself lives in the transport, the requests and the lifecycle.

use crate::config::RawSettings;
use crate::decode::decode_js;
use crate::download::{download, DownloadOptions, GenerationRef};
use crate::error::Error;
use crate::ids::JobId;
use crate::js_options::{check_keys, decode_options, opt_function, opt_signal};
use crate::lifecycle::{generate_images, GenerateOptions};
use crate::models::{
    ActiveModel, HeartbeatResponse, ImageGenerateAsyncRequest, ImageGenerateAsyncResponse,
    ImageGenerateDryRunResponse, ImageGenerationParams, ModelsQuery, UserDetails,
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
use js_sys::{Function, Object, Promise, Reflect};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::rc::Rc;
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// Options of `new HordeClient(options)`. Every field is optional.
#[derive(Tsify, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    #[serde(default, deserialize_with = "opt_function")]
    #[tsify(optional, type = "typeof fetch")]
    pub fetch: Option<Function>,
}

/// Options of a single call.
#[derive(Tsify, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestOptions {
    /// Aborts the call; it then rejects with `HordeAbortError`.
    #[serde(default, deserialize_with = "opt_signal")]
    #[tsify(optional, type = "AbortSignal")]
    pub signal: JsValue,
    /// Overrides the client's `timeoutMs` for this call.
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
    /// Overrides the client's `maxRetries` for this call.
    #[tsify(optional)]
    pub max_retries: Option<u32>,
}

/// What the client has sent so far (for diagnostics and benchmarks).
#[derive(Tsify, Serialize)]
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
}

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

fn spawn<F>(f: F) -> Promise
where
    F: Future<Output = Result<JsValue, Error>> + 'static,
{
    future_to_promise(async move { f.await.map_err(|e| e.to_js()) })
}

/// Serialises a model for JavaScript (plain objects, maps as objects).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
        .map_err(|e| Error::invalid("(output)", e.to_string()))
}

/// The submit endpoint.
pub const SUBMIT_PATH: &str = "/v2/generate/async";

/// An image request from JavaScript: an object with known keys only (a misspelt key would
/// otherwise be dropped without a word), decoded with the failing field's path.
pub(crate) fn request_arg(value: &JsValue) -> Result<ImageGenerateAsyncRequest, Error> {
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(Error::invalid(
            "request",
            "must be an object with at least a prompt",
        ));
    }
    check_keys::<ImageGenerateAsyncRequest>("request", value)?;
    if let Ok(params) = Reflect::get(value, &JsValue::from_str("params")) {
        if params.is_object() {
            check_keys::<ImageGenerationParams>("request.params", &params)?;
        }
    }
    decode_js::<ImageGenerateAsyncRequest>(value.clone())
        .map_err(|e| Error::invalid(format!("request.{}", e.field_path), e.message))
}

/// A job id argument from JavaScript.
pub(crate) fn job_id_arg(argument: &str, id: &JsValue) -> Result<JobId, Error> {
    let s = id
        .as_string()
        .ok_or_else(|| Error::invalid(argument, "must be a string (a job id, which is a UUID)"))?;
    parse_job_id(argument, &s)
}

impl Inner {
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
        })
    }

    /// `POST /v2/generate/async` with the SDK defaults filled in (validated first).
    pub async fn submit(
        &self,
        request: &ImageGenerateAsyncRequest,
        signal: &JsValue,
        dry_run: bool,
    ) -> Result<ImageGenerateAsyncResponse, Error> {
        let json = self.post_async(request, signal, dry_run).await?;
        decode_js(json).map_err(|error| Error::Decode {
            method: "POST",
            path: SUBMIT_PATH.into(),
            error,
        })
    }

    /// The POST itself; the body is the request with the SDK defaults and `dry_run`.
    pub async fn post_async(
        &self,
        request: &ImageGenerateAsyncRequest,
        signal: &JsValue,
        dry_run: bool,
    ) -> Result<JsValue, Error> {
        let mut body = request.clone().with_sdk_defaults();
        body.dry_run = dry_run.then_some(true);
        validate_request(&body)?;
        let opts = RequestOptions {
            signal: signal.clone(),
            ..Default::default()
        };
        let mut call = self.call(&opts, HttpMethod::Post, SUBMIT_PATH.into(), Route::Submit)?;
        call.body = Some(to_js(&body)?);
        call.with_key = true;
        call.abort_in_flight = false;
        self.transport.send(&call).await
    }

    /// Sends a seed request and decodes its answer.
    pub async fn send_request<R: HordeRequest>(
        &self,
        request: &R,
        opts: &RequestOptions,
    ) -> Result<R::Response, Error> {
        let call = self.call(opts, R::METHOD, request.path(), R::ROUTE)?;
        self.send_decoded(&call).await
    }

    /// Sends a call and decodes its answer as `T`.
    pub async fn send_decoded<T: serde::de::DeserializeOwned>(
        &self,
        call: &Call,
    ) -> Result<T, Error> {
        let json = self.transport.send(call).await?;
        decode_js::<T>(json).map_err(|error| Error::Decode {
            method: call.method.as_str(),
            path: call.path.clone(),
            error,
        })
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
        to_js(&ClientStats {
            attempts: c.attempts.get(),
            retries: c.retries.get(),
            rate_limited: c.rate_limited.get(),
        })
        .unwrap_or(JsValue::UNDEFINED)
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
        let inner = self.inner.clone();
        spawn(async move {
            let request = ImageGenerateStatusRequest::for_job(job_id_arg("id", &id)?);
            let opts: RequestOptions = decode_options("options", &options)?;
            to_js(&inner.send_request(&request, &opts).await?)
        })
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
        let inner = self.inner.clone();
        spawn(async move {
            let request = DeleteImageGenerateRequest::for_job(job_id_arg("id", &id)?);
            let opts: RequestOptions = decode_options("options", &options)?;
            to_js(&inner.send_request(&request, &opts).await?)
        })
    }

    /// `GET /v2/generate/check/{id}`: the progress of a request, without images. Cheap: 10 per
    /// second per id, cached one second by the server. Rejects like `getImageStatus`.
    #[wasm_bindgen(js_name = checkImage, unchecked_return_type = "Promise<ImageGenerateCheckResponse>")]
    pub fn check_image(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let request = ImageGenerateCheckRequest::for_job(job_id_arg("id", &id)?);
            let opts: RequestOptions = decode_options("options", &options)?;
            to_js(&inner.send_request(&request, &opts).await?)
        })
    }

    /// Sends a request object (`new ImageGenerateStatusRequest(id)`,
    /// `new DeleteImageGenerateRequest(id)` or `new ImageGenerateCheckRequest(id)`) and resolves
    /// to its success response type.
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
        let inner = self.inner.clone();
        spawn(async move {
            let field = |k: &str| {
                if request.is_object() {
                    Reflect::get(&request, &JsValue::from_str(k))
                        .ok()
                        .and_then(|v| v.as_string())
                } else {
                    None
                }
            };
            let kind = field("kind").unwrap_or_default();
            let id = job_id_arg(
                "request.id",
                &field("id").map(JsValue::from).unwrap_or(JsValue::UNDEFINED),
            )?;
            let opts: RequestOptions = decode_options("options", &options)?;
            match kind.as_str() {
                "ImageGenerateStatusRequest" => to_js(&inner.send_request(&ImageGenerateStatusRequest::for_job(id), &opts).await?),
                "DeleteImageGenerateRequest" => to_js(&inner.send_request(&DeleteImageGenerateRequest::for_job(id), &opts).await?),
                "ImageGenerateCheckRequest" => to_js(&inner.send_request(&ImageGenerateCheckRequest::for_job(id), &opts).await?),
                _ => Err(Error::invalid(
                    "request",
                    "must be an ImageGenerateStatusRequest, DeleteImageGenerateRequest or ImageGenerateCheckRequest",
                )),
            }
        })
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
        let inner = self.inner.clone();
        spawn(async move {
            let request = request_arg(&request)?;
            if request.dry_run == Some(true) {
                return Err(Error::invalid(
                    "request.dry_run",
                    "use estimateKudos for a dry run",
                ));
            }
            let opts: RequestOptions = decode_options("options", &options)?;
            to_js(&inner.submit(&request, &opts.signal, false).await?)
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
        let inner = self.inner.clone();
        spawn(async move {
            let request = request_arg(&request)?;
            let opts: RequestOptions = decode_options("options", &options)?;
            let json = inner.post_async(&request, &opts.signal, true).await?;
            let r: ImageGenerateDryRunResponse =
                decode_js(json).map_err(|error| Error::Decode {
                    method: "POST",
                    path: SUBMIT_PATH.into(),
                    error,
                })?;
            to_js(&r)
        })
    }

    /// Submits, waits and resolves to the final status with every image: the whole lifecycle.
    ///
    /// Checks the job at a cadence that follows the server's estimate (about once a second near
    /// the end, up to every 10 s while queued), calls `onProgress` after each check and
    /// `onImage` once per image (early when the status rate limit has room), and fetches the
    /// status once the job is `done`. Every call is paced under the Horde's rate limits.
    ///
    /// Ends: resolves when done (compare `finished` with the number requested: a job cancelled
    /// by someone else ends with fewer); rejects with `HordeJobFaultedError` (the Horde gave up
    /// after worker failures), `HordeJobExpiredError` (404 before done),
    /// `HordeJobImpossibleError` (no worker for `impossibleTimeoutMs`; the job is cancelled),
    /// `HordeAbortError` / `HordeTimeoutError` (the job is cancelled on the server first), or
    /// the submit's own errors. Every job error carries `jobId` and `partial`, the status with
    /// the images finished by then; `cancelError` is set if the cancel itself failed.
    #[wasm_bindgen(js_name = generateImages, unchecked_return_type = "Promise<ImageGenerateStatusResponse>")]
    pub fn generate_images(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageGenerateAsyncRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "GenerateOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        let prepared = (|| -> Result<_, Error> {
            let request = request_arg(&request)?;
            if request.dry_run == Some(true) {
                return Err(Error::invalid(
                    "request.dry_run",
                    "use estimateKudos for a dry run",
                ));
            }
            validate_request(&request.clone().with_sdk_defaults())?;
            let opts: GenerateOptions = decode_options("options", &options)?;
            Ok((request, opts))
        })();
        match prepared {
            Ok((request, opts)) => future_to_promise(generate_images(inner, request, opts)),
            Err(e) => Promise::reject(&e.to_js()),
        }
    }

    /// The bytes of a generation's image, whether `img` is a URL or base64.
    ///
    /// Sends no API key and no custom header to the image host. With `options.jobId`, an
    /// expired URL (the Horde's URLs last 30 minutes) is refreshed once through a status call.
    /// Rejects with `HordeImageUnavailableError` for `"N/A"`, an error answer, or bytes that
    /// are not an image; censored images resolve, with `censored: true`.
    #[wasm_bindgen(js_name = downloadImage, unchecked_return_type = "Promise<DownloadedImage>")]
    pub fn download_image(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageGeneration")] generation: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "DownloadOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        spawn(async move {
            if !generation.is_object() {
                return Err(Error::invalid(
                    "generation",
                    "must be an ImageGeneration object",
                ));
            }
            let g: GenerationRef = decode_js(generation)
                .map_err(|e| Error::invalid(format!("generation.{}", e.field_path), e.message))?;
            let opts: DownloadOptions = decode_options("options", &options)?;
            download(inner, g, opts).await
        })
    }

    /// `GET /v2/status/heartbeat`: whether the Horde is up (not rate limited).
    #[wasm_bindgen(unchecked_return_type = "Promise<HeartbeatResponse>")]
    pub fn heartbeat(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let opts: RequestOptions = decode_options("options", &options)?;
            let call = inner.call(
                &opts,
                HttpMethod::Get,
                "/v2/status/heartbeat".into(),
                Route::Unlimited,
            )?;
            to_js(&inner.send_decoded::<HeartbeatResponse>(&call).await?)
        })
    }

    /// `GET /v2/status/models`: the models some worker serves now, with queue and speed.
    #[wasm_bindgen(js_name = listModels, unchecked_return_type = "Promise<ActiveModel[]>")]
    pub fn list_models(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ModelsQuery")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let query: ModelsQuery = decode_options("query", &query)?;
            let opts: RequestOptions = decode_options("options", &options)?;
            let path = format!("/v2/status/models{}", models_query_string(&query));
            let call = inner.call(&opts, HttpMethod::Get, path, Route::Default)?;
            to_js(&inner.send_decoded::<Vec<ActiveModel>>(&call).await?)
        })
    }

    /// `GET /v2/find_user`: the user behind the client's API key (use it to validate a key:
    /// an unknown key rejects with `HordeNotFoundError`, rc `UserNotFound`).
    #[wasm_bindgen(js_name = findUser, unchecked_return_type = "Promise<UserDetails>")]
    pub fn find_user(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        spawn(async move {
            let opts: RequestOptions = decode_options("options", &options)?;
            let mut call = inner.call(
                &opts,
                HttpMethod::Get,
                "/v2/find_user".into(),
                Route::Default,
            )?;
            call.with_key = true;
            to_js(&inner.send_decoded::<UserDetails>(&call).await?)
        })
    }
}
