//! [`Error`] → JavaScript `Error` subclasses (defined in `js/errors.js`), and their TypeScript
//! declarations.

use crate::error::Error;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = createError)]
    fn create_error(name: &str, message: &str, props: &Object) -> JsValue;
}

// Re-export the classes from the package entry so that callers can `instanceof` them. The
// functions are never called; they exist so wasm-bindgen emits `export { X } from "…"`.
macro_rules! reexport_classes {
    ($($name:ident => $fn:ident),* $(,)?) => {
        #[wasm_bindgen(module = "/js/errors.js")]
        extern "C" {
            $(
                #[wasm_bindgen(reexport, skip_typescript, js_name = $name)]
                #[allow(dead_code)]
                fn $fn();
            )*
        }
    };
}

reexport_classes! {
    HordeError => reexport_horde_error,
    HordeApiError => reexport_api_error,
    HordeBadRequestError => reexport_bad_request_error,
    HordeAuthError => reexport_auth_error,
    HordeForbiddenError => reexport_forbidden_error,
    HordeNotFoundError => reexport_not_found_error,
    HordeRateLimitError => reexport_rate_limit_error,
    HordeServerError => reexport_server_error,
    HordeConnectionError => reexport_connection_error,
    HordeTimeoutError => reexport_timeout_error,
    HordeAbortError => reexport_abort_error,
    HordeDecodeError => reexport_decode_error,
    HordeInvalidArgumentError => reexport_invalid_argument_error,
    HordeJobError => reexport_job_error,
    HordeJobFaultedError => reexport_job_faulted_error,
    HordeJobExpiredError => reexport_job_expired_error,
    HordeJobImpossibleError => reexport_job_impossible_error,
    HordeImageUnavailableError => reexport_image_unavailable_error,
}

#[wasm_bindgen(typescript_custom_section)]
const ERROR_DECLARATIONS: &str = r#"
/** The `name` of every error class of this package. */
export type HordeErrorName =
  | "HordeError" | HordeApiErrorName | "HordeConnectionError" | "HordeTimeoutError"
  | "HordeAbortError" | "HordeDecodeError" | "HordeInvalidArgumentError" | HordeJobErrorName
  | "HordeImageUnavailableError";
/** The `name` of {@link HordeApiError} and its subclasses. */
export type HordeApiErrorName =
  | "HordeApiError" | "HordeBadRequestError" | "HordeAuthError" | "HordeForbiddenError"
  | "HordeNotFoundError" | "HordeRateLimitError" | "HordeServerError";
/** The `name` of {@link HordeJobError} and its subclasses. */
export type HordeJobErrorName =
  | "HordeJobError" | "HordeJobFaultedError" | "HordeJobExpiredError" | "HordeJobImpossibleError";

/**
 * Base class of every error this package throws or rejects with. Branch with `instanceof` on a
 * subclass, or on the literal `name`. No error ever contains the API key.
 */
export class HordeError extends Error {
  constructor(message?: string, props?: Record<string, unknown>);
  readonly name: HordeErrorName;
  /** For abort and timeout of `generateImages`: the request id, if the job was created. */
  readonly jobId?: string;
  /**
   * For abort, timeout and job errors of `generateImages`: the status of the job when it ended
   * (the images finished by then), when there is one: the final status, the cancel's answer,
   * or the last status fetched before (a job that expired before any image has none).
   */
  readonly partial?: ImageGenerateStatusResponse;
  /**
   * For errors of `generateImages` after which the job was cancelled on the server: why that
   * cancel failed, if it did (the job may then still run, and be charged).
   */
  readonly cancelError?: HordeError;
  /** A plain summary for logs and `JSON.stringify` (without `partial`). */
  toJSON(): Record<string, unknown>;
}

/**
 * The Horde answered with an error status. Subclasses by status: 400 {@link HordeBadRequestError},
 * 401 {@link HordeAuthError}, 403 {@link HordeForbiddenError}, 404 {@link HordeNotFoundError},
 * 429 {@link HordeRateLimitError}, 5xx {@link HordeServerError}; any other status is a plain
 * `HordeApiError`.
 */
