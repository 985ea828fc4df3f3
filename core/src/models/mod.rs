//! Wire models: serde + tsify types in the API's own field names. Nothing here calls into
//! JavaScript, so the whole module compiles and is tested natively.

#[cfg(not(target_arch = "wasm32"))]
mod any_json;
mod check;
mod error_body;
mod generate;
mod generation_progress;
mod image_data;
mod open_enum;
mod or_default;
mod progress;
mod rc;
mod service_info;
mod status;

#[cfg(not(target_arch = "wasm32"))]
pub use any_json::AnyJson;
pub use check::ImageGenerateCheckResponse;
pub use error_body::ErrorBody;
pub use generate::{
    ControlType, ExtraSourceImage, ExtraText, ImageGenerateAsyncRequest,
    ImageGenerateAsyncResponse, ImageGenerateDryRunResponse, ImageGenerationParams, InjectTi, Lora,
    PostProcessor, RequestSingleWarning, Sampler, SourceProcessing, TextualInversion, WarningCode,
    Workflow, DEFAULT_CFG_SCALE, DEFAULT_SIDE,
};
pub use generation_progress::GenerationProgress;
pub use image_data::{image_form, image_len, ImageData, ImageForm};
pub use or_default::OrDefault;
pub use progress::JobProgress;
pub use rc::RequestErrorCode;
pub use service_info::{ActiveModel, HeartbeatResponse, ModelType, ModelsQuery, UserDetails};
#[cfg(target_arch = "wasm32")]
pub use status::generation_id_js;
pub use status::{
    merge_generations, GenMetadataEntry, GenMetadataType, GenMetadataValue, Generation,
    GenerationState, ImageGenerateStatusResponse, ImageGeneration,
};
