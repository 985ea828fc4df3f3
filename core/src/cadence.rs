//! How long to wait before the next check of a job: fast near the end, slow while queued. Pure
//! logic, tested natively.
//!
//! The server caches a check answer for one second, so polling faster is useless; it allows ten
//! checks per second per job, so one per second is far below the limit. Between those bounds the
//! delay is half the server's own estimate of the time left (`wait_time`), so the checks close
//! in geometrically on the end and the result is picked up within about a second of `done`,
//! with a cap that bounds the damage when the estimate is wrong.

use crate::models::JobProgress;

/// Never check more often than this (the server's check cache).
pub const MIN_DELAY_MS: f64 = 1_000.0;
/// Longest delay while images are being generated.
pub const MAX_DELAY_PROCESSING_MS: f64 = 5_000.0;
/// Longest delay while the job waits in the queue.
pub const MAX_DELAY_QUEUED_MS: f64 = 10_000.0;
/// Delay while no worker can serve the job (`is_possible: false`).
pub const IMPOSSIBLE_DELAY_MS: f64 = 10_000.0;

/// Longest delay during the first [`EARLY_CHECKS`] checks: a fresh job is often picked up
/// within seconds, and a caller showing progress wants to see that soon.
pub const MAX_DELAY_EARLY_MS: f64 = 2_000.0;
/// How many checks count as early.
pub const EARLY_CHECKS: u32 = 3;

/// The delay before the next check, given the last check and how many checks were made.
pub fn next_check_delay_ms(p: &impl JobProgress, checks: u32) -> f64 {
    if !p.is_possible() {
        return IMPOSSIBLE_DELAY_MS;
    }
    let queued = p.processing() == 0 && p.queue_position() > 0;
    let cap = if checks <= EARLY_CHECKS {
        MAX_DELAY_EARLY_MS
    } else if queued {
        MAX_DELAY_QUEUED_MS
    } else {
        MAX_DELAY_PROCESSING_MS
    };
    (f64::from(p.wait_time()) * 1000.0 * 0.5).clamp(MIN_DELAY_MS, cap)
}

/// Backoff after `failures` consecutive failed checks (the transport has already retried).
pub fn failure_delay_ms(failures: u32) -> f64 {
    (2_000.0 * 2f64.powi(failures.min(5) as i32)).min(30_000.0)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::models::ImageGenerateCheckResponse;

    fn check(
        wait_time: u32,
        queue_position: u32,
        processing: u32,
        is_possible: bool,
    ) -> ImageGenerateCheckResponse {
        ImageGenerateCheckResponse {
            finished: 0,
            processing,
            restarted: 0,
            waiting: 1 - processing.min(1),
            done: false,
            faulted: false,
            wait_time,
            queue_position,
            kudos: 1.0,
            is_possible,
        }
    }

    #[test]
    fn closes_in_on_the_end() {
        let later = EARLY_CHECKS + 1;
        assert_eq!(next_check_delay_ms(&check(0, 0, 1, true), later), 1_000.0);
        assert_eq!(next_check_delay_ms(&check(4, 0, 1, true), later), 2_000.0);
        assert_eq!(next_check_delay_ms(&check(60, 0, 1, true), later), 5_000.0);
        assert_eq!(
            next_check_delay_ms(&check(60, 12, 0, true), later),
            10_000.0
        );
        assert_eq!(next_check_delay_ms(&check(8, 3, 0, true), later), 4_000.0);
        assert_eq!(next_check_delay_ms(&check(8, 3, 0, false), later), 10_000.0);
        // The first checks of a job come sooner, to see it picked up.
        assert_eq!(next_check_delay_ms(&check(60, 12, 0, true), 1), 2_000.0);
        assert_eq!(next_check_delay_ms(&check(60, 12, 0, false), 1), 10_000.0);
    }

    #[test]
    fn a_simulated_job_is_picked_up_within_a_second_of_done() {
        // A job whose estimate is exact: it ends at t = 23.4 s.
        let end: f64 = 23_400.0;
        let mut t: f64 = 0.0;
        let mut checks = 0;
        while t < end {
            let left = ((end - t) / 1000.0).ceil() as u32;
            checks += 1;
            t += next_check_delay_ms(&check(left, 0, 1, true), checks);
        }
        assert!(t - end <= 1_000.0, "picked up {} ms late", t - end);
        assert!(checks <= 12, "{checks} checks");
    }

    #[test]
    fn failures_back_off() {
        assert_eq!(failure_delay_ms(0), 2_000.0);
        assert_eq!(failure_delay_ms(2), 8_000.0);
        assert_eq!(failure_delay_ms(9), 30_000.0);
    }
}
