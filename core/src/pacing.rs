//! Client-side pacing under the Horde's rate limits. Pure logic over a clock passed in, so it is
//! tested natively; the transport feeds it a monotonic clock (`performance.now()`, so a wall
//! clock set back or forward does not move it) and sleeps for what it returns.
//!
//! The server counts requests in **fixed windows** per client IP, method and path, query string
//! excluded (so per job id for check, status and delete; API.md §7). A sliding log that never
//! lets more than `limit` sends into any interval of `window + margin` keeps every fixed window
//! of length `window` under its limit too, whatever the window's alignment, with the margin
//! absorbing jitter in network latency. Browsers cannot see `Retry-After` (the Horde exposes no headers to
//! CORS), so this is what keeps a browser client from being rate limited at all.

/// The limiter key of a method and path: the path without its query string, as Flask's
/// `request.path` that the server keys its windows by (so per job id for check, status and
/// delete, while `/v2/status/models?type=text` shares the window of `/v2/status/models`).
pub fn limit_key(method: crate::method::HttpMethod, path: &str) -> String {
    let path = crate::text::split_once(path, "?").map_or(path, |(p, _)| p);
    format!("{} {}", method.as_str(), path)
}

/// One limit: at most `limit` requests per `window_ms`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    /// Requests allowed per window.
    pub limit: u32,
    /// The window, in milliseconds.
    pub window_ms: f64,
}

/// The rate-limited routes of the Horde that this SDK calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /v2/generate/async`: 2 per second and 90 per minute per IP (and 2 per second per
    /// registered key).
    Submit,
    /// `GET /v2/generate/check/{id}`: 10 per second per job.
    Check,
    /// `GET /v2/generate/status/{id}`: 10 per minute per job.
    Status,
    /// `DELETE /v2/generate/status/{id}`: 10 per minute per job, counted apart from GET.
    Cancel,
    /// Other limited routes (`find_user`, `status/models`): the limiter's default, 90 per minute,
    /// paced as 45 (a browser's preflight counts too).
    Default,
    /// Not limited (`status/heartbeat`).
    Unlimited,
}

const SUBMIT: &[Rule] = &[
    Rule {
        limit: 2,
        window_ms: 1_000.0,
    },
    Rule {
        limit: 90,
        window_ms: 60_000.0,
    },
];
const CHECK: &[Rule] = &[Rule {
    limit: 10,
    window_ms: 1_000.0,
}];
const PER_MINUTE_10: &[Rule] = &[Rule {
    limit: 10,
    window_ms: 60_000.0,
}];
/// The limiter's default, 90 per minute per IP and route. A browser's preflight of such a call
/// (the `Client-Agent` header makes every cross-origin call send one) counts in the same window
/// on the real server, so a call is paced as two.
const DEFAULT: &[Rule] = &[Rule {
    limit: 45,
    window_ms: 60_000.0,
}];

impl Route {
    /// The server's limits for this route.
    pub fn rules(self) -> &'static [Rule] {
        match self {
            Route::Submit => SUBMIT,
            Route::Check => CHECK,
            Route::Status | Route::Cancel => PER_MINUTE_10,
            Route::Default => DEFAULT,
            Route::Unlimited => &[],
        }
    }

    /// The shortest and the longest window of this route, in milliseconds ((0, 0) when
    /// unlimited).
    pub fn windows_ms(self) -> (f64, f64) {
        let rules = self.rules();
        let shortest = rules
            .iter()
            .map(|r| r.window_ms)
            .reduce(f64::min)
            .unwrap_or(0.0);
        let longest = rules
            .iter()
            .map(|r| r.window_ms)
            .reduce(f64::max)
            .unwrap_or(0.0);
        (shortest, longest)
    }
}

/// The margin added to every window: 5 % plus 250 ms, for latency jitter, timer lag on a busy
/// machine, and clock skew.
pub fn padded_window(window_ms: f64) -> f64 {
    window_ms * 1.05 + 250.0
}

#[derive(Debug, Default)]
struct Bucket {
    /// Reserved send times, ascending.
    sends: Vec<f64>,
    /// No send before this time (set after a 429).
    blocked_until: f64,
}

/// Reservations per key (`"GET /v2/generate/status/<id>"`), shared by every call of a client.
/// A list rather than a hash map: a client holds a few keys per running job, and the list
/// keeps a hasher out of the wasm module.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: Vec<(String, Bucket)>,
}

impl Limiter {
    /// An empty limiter.
    pub fn new() -> Limiter {
        Limiter::default()
    }

