//! The check response (`RequestStatusCheck`): the progress of a request without its images.

use super::progress::with_progress_fields;
use horde_wasm_macros::{FromJs, Shape, ToJs};
use serde::{Deserialize, Serialize};
use tsify::Tsify;

with_progress_fields! {
    /// The progress of an image request without its images, as returned by `GET
    /// /v2/generate/check/{id}` (horde_sdk's `ImageGenerateCheckResponse`).
    ///
    /// v2 API model: `RequestStatusCheck`. Cheap to call (10 per second per request id, cached
    /// for one second by the server): poll this, and fetch the status once `done` is `true`.
    #[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Shape, Clone, Debug, PartialEq)]
    pub struct ImageGenerateCheckResponse {
    }
}

impl ImageGenerateCheckResponse {
    /// The v2 API model name, as horde_sdk's `get_api_model_name`.
    pub const API_MODEL_NAME: &'static str = "RequestStatusCheck";

    /// horde_sdk's check-response completion rule: the server's `done`.
    pub fn is_job_complete(&self) -> bool {
        self.done
    }

    /// horde_sdk's `is_job_possible`: the server's `is_possible`.
    pub fn is_job_possible(&self) -> bool {
        self.is_possible
    }
}
