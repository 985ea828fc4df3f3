//! One error type for the whole SDK, and its conversion into JavaScript `Error` subclasses.
//!
//! Messages are built from the method, the path, the status and the server's own message only:
//! the API key is never part of an error, so it can never leak through `message`, `toString()`
//! or `JSON.stringify` of one.

use crate::decode::DecodeError;
use std::fmt;

/// An error answer from the Horde (any status outside 2xx).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The Horde's return code (`MissingPrompt`, `TooManyPrompts`, …), when the body had one.
    /// Rate-limit 429s, validation 400s and 5xx answers have none.
    pub rc: Option<String>,
    /// The server's message, or a description of the body when it was not JSON.
    pub message: String,
    /// Validation errors (field path, text) of a 400 schema error, in the server's order.
    pub errors: Option<Vec<(String, String)>>,
    /// The HTTP method of the request.
    pub method: &'static str,
    /// The path of the request below the base URL, such as `/v2/generate/status/<id>`.
    pub path: String,
    /// `Retry-After` in milliseconds, when the header was visible (Node; browsers cannot see it
    /// because the Horde exposes no headers to CORS).
    pub retry_after_ms: Option<f64>,
}

/// The JavaScript value behind an error, given to JavaScript as the error's `cause`: the
/// platform's error for a connection failure, the signal's `reason` for an abort. Empty (and
/// zero-sized, so that [`Error`] stays `Send` and `Sync`) in native code. Errors compare equal
/// whatever their causes.
#[derive(Clone, Default)]
pub struct Cause(#[cfg(target_arch = "wasm32")] pub Option<wasm_bindgen::JsValue>);

impl PartialEq for Cause {
    fn eq(&self, _: &Cause) -> bool {
        true
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cause")
    }
}

/// One JavaScript error class: its name, its parent class (`Error` for the root) and the fields
/// it adds to its parent's.
#[derive(Debug)]
pub struct ErrorClass {
    /// The class name, also its `name`.
    pub name: &'static str,
    /// The class it extends.
    pub parent: &'static str,
    /// The fields it adds (the camelCase property names).
    pub fields: &'static [&'static str],
}

const fn class(
    name: &'static str,
    parent: &'static str,
    fields: &'static [&'static str],
) -> ErrorClass {
    ErrorClass {
        name,
        parent,
        fields,
    }
}

/// Every error class of the package, parents first. `js/errors.js` defines them, `js_error.rs`
/// re-exports and declares them and [`Error::js_class`] picks one; a test checks that each of
/// those agrees with this list.
pub const ERROR_CLASSES: &[ErrorClass] = &[
    class("HordeError", "Error", &["jobId", "partial", "cancelError"]),
    class(
        "HordeApiError",
        "HordeError",
        &["status", "rc", "errors", "method", "path", "retryAfterMs"],
    ),
    class("HordeBadRequestError", "HordeApiError", &[]),
    class("HordeAuthError", "HordeApiError", &[]),
    class("HordeForbiddenError", "HordeApiError", &[]),
    class("HordeNotFoundError", "HordeApiError", &[]),
    class("HordeRateLimitError", "HordeApiError", &[]),
    class("HordeServerError", "HordeApiError", &[]),
    class("HordeConnectionError", "HordeError", &["method", "path"]),
    class(
        "HordeTimeoutError",
        "HordeError",
        &["method", "path", "timeoutMs"],
    ),
    class("HordeAbortError", "HordeError", &["during"]),
    class(
        "HordeDecodeError",
        "HordeError",
        &["method", "path", "fieldPath"],
    ),
    class(
        "HordeInvalidArgumentError",
        "HordeError",
        &["argument", "rule"],
    ),
    class("HordeJobError", "HordeError", &["jobId"]),
    class("HordeJobFaultedError", "HordeJobError", &[]),
    class("HordeJobExpiredError", "HordeJobError", &[]),
    class("HordeJobImpossibleError", "HordeJobError", &[]),
    class(
        "HordeImageUnavailableError",
        "HordeError",
        &["generationId", "status"],
    ),
];