    /// Reserves the earliest send time at or after `now` that keeps every rule, and returns it.
    /// Reservations of one key are handed out in order, so concurrent callers queue fairly.
    pub fn reserve(&mut self, key: &str, rules: &[Rule], now: f64) -> f64 {
        if rules.is_empty() {
            return now;
        }
        let Some(bucket) = self.bucket(key) else {
            return now;
        };
        prune(bucket, rules, now);
        let mut t = now.max(bucket.blocked_until);
        if let Some(&last) = bucket.sends.last() {
            t = t.max(last);
        }
        for rule in rules {
            let limit = rule.limit.max(1) as usize;
            // With `limit` sends or more, the `limit`-th most recent must have left the window.
            let oldest_in_window = bucket
                .sends
                .len()
                .checked_sub(limit)
                .and_then(|i| bucket.sends.get(i));
            if let Some(&oldest_in_window) = oldest_in_window {
                t = t.max(oldest_in_window + padded_window(rule.window_ms));
            }
        }
        bucket.sends.push(t);
        t
    }

    /// The key's bucket, added if absent (always `Some`).
    fn bucket(&mut self, key: &str) -> Option<&mut Bucket> {
        if !self.buckets.iter().any(|(k, _)| k == key) {
            self.buckets.push((key.to_owned(), Bucket::default()));
        }
        self.find(key)
    }

    fn find(&mut self, key: &str) -> Option<&mut Bucket> {
        self.buckets
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, b)| b)
    }

    /// Records that a reservation was used late, at `actual` (a busy event loop woke the caller
    /// after its slot): later reservations are then computed from when it really went.
    pub fn confirm(&mut self, key: &str, reserved: f64, actual: f64) {
        if actual <= reserved {
            return;
        }
        if let Some(bucket) = self.find(key) {
            if let Some(i) = bucket.sends.iter().rposition(|&t| t == reserved) {
                // Moved later, kept in order (an insertion, not a sort: a sort costs 3 KB
                // of module).
                bucket.sends.remove(i);
                let at = bucket.sends.partition_point(|&t| t <= actual);
                bucket.sends.insert(at, actual);
            }
        }
    }

    /// Gives back a reservation that was never used (the caller aborted while waiting).
    pub fn release(&mut self, key: &str, at: f64) {
        if let Some(bucket) = self.find(key) {
            if let Some(i) = bucket.sends.iter().rposition(|&t| t == at) {
                bucket.sends.remove(i);
            }
        }
    }

    /// Whether a send now would leave at least `spare` more sends free in every window, without
    /// waiting. Used for optional calls (early images) that must never delay required ones.
    pub fn has_room(&mut self, key: &str, rules: &[Rule], now: f64, spare: u32) -> bool {
        let Some(bucket) = self.find(key) else {
            return rules.iter().all(|r| r.limit > spare);
        };
        prune(bucket, rules, now);
        if bucket.blocked_until > now || bucket.sends.last().is_some_and(|&t| t > now) {
            return false;
        }
        rules.iter().all(|rule| {
            let window = padded_window(rule.window_ms);
            let used = bucket.sends.iter().filter(|&&t| t > now - window).count() as u32;
            used + 1 + spare <= rule.limit
        })
    }

    /// After a 429: no send on this key before `until`.
    pub fn block_until(&mut self, key: &str, until: f64) {
        if let Some(bucket) = self.bucket(key) {
            bucket.blocked_until = bucket.blocked_until.max(until);
        }
    }

    /// Number of keys held (for tests and memory checks).
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Drops every key whose reservations and blocks are all older than the longest window.
    pub fn sweep(&mut self, now: f64) {
        let horizon = padded_window(60_000.0);
        self.buckets.retain(|(_, b)| {
            b.blocked_until > now || b.sends.last().is_some_and(|&t| t > now - horizon)
        });
    }
}

