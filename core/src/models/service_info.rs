//! The answers of the service endpoints a frontend needs: heartbeat, the models list, find_user.

use crate::open_enum;
use horde_wasm_macros::{FromJs, Shape, ToJs};
use serde::{Deserialize, Serialize};
use tsify::Tsify;

/// `GET /v2/status/heartbeat`.
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Shape, Clone, Debug, PartialEq)]
pub struct HeartbeatResponse {
    /// `OK`, `OVERLOADED` or `DOWN`.
    pub message: String,
    /// The server's version, such as `5.1.5`.
    pub version: String,
    /// Requests queued on this node (newer servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub queue: Option<f64>,
    /// Threads of this node (newer servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub threads: Option<f64>,
    /// Active threads (newer servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub active_count: Option<f64>,
    /// Whether the node reaches its database (newer servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub db_connection: Option<bool>,
}

open_enum! {
    /// The kind of an active model.
    pub enum ModelType {
        /// Image generation.
        Image = "image",
        /// Text generation.
        Text = "text",
    }
}

/// One model some worker currently serves (`ActiveModel`).
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Shape, Clone, Debug, PartialEq)]
pub struct ActiveModel {
    /// The model's name, as used in `models`.
    pub name: String,
    /// Worker threads serving it.
    pub count: u32,
    /// Average speed (megapixel-steps per second).
    pub performance: f64,
    /// Work queued for it (megapixel-steps).
    pub queued: f64,
    /// Jobs queued for it.
    pub jobs: f64,
    /// Estimated seconds to clear its queue.
    pub eta: f64,
    /// `image` or `text`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub r#type: Option<ModelType>,
}

/// Filters of `listModels`.
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Clone, Debug, Default, PartialEq)]
#[js(options)]
pub struct ModelsQuery {
    /// `image` (default) or `text`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub r#type: Option<ModelType>,
    /// Only models served by at least this many threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub min_count: Option<u32>,
    /// Only models served by at most this many threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_count: Option<u32>,
    /// `all` (default), `known` (in the model reference) or `custom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub model_state: Option<String>,
}

/// The user behind an API key (`UserDetails`; the fields a client needs, others are ignored).
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Shape, Clone, Debug, PartialEq)]
pub struct UserDetails {
    /// `alias#id`; a shared key adds ` (Shared Key: <name>)`.
    pub username: String,
    /// The user id (0 for the anonymous user).
    pub id: f64,
    /// Kudos held.
    pub kudos: f64,
    /// How many images the user may have queued at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub concurrency: Option<f64>,
    /// Whether the user is trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub trusted: Option<bool>,
    /// Whether the user is pseudonymous (no OAuth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub pseudonymous: Option<bool>,
    /// Workers the user runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub worker_count: Option<f64>,
}
