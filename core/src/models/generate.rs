//! Submitting an image request: `POST /v2/generate/async` (`GenerationInputStable` and its
//! `params`), the 202 answer (`RequestAsync`) and the dry-run answer.

#[cfg(not(target_arch = "wasm32"))]
use super::any_json::AnyJson;
use super::image_data::ImageData;
use super::OrDefault;
use crate::open_enum;
use horde_wasm_macros::{FromJs, Shape, ToJs};
use serde::{Deserialize, Serialize};
#[cfg(not(target_arch = "wasm32"))]
use std::collections::BTreeMap;
use tsify::Tsify;

open_enum! {
    /// A sampler (`params.sampler_name`).
    pub enum Sampler {
        /// k_lms
        KLms = "k_lms",
        /// k_heun (counts double towards the step limit)
        KHeun = "k_heun",
        /// k_euler
        KEuler = "k_euler",
        /// k_euler_a (the server's default)
        KEulerA = "k_euler_a",
        /// k_dpm_2 (counts double)
        KDpm2 = "k_dpm_2",
        /// k_dpm_2_a (counts double)
        KDpm2A = "k_dpm_2_a",
        /// k_dpm_fast
        KDpmFast = "k_dpm_fast",
        /// k_dpm_adaptive (counts as 40 steps)
        KDpmAdaptive = "k_dpm_adaptive",
        /// k_dpmpp_2s_a (counts double)
        KDpmpp2sA = "k_dpmpp_2s_a",
        /// k_dpmpp_2m
        KDpmpp2m = "k_dpmpp_2m",
        /// dpmsolver
        Dpmsolver = "dpmsolver",
        /// k_dpmpp_sde (counts double)
        KDpmppSde = "k_dpmpp_sde",
        /// DDIM
        Ddim = "DDIM",
        /// lcm (at most 10 steps without upfront kudos)
        Lcm = "lcm",
    }
}

open_enum! {
    /// A post-processor (`params.post_processing`); at most one upscaler per request.
    pub enum PostProcessor {
        /// Face fixer.
        Gfpgan = "GFPGAN",
        /// Upscaler ×4.
        RealEsrganX4plus = "RealESRGAN_x4plus",
        /// Upscaler ×2.
        RealEsrganX2plus = "RealESRGAN_x2plus",
        /// Anime upscaler ×4.
        RealEsrganX4plusAnime6b = "RealESRGAN_x4plus_anime_6B",
        /// Upscaler.
        NmkdSiax = "NMKD_Siax",
        /// Anime upscaler ×4.
        X4AnimeSharp = "4x_AnimeSharp",
        /// Face fixer.
        CodeFormers = "CodeFormers",
        /// Background removal.
        StripBackground = "strip_background",
        /// Upscaler.
        X4Nomos8kSc = "4xNomos8kSC",
        /// Upscaler.
        X4LsdirPlus = "4xLSDIRplus",
        /// Upscaler.
        X4NomosWebPhotoRealPlksr = "4xNomosWebPhoto_RealPLKSR",
        /// Upscaler.
        X4Nomos2RealplksrDysample = "4xNomos2_realplksr_dysample",
        /// Upscaler.
        X4Nomos2HqDat2 = "4xNomos2_hq_dat2",
        /// Upscaler ×2.
        X2ModernSpanimationV1 = "2xModernSpanimationV1",
        /// Face fixer.
        GfpganV13 = "GFPGANv1.3",
        /// Face fixer.
        RestoreFormer = "RestoreFormer",
    }
}

impl PostProcessor {
    /// Whether this post-processor is an upscaler (at most one per request).
    pub fn is_upscaler(&self) -> bool {
        matches!(
            self,
            PostProcessor::RealEsrganX4plus
                | PostProcessor::RealEsrganX2plus
                | PostProcessor::RealEsrganX4plusAnime6b
                | PostProcessor::NmkdSiax
                | PostProcessor::X4AnimeSharp
                | PostProcessor::X4Nomos8kSc
                | PostProcessor::X4LsdirPlus
                | PostProcessor::X4NomosWebPhotoRealPlksr
                | PostProcessor::X4Nomos2RealplksrDysample
                | PostProcessor::X4Nomos2HqDat2
                | PostProcessor::X2ModernSpanimationV1
        )
    }
}

open_enum! {
    /// A ControlNet type (`params.control_type`); needs `source_image`.
    pub enum ControlType {
        /// canny
        Canny = "canny",
        /// hed
        Hed = "hed",
        /// depth
        Depth = "depth",
        /// normal
        Normal = "normal",
        /// openpose
        Openpose = "openpose",
        /// seg
        Seg = "seg",
        /// scribble
        Scribble = "scribble",
        /// fakescribbles
        Fakescribbles = "fakescribbles",
        /// hough
        Hough = "hough",
    }
}

