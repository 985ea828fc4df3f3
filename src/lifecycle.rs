//! `generateImages`: horde-core's job lifecycle (submit, checks at an adaptive cadence, early
//! images, the final status; on abort or timeout, a cancel on the server and what finished)
//! over the service: [`WasmHost`] makes its calls with `fetch`, waits with the JavaScript timers
//! and reports to the caller's callbacks.

use crate::endpoints::PathArgs;
use crate::error::Error;
use crate::guard::submit_guarded;
use crate::ids::JobId;
use crate::job::{
    impossible_timeout_ms, wait_timeout_ms, ImageJob, JobKind, CANCEL_BUDGET_MS,
    SUBMIT_ATTEMPT_TIMEOUT_MS, SUBMIT_GRACE_MS,
};
use crate::js;
use crate::js_error::ErrorToJs;
use crate::jsval::{FromJs, ToJs};
use crate::models::{GenerationProgress, ImageGenerateAsyncRequest, ImageGenerateAsyncResponse};
use crate::service::{RequestOptions, Service};
use crate::transport::Call;
use horde_core::lifecycle::{run, Failure, JobHost, Submitted};
use horde_wasm_macros::{FromJs, ToJs};
use js_sys::Function;
use std::rc::Rc;
use tsify::Tsify;
use wasm_bindgen::JsValue;

/// Options of `generateImages`. Every field is optional.
#[derive(Tsify, FromJs, ToJs, Default)]
#[serde(rename_all = "camelCase")]
#[js(options)]
pub struct GenerateOptions {
    /// Aborts the whole operation: the job is cancelled on the server and the call rejects with
    /// `HordeAbortError`, whose `partial` holds the images finished by then.
    #[tsify(optional, type = "AbortSignal")]
    #[js(read = crate::js_options::signal)]
    pub signal: JsValue,
    /// Limit for the whole operation, in milliseconds; on expiry the job is cancelled and the
    /// call rejects with `HordeTimeoutError` (with `partial`). Default 20 minutes (60 with
    /// `extra_slow_workers`), the Horde's own request lifetime. `Infinity` for none.
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
    /// How long the job may stay impossible (`is_possible: false`: no online worker can serve
    /// it) before it is cancelled with `HordeJobImpossibleError`. Default 60000; `Infinity`
    /// waits for a worker until the timeout or the server's expiry.
    #[tsify(optional)]
    pub impossible_timeout_ms: Option<f64>,
    /// Called after every check with the job's progress.
    #[tsify(optional, type = "(progress: GenerationProgress) => void")]
    pub on_progress: Option<Function>,
    /// Called once per image, as soon as it is known (possibly before the job is done, within
    /// the status rate limit). Censored images are delivered too, with `censored: true`.
    #[tsify(optional, type = "(image: ImageGeneration) => void")]
    pub on_image: Option<Function>,
    /// Called once the job is accepted, with the submit answer (its `id`, kudos estimate and
    /// warnings).
    #[tsify(optional, type = "(submitted: ImageGenerateAsyncResponse) => void")]
    pub on_submitted: Option<Function>,
}

/// The lifecycle's host in WebAssembly: the service, the caller's options and callbacks, and
/// the stop (the caller's signal or the timeout, whichever comes first).
struct WasmHost {
    service: Rc<Service>,
    opts: GenerateOptions,
    stop: js::Deadline,
    timeout_ms: f64,
    /// The submit, prepared once and sent again after `TooManyPrompts`.
    submit: Call,
}

/// Runs the whole lifecycle and resolves to the final status (as a JS value).
pub async fn generate_images(
    service: Rc<Service>,
    request: ImageGenerateAsyncRequest,
    opts: GenerateOptions,
) -> Result<JsValue, JsValue> {
    let timeout_ms = wait_timeout_ms(opts.timeout_ms, request.extra_slow_workers == Some(true))
        .map_err(|e| e.to_js())?;
    let impossible_ms = impossible_timeout_ms(opts.impossible_timeout_ms).map_err(|e| e.to_js())?;
    let stop = js::Deadline::new(timeout_ms, &opts.signal);
    service.transport.limiter.borrow_mut().sweep(js::now());
    let requested = request.image_count();
    let call_opts = RequestOptions {
        signal: stop.signal(),
        ..Default::default()
    };
    let result = match service.submit_call(request, &call_opts, false) {
        Ok(mut submit) => {
            // The whole job's timeout bounds the wait; an attempt's own timeout only bounds a
            // connection that went silent, so it must not cut a slow but live answer short.
            submit.timeout_ms = submit.timeout_ms.max(SUBMIT_ATTEMPT_TIMEOUT_MS);
            let mut host = WasmHost {
                service: service.clone(),
                opts,
                stop,
                timeout_ms,
                submit,
            };
            let result = run::<ImageJob, _>(&mut host, requested, impossible_ms)
                .await
                .map(|status| status.to_js())
                .map_err(failure_to_js);
            host.stop.clear();
            result
        }
        Err(e) => {
            stop.clear();
            Err(e.to_js())
        }
    };
    service.transport.limiter.borrow_mut().sweep(js::now());
    result
}

