//! The job lifecycle's decisions, apart from the I/O that carries them out: the kinds of job
//! ([`JobKind`], [`ImageJob`]), when a finished job is not a success (its shortfall), which
//! failed checks are worth another check, how long the whole wait and an impossible job may
//! last, and when to check next. [`crate::lifecycle`] runs the loop over them.

use crate::cadence::{next_check_delay_ms, MIN_DELAY_MS};
use crate::decode::BODY_PATH;
use crate::endpoints::{Endpoint, IMAGE_CANCEL, IMAGE_CHECK, IMAGE_STATUS, IMAGE_SUBMIT};
use crate::error::{Error, JobFailure};
use crate::ids::JobId;
use crate::models::{
    ImageGenerateAsyncResponse, ImageGenerateCheckResponse, ImageGenerateStatusResponse,
    ImageGeneration, JobProgress,
};

/// Default limit of a whole `generateImages` call: the Horde's request lifetime.
pub const DEFAULT_WAIT_TIMEOUT_MS: f64 = 20.0 * 60_000.0;
/// Default limit with `extra_slow_workers`, whose requests live up to an hour.
pub const EXTRA_SLOW_WAIT_TIMEOUT_MS: f64 = 60.0 * 60_000.0;
/// How long a job may stay `is_possible: false` before it is cancelled, by default.
pub const DEFAULT_IMPOSSIBLE_TIMEOUT_MS: f64 = 60_000.0;
/// Consecutive failed checks (each already retried by the transport) before giving up.
pub const MAX_CHECK_FAILURES: u32 = 5;
/// How long a submit already sent may still answer after an abort or a timeout, so that its job
/// can be cancelled with the id known.
pub const SUBMIT_GRACE_MS: f64 = 5_000.0;
/// The shortest per-attempt timeout of a submit: a slow answer still brings the job's id.
pub const SUBMIT_ATTEMPT_TIMEOUT_MS: f64 = 120_000.0;
/// The longest a cancel (`DELETE`, with its retries) may take after an abort or a timeout.
pub const CANCEL_BUDGET_MS: f64 = 8_000.0;
/// Status slots per job kept free for the final status and one URL refresh.
pub const STATUS_SPARE: u32 = 2;

/// What the lifecycle needs to know of one kind of job (images here; text and alchemy jobs
/// have the same submit, check, status and cancel shape): which endpoints check, fetch and
/// cancel it, how its results are listed, and when a finished job lacks some of them.
pub trait JobKind {
    /// The submit answer, which names the job.
    type Submitted: 'static;
    /// The check answer: the job's progress.
    type Check: JobProgress + 'static;
    /// The status answer, with the results.
    type Status: 'static;
    /// One result (an image).
    type Result;
    /// The submit endpoint.
    const SUBMIT: &'static Endpoint<Self::Submitted>;
    /// The progress endpoint.
    const CHECK: &'static Endpoint<Self::Check>;
    /// The full status endpoint.
    const STATUS: &'static Endpoint<Self::Status>;
    /// The cancel endpoint; its answer is the status just before the cancel.
    const CANCEL: &'static Endpoint<Self::Status>;
    /// The results a status holds.
    fn results(status: &Self::Status) -> &[Self::Result];
    /// A result's id.
    fn result_id(result: &Self::Result) -> &str;
    /// The job id a submit answer gives.
    fn submitted_id(submitted: &Self::Submitted) -> &str;
    /// Why a `done` job is not a success, if it is not (see [`image_shortfall`]).
    fn shortfall(id: &JobId, status: &Self::Status, requested: u32) -> Option<String>;
}

/// An image generation job.
pub struct ImageJob;

impl JobKind for ImageJob {
    type Submitted = ImageGenerateAsyncResponse;
    type Check = ImageGenerateCheckResponse;
    type Status = ImageGenerateStatusResponse;
    type Result = ImageGeneration;
    const SUBMIT: &'static Endpoint<Self::Submitted> = &IMAGE_SUBMIT;
    const CHECK: &'static Endpoint<Self::Check> = &IMAGE_CHECK;
    const STATUS: &'static Endpoint<Self::Status> = &IMAGE_STATUS;
    const CANCEL: &'static Endpoint<Self::Status> = &IMAGE_CANCEL;

    fn results(status: &Self::Status) -> &[Self::Result] {
        &status.generations
    }

    fn result_id(result: &Self::Result) -> &str {
        &result.id
    }

    fn submitted_id(submitted: &Self::Submitted) -> &str {
        &submitted.id
    }

    fn shortfall(id: &JobId, status: &Self::Status, requested: u32) -> Option<String> {
        image_shortfall(id, status, requested)
    }
}

