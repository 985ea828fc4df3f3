//! The image-generation status module of horde_sdk (`apimodels/generate/_status.py`):
//! `Generation`, `ImageGeneration`, `GenMetadataEntry` and `ImageGenerateStatusResponse`.

use super::image_data::{image_form, ImageData, ImageForm};
use super::progress::with_progress_fields;
use super::OrDefault;
use crate::ids::random_uuid_v4;
use crate::open_enum;
use horde_wasm_macros::{FromJs, ToJs};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::hash::{Hash, Hasher};
use tsify::Tsify;

open_enum! {
    /// The obsolete per-image `state` of horde_sdk's `GENERATION_STATE`. The real server never
    /// sets it, so it is always `"ok"`; use `censored` and `gen_metadata` instead.
    pub enum GenerationState {
        /// The default, and the only value the server sends today.
        Ok = "ok",
        /// Censored by the worker's safety filter.
        Censored = "censored",
        /// The generation faulted.
        Faulted = "faulted",
        /// Censored as CSAM.
        Csam = "csam",
        /// Waiting for a worker.
        Waiting = "waiting",
        /// On a worker.
        Processing = "processing",
        /// Partly done.
        Partial = "partial",
        /// Cancelled.
        Cancelled = "cancelled",
        /// Done.
        Done = "done",
        /// The empty string horde_sdk also allows.
        Empty = "",
    }
}

open_enum! {
    /// What a [`GenMetadataEntry`] is about (`GenerationMetadataStable.type`).
    pub enum GenMetadataType {
        /// A LoRA (its id or name is in `ref`).
        Lora = "lora",
        /// A textual inversion.
        Ti = "ti",
        /// The worker's safety filter (`value` is `nsfw` or `csam`).
        Censorship = "censorship",
        /// The source image.
        SourceImage = "source_image",
        /// The source mask.
        SourceMask = "source_mask",
        /// One of the extra source images.
        ExtraSourceImages = "extra_source_images",
        /// The index of this image in its batch.
        BatchIndex = "batch_index",
        /// Free information from the worker.
        Information = "information",
        /// An aesthetic score (a 0–10 number as text in `ref`).
        AestheticScore = "aesthetic_score",
    }
}

open_enum! {
    /// What happened to the subject of a [`GenMetadataEntry`] (`GenerationMetadataStable.value`).
    pub enum GenMetadataValue {
        /// The worker could not download it (for example a LoRA).
        DownloadFailed = "download_failed",
        /// The worker could not parse it.
        ParseFailed = "parse_failed",
        /// It does not match the model's baseline, so it was skipped.
        BaselineMismatch = "baseline_mismatch",
        /// Censored as CSAM.
        Csam = "csam",
        /// Censored as NSFW.
        Nsfw = "nsfw",
        /// See `ref`.
        SeeRef = "see_ref",
    }
}

/// One entry of an image's `gen_metadata`: something about the generation that faulted or
/// fell back to a default, such as a LoRA that could not be downloaded or the safety filter.
///
/// v2 API model: `GenerationMetadataStable`. Both enums are open: unknown values are kept.
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Clone, Debug, PartialEq, Eq, Hash)]
pub struct GenMetadataEntry {
    /// What this entry is about: `lora`, `ti`, `censorship`, `source_image`, …
    #[serde(rename = "type")]
    pub r#type: GenMetadataType,
    /// What happened: `download_failed`, `parse_failed`, `baseline_mismatch`, `csam`, `nsfw`,
    /// `see_ref`, …
    pub value: GenMetadataValue,
    /// Optional reference, such as the LoRA's id or, for `aesthetic_score`, the score as text.
    /// At most 255 characters on the server.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub r#ref: Option<String>,
}

/// The fields every generation has, whatever its kind (horde_sdk's `Generation`).
///
/// [`ImageGeneration`] carries the same fields; [`ImageGeneration::generation`] extracts them.
#[derive(Tsify, Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Generation {
    /// The model that generated this image. May be `""` in rare mismatch cases.
    pub model: String,
    /// Obsolete: always `"ok"` on the real server. Use `censored` and `gen_metadata`.
    pub state: GenerationState,
    /// The UUID of the worker that generated this image.
    pub worker_id: String,
    /// The name of the worker that generated this image.
    pub worker_name: String,
}