/// Which lifecycle outcome ended a job without its images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobFailure {
    /// The Horde gave up on the request after repeated worker failures.
    Faulted,
    /// The request vanished (404) before it was done: it expired or was cleaned up.
    Expired,
    /// No worker could serve the request for longer than the caller allowed.
    Impossible,
}

/// Every error the SDK reports.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The server answered with an error status.
    Api(Box<ApiError>),
    /// The request never got an answer: DNS, refused or reset connection, CORS rejection, or a
    /// body cut off in transit.
    Connection {
        /// The HTTP method.
        method: &'static str,
        /// The path below the base URL (or the image URL's origin and path).
        path: String,
        /// What the platform said.
        message: String,
        /// The platform's error.
        cause: Cause,
    },
    /// No answer within the time allowed.
    Timeout {
        /// The HTTP method, or `"WAIT"` for a whole `generateImages` call.
        method: &'static str,
        /// The path below the base URL, or the job id.
        path: String,
        /// The limit that ran out, in milliseconds.
        timeout_ms: f64,
    },
    /// The caller's `AbortSignal` fired.
    Aborted {
        /// What was under way (`"GET /v2/generate/check/<id>"`, `"waiting"`, …).
        during: String,
        /// The signal's `reason`.
        cause: Cause,
    },
    /// A 2xx body that does not match the expected model.
    Decode {
        /// The HTTP method.
        method: &'static str,
        /// The path below the base URL.
        path: String,
        /// Where and why decoding failed.
        error: DecodeError,
    },
    /// An argument was rejected before anything was sent.
    InvalidArgument {
        /// The argument or field path (`id`, `params.width`, `options.baseUrl`).
        argument: String,
        /// The rule it breaks, in words.
        rule: String,
    },
    /// A job ended without all its images.
    Job {
        /// How it ended.
        failure: JobFailure,
        /// The request id.
        job_id: String,
        /// What happened, in words.
        message: String,
    },
    /// An image could not be downloaded.
    ImageUnavailable {
        /// The generation id.
        generation_id: String,
        /// Why, in words.
        reason: String,
        /// The HTTP status of the image host's answer, if there was one.
        status: Option<u16>,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid(argument: impl Into<String>, rule: impl Into<String>) -> Error {
        Error::InvalidArgument {
            argument: argument.into(),
            rule: rule.into(),
        }
    }

    /// The name of the JavaScript class this error becomes.
    pub fn js_class(&self) -> &'static str {
        match self {
            Error::Api(e) => match e.status {
                400 => "HordeBadRequestError",
                401 => "HordeAuthError",
                403 => "HordeForbiddenError",
                404 => "HordeNotFoundError",
                429 => "HordeRateLimitError",
                500..=599 => "HordeServerError",
                _ => "HordeApiError",
            },
            Error::Connection { .. } => "HordeConnectionError",
            Error::Timeout { .. } => "HordeTimeoutError",
            Error::Aborted { .. } => "HordeAbortError",
            Error::Decode { .. } => "HordeDecodeError",
            Error::InvalidArgument { .. } => "HordeInvalidArgumentError",
            Error::Job { failure, .. } => match failure {
                JobFailure::Faulted => "HordeJobFaultedError",
                JobFailure::Expired => "HordeJobExpiredError",
                JobFailure::Impossible => "HordeJobImpossibleError",
            },
            Error::ImageUnavailable { .. } => "HordeImageUnavailableError",
        }
    }

    /// The return code, for API errors that carry one.
    pub fn rc(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.rc.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => {
                write!(f, "{} {} failed with {}", e.method, e.path, e.status)?;
                if let Some(rc) = &e.rc {
                    write!(f, " {rc}")?;
                }
                write!(f, ": {}", e.message)?;
                if let Some(errors) = &e.errors {
                    for (field, text) in errors {
                        write!(f, "; {field}: {text}")?;
                    }
                }
                Ok(())
            }
            Error::Connection {
                method,
                path,
                message,
                ..
            } => write!(f, "{method} {path} got no answer: {message}"),
            Error::Timeout {
                method,
                path,
                timeout_ms,
            } => write!(
                f,
                "{method} {path} timed out after {} ms",
                crate::num::text(*timeout_ms)
            ),
            Error::Aborted { during, .. } => write!(f, "aborted during {during}"),
            Error::Decode {
                method,
                path,
                error,
            } => write!(f, "{method} {path} returned an unexpected body {error}"),
            Error::InvalidArgument { argument, rule } => write!(f, "invalid {argument}: {rule}"),
            Error::Job { message, .. } => f.write_str(message),
            Error::ImageUnavailable {
                generation_id,
                reason,
                ..
            } => write!(f, "image {generation_id} is unavailable: {reason}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<Error>();
    }

    fn api(status: u16, rc: Option<&str>) -> Error {
        Error::Api(Box::new(ApiError {
            status,
            rc: rc.map(str::to_owned),
            message: "m".into(),
            errors: None,
            method: "GET",
            path: "/v2/x".into(),
            retry_after_ms: None,
        }))
    }

    #[test]
    fn statuses_map_to_classes() {
        let cases = [
            (400, "HordeBadRequestError"),
            (401, "HordeAuthError"),
            (403, "HordeForbiddenError"),
            (404, "HordeNotFoundError"),
            (409, "HordeApiError"),
            (429, "HordeRateLimitError"),
            (500, "HordeServerError"),
            (502, "HordeServerError"),
            (599, "HordeServerError"),
        ];
        for (status, class) in cases {
            assert_eq!(api(status, None).js_class(), class, "{status}");
        }
    }

    #[test]
    fn messages_carry_method_path_status_rc_and_errors() {
        let errors = vec![("params.width".to_owned(), "too big".to_owned())];
        let e = Error::Api(Box::new(ApiError {
            status: 400,
            rc: None,
            message: "Input payload validation failed".into(),
            errors: Some(errors),
            method: "POST",
            path: "/v2/generate/async".into(),
            retry_after_ms: None,
        }));
        assert_eq!(
            e.to_string(),
            "POST /v2/generate/async failed with 400: Input payload validation failed; params.width: too big"
        );
        assert_eq!(
            api(404, Some("RequestNotFound")).to_string(),
            "GET /v2/x failed with 404 RequestNotFound: m"
        );
    }

    #[test]
    fn the_rust_errors_map_to_the_listed_classes() {
        let api = |status| api(status, None);
        let job = |failure| Error::Job {
            failure,
            job_id: String::new(),
            message: String::new(),
        };
        let errors = [
            api(409),
            api(400),
            api(401),
            api(403),
            api(404),
            api(429),
            api(500),
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
            Error::Aborted {
                during: String::new(),
                cause: Cause::default(),
            },
            Error::Decode {
                method: "GET",
                path: String::new(),
                error: DecodeError {
                    field_path: String::new(),
                    message: String::new(),
                },
            },
            Error::invalid("a", "b"),
            job(JobFailure::Faulted),
            job(JobFailure::Expired),
            job(JobFailure::Impossible),
            Error::ImageUnavailable {
                generation_id: String::new(),
                reason: String::new(),
                status: None,
            },
        ];
        let made: Vec<&str> = errors.iter().map(Error::js_class).collect();
        // Every class but the two abstract parents is made, and nothing else.
        let concrete: Vec<&str> = ERROR_CLASSES
            .iter()
            .map(|c| c.name)
            .filter(|n| !matches!(*n, "HordeError" | "HordeJobError"))
            .collect();
        assert_eq!(made, concrete);
    }
}

/// An API error of `status`, `rc` and `Retry-After`, with no message: for the tests of the
/// modules that decide on errors.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) fn test_api_error(status: u16, rc: Option<&str>, retry_after_ms: Option<f64>) -> Error {
    Error::Api(Box::new(ApiError {
        status,
        rc: rc.map(str::to_owned),
        message: String::new(),
        errors: None,
        method: "GET",
        path: "/".into(),
        retry_after_ms,
    }))
}