fn prune(bucket: &mut Bucket, rules: &[Rule], now: f64) {
    let longest = rules
        .iter()
        .map(|r| padded_window(r.window_ms))
        .fold(0.0, f64::max);
    let stale = bucket
        .sends
        .iter()
        .take_while(|&&t| t <= now - longest)
        .count();
    bucket.sends.drain(..stale);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Counts sends in every fixed window [k·w + offset, (k+1)·w + offset) and returns the max.
    fn max_in_fixed_windows(times: &[f64], window: f64, offset: f64) -> usize {
        let mut counts: HashMap<i64, usize> = HashMap::new();
        for &t in times {
            *counts
                .entry(((t - offset) / window).floor() as i64)
                .or_default() += 1;
        }
        counts.values().copied().max().unwrap_or(0)
    }

    #[test]
    fn burst_of_submits_respects_both_windows_at_any_alignment() {
        let mut l = Limiter::new();
        let times: Vec<f64> = (0..200).map(|_| l.reserve("POST", SUBMIT, 0.0)).collect();
        for offset in [0.0, 123.0, 500.0, 999.0, 30_000.0] {
            assert!(
                max_in_fixed_windows(&times, 1_000.0, offset) <= 2,
                "offset {offset}"
            );
            assert!(
                max_in_fixed_windows(&times, 60_000.0, offset) <= 90,
                "offset {offset}"
            );
        }
        // And it is not needlessly slow: 200 submits take under 3 minutes (90/min bound).
        let last = *times.last().unwrap();
        assert!(last < 3.0 * 60_000.0 * 1.1, "{last}");
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn default_route_calls_with_their_preflights_stay_under_ninety_a_minute() {
        let mut l = Limiter::new();
        let calls: Vec<f64> = (0..100)
            .map(|_| l.reserve("GET models", Route::Default.rules(), 0.0))
            .collect();
        // Each call is two hits in a browser: the preflight and the GET.
        let hits: Vec<f64> = calls.iter().flat_map(|&t| [t, t]).collect();
        for offset in [0.0, 250.0, 30_000.0, 59_999.0] {
            assert!(
                max_in_fixed_windows(&hits, 60_000.0, offset) <= 90,
                "offset {offset}"
            );
        }
        assert!(calls.get(44) == Some(&0.0), "45 calls go at once");
    }

    #[test]
    fn status_is_ten_per_minute_per_key_and_keys_are_independent() {
        let mut l = Limiter::new();
        let a: Vec<f64> = (0..25)
            .map(|_| l.reserve("GET status a", PER_MINUTE_10, 0.0))
            .collect();
        let b0 = l.reserve("GET status b", PER_MINUTE_10, 0.0);
        assert_eq!(b0, 0.0);
        assert!(a[..10].iter().all(|&t| t == 0.0));
        assert!(a[10] >= 60_000.0);
        for offset in [0.0, 1.0, 17_000.0, 59_999.0] {
            assert!(max_in_fixed_windows(&a, 60_000.0, offset) <= 10);
        }
    }

    #[test]
    fn a_late_send_pushes_the_next_reservations() {
        let mut l = Limiter::new();
        let a = l.reserve("k", SUBMIT, 0.0);
        let b = l.reserve("k", SUBMIT, 0.0);
        assert_eq!((a, b), (0.0, 0.0));
        // Both went out 400 ms late: the third waits a full window from then, not from 0.
        l.confirm("k", a, 400.0);
        l.confirm("k", b, 400.0);
        let c = l.reserve("k", SUBMIT, 500.0);
        assert!(c >= 400.0 + padded_window(1_000.0), "{c}");
    }

    #[test]
    fn release_and_block() {
        let mut l = Limiter::new();
        let t1 = l.reserve("k", CHECK, 0.0);
        l.release("k", t1);
        assert_eq!(l.reserve("k", CHECK, 0.0), 0.0);
        l.block_until("k", 5_000.0);
        assert_eq!(l.reserve("k", CHECK, 10.0), 5_000.0);
    }

    #[test]
    fn has_room_keeps_spare_slots() {
        let mut l = Limiter::new();
        for _ in 0..8 {
            l.reserve("s", PER_MINUTE_10, 0.0);
        }
        assert!(l.has_room("s", PER_MINUTE_10, 1.0, 1)); // 8 used + 1 + 1 spare = 10
        l.reserve("s", PER_MINUTE_10, 1.0);
        assert!(!l.has_room("s", PER_MINUTE_10, 2.0, 1));
        assert!(l.has_room("s", PER_MINUTE_10, 2.0, 0));
        assert!(l.has_room("fresh", PER_MINUTE_10, 0.0, 1));
        assert!(l.has_room("s", PER_MINUTE_10, 70_000.0, 1));
    }

    #[test]
    fn the_key_is_method_and_path_without_the_query() {
        use crate::method::HttpMethod;
        let models = limit_key(HttpMethod::Get, "/v2/status/models");
        assert_eq!(models, "GET /v2/status/models");
        assert_eq!(
            limit_key(HttpMethod::Get, "/v2/status/models?type=text&min_count=2"),
            models
        );
        let id = "/v2/generate/status/0b8f3c6e-1b9a-4f36-9d3e-2f0c6a1b2c3d";
        assert_ne!(
            limit_key(HttpMethod::Delete, id),
            limit_key(HttpMethod::Get, id)
        );
        assert_ne!(
            limit_key(HttpMethod::Get, id),
            limit_key(HttpMethod::Get, "/v2/generate/status/other")
        );
    }

    #[test]
    fn sweep_forgets_idle_keys() {
        let mut l = Limiter::new();
        l.reserve("a", CHECK, 0.0);
        l.reserve("b", CHECK, 100_000.0);
        l.sweep(100_000.0);
        assert_eq!(l.len(), 1);
    }
}