/// One finished image of a request (horde_sdk's `ImageGeneration`).
///
/// v2 API model: `GenerationStable`. Two generations are equal when their `id`s are equal, and
/// hash by `id` alone, as in horde_sdk; so a set of generations collected from repeated status
/// calls holds each image once.
///
/// **The empty-id rule**: an empty `id` (which horde_sdk's swagger-made fixtures contain and the
/// real server never sends) is replaced by a fresh random UUID, with a warning.
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Clone)]
pub struct ImageGeneration {
    /// The UUID of this generation, distinct from the request id. It is also the name of the
    /// image object (`<id>.webp`).
    #[serde(deserialize_with = "deserialize_generation_id")]
    #[js(read = generation_id_js)]
    pub id: String,
    /// The image. By default (`r2: true`) an HTTPS download URL, valid for 30 minutes from the
    /// status call that returned it and needing no API key; with `r2: false`, the WebP bytes in
    /// base64 (no `data:` prefix); the literal `"N/A"` when the server could not fetch the
    /// image in base64 mode. Use `HordeClient.downloadImage` to get the bytes either way.
    #[cfg_attr(target_arch = "wasm32", serde(with = "crate::jsval::preserve"))]
    #[tsify(type = "string")]
    pub img: ImageData,
    /// The seed actually used, as a decimal integer in a string.
    pub seed: String,
    /// `true` if the worker's safety filter replaced the image with a placeholder. A
    /// `censorship` entry in `gen_metadata` says why (`nsfw` or `csam`).
    pub censored: bool,
    /// Things about this generation that faulted or fell back to a default (a LoRA that could
    /// not be downloaded, the safety filter, …). The server always sends a list; absent here
    /// only if the server omitted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gen_metadata: Option<Vec<GenMetadataEntry>>,
    /// The model that generated this image. May be `""` in rare mismatch cases.
    pub model: String,
    /// Obsolete: always `"ok"` on the real server. Use `censored` and `gen_metadata`.
    pub state: GenerationState,
    /// The UUID of the worker that generated this image.
    pub worker_id: String,
    /// The name of the worker that generated this image.
    pub worker_name: String,
}

/// A generation id read from JavaScript, under the empty-id rule.
#[cfg(target_arch = "wasm32")]
pub fn generation_id_js(v: wasm_bindgen::JsValue) -> Result<String, crate::jsval::DeError> {
    <String as crate::jsval::FromJs>::from_js(v).map(with_id)
}

fn deserialize_generation_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(with_id(String::deserialize(d)?))
}

/// The empty-id rule: an empty id becomes a fresh random UUID, with a warning.
fn with_id(id: String) -> String {
    if id.is_empty() {
        let fresh = random_uuid_v4();
        crate::log::warn(&format!(
            "horde-wasm: a generation arrived with an empty id; it was given the random id {fresh}"
        ));
        return fresh;
    }
    id
}

impl ImageGeneration {
    /// The v2 API model name, as horde_sdk's `get_api_model_name`.
    pub const API_MODEL_NAME: &'static str = "GenerationStable";

    /// The fields shared with every kind of generation.
    pub fn generation(&self) -> Generation {
        Generation {
            model: self.model.clone(),
            state: self.state.clone(),
            worker_id: self.worker_id.clone(),
            worker_name: self.worker_name.clone(),
        }
    }

    /// Whether `img` is a URL, base64 bytes, or the `"N/A"` marker.
    pub fn image_form(&self) -> ImageForm {
        image_form(&self.img)
    }

    /// The metadata entries, empty when the server sent none.
    pub fn metadata(&self) -> &[GenMetadataEntry] {
        self.gen_metadata.as_deref().unwrap_or(&[])
    }