/// The JS error of a failed job, with `jobId`, `partial` and `cancelError` attached where known.
fn failure_to_js<S: ToJs>(f: Failure<S>) -> JsValue {
    let job_id = f
        .job_id
        .as_ref()
        .map(|id| JsValue::from_str(id.as_str()))
        .unwrap_or(JsValue::UNDEFINED);
    let partial = f
        .partial
        .as_ref()
        .map(ToJs::to_js)
        .unwrap_or(JsValue::UNDEFINED);
    let cancel = f
        .cancel_error
        .map(|c| c.to_js())
        .unwrap_or(JsValue::UNDEFINED);
    f.error.to_js_with(&[
        ("jobId", &job_id),
        ("partial", &partial),
        ("cancelError", &cancel),
    ])
}

impl WasmHost {
    fn call_options(&self) -> RequestOptions {
        RequestOptions {
            signal: self.stop.signal(),
            timeout_ms: None,
            max_retries: None,
            keepalive: None,
        }
    }
}

impl<K> JobHost<K> for WasmHost
where
    K: JobKind<Submitted = ImageGenerateAsyncResponse>,
    K::Check: FromJs,
    K::Status: FromJs + ToJs,
    K::Result: ToJs,
{
    /// The guarded submit (see [`crate::guard`]): after a stop it is given [`SUBMIT_GRACE_MS`]
    /// to answer, so that the job can be cancelled with its id known; after that, the guard
    /// cancels it.
    async fn submit(&mut self) -> Submitted<ImageGenerateAsyncResponse> {
        let stop = self.stop.signal();
        submit_guarded(
            self.service.clone(),
            self.submit.clone(),
            &stop,
            SUBMIT_GRACE_MS,
        )
        .await
    }

    async fn check(&mut self, id: &JobId) -> Result<K::Check, Error> {
        let opts = self.call_options();
        self.service
            .call(K::CHECK, &PathArgs::job(id), None, &opts)
            .await
    }

    async fn status(&mut self, id: &JobId, early: bool) -> Result<K::Status, Error> {
        let mut opts = self.call_options();
        if early {
            opts.max_retries = Some(0);
        }
        self.service
            .call(K::STATUS, &PathArgs::job(id), None, &opts)
            .await
    }

    fn status_has_room(&self, id: &JobId, spare: u32) -> bool {
        self.service.transport.has_room(
            K::STATUS.method,
            &K::STATUS.path_with(&PathArgs::job(id)),
            K::STATUS.route,
            spare,
        )
    }

    /// `DELETE` with a fresh timeout and no caller signal (the caller has usually just
    /// aborted). With `keepalive`: a page aborts its jobs from `pagehide`, and without it the
    /// browser drops the cancel as the page goes (a navigation or a reload loses it).
    async fn cancel(&mut self, id: &JobId) -> Result<K::Status, Error> {
        let opts = RequestOptions {
            signal: JsValue::UNDEFINED,
            timeout_ms: Some(5_000.0),
            max_retries: Some(3),
            keepalive: Some(true),
        };
        let mut call = self
            .service
            .prepare(K::CANCEL, &PathArgs::job(id), None, &opts)?;
        // The caller is usually aborting: the cancel, retries included, ends within
        // CANCEL_BUDGET_MS, and its error (if any) goes to `cancelError`.
        call.deadline = Some(js::now() + CANCEL_BUDGET_MS);
        self.service.send_typed::<K::Status>(&call).await
    }

    async fn sleep(&mut self, ms: f64) -> bool {
        js::sleep(ms, &self.stop.signal()).await
    }

    fn now(&self) -> f64 {
        js::now()
    }

    fn stopped(&self) -> bool {
        self.stop.reason() != 0
    }

    fn stopped_error(&self, during: &str, id: Option<&JobId>) -> Error {
        if self.stop.reason() == 1 {
            Error::Timeout {
                method: "WAIT",
                path: id.map_or_else(|| "generateImages".to_owned(), |id| id.to_string()),
                timeout_ms: self.timeout_ms,
            }
        } else {
            js::aborted_error(during.to_owned(), &self.opts.signal)
        }
    }

    fn on_submitted(&mut self, submitted: &ImageGenerateAsyncResponse) {
        if let Some(f) = &self.opts.on_submitted {
            js::callback(f, &submitted.to_js());
        }
    }

    fn wants_progress(&self) -> bool {
        self.opts.on_progress.is_some()
    }

    fn on_progress(&mut self, progress: GenerationProgress) {
        if let Some(f) = &self.opts.on_progress {
            js::callback(f, &progress.to_js());
        }
    }

    fn wants_results(&self) -> bool {
        self.opts.on_image.is_some()
    }

    fn on_result(&mut self, result: &K::Result) {
        if let Some(f) = &self.opts.on_image {
            js::callback(f, &result.to_js());
        }
    }

    fn remember(&mut self, id: &JobId, results: &[K::Result]) {
        self.service
            .remember(id, results.iter().map(|r| K::result_id(r).to_owned()));
    }
}