export class HordeApiError extends HordeError {
  readonly name: HordeApiErrorName;
  /** The HTTP status. */
  readonly status: number;
  /**
   * The Horde's return code (`MissingPrompt`, `TooManyPrompts`, `KudosUpfront`, …). Absent on
   * rate-limit 429s, schema-validation 400s and 5xx answers.
   */
  readonly rc?: RequestErrorCode;
  /** For a schema-validation 400: field path → what is wrong with it. */
  readonly errors?: Record<string, string>;
  /** The HTTP method of the request. */
  readonly method: string;
  /** The path of the request below the base URL. */
  readonly path: string;
  /**
   * `Retry-After` in milliseconds, on a 429 or a 503, when it was visible (Node; never in
   * browsers).
   */
  readonly retryAfterMs?: number;
}
/** 400: the request was invalid (see `errors` or `rc`); `rc: "MaintenanceMode"` means retry later. */
export class HordeBadRequestError extends HordeApiError { readonly name: "HordeBadRequestError"; }
/** 401: the API key is not valid (`InvalidAPIKey`). */
export class HordeAuthError extends HordeApiError { readonly name: "HordeAuthError"; }
/** 403: not allowed (`KudosUpfront`, `TimeoutIP`, `BannedClientAgent`, shared-key limits, …). */
export class HordeForbiddenError extends HordeApiError { readonly name: "HordeForbiddenError"; }
/** 404: unknown or expired request (`RequestNotFound`), unknown user, worker or style. */
export class HordeNotFoundError extends HordeApiError { readonly name: "HordeNotFoundError"; }
/**
 * 429: a rate limit (no `rc`; retried automatically for safe requests) or the key's
 * concurrency limit (`rc: "TooManyPrompts"`).
 */
export class HordeRateLimitError extends HordeApiError { readonly name: "HordeRateLimitError"; }
/** 5xx: a server or gateway fault; retried automatically for GET and DELETE. */
export class HordeServerError extends HordeApiError { readonly name: "HordeServerError"; }

/** No answer: the connection failed, was reset, or was refused by CORS. `cause` has the platform's error. */
export class HordeConnectionError extends HordeError {
  readonly name: "HordeConnectionError";
  readonly method: string;
  readonly path: string;
}
/** The request or the whole wait took longer than allowed. */
export class HordeTimeoutError extends HordeError {
  readonly name: "HordeTimeoutError";
  /** The HTTP method; `"WAIT"` for the whole wait of `generateImages`. */
  readonly method: string;
  /** The path below the base URL; the job id for `"WAIT"`; the image URL for a download. */
  readonly path: string;
  /** The limit that ran out, in milliseconds. */
  readonly timeoutMs: number;
}
/** The caller's `AbortSignal` fired. `cause` is the signal's reason. */
export class HordeAbortError extends HordeError {
  readonly name: "HordeAbortError";
  /** What was under way when it fired. */
  readonly during: string;
}
/** A success answer whose body does not match the model. */
export class HordeDecodeError extends HordeError {
  readonly name: "HordeDecodeError";
  readonly method: string;
  readonly path: string;
  /**
   * Where decoding failed, as `generations[0].seed`; `"."` for the whole body; `"(body)"` for a
   * body that is not JSON (cut short in transit, or a proxy's page); `"(size)"` for one over
   * `maxBodyBytes`.
   */
  readonly fieldPath: string;
}
/** An argument was rejected before any request was sent. */
export class HordeInvalidArgumentError extends HordeError {
  readonly name: "HordeInvalidArgumentError";
  /** The argument or field path, as `id` or `params.width`. */
  readonly argument: string;
  /** The rule it breaks. */
  readonly rule: string;
}
/** A job ended without all its images; `partial` has what finished. */
export class HordeJobError extends HordeError {
  readonly name: HordeJobErrorName;
  readonly jobId: string;
}
/** The Horde gave up on the job after repeated worker failures. */
export class HordeJobFaultedError extends HordeJobError { readonly name: "HordeJobFaultedError"; }
/** The job vanished (404) before it was done: it expired on the server. */
export class HordeJobExpiredError extends HordeJobError { readonly name: "HordeJobExpiredError"; }
/** No worker could serve the job for longer than `impossibleTimeoutMs`; it was cancelled. */
export class HordeJobImpossibleError extends HordeJobError { readonly name: "HordeJobImpossibleError"; }
/** An image could not be downloaded: `"N/A"` from the server, or the URL failed or expired. */
export class HordeImageUnavailableError extends HordeError {
  readonly name: "HordeImageUnavailableError";
  readonly generationId: string;
  /** The image host's HTTP status, if it answered. */
  readonly status?: number;
}
"#;

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// The error's `cause`, if it has one (`js/errors.js` passes it to `Error`'s constructor).
fn set_cause(props: &Object, cause: &crate::error::Cause) {
    if let Some(c) = &cause.0 {
        set(props, "cause", c);
    }
}