/// Why a `done` image job is not a success, if it is not: it faulted, or it lacks images. The
/// real server counts an image whose worker faulted as finished, does not redo it, and flags the
/// job `faulted` only from a cleanup pass once 3 images faulted, so a job can end `done` and not
/// `faulted` with fewer images than asked.
pub fn image_shortfall(
    id: &JobId,
    status: &ImageGenerateStatusResponse,
    requested: u32,
) -> Option<String> {
    let missing = status.missing_images(requested);
    if !status.faulted && missing == 0 {
        return None;
    }
    let got = status.generations.len();
    Some(if status.faulted {
        format!(
            "job {id} faulted after repeated worker failures: {got} of {requested} images arrived, {missing} lost"
        )
    } else if status.restarted > 0 {
        format!(
            "job {id} is done with {got} of {requested} images: {missing} lost to worker faults (the Horde counted {} and does not redo a faulted image)",
            status.restarted
        )
    } else {
        format!(
            "job {id} is done with {got} of {requested} images: {missing} never arrived (cancelled elsewhere, or lost by the Horde)"
        )
    })
}

/// Whether a failed check is worth another check later (the transport already retried it): a
/// server error, a rate limit without a return code, a request timeout, a connection failure
/// or timeout, or a body that is not JSON.
pub fn transient(e: &Error) -> bool {
    match e {
        Error::Api(a) => a.status >= 500 || (a.status == 429 && a.rc.is_none()) || a.status == 408,
        Error::Connection { .. } | Error::Timeout { .. } => true,
        Error::Decode { error, .. } => error.field_path == BODY_PATH,
        _ => false,
    }
}

/// The limit of the whole wait from `options.timeoutMs`: the given positive number (`Infinity`
/// for none), or the default (an hour with `extra_slow_workers`, else 20 minutes).
pub fn wait_timeout_ms(timeout_ms: Option<f64>, extra_slow_workers: bool) -> Result<f64, Error> {
    match timeout_ms {
        None if extra_slow_workers => Ok(EXTRA_SLOW_WAIT_TIMEOUT_MS),
        None => Ok(DEFAULT_WAIT_TIMEOUT_MS),
        Some(t) if t > 0.0 => Ok(t),
        Some(_) => Err(Error::invalid(
            "options.timeoutMs",
            "must be a positive number",
        )),
    }
}

/// How long a job may stay impossible, from `options.impossibleTimeoutMs`: zero or more
/// (`Infinity` for no limit), or [`DEFAULT_IMPOSSIBLE_TIMEOUT_MS`].
pub fn impossible_timeout_ms(timeout_ms: Option<f64>) -> Result<f64, Error> {
    match timeout_ms {
        Some(t) if t.is_nan() || t < 0.0 => Err(Error::invalid(
            "options.impossibleTimeoutMs",
            "must be a positive number",
        )),
        t => Ok(t.unwrap_or(DEFAULT_IMPOSSIBLE_TIMEOUT_MS)),
    }
}

/// The wait before submitting again after the `throttled`-th `TooManyPrompts` (counted from
/// 0): 5 s, doubling, at most 30 s.
pub fn throttle_delay_ms(throttled: i32) -> f64 {
    (5_000.0 * 2f64.powi(throttled.min(3))).min(30_000.0)
}

/// The phase a progress report names: `done`, `processing` (some image is on a worker) or
/// `queued`.
pub fn phase(p: &impl JobProgress) -> &'static str {
    if p.done() {
        "done"
    } else if p.processing() > 0 {
        "processing"
    } else {
        "queued"
    }
}

/// How long a job has been impossible (`is_possible: false`), against its limit.
#[derive(Clone, Debug)]
pub struct Impossible {
    limit_ms: f64,
    since: Option<f64>,
}

impl Impossible {
    /// A watch with this limit (see [`impossible_timeout_ms`]).
    pub fn new(limit_ms: f64) -> Impossible {
        Impossible {
            limit_ms,
            since: None,
        }
    }

    /// Records a check's `is_possible` at `now`: `Some(ms)`, how long the job has been
    /// impossible, once that reached the limit (the job is to be cancelled); `None` otherwise.
    pub fn observe(&mut self, possible: bool, now: f64) -> Option<f64> {
        if possible {
            self.since = None;
            return None;
        }
        let since = *self.since.get_or_insert(now);
        (now - since >= self.limit_ms).then_some(now - since)
    }

    /// The wait before the next check after `check` (the `checks`-th) at `now`: the cadence's,
    /// and while the job is impossible not later than the moment the limit passes (nor sooner
    /// than the server's check cache).
    pub fn next_delay_ms(&self, check: &impl JobProgress, checks: u32, now: f64) -> f64 {
        let delay = next_check_delay_ms(check, checks);
        match self.since {
            Some(since) => delay.min((self.limit_ms - (now - since)).max(MIN_DELAY_MS)),
            None => delay,
        }
    }
}