open_enum! {
    /// What to do with `source_image`. `txt2img` is **not** a valid value: a text-to-image
    /// request simply has no source image.
    pub enum SourceProcessing {
        /// Image to image (the default when a source image is given).
        Img2img = "img2img",
        /// Inpainting (a mask, or an alpha channel, marks what to redraw).
        Inpainting = "inpainting",
        /// Outpainting.
        Outpainting = "outpainting",
        /// Remix (Stable Cascade models only; with `extra_source_images`).
        Remix = "remix",
    }
}

open_enum! {
    /// A special workflow (`params.workflow`).
    pub enum Workflow {
        /// QR-code generation; needs `extra_texts`.
        QrCode = "qr_code",
    }
}

open_enum! {
    /// Where a textual inversion is injected.
    pub enum InjectTi {
        /// Into the prompt.
        Prompt = "prompt",
        /// Into the negative prompt.
        Negprompt = "negprompt",
    }
}

open_enum! {
    /// The code of a warning in the submit answer.
    pub enum WarningCode {
        /// No worker can serve the request now.
        NoAvailableWorker = "NoAvailableWorker",
        /// clip_skip differs from the model's reference.
        ClipSkipMismatch = "ClipSkipMismatch",
        /// Fewer steps than the model recommends.
        StepsTooFew = "StepsTooFew",
        /// More steps than the model recommends.
        StepsTooMany = "StepsTooMany",
        /// cfg_scale differs from the model's reference.
        CfgScaleMismatch = "CfgScaleMismatch",
        /// cfg_scale below the model's range.
        CfgScaleTooSmall = "CfgScaleTooSmall",
        /// cfg_scale above the model's range.
        CfgScaleTooLarge = "CfgScaleTooLarge",
        /// The sampler differs from the model's reference.
        SamplerMismatch = "SamplerMismatch",
        /// The scheduler differs from the model's reference.
        SchedulerMismatch = "SchedulerMismatch",
    }
}

/// A LoRA to apply (`ModelPayloadLorasStable`). At most 5 per request; +3 kudos each.
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Clone, Debug, PartialEq)]
pub struct Lora {
    /// The CivitAI name or id (1–255 characters); with `is_version`, a version id (digits).
    pub name: String,
    /// Strength on the model, −5 to 5 (server default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub model: Option<f64>,
    /// Strength on CLIP, −5 to 5 (server default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub clip: Option<f64>,
    /// A trigger to inject into the prompt (1–30 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub inject_trigger: Option<String>,
    /// `name` is a version id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub is_version: Option<bool>,
}

/// A textual inversion to apply (`ModelPayloadTextualInversionsStable`). At most 20.
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Clone, Debug, PartialEq)]
pub struct TextualInversion {
    /// The CivitAI name or id (1–255 characters).
    pub name: String,
    /// Where to inject it; omitted means the worker does not inject it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub inject_ti: Option<InjectTi>,
    /// Strength, −5 to 5 (server default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub strength: Option<f64>,
}

/// An extra source image for `remix` (`ExtraSourceImage`). At most 5; +5 kudos each.
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Clone, Debug)]
pub struct ExtraSourceImage {
    /// Base64 WebP, or an http(s) URL.
    #[cfg_attr(target_arch = "wasm32", serde(with = "crate::jsval::preserve"))]
    #[tsify(type = "string")]
    pub image: ImageData,
    /// Strength (server default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub strength: Option<f64>,
}

/// An extra text for the `qr_code` workflow.
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Clone, Debug, PartialEq)]
pub struct ExtraText {
    /// The text (at least 1 character).
    pub text: String,
    /// What it refers to (at least 3 characters), such as `qr_code`.
    pub reference: String,
}

