//! The job lifecycle over a [`JobHost`]: submit (waiting out `TooManyPrompts`), check at the
//! cadence's pace until `done`, deliver results early when the status limit has room, fetch the
//! final status and apply the kind's shortfall rule; on a stop, or a failure that leaves the job
//! running, cancel it and hand back what finished. The host does the I/O, the waiting and the
//! callbacks (horde-wasm's is the service over `fetch`); what is decided at each step is the
//! [`job`](crate::job) module's.

use crate::cadence::failure_delay_ms;
use crate::decode::DecodeError;
use crate::error::Error;
use crate::ids::JobId;
use crate::job::{
    expired_error, faulted_error, impossible_error, phase, throttle_delay_ms, transient,
    Impossible, JobKind, MAX_CHECK_FAILURES, STATUS_SPARE,
};
use crate::models::{GenerationProgress, JobProgress};

/// How one submit ended.
pub enum Submitted<R> {
    /// The server answered (a job, or an error) before the stop.
    Answered(Result<R, Error>),
    /// The stop came first. `Some` if the answer still arrived in time for the job to be
    /// cancelled here; `None` if it did not (whoever sent the submit cancels it later, if any).
    Stopped(Option<R>),
}

/// What the lifecycle needs of its platform: the calls of one job, a clock, waits that a stop
/// ends, and where progress and results go.
// The futures are awaited in place, on one thread: they need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait JobHost<K: JobKind> {
    /// Submits the job once. A submit already sent is never abandoned unseen: if the stop comes
    /// first, the host still cancels a job that its answer brings later.
    async fn submit(&mut self) -> Submitted<K::Submitted>;
    /// The job's progress.
    async fn check(&mut self, id: &JobId) -> Result<K::Check, Error>;
    /// The job's full status; `early` for a fetch before `done` (not retried: the final status
    /// repeats it).
    async fn status(&mut self, id: &JobId, early: bool) -> Result<K::Status, Error>;
    /// Whether one more status call of the job leaves `spare` slots of its rate limit.
    fn status_has_room(&self, id: &JobId, spare: u32) -> bool;
    /// Cancels the job; the answer is its status just before the cancel.
    async fn cancel(&mut self, id: &JobId) -> Result<K::Status, Error>;
    /// Waits `ms`; `false` if the job was stopped first.
    async fn sleep(&mut self, ms: f64) -> bool;
    /// Milliseconds on the host's monotonic clock (only intervals are taken from it).
    fn now(&self) -> f64;
    /// Whether the job was stopped (the caller aborted, or its timeout ran out).
    fn stopped(&self) -> bool;
    /// The error of a stop while `during` (a timeout or an abort), for the job `id` if known.
    fn stopped_error(&self, during: &str, id: Option<&JobId>) -> Error;
    /// The submit was accepted.
    fn on_submitted(&mut self, submitted: &K::Submitted);
    /// Whether anyone listens to progress reports.
    fn wants_progress(&self) -> bool;
    /// A progress report.
    fn on_progress(&mut self, progress: GenerationProgress);
    /// Whether anyone listens to results as they arrive (early status fetches are made for
    /// them only).
    fn wants_results(&self) -> bool;
    /// A result, once each.
    fn on_result(&mut self, result: &K::Result);
    /// The results a status of job `id` listed.
    fn remember(&mut self, id: &JobId, results: &[K::Result]);
}

/// How a job failed: the error, the job's id once known, the results that finished (the last
/// status seen), and the cancel's own error if the cancel failed.
pub struct Failure<S> {
    /// What ended the job.
    pub error: Error,
    /// The job id, once the submit was answered.
    pub job_id: Option<JobId>,
    /// The last status seen, with what finished.
    pub partial: Option<S>,
    /// Why the cancel failed, if it did.
    pub cancel_error: Option<Error>,
}

/// How the wait ended.
enum Stop {
    /// The caller aborted or the timeout ran out.
    Stopped,
    /// An error that ends the job (it is cancelled first when it may still be running).
    Failed(Error, bool),
}

