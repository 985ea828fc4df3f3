//! When to retry a failed request, and how long to wait first. Pure logic, tested natively.
//!
//! - GET and DELETE are safe to repeat: they are retried on connection failures, timeouts, 408,
//!   5xx, rate-limit 429s (no `rc`) and bodies cut off in transit.
//! - `POST /v2/generate/async` is not idempotent (a timeout or a 500 may have created a job the
//!   caller cannot see), so it is retried only when the answer proves that nothing was created:
//!   a rate-limit 429. `TooManyPrompts` is left to the lifecycle, which waits for the queue.
//! - Other 4xx are the caller's to fix and are never retried.

use crate::error::Error;
use crate::pacing::padded_window;

/// Longest `Retry-After` honoured; a longer one makes the call fail instead of hang.
pub const MAX_RETRY_AFTER_MS: f64 = 60_000.0;

/// Whether `error` may be retried, for a request that is (`idempotent`) or is not safe to
/// repeat.
pub fn should_retry(error: &Error, idempotent: bool) -> bool {
    match error {
        Error::Api(e) => match e.status {
            429 => e.rc.is_none() && e.retry_after_ms.is_none_or(|ms| ms <= MAX_RETRY_AFTER_MS),
            408 | 500..=599 => idempotent,
            _ => false,
        },
        Error::Connection { .. } | Error::Timeout { .. } => idempotent,
        // A 2xx body that is not JSON was cut off or mangled in transit.
        Error::Decode { error, .. } => idempotent && error.field_path == crate::decode::BODY_PATH,
        _ => false,
    }
}

/// How long to wait before retry number `attempt` (0 for the first retry).
///
/// `Retry-After` wins when it was visible. A rate-limit 429 without it (browsers cannot see the
/// header) waits for the route's shortest window first (`windows_ms`: 1 s for submit, whose
/// 2-per-second limit is the one usually hit), then for its longest one (60 s), after which
/// every fixed window has certainly reset. Anything else backs off exponentially from 0.5 s to
/// 8 s, minus up to 25 % jitter (`random` in `[0, 1)`).
pub fn retry_delay_ms(error: &Error, attempt: u32, windows_ms: (f64, f64), random: f64) -> f64 {
    if let Error::Api(e) = error {
        if let Some(ms) = e.retry_after_ms {
            return ms.clamp(0.0, MAX_RETRY_AFTER_MS) + 50.0 + 200.0 * random;
        }
        if e.status == 429 {
            let (shortest, longest) = windows_ms;
            let window = if attempt == 0 && shortest > 0.0 {
                shortest
            } else if longest > 0.0 {
                longest
            } else {
                1_000.0
            };
            return padded_window(window).min(MAX_RETRY_AFTER_MS + 5_000.0) + 250.0 * random;
        }
    }
    let base = (500.0 * 2f64.powi(attempt.min(10) as i32)).min(8_000.0);
    base * (1.0 - 0.25 * random)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::decode::DecodeError;

    use crate::error::test_api_error as api;

    #[test]
    fn what_is_retried() {
        let conn = Error::Connection {
            method: "GET",
            path: "/".into(),
            message: "reset".into(),
            cause: Default::default(),
        };
        let cut = Error::Decode {
            method: "GET",
            path: "/".into(),
            error: DecodeError {
                field_path: crate::decode::BODY_PATH.into(),
                message: "not JSON".into(),
            },
        };
        let wrong_type = Error::Decode {
            method: "GET",
            path: "/".into(),
            error: DecodeError {
                field_path: "generations[0].seed".into(),
                message: "invalid type".into(),
            },
        };
        // (error, retried when idempotent, retried for POST)
        let cases = [
            (api(429, None, None), true, true),
            (api(429, None, Some(120_000.0)), false, false),
            (api(429, Some("TooManyPrompts"), None), false, false),
            (api(500, None, None), true, false),
            (api(502, None, None), true, false),
            (api(503, None, None), true, false),
            (api(408, None, None), true, false),
            (api(400, Some("MaintenanceMode"), None), false, false),
            (api(400, None, None), false, false),
            (api(401, Some("InvalidAPIKey"), None), false, false),
            (api(403, Some("KudosUpfront"), None), false, false),
            (api(404, Some("RequestNotFound"), None), false, false),
            (conn, true, false),
            (cut, true, false),
            (wrong_type, false, false),
            (Error::invalid("id", "x"), false, false),
            (
                Error::Aborted {
                    during: "x".into(),
                    cause: Default::default(),
                },
                false,
                false,
            ),
        ];
        for (e, get, post) in cases {
            assert_eq!(should_retry(&e, true), get, "GET {e:?}");
            assert_eq!(should_retry(&e, false), post, "POST {e:?}");
        }
    }

    #[test]
    fn delays() {
        // Retry-After honoured.
        let submit = (1_000.0, 60_000.0);
        let d = retry_delay_ms(&api(429, None, Some(2_000.0)), 0, submit, 0.0);
        assert!((2_000.0..2_300.0).contains(&d), "{d}");
        // 429 without it: the shortest (padded) window first, then the longest.
        let d = retry_delay_ms(&api(429, None, None), 0, submit, 0.5);
        assert!((1_000.0..1_600.0).contains(&d), "{d}");
        let d = retry_delay_ms(&api(429, None, None), 1, submit, 0.0);
        assert!(d >= 60_000.0, "{d}");
        let status = (60_000.0, 60_000.0);
        assert!(retry_delay_ms(&api(429, None, None), 0, status, 0.0) >= 60_000.0);
        // Exponential otherwise, capped, with jitter that only shortens.
        let e = api(503, None, None);
        assert_eq!(retry_delay_ms(&e, 0, (0.0, 0.0), 0.0), 500.0);
        assert_eq!(retry_delay_ms(&e, 1, (0.0, 0.0), 0.0), 1_000.0);
        assert_eq!(retry_delay_ms(&e, 9, (0.0, 0.0), 0.0), 8_000.0);
        assert_eq!(
            retry_delay_ms(&e, 0, (0.0, 0.0), 0.999_999),
            500.0 * (1.0 - 0.25 * 0.999_999)
        );
    }
}