/// The generation parameters (`ModelGenerationInputStable`). Every field is optional; the SDK
/// always sends `width`, `height`, `n`, `cfg_scale` and `karras` (the last two because the
/// server's defaults, 5.0 and `true`, differ from the documented ones).
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Clone, Debug, Default)]
pub struct ImageGenerationParams {
    /// The sampler. Server default `k_euler_a`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub sampler_name: Option<Sampler>,
    /// Classifier-free guidance, 0–100 with at most two decimals. **SDK default 7.5** (the
    /// server would apply 5.0 if it were omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub cfg_scale: Option<f64>,
    /// img2img strength, 0.01–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub denoising_strength: Option<f64>,
    /// Hires-fix strength, 0.01–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub hires_fix_denoising_strength: Option<f64>,
    /// Height in pixels: 64–3072, a multiple of 64. Default 512.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub height: Option<u32>,
    /// Width in pixels: 64–3072, a multiple of 64. Default 512.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub width: Option<u32>,
    /// Sampling steps, 1–500. Server default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub steps: Option<u32>,
    /// Number of images, 1–20. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub n: Option<u32>,
    /// The seed, as text: digits are used as a number, other text is hashed; `""` or absent
    /// means random.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub seed: Option<String>,
    /// Added to the seed for each further image when `n > 1`, 1–1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub seed_variation: Option<u32>,
    /// Karras noise schedule. **SDK default `true`** (also what the server applies when
    /// omitted, although its documentation says `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub karras: Option<bool>,
    /// Seamless tiling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub tiling: Option<bool>,
    /// Hires fix (not with Flux, Qwen or Z-Image models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub hires_fix: Option<bool>,
    /// CLIP layers to skip, 1–12.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub clip_skip: Option<u32>,
    /// Face-fixer strength, 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub facefixer_strength: Option<f64>,
    /// Post-processors, applied in order; no duplicates, at most one upscaler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub post_processing: Option<Vec<PostProcessor>>,
    /// ControlNet type; needs `source_image`, not with inpainting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub control_type: Option<ControlType>,
    /// The source image is already a control map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub image_is_control: Option<bool>,
    /// Also return the control map (not with `image_is_control`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub return_control_map: Option<bool>,
    /// LoRAs, at most 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub loras: Option<Vec<Lora>>,
    /// Textual inversions, at most 20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub tis: Option<Vec<TextualInversion>>,
    /// Free-form options for special users only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Record<string, unknown>")]
    #[cfg(not(target_arch = "wasm32"))]
    pub special: Option<BTreeMap<String, AnyJson>>,
    /// Free-form options for special users only (passed through as given).
    // The FromJs derive reads it with `Object`'s `FromJs` (any object but an array or a
    // function), serde's `preserve_opt` with `instanceof Object`.
    #[serde(
        default,
        with = "crate::jsval::preserve_opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[tsify(optional, type = "Record<string, unknown>")]
    #[cfg(target_arch = "wasm32")]
    pub special: Option<js_sys::Object>,
    /// A special workflow (`qr_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub workflow: Option<Workflow>,
    /// Transparent background (Layer Diffuse; SD 1.5 and SDXL only; not with img2img or
    /// ControlNet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub transparent: Option<bool>,
    /// Texts for the `qr_code` workflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub extra_texts: Option<Vec<ExtraText>>,
}

/// An image request (`GenerationInputStable`), as given to `submitImage`, `estimateKudos` and
/// `generateImages`. Only `prompt` is required.
///
/// The SDK always sends the fields whose server default differs from the documented one, with
/// these **SDK defaults**: `models: []` (any model; the server alone would use only
/// `stable_diffusion`), `nsfw: false`, `censor_nsfw: true` unless `nsfw` is true,
/// `validated_backends: true`, `params.cfg_scale: 7.5`, `params.karras: true`; and
/// `params.width`/`height` 512, `params.n` 1. Every other field is sent only if set.
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Clone, Debug, Default)]
pub struct ImageGenerateAsyncRequest {
    /// The prompt (at least 1 character). `positive###negative` separates a negative prompt.
    pub prompt: String,
    /// Generation parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub params: Option<ImageGenerationParams>,
    /// Models to use; `[]` means any model. **SDK default `[]`.** Post-processor names are not
    /// models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub models: Option<Vec<String>>,
    /// The request may produce NSFW output (only NSFW-allowing workers serve it). **SDK default
    /// `false`** (the server alone would assume `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub nsfw: Option<bool>,
    /// For a SFW request, have workers censor accidental NSFW output (a censored image comes
    /// back with `censored: true`). **SDK default: `true` unless `nsfw` is `true`.**
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub censor_nsfw: Option<bool>,
    /// Only trusted workers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub trusted_workers: Option<bool>,
    /// Only workers with validated inference backends. **SDK default `true`** (the server
    /// alone would assume `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub validated_backends: Option<bool>,
    /// Allow slow workers (server default `true`; `false` costs 20 % more kudos and needs
    /// kudos upfront).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub slow_workers: Option<bool>,
    /// Allow very slow workers (the request may then live up to 60 minutes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub extra_slow_workers: Option<bool>,
    /// Worker ids (UUIDs) to use, or to avoid with `worker_blacklist`; at most 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub workers: Option<Vec<String>>,
    /// Treat `workers` as a blacklist (10 % more kudos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub worker_blacklist: Option<bool>,
    /// A source image: base64 WebP or an http(s) URL, at most 3072×3072.
    #[cfg_attr(
        target_arch = "wasm32",
        serde(default, with = "crate::jsval::preserve_opt")
    )]
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "string")]
    pub source_image: Option<ImageData>,
    /// What to do with the source image. Server default `img2img`; `txt2img` is not valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub source_processing: Option<SourceProcessing>,
    /// A base64 WebP mask for inpainting (only with a source image).
    #[cfg_attr(
        target_arch = "wasm32",
        serde(default, with = "crate::jsval::preserve_opt")
    )]
    #[cfg_attr(not(target_arch = "wasm32"), serde(default))]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "string")]
    pub source_mask: Option<ImageData>,
    /// Extra source images for `remix`, at most 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub extra_source_images: Option<Vec<ExtraSourceImage>>,
    /// `true` (server default): results are download URLs; `false`: base64 in the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub r2: Option<bool>,
    /// Share with LAION (the server currently ignores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub shared: Option<bool>,
    /// Replace suspicious words instead of rejecting the prompt (server default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub replacement_filter: Option<bool>,
    /// Only estimate the kudos cost (use `estimateKudos`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub dry_run: Option<bool>,
    /// For service accounts only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub proxied_account: Option<String>,
    /// With `n > 1`, generate images one by one (trusted users and patrons only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub disable_batching: Option<bool>,
    /// If the request would need kudos upfront, shrink it instead of failing with
    /// `KudosUpfront`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub allow_downgrade: Option<bool>,
    /// An `https://` URL (10–1024 characters) the Horde POSTs each finished image to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub webhook: Option<String>,
    /// A style name or id (3–1024 characters); it replaces the prompt template, params and
    /// models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub style: Option<String>,
}