/// Runs one job of `requested` results to its end: its final status, or how it failed. An
/// impossible job is given up after `impossible_ms` (see [`crate::job::impossible_timeout_ms`]).
pub async fn run<K: JobKind, H: JobHost<K>>(
    host: &mut H,
    requested: u32,
    impossible_ms: f64,
) -> Result<K::Status, Failure<K::Status>> {
    let started = host.now();
    let mut job = Job::<K, H> {
        host,
        requested,
        impossible_ms,
        started,
        id: None,
        checks: 0,
        delivered: Vec::new(),
        last_status: None,
    };
    job.run().await
}

struct Job<'h, K: JobKind, H: JobHost<K>> {
    host: &'h mut H,
    requested: u32,
    impossible_ms: f64,
    started: f64,
    id: Option<JobId>,
    checks: u32,
    delivered: Vec<String>,
    last_status: Option<K::Status>,
}

impl<K: JobKind, H: JobHost<K>> Job<'_, K, H> {
    async fn run(&mut self) -> Result<K::Status, Failure<K::Status>> {
        let submitted = match self.submit().await {
            Ok(s) => s,
            Err(e) => return Err(self.fail(e, None, None)),
        };
        self.host.on_submitted(&submitted);
        let id = match JobId::parse(K::submitted_id(&submitted)) {
            Ok(id) => id,
            Err(e) => {
                let err = Error::Decode {
                    method: K::SUBMIT.method.as_str(),
                    path: K::SUBMIT.path.into(),
                    error: DecodeError {
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
                return Err(self.fail(e, partial, cancel_error));
            }
        }
        self.finish(&id).await
    }

    /// Submits, waiting out `TooManyPrompts`.
    async fn submit(&mut self) -> Result<K::Submitted, Error> {
        let mut throttled = 0;
        loop {
            match self.host.submit().await {
                Submitted::Answered(Ok(r)) | Submitted::Stopped(Some(r)) => return Ok(r),
                Submitted::Stopped(None) | Submitted::Answered(Err(Error::Aborted { .. })) => {
                    return Err(self.host.stopped_error("submitting", None))
                }
                Submitted::Answered(Err(e)) if e.rc() == Some("TooManyPrompts") => {
                    self.progress_submitting();
                    let delay = throttle_delay_ms(throttled);
                    throttled += 1;
                    if !self.host.sleep(delay).await {
                        return Err(self.host.stopped_error("submitting", None));
                    }
                }
                Submitted::Answered(Err(e)) => return Err(e),
            }
        }
    }

    /// Checks until `done`, delivering results early when the status limit has room.
    async fn wait(&mut self, id: &JobId) -> Result<(), Stop> {
        let mut failures = 0;
        let mut impossible = Impossible::new(self.impossible_ms);
        loop {
            if self.host.stopped() {
                return Err(Stop::Stopped);
            }
            let check = match self.host.check(id).await {
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
                    if !self.host.sleep(failure_delay_ms(failures)).await {
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
            if let Some(elapsed) = impossible.observe(check.is_possible(), self.host.now()) {
                return Err(Stop::Failed(impossible_error(id, elapsed), true));
            }
            if check.finished() as usize > self.delivered.len() {
                self.deliver_early(id).await;
            }
            // The next check is the one that sees the impossible limit pass, if it is running.
            let delay = impossible.next_delay_ms(&check, self.checks, self.host.now());
            if !self.host.sleep(delay).await {
                return Err(Stop::Stopped);
            }
        }
    }

    /// Fetches the status for results that finished early, only if the status limit keeps its
    /// spare slots; failures here are harmless (the final status repeats them).
    async fn deliver_early(&mut self, id: &JobId) {
        if !self.host.wants_results() || !self.host.status_has_room(id, STATUS_SPARE) {
            return;
        }
        if let Ok(status) = self.host.status(id, true).await {
            self.deliver(&status);
            self.last_status = Some(status);
        }
    }

    /// The final status once `done`: every requested result, or a failure holding the results
    /// that arrived.
    async fn finish(&mut self, id: &JobId) -> Result<K::Status, Failure<K::Status>> {
        let status = match self.host.status(id, false).await {
            Ok(s) => s,
            Err(e) => {
                let e = match e {
                    Error::Aborted { .. } => self
                        .host
                        .stopped_error("fetching the final status", Some(id)),
                    e if e.status() == Some(404) => expired_error(id),
                    e => e,
                };
                let partial = self.last_status.take();
                return Err(self.fail(e, partial, None));
            }
        };
        self.deliver(&status);
        if let Some(message) = K::shortfall(id, &status, self.requested) {
            return Err(self.fail(faulted_error(id, message), Some(status), None));
        }
        Ok(status)
    }

    /// On a stop after the job exists: cancel it, then fail with what finished.
    async fn stopped_with_cancel(&mut self, id: &JobId) -> Failure<K::Status> {
        let error = self.host.stopped_error("waiting", Some(id));
        let (partial, cancel_error) = self.cancel(id).await;
        self.fail(error, partial, cancel_error)
    }

    async fn cancel(&mut self, id: &JobId) -> (Option<K::Status>, Option<Error>) {
        match self.host.cancel(id).await {
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
            self.host.remember(id, results);
        }
        for r in results {
            let result_id = K::result_id(r);
            if !self.delivered.iter().any(|d| d == result_id) {
                self.delivered.push(result_id.to_owned());
                self.host.on_result(r);
            }
        }
    }

    fn fail(
        &self,
        error: Error,
        partial: Option<K::Status>,
        cancel_error: Option<Error>,
    ) -> Failure<K::Status> {
        Failure {
            error,
            job_id: self.id.clone(),
            partial,
            cancel_error,
        }
    }

    fn progress(&mut self, id: Option<&JobId>, p: &impl JobProgress) {
        if !self.host.wants_progress() {
            return;
        }
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
            elapsed_ms: self.host.now() - self.started,
            checks: self.checks,
        };
        self.host.on_progress(progress);
    }

    fn progress_submitting(&mut self) {
        if !self.host.wants_progress() {
            return;
        }
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
            elapsed_ms: self.host.now() - self.started,
            checks: self.checks,
        };
        self.host.on_progress(progress);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::error::{Cause, JobFailure};
    use crate::job::ImageJob;
    use crate::models::{
        ImageGenerateAsyncResponse, ImageGenerateCheckResponse, ImageGenerateStatusResponse,
        ImageGeneration,
    };
    use std::collections::VecDeque;
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    const ID: &str = "5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1";

    /// Runs a future whose every await is ready at once (the fake host never waits).
    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    fn submitted() -> ImageGenerateAsyncResponse {
        serde_json::from_str(&format!(r#"{{"id":"{ID}","kudos":10}}"#)).unwrap()
    }

    fn check(
        finished: u32,
        processing: u32,
        done: bool,
        possible: bool,
    ) -> ImageGenerateCheckResponse {
        serde_json::from_str(&format!(
            r#"{{"finished":{finished},"processing":{processing},"restarted":0,"waiting":0,
            "done":{done},"faulted":false,"wait_time":5,"queue_position":0,"kudos":3,
            "is_possible":{possible}}}"#
        ))
        .unwrap()
    }

    fn status(images: usize, done: bool) -> ImageGenerateStatusResponse {
        let generations: Vec<String> = (0..images)
            .map(|i| {
                format!(
                    r#"{{"id":"00000000-0000-4000-8000-00000000000{i}","img":"x","seed":"1",
                    "censored":false,"model":"m","state":"ok","worker_id":"w","worker_name":"n"}}"#
                )
            })
            .collect();
        serde_json::from_str(&format!(
            r#"{{"finished":{images},"processing":0,"restarted":0,"waiting":0,"done":{done},
            "faulted":false,"wait_time":0,"queue_position":0,"kudos":3,"is_possible":true,
            "generations":[{}],"shared":false}}"#,
            generations.join(",")
        ))
        .unwrap()
    }

    fn api(status: u16, rc: Option<&str>) -> Error {
        crate::error::test_api_error(status, rc, None)
    }

    /// A scripted host: answers from queues, a clock that sleeps advance, and a log.
    #[derive(Default)]
    struct Fake {
        submits: VecDeque<Submitted<ImageGenerateAsyncResponse>>,
        checks: VecDeque<Result<ImageGenerateCheckResponse, Error>>,
        statuses: VecDeque<Result<ImageGenerateStatusResponse, Error>>,
        cancels: VecDeque<Result<ImageGenerateStatusResponse, Error>>,
        clock: f64,
        /// The clock time at which the caller aborts.
        stop_at: Option<f64>,
        room: bool,
        log: Vec<String>,
        phases: Vec<String>,
        results: Vec<String>,
    }

    impl JobHost<ImageJob> for Fake {
        async fn submit(&mut self) -> Submitted<ImageGenerateAsyncResponse> {
            self.log.push("submit".into());
            self.submits.pop_front().unwrap()
        }
        async fn check(&mut self, id: &JobId) -> Result<ImageGenerateCheckResponse, Error> {
            assert_eq!(id.as_str(), ID);
            self.log.push("check".into());
            self.checks.pop_front().unwrap()
        }
        async fn status(
            &mut self,
            _: &JobId,
            early: bool,
        ) -> Result<ImageGenerateStatusResponse, Error> {
            self.log
                .push(if early { "early status" } else { "status" }.into());
            self.statuses.pop_front().unwrap()
        }
        fn status_has_room(&self, _: &JobId, spare: u32) -> bool {
            assert_eq!(spare, STATUS_SPARE);
            self.room
        }
        async fn cancel(&mut self, _: &JobId) -> Result<ImageGenerateStatusResponse, Error> {
            self.log.push("cancel".into());
            self.cancels.pop_front().unwrap()
        }
        async fn sleep(&mut self, ms: f64) -> bool {
            self.log.push(format!("sleep {ms}"));
            self.clock += ms;
            !self.stopped()
        }
        fn now(&self) -> f64 {
            self.clock
        }
        fn stopped(&self) -> bool {
            self.stop_at.is_some_and(|t| self.clock >= t)
        }
        fn stopped_error(&self, during: &str, _: Option<&JobId>) -> Error {
            Error::Aborted {
                during: during.into(),
                cause: Cause::default(),
            }
        }
        fn on_submitted(&mut self, s: &ImageGenerateAsyncResponse) {
            self.log.push(format!("submitted {}", s.id));
        }
        fn wants_progress(&self) -> bool {
            true
        }
        fn on_progress(&mut self, p: GenerationProgress) {
            self.phases.push(p.phase);
        }
        fn wants_results(&self) -> bool {
            true
        }
        fn on_result(&mut self, r: &ImageGeneration) {
            self.results.push(r.id.clone());
        }
        fn remember(&mut self, _: &JobId, _: &[ImageGeneration]) {}
    }

    fn fake() -> Fake {
        Fake {
            submits: [Submitted::Answered(Ok(submitted()))].into(),
            room: true,
            ..Fake::default()
        }
    }

    #[test]
    fn a_whole_job_submit_checks_early_images_and_the_final_status() {
        let mut host = fake();
        host.checks = [
            Ok(check(0, 0, false, true)),
            Ok(check(1, 1, false, true)),
            Ok(check(2, 0, true, true)),
        ]
        .into();
        host.statuses = [Ok(status(1, false)), Ok(status(2, true))].into();
        let done = block_on(run::<ImageJob, _>(&mut host, 2, 60_000.0))
            .ok()
            .unwrap();
        assert_eq!(done.generations.len(), 2);
        let log: Vec<&str> = host
            .log
            .iter()
            .map(|s| s.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            log,
            [
                "submit",
                "submitted",
                "check",
                "sleep",
                "check",
                "early",
                "sleep",
                "check",
                "status"
            ]
        );
        assert_eq!(host.phases, ["queued", "processing", "done"]);
        // Each image once, the early one first.
        assert_eq!(
            host.results,
            [
                "00000000-0000-4000-8000-000000000000",
                "00000000-0000-4000-8000-000000000001"
            ]
        );
    }

    #[test]
    fn a_job_done_short_of_its_images_fails_with_what_arrived() {
        let mut host = fake();
        host.room = false;
        host.checks = [Ok(check(1, 0, true, true))].into();
        host.statuses = [Ok(status(1, true))].into();
        let failure = block_on(run::<ImageJob, _>(&mut host, 2, 60_000.0))
            .err()
            .unwrap();
        assert!(matches!(
            failure.error,
            Error::Job {
                failure: JobFailure::Faulted,
                ..
            }
        ));
        assert_eq!(failure.job_id.unwrap().as_str(), ID);
        assert_eq!(failure.partial.unwrap().generations.len(), 1);
        assert!(failure.cancel_error.is_none());
        assert!(!host.log.iter().any(|l| l == "cancel"));
    }

    #[test]
    fn too_many_prompts_waits_then_submits_again() {
        let mut host = fake();
        host.submits = [
            Submitted::Answered(Err(api(429, Some("TooManyPrompts")))),
            Submitted::Answered(Err(api(429, Some("TooManyPrompts")))),
            Submitted::Answered(Ok(submitted())),
        ]
        .into();
        host.checks = [Ok(check(1, 0, true, true))].into();
        host.statuses = [Ok(status(1, true))].into();
        assert!(block_on(run::<ImageJob, _>(&mut host, 1, 60_000.0)).is_ok());
        assert_eq!(
            host.log[..5],
            ["submit", "sleep 5000", "submit", "sleep 10000", "submit"]
        );
        assert_eq!(host.phases, ["submitting", "submitting", "done"]);
    }

    #[test]
    fn an_impossible_job_is_cancelled_at_its_limit() {
        let mut host = fake();
        host.checks = (0..10).map(|_| Ok(check(0, 0, false, false))).collect();
        host.cancels = [Ok(status(0, true))].into();
        let failure = block_on(run::<ImageJob, _>(&mut host, 1, 20_000.0))
            .err()
            .unwrap();
        match failure.error {
            Error::Job {
                failure, message, ..
            } => {
                assert_eq!(failure, JobFailure::Impossible);
                assert!(message.ends_with("cancelled after 20 s"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(host.log.last().unwrap(), "cancel");
        assert!(failure.partial.is_some());
        // Checks until the limit passes, not one more.
        assert_eq!(host.log.iter().filter(|l| *l == "check").count(), 3);
    }

    #[test]
    fn an_abort_while_waiting_cancels_the_job() {
        let mut host = fake();
        host.stop_at = Some(1.0);
        host.checks = [Ok(check(0, 0, false, true))].into();
        host.cancels = [Err(api(500, None))].into();
        let failure = block_on(run::<ImageJob, _>(&mut host, 1, 60_000.0))
            .err()
            .unwrap();
        assert!(matches!(&failure.error, Error::Aborted { during, .. } if during == "waiting"));
        assert_eq!(host.log.last().unwrap(), "cancel");
        assert_eq!(failure.cancel_error.unwrap().status(), Some(500));
    }

    #[test]
    fn transient_check_failures_are_retried_and_a_404_expires_the_job() {
        let mut host = fake();
        host.checks = [Err(api(503, None)), Err(api(404, None))].into();
        let failure = block_on(run::<ImageJob, _>(&mut host, 1, 60_000.0))
            .err()
            .unwrap();
        assert!(matches!(
            failure.error,
            Error::Job {
                failure: JobFailure::Expired,
                ..
            }
        ));
        assert_eq!(host.log.iter().filter(|l| *l == "check").count(), 2);
        // A job the server no longer knows is not cancelled.
        assert!(!host.log.iter().any(|l| l == "cancel"));
    }
}