/// The error of a job cancelled after being impossible for `elapsed_ms`.
pub fn impossible_error(id: &JobId, elapsed_ms: f64) -> Error {
    Error::Job {
        failure: JobFailure::Impossible,
        job_id: id.to_string(),
        message: format!(
            "no online worker can serve job {id} (its models, size or options); it was cancelled after {} s",
            (elapsed_ms / 1000.0).round() as u64
        ),
    }
}

/// The error of a job the server no longer knows (a 404 before it was done).
pub fn expired_error(id: &JobId) -> Error {
    Error::Job {
        failure: JobFailure::Expired,
        job_id: id.to_string(),
        message: format!("job {id} expired on the server (404) before it was done"),
    }
}

/// The error of a `done` job that is not a success (see [`JobKind::shortfall`]).
pub fn faulted_error(id: &JobId, message: String) -> Error {
    Error::Job {
        failure: JobFailure::Faulted,
        job_id: id.to_string(),
        message,
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::decode::DecodeError;
    use crate::error::Cause;

    const ID: &str = "5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1";

    fn id() -> JobId {
        JobId::parse(ID).unwrap()
    }

    fn status(images: usize, faulted: bool, restarted: u32) -> ImageGenerateStatusResponse {
        let generation = |i: usize| {
            format!(
                r#"{{"id":"00000000-0000-4000-8000-00000000000{i}","img":"x","seed":"1","censored":false,
                "gen_metadata":[],"model":"m","state":"ok","worker_id":"w","worker_name":"n"}}"#
            )
        };
        let generations: Vec<String> = (0..images).map(generation).collect();
        serde_json::from_str(&format!(
            r#"{{"finished":{images},"processing":0,"restarted":{restarted},"waiting":0,"done":true,
            "faulted":{faulted},"wait_time":0,"queue_position":0,"kudos":3,"is_possible":true,
            "generations":[{}],"shared":false}}"#,
            generations.join(",")
        ))
        .unwrap()
    }

    fn check(processing: u32, done: bool, possible: bool) -> ImageGenerateCheckResponse {
        serde_json::from_str(&format!(
            r#"{{"finished":0,"processing":{processing},"restarted":0,"waiting":1,"done":{done},
            "faulted":false,"wait_time":30,"queue_position":0,"kudos":3,"is_possible":{possible}}}"#
        ))
        .unwrap()
    }

    fn api(status: u16, rc: Option<&str>) -> Error {
        crate::error::test_api_error(status, rc, None)
    }

    #[test]
    fn a_done_job_with_every_image_is_a_success() {
        assert_eq!(ImageJob::shortfall(&id(), &status(2, false, 0), 2), None);
        assert_eq!(ImageJob::shortfall(&id(), &status(3, false, 0), 2), None);
        let s = status(2, false, 0);
        assert_eq!(ImageJob::results(&s).len(), 2);
        assert_eq!(
            ImageJob::result_id(&ImageJob::results(&s)[1]),
            "00000000-0000-4000-8000-000000000001"
        );
    }

    #[test]
    fn a_short_or_faulted_job_says_what_was_lost() {
        let faulted = ImageJob::shortfall(&id(), &status(1, true, 3), 4).unwrap();
        assert_eq!(
            faulted,
            format!(
                "job {ID} faulted after repeated worker failures: 1 of 4 images arrived, 3 lost"
            )
        );
        // Faulted with every image: still not a success.
        assert!(ImageJob::shortfall(&id(), &status(2, true, 3), 2).is_some());
        let restarted = ImageJob::shortfall(&id(), &status(1, false, 1), 2).unwrap();
        assert!(restarted.contains("1 of 2 images: 1 lost to worker faults (the Horde counted 1"));
        let vanished = ImageJob::shortfall(&id(), &status(0, false, 0), 2).unwrap();
        assert!(vanished.ends_with(
            "0 of 2 images: 2 never arrived (cancelled elsewhere, or lost by the Horde)"
        ));
        match faulted_error(&id(), vanished) {
            Error::Job {
                failure, job_id, ..
            } => assert_eq!((failure, job_id.as_str()), (JobFailure::Faulted, ID)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn transient_failures_are_checked_again() {
        for e in [
            api(500, None),
            api(503, Some("Maintenance")),
            api(429, None),
            api(408, None),
            Error::Connection {
                method: "GET",
                path: String::new(),
                message: String::new(),
                cause: Cause::default(),
            },
            Error::Timeout {
                method: "GET",
                path: String::new(),
                timeout_ms: 1.0,
            },
        ] {
            assert!(transient(&e), "{e:?}");
        }
        let decode = |field: &str| Error::Decode {
            method: "GET",
            path: String::new(),
            error: DecodeError {
                field_path: field.into(),
                message: String::new(),
            },
        };
        assert!(transient(&decode(BODY_PATH)));
        for e in [
            api(429, Some("TooManyPrompts")),
            api(404, None),
            api(400, None),
            api(401, None),
            decode("done"),
            Error::invalid("a", "b"),
            Error::Aborted {
                during: String::new(),
                cause: Cause::default(),
            },
        ] {
            assert!(!transient(&e), "{e:?}");
        }
    }

    #[test]
    fn the_wait_timeout_is_positive_or_the_default() {
        assert_eq!(
            wait_timeout_ms(None, false).unwrap(),
            DEFAULT_WAIT_TIMEOUT_MS
        );
        assert_eq!(
            wait_timeout_ms(None, true).unwrap(),
            EXTRA_SLOW_WAIT_TIMEOUT_MS
        );
        assert_eq!(wait_timeout_ms(Some(5.0), true).unwrap(), 5.0);
        assert_eq!(
            wait_timeout_ms(Some(f64::INFINITY), false).unwrap(),
            f64::INFINITY
        );
        for bad in [0.0, -1.0, f64::NAN, f64::NEG_INFINITY] {
            match wait_timeout_ms(Some(bad), false) {
                Err(Error::InvalidArgument { argument, .. }) => {
                    assert_eq!(argument, "options.timeoutMs")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_impossible_timeout_is_zero_or_more() {
        assert_eq!(
            impossible_timeout_ms(None).unwrap(),
            DEFAULT_IMPOSSIBLE_TIMEOUT_MS
        );
        assert_eq!(impossible_timeout_ms(Some(0.0)).unwrap(), 0.0);
        assert_eq!(
            impossible_timeout_ms(Some(f64::INFINITY)).unwrap(),
            f64::INFINITY
        );
        for bad in [-1.0, f64::NAN] {
            match impossible_timeout_ms(Some(bad)) {
                Err(Error::InvalidArgument { argument, .. }) => {
                    assert_eq!(argument, "options.impossibleTimeoutMs")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_impossible_job_is_given_up_at_its_limit() {
        let mut w = Impossible::new(60_000.0);
        assert_eq!(w.observe(false, 1_000.0), None);
        assert_eq!(w.observe(false, 30_000.0), None);
        // Possible again: the clock starts over.
        assert_eq!(w.observe(true, 40_000.0), None);
        assert_eq!(w.observe(false, 50_000.0), None);
        assert_eq!(w.observe(false, 109_999.0), None);
        assert_eq!(w.observe(false, 110_000.0), Some(60_000.0));
        match impossible_error(&id(), 60_400.0) {
            Error::Job {
                failure, message, ..
            } => {
                assert_eq!(failure, JobFailure::Impossible);
                assert!(
                    message.ends_with("it was cancelled after 60 s"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        // A limit of 0 gives up at the first impossible check; Infinity never does.
        assert_eq!(Impossible::new(0.0).observe(false, 5.0), Some(0.0));
        assert_eq!(Impossible::new(f64::INFINITY).observe(false, 5.0), None);
    }

    #[test]
    fn the_next_check_comes_no_later_than_the_impossible_limit() {
        let queued = check(0, false, true);
        let cadence = next_check_delay_ms(&queued, 10);
        let w = Impossible::new(60_000.0);
        assert_eq!(w.next_delay_ms(&queued, 10, 0.0), cadence);
        let mut w = Impossible::new(60_000.0);
        w.observe(false, 0.0);
        // Far from the limit: the cadence's own delay.
        assert_eq!(w.next_delay_ms(&queued, 10, 0.0), cadence.min(60_000.0));
        // Close to it: the time left, but never under the check cache's second.
        assert_eq!(w.next_delay_ms(&queued, 10, 58_500.0), cadence.min(1_500.0));
        assert_eq!(w.next_delay_ms(&queued, 10, 59_900.0), MIN_DELAY_MS);
    }

    #[test]
    fn throttled_submits_wait_longer_each_time_up_to_30_s() {
        let delays: Vec<f64> = (0..6).map(throttle_delay_ms).collect();
        assert_eq!(
            delays,
            [5_000.0, 10_000.0, 20_000.0, 30_000.0, 30_000.0, 30_000.0]
        );
    }

    #[test]
    fn phases() {
        assert_eq!(phase(&check(0, false, true)), "queued");
        assert_eq!(phase(&check(1, false, true)), "processing");
        assert_eq!(phase(&check(1, true, true)), "done");
        assert_eq!(phase(&status(1, false, 0)), "done");
    }

    #[test]
    fn an_expired_job_names_itself() {
        match expired_error(&id()) {
            Error::Job {
                failure,
                job_id,
                message,
            } => {
                assert_eq!((failure, job_id.as_str()), (JobFailure::Expired, ID));
                assert!(message.contains("404"));
            }
            other => panic!("{other:?}"),
        }
    }
}