/// The SDK's default for `params.cfg_scale`.
pub const DEFAULT_CFG_SCALE: f64 = 7.5;
/// The SDK's default image side.
pub const DEFAULT_SIDE: u32 = 512;

impl ImageGenerateAsyncRequest {
    /// The v2 API model name, as horde_sdk's `get_api_model_name`.
    pub const API_MODEL_NAME: &'static str = "GenerationInputStable";

    /// A request for `prompt` with every default.
    pub fn new(prompt: impl Into<String>) -> Self {
        ImageGenerateAsyncRequest {
            prompt: prompt.into(),
            ..Default::default()
        }
    }

    /// The number of images requested (`params.n`, default 1).
    pub fn image_count(&self) -> u32 {
        self.params.as_ref().and_then(|p| p.n).unwrap_or(1)
    }

    /// The request with the SDK defaults filled in: what is sent.
    pub fn with_sdk_defaults(mut self) -> Self {
        self.apply_sdk_defaults();
        self
    }

    /// Fills in the SDK defaults (see the type's documentation).
    pub fn apply_sdk_defaults(&mut self) {
        let nsfw = *self.nsfw.get_or_insert(false);
        self.censor_nsfw.get_or_insert(!nsfw);
        self.models.get_or_insert_with(Vec::new);
        self.validated_backends.get_or_insert(true);
        let p = self.params.get_or_insert_with(Default::default);
        p.cfg_scale.get_or_insert(DEFAULT_CFG_SCALE);
        p.karras.get_or_insert(true);
        p.width.get_or_insert(DEFAULT_SIDE);
        p.height.get_or_insert(DEFAULT_SIDE);
        p.n.get_or_insert(1);
    }
}

/// A warning in the submit answer (`RequestSingleWarning`).
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Shape, Clone, Debug, PartialEq)]
pub struct RequestSingleWarning {
    /// The warning's code (`NoAvailableWorker`, `StepsTooMany`, …; an open set).
    pub code: WarningCode,
    /// The warning in words.
    pub message: String,
}

/// The answer to a submit (`RequestAsync`, HTTP 202).
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Shape, Clone, Debug, PartialEq)]
pub struct ImageGenerateAsyncResponse {
    /// The request id, for check, status and cancel.
    pub id: String,
    /// The server's rounded **per-image base** estimate: not the total for `n` images, and not
    /// what will be consumed (see `estimateKudos` and the status's `kudos`).
    pub kudos: f64,
    /// Present when no worker can serve the request right now ("No available workers…"): the
    /// request waits and expires unless one appears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub message: Option<String>,
    /// Warnings (model-reference mismatches, no available worker); empty when none.
    #[tsify(type = "RequestSingleWarning[]")]
    pub warnings: OrDefault<Vec<RequestSingleWarning>>,
}

impl ImageGenerateAsyncResponse {
    /// The v2 API model name, as horde_sdk's `get_api_model_name`.
    pub const API_MODEL_NAME: &'static str = "RequestAsync";
}

/// The answer to a dry run (HTTP 200): the estimated total kudos cost.
#[derive(Tsify, Serialize, Deserialize, FromJs, ToJs, Shape, Clone, Debug, PartialEq)]
pub struct ImageGenerateDryRunResponse {
    /// Estimated total cost for all `n` images, model multipliers included, plus the 1-kudos tax.
    /// The server prices the family of the *first* listed model, and SDXL (×2) when `models`
    /// is empty (the SDK default: any model), so name the model for an exact figure.
    pub kudos: f64,
}
