//! `generateImages`: submit, check at an adaptive cadence, deliver images early, fetch the final
//! status; and on abort or timeout, cancel the job on the server and hand back what finished.
//! Generic over the kind of job (horde-core's [`JobKind`]); the decisions (shortfall, transient
//! failures, timeouts, the impossible limit, the next check) are horde-core's `job` module.

use crate::cadence::failure_delay_ms;
use crate::endpoints::{PathArgs, IMAGE_SUBMIT};
use crate::error::Error;
use crate::guard::{submit_guarded, Submitted};
use crate::ids::JobId;
use crate::job::{
    expired_error, faulted_error, impossible_error, impossible_timeout_ms, phase,
    throttle_delay_ms, transient, wait_timeout_ms, ImageJob, Impossible, JobKind, CANCEL_BUDGET_MS,
    MAX_CHECK_FAILURES, STATUS_SPARE, SUBMIT_ATTEMPT_TIMEOUT_MS, SUBMIT_GRACE_MS,
};
use crate::js;
use crate::js_error::ErrorToJs;
use crate::jsval::{FromJs, ToJs};
use crate::models::{ImageGenerateAsyncRequest, ImageGenerateAsyncResponse, JobProgress};
use crate::service::{RequestOptions, Service};
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

/// The progress of a `generateImages` call, passed to `onProgress`.
#[derive(Tsify, FromJs, ToJs, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct GenerationProgress {
    /// The request id; absent while the request is not accepted yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub job_id: Option<String>,
    /// `submitting` (waiting for the key's queue to drain: `TooManyPrompts`), `queued`,
    /// `processing` or `done`.
    #[tsify(type = "\"submitting\" | \"queued\" | \"processing\" | \"done\"")]
    pub phase: String,
    /// Images requested.
    pub requested: u32,
    /// Images finished.
    pub finished: u32,
    /// Images on workers.
    pub processing: u32,
    /// Images not yet picked up.
    pub waiting: u32,
    /// Jobs restarted after a worker failure.
    pub restarted: u32,
    /// Position in the queue (0: nothing ahead).
    pub queue_position: u32,
    /// The server's estimate of the seconds left.
    pub wait_time: u32,
    /// Kudos consumed so far.
    pub kudos: f64,
    /// Whether an online worker can serve the job.
    pub is_possible: bool,
    /// Milliseconds since the call started.
    pub elapsed_ms: f64,
    /// Checks made so far.
    pub checks: u32,
}

/// How the wait ended.
enum Stop {
    /// The caller aborted or the timeout ran out.
    Stopped,
    /// An error that ends the job (it is cancelled first when it may still be running).
    Failed(Error, bool),
}

struct Job<K: JobKind> {
    service: Rc<Service>,
    opts: GenerateOptions,
    stop: js::Deadline,
    timeout_ms: f64,
    impossible_ms: f64,
    requested: u32,
    started: f64,
    id: Option<JobId>,
    checks: u32,
    delivered: Vec<String>,
    last_status: Option<K::Status>,
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
    let mut job = Job::<ImageJob> {
        service,
        opts,
        stop,
        timeout_ms,
        impossible_ms,
        requested: request.image_count(),
        started: js::now(),
        id: None,
        checks: 0,
        delivered: Vec::new(),
        last_status: None,
    };
    let result = job.run(request).await;
    job.stop.clear();
    job.service.transport.limiter.borrow_mut().sweep(js::now());
    result
}

