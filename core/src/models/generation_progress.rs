//! The progress of a job as the lifecycle reports it (`onProgress`).

use horde_wasm_macros::ToJs;
use tsify::Tsify;

/// The progress of a `generateImages` call, passed to `onProgress`.
#[derive(Tsify, ToJs, Clone, Debug, PartialEq)]
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