/// An [`Error`] as a JavaScript error object: an instance of the class `ERROR_CLASSES` names
/// for it.
pub trait ErrorToJs {
    /// The JavaScript error object for this error.
    fn to_js(&self) -> JsValue;
    /// The JavaScript error object, with extra properties (`cause`, `partial`, `jobId`).
    fn to_js_with(&self, extra: &[(&str, &JsValue)]) -> JsValue;
}

impl ErrorToJs for Error {
    fn to_js(&self) -> JsValue {
        let props = Object::new();
        let s = |v: &str| JsValue::from_str(v);
        match self {
            Error::Api(e) => {
                set(&props, "status", &JsValue::from(e.status));
                if let Some(rc) = &e.rc {
                    set(&props, "rc", &s(rc));
                }
                if let Some(errors) = &e.errors {
                    let o = Object::new();
                    for (k, v) in errors {
                        set(&o, k, &s(v));
                    }
                    set(&props, "errors", &o);
                }
                set(&props, "method", &s(e.method));
                set(&props, "path", &s(&e.path));
                if let Some(ms) = e.retry_after_ms {
                    set(&props, "retryAfterMs", &JsValue::from(ms));
                }
            }
            Error::Connection {
                method,
                path,
                cause,
                ..
            } => {
                set(&props, "method", &s(method));
                set(&props, "path", &s(path));
                set_cause(&props, cause);
            }
            Error::Timeout {
                method,
                path,
                timeout_ms,
            } => {
                set(&props, "method", &s(method));
                set(&props, "path", &s(path));
                set(&props, "timeoutMs", &JsValue::from(*timeout_ms));
            }
            Error::Aborted { during, cause } => {
                set(&props, "during", &s(during));
                set_cause(&props, cause);
            }
            Error::Decode {
                method,
                path,
                error,
            } => {
                set(&props, "method", &s(method));
                set(&props, "path", &s(path));
                set(&props, "fieldPath", &s(&error.field_path));
            }
            Error::InvalidArgument { argument, rule } => {
                set(&props, "argument", &s(argument));
                set(&props, "rule", &s(rule));
            }
            Error::Job { job_id, .. } => set(&props, "jobId", &s(job_id)),
            Error::ImageUnavailable {
                generation_id,
                status,
                ..
            } => {
                set(&props, "generationId", &s(generation_id));
                if let Some(st) = status {
                    set(&props, "status", &JsValue::from(*st));
                }
            }
        }
        create_error(self.js_class(), &self.to_string(), &props)
    }

    fn to_js_with(&self, extra: &[(&str, &JsValue)]) -> JsValue {
        let err = self.to_js();
        for (k, v) in extra {
            if !v.is_undefined() {
                let _ = Reflect::set(&err, &JsValue::from_str(k), v);
            }
        }
        err
    }
}