impl<K: JobKind> Job<K>
where
    K::Check: FromJs,
    K::Status: FromJs + ToJs,
    K::Result: ToJs,
{
    async fn run(&mut self, request: ImageGenerateAsyncRequest) -> Result<JsValue, JsValue> {
        let submitted = match self.submit(request).await {
            Ok(s) => s,
            Err(e) => return Err(self.fail(e, None, None)),
        };
        if let Some(f) = &self.opts.on_submitted {
            js::callback(f, &submitted.to_js());
        }
        let id = match JobId::parse(&submitted.id) {
            Ok(id) => id,
            Err(e) => {
                let err = Error::Decode {
                    method: IMAGE_SUBMIT.method.as_str(),
                    path: IMAGE_SUBMIT.path.into(),
                    error: crate::decode::DecodeError {
                        field_path: "id".into(),
                        message: e.to_string(),
                    },
                };
                return Err(self.fail(err, None, None));
            }
        };
        self.id = Some(id.clone());
        match self.wait(&id).await {
            Ok(()) => {}
            Err(Stop::Stopped) => return Err(self.stopped_with_cancel(&id).await),
            Err(Stop::Failed(e, cancel)) => {
                let (partial, cancel_error) = if cancel {
                    self.cancel(&id).await
                } else {
                    (self.last_status.take(), None)
                };
                return Err(self.fail(e, partial.as_ref(), cancel_error));
            }
        }
        self.finish(&id).await
    }

    /// Submits, waiting out `TooManyPrompts`. The POST is never aborted in flight (see
    /// [`crate::guard`]): after a stop it is given [`SUBMIT_GRACE_MS`] to answer, so that the
    /// job can be cancelled here with its id known; after that, the guard cancels it.
    async fn submit(
        &mut self,
        request: ImageGenerateAsyncRequest,
    ) -> Result<ImageGenerateAsyncResponse, Error> {
        let opts = RequestOptions {
            signal: self.stop.signal(),
            ..Default::default()
        };
        let mut call = self.service.submit_call(request, &opts, false)?;
        // The whole job's timeout bounds the wait; an attempt's own timeout only bounds a
        // connection that went silent, so it must not cut a slow but live answer short.
        call.timeout_ms = call.timeout_ms.max(SUBMIT_ATTEMPT_TIMEOUT_MS);
        let mut throttled = 0;
        loop {
            let stop = self.stop.signal();
            match submit_guarded(self.service.clone(), call.clone(), &stop, SUBMIT_GRACE_MS).await {
                Submitted::Answered(Ok(r)) | Submitted::Stopped(Some(r)) => return Ok(r),
                Submitted::Stopped(None) | Submitted::Answered(Err(Error::Aborted { .. })) => {
                    return Err(self.stopped_error("submitting"))
                }
                Submitted::Answered(Err(e)) if e.rc() == Some("TooManyPrompts") => {
                    self.progress_submitting();
                    let delay = throttle_delay_ms(throttled);
                    throttled += 1;
                    if !js::sleep(delay, &stop).await {
                        return Err(self.stopped_error("submitting"));
                    }
                }
                Submitted::Answered(Err(e)) => return Err(e),
            }
        }
    }

    /// Checks until `done`, delivering images early when the status limit has room.
    async fn wait(&mut self, id: &JobId) -> Result<(), Stop> {
        let args = PathArgs::job(id);
        let mut failures = 0;
        let mut impossible = Impossible::new(self.impossible_ms);
        loop {
            if self.stopped() {
                return Err(Stop::Stopped);
            }
            let opts = self.call_options();
            let check: K::Check = match self.service.call(K::CHECK, &args, None, &opts).await {
                Ok(c) => {
                    failures = 0;
                    c
                }
                Err(Error::Aborted { .. }) => return Err(Stop::Stopped),
                Err(e) if e.status() == Some(404) => {
                    return Err(Stop::Failed(expired_error(id), false))
                }
                Err(e) if transient(&e) && failures < MAX_CHECK_FAILURES => {
                    failures += 1;
                    if !js::sleep(failure_delay_ms(failures), &self.stop.signal()).await {
                        return Err(Stop::Stopped);
                    }
                    continue;
                }
                Err(e) => return Err(Stop::Failed(e, true)),
            };
            self.checks += 1;
            self.progress(Some(id), &check);
            if check.done() {
                return Ok(());
            }
            if let Some(elapsed) = impossible.observe(check.is_possible(), js::now()) {
                return Err(Stop::Failed(impossible_error(id, elapsed), true));
            }
            if check.finished() as usize > self.delivered.len() {
                self.deliver_early(id).await;
            }
            // The next check is the one that sees the impossible limit pass, if it is running.
            let delay = impossible.next_delay_ms(&check, self.checks, js::now());
            if !js::sleep(delay, &self.stop.signal()).await {
                return Err(Stop::Stopped);
            }
        }
    }

    /// Fetches the status for images that finished early, only if the status limit keeps its
    /// spare slots; failures here are harmless (the final status repeats them).
    async fn deliver_early(&mut self, id: &JobId) {
        if self.opts.on_image.is_none() {
            return;
        }
        let args = PathArgs::job(id);
        if !self.service.transport.has_room(
            K::STATUS.method,
            &K::STATUS.path_with(&args),
            K::STATUS.route,
            STATUS_SPARE,
        ) {
            return;
        }
        let mut opts = self.call_options();
        opts.max_retries = Some(0);
        if let Ok(status) = self.service.call(K::STATUS, &args, None, &opts).await {
            self.deliver(&status);
            self.last_status = Some(status);
        }
    }

    /// The final status once `done`: resolves with every requested image, or rejects with
    /// `HordeJobFaultedError` holding the images that arrived.
    async fn finish(&mut self, id: &JobId) -> Result<JsValue, JsValue> {
        let opts = self.call_options();
        let args = PathArgs::job(id);
        let status = match self.service.call(K::STATUS, &args, None, &opts).await {
            Ok(s) => s,
            Err(Error::Aborted { .. }) => {
                let e = self.stopped_error("fetching the final status");
                let partial = self.last_status.take();
                return Err(self.fail(e, partial.as_ref(), None));
            }
            Err(e) if e.status() == Some(404) => {
                let e = expired_error(id);
                let partial = self.last_status.take();
                return Err(self.fail(e, partial.as_ref(), None));
            }
            Err(e) => {
                let partial = self.last_status.take();
                return Err(self.fail(e, partial.as_ref(), None));
            }
        };
        self.deliver(&status);
        if let Some(message) = K::shortfall(id, &status, self.requested) {
            let e = faulted_error(id, message);
            return Err(self.fail(e, Some(&status), None));
        }
        Ok(status.to_js())
    }

    /// On abort or timeout after the job exists: cancel it, then reject with what finished.
    async fn stopped_with_cancel(&mut self, id: &JobId) -> JsValue {
        let error = self.stopped_error("waiting");
        let (partial, cancel_error) = self.cancel(id).await;
        self.fail(error, partial.as_ref(), cancel_error)
    }

    /// `DELETE` with a fresh timeout and no caller signal (the caller has usually just aborted).
    /// With `keepalive`: a page aborts its jobs from `pagehide`, and without it the browser
    /// drops the cancel as the page goes (a navigation or a reload loses it).
    async fn cancel(&mut self, id: &JobId) -> (Option<K::Status>, Option<Error>) {
        let opts = RequestOptions {
            signal: JsValue::UNDEFINED,
            timeout_ms: Some(5_000.0),
            max_retries: Some(3),
            keepalive: Some(true),
        };
        let result = match self
            .service
            .prepare(K::CANCEL, &PathArgs::job(id), None, &opts)
        {
            Ok(mut call) => {
                // The caller is usually aborting: the cancel, retries included, ends within
                // CANCEL_BUDGET_MS, and its error (if any) goes to `cancelError`.
                call.deadline = Some(js::now() + CANCEL_BUDGET_MS);
                self.service.send_typed::<K::Status>(&call).await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(status) => {
                self.deliver(&status);
                (Some(status), None)
            }
            Err(e) => (self.last_status.take(), Some(e)),
        }
    }

    fn deliver(&mut self, status: &K::Status) {
        let results = K::results(status);
        if let Some(id) = &self.id {
            self.service
                .remember(id, results.iter().map(|g| K::result_id(g).to_owned()));
        }
        for g in results {
            let result_id = K::result_id(g);
            if !self.delivered.iter().any(|d| d == result_id) {
                self.delivered.push(result_id.to_owned());
                if let Some(f) = &self.opts.on_image {
                    js::callback(f, &g.to_js());
                }
            }
        }
    }

    fn stopped(&self) -> bool {
        self.stop.reason() != 0
    }

    fn stopped_error(&self, during: &str) -> Error {
        if self.stop.reason() == 1 {
            Error::Timeout {
                method: "WAIT",
                path: self
                    .id
                    .as_ref()
                    .map_or_else(|| "generateImages".to_owned(), |id| id.to_string()),
                timeout_ms: self.timeout_ms,
            }
        } else {
            js::aborted(during.to_owned(), &self.opts.signal)
        }
    }

    fn call_options(&self) -> RequestOptions {
        RequestOptions {
            signal: self.stop.signal(),
            timeout_ms: None,
            max_retries: None,
            keepalive: None,
        }
    }

    /// The JS error, with `jobId`, `partial` and `cancelError` attached where known.
    fn fail(&self, e: Error, partial: Option<&K::Status>, cancel_error: Option<Error>) -> JsValue {
        let job_id = self
            .id
            .as_ref()
            .map(|id| JsValue::from_str(id.as_str()))
            .unwrap_or(JsValue::UNDEFINED);
        let partial = partial.map(ToJs::to_js).unwrap_or(JsValue::UNDEFINED);
        let cancel = cancel_error
            .map(|c| c.to_js())
            .unwrap_or(JsValue::UNDEFINED);
        e.to_js_with(&[
            ("jobId", &job_id),
            ("partial", &partial),
            ("cancelError", &cancel),
        ])
    }

    fn progress(&self, id: Option<&JobId>, p: &impl JobProgress) {
        let Some(f) = &self.opts.on_progress else {
            return;
        };
        let progress = GenerationProgress {
            job_id: id.map(|i| i.to_string()),
            phase: phase(p).to_owned(),
            requested: self.requested,
            finished: p.finished(),
            processing: p.processing(),
            waiting: p.waiting(),
            restarted: p.restarted(),
            queue_position: p.queue_position(),
            wait_time: p.wait_time(),
            kudos: p.kudos(),
            is_possible: p.is_possible(),
            elapsed_ms: js::now() - self.started,
            checks: self.checks,
        };
        js::callback(f, &progress.to_js());
    }

    fn progress_submitting(&self) {
        let Some(f) = &self.opts.on_progress else {
            return;
        };
        let progress = GenerationProgress {
            job_id: None,
            phase: "submitting".to_owned(),
            requested: self.requested,
            finished: 0,
            processing: 0,
            waiting: self.requested,
            restarted: 0,
            queue_position: 0,
            wait_time: 0,
            kudos: 0.0,
            is_possible: true,
            elapsed_ms: js::now() - self.started,
            checks: self.checks,
        };
        js::callback(f, &progress.to_js());
    }
}