    /// The censorship entry's value (`nsfw`, `csam`, …), if the image was censored and the
    /// worker said why.
    pub fn censorship(&self) -> Option<&GenMetadataValue> {
        self.metadata()
            .iter()
            .find(|m| m.r#type == GenMetadataType::Censorship)
            .map(|m| &m.value)
    }
}

impl PartialEq for ImageGeneration {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for ImageGeneration {}

impl Hash for ImageGeneration {
    fn hash<H: Hasher>(&self, state: &mut H) {
        "ImageGeneration".hash(state);
        self.id.hash(state);
    }
}

impl fmt::Debug for ImageGeneration {
    // Hand-written so that `img`, which may be megabytes of base64, is never copied into a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageGeneration")
            .field("id", &self.id)
            .field("img", &self.image_form())
            .field("seed", &self.seed)
            .field("censored", &self.censored)
            .field("gen_metadata", &self.gen_metadata)
            .field("model", &self.model)
            .field("state", &self.state)
            .field("worker_id", &self.worker_id)
            .field("worker_name", &self.worker_name)
            .finish()
    }
}

with_progress_fields! {
    /// The full status of an image request, with every finished image (horde_sdk's
    /// `ImageGenerateStatusResponse`), as returned by `GET` and `DELETE
    /// /v2/generate/status/{id}`.
    ///
    /// v2 API model: `RequestStatusStable`. The status call is rate limited to 10 per minute per
    /// request id: poll the check endpoint and fetch the status once `done`.
    ///
    /// Equality: horde_sdk's `__eq__` says a response equals another when every generation of
    /// the first is in the second, which is not symmetric (an empty response equals anything)
    /// and disagrees with its `__hash__`. Here `==` means "the same set of generation ids" and
    /// the hash is order-independent, so the two agree; the seed's one-sided relation is
    /// [`ImageGenerateStatusResponse::generations_subset_of`].
    #[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Clone, Debug)]
    pub struct ImageGenerateStatusResponse {
        /// The finished images (never queued or processing ones), in no guaranteed order. Empty
        /// until the first image finishes. The server's `finished` counts them.
        #[tsify(type = "ImageGeneration[]")]
        pub generations: OrDefault<Vec<ImageGeneration>>,
        /// Whether the images were shared with LAION. The real server always says `false`.
        #[tsify(type = "boolean")]
        pub shared: OrDefault<bool>,
    }
}

impl ImageGenerateStatusResponse {
    /// The v2 API model name, as horde_sdk's `get_api_model_name`.
    pub const API_MODEL_NAME: &'static str = "RequestStatusStable";

    /// horde_sdk's `is_job_complete(n)`: `true` when exactly `expected` images came back.
    ///
    /// Its documented limit: it never becomes `true` for a cancelled or faulted request, which
    /// ends with fewer images, nor for one whose workers faulted on some images (the real
    /// server ends it `done` without them, see [`Self::is_done`]). Use [`Self::is_done`] to
    /// know that a request is over.
    pub fn is_job_complete(&self, expected: usize) -> bool {
        self.generations.len() == expected
    }

    /// Whether the request is over (the server's `done`): delivered, faulted, or cancelled and
    /// drained.
    ///
    /// `done` does not mean every image came back. The real server counts an image whose
    /// worker faulted as finished and does not queue it again, and sets `faulted` only from a
    /// cleanup pass (every 60 s) once a request has 3 or more faulted images: a request whose
    /// worker faulted twice ends `done: true, faulted: false` with fewer images, or none. Use
    /// [`Self::missing_images`] to see how many are missing.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// How many of `requested` images the status lacks: 0 when every one came back.
    pub fn missing_images(&self, requested: u32) -> u32 {
        let got = u32::try_from(self.generations.len()).unwrap_or(u32::MAX);
        requested.saturating_sub(got)
    }

    /// horde_sdk's `is_job_possible`: the server's `is_possible`.
    pub fn is_job_possible(&self) -> bool {
        self.is_possible
    }

    /// horde_sdk's `is_final_follow_up`: a status response needs no further request.
    pub const fn is_final_follow_up() -> bool {
        true
    }

    /// horde_sdk's equality relation: every generation of `self` is also in `other` (by id).
    pub fn generations_subset_of(&self, other: &ImageGenerateStatusResponse) -> bool {
        self.generations
            .iter()
            .all(|g| other.generations.iter().any(|o| o.id == g.id))
    }
}

impl PartialEq for ImageGenerateStatusResponse {
    fn eq(&self, other: &Self) -> bool {
        self.generations_subset_of(other) && other.generations_subset_of(self)
    }
}

impl Eq for ImageGenerateStatusResponse {}

impl Hash for ImageGenerateStatusResponse {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Order-independent and duplicate-independent, so that equal responses hash equally.
        let ids: std::collections::BTreeSet<&str> =
            self.generations.iter().map(|g| g.id.as_str()).collect();
        "ImageGenerateStatusResponse".hash(state);
        for id in ids {
            id.hash(state);
        }
    }
}

/// Merges generations from repeated status calls: every id once, in first-seen order, with the
/// newest copy of each (a later status call carries a fresh image URL).
pub fn merge_generations(
    existing: Vec<ImageGeneration>,
    incoming: Vec<ImageGeneration>,
) -> Vec<ImageGeneration> {
    let mut out: Vec<ImageGeneration> = Vec::with_capacity(existing.len() + incoming.len());
    for g in existing.into_iter().chain(incoming) {
        match out.iter_mut().find(|o| o.id == g.id) {
            Some(o) => *o = g,
            None => out.push(g),
        }
    }
    out
}
