//! The seed's behaviour as JavaScript functions over plain response objects: completion and
//! possibility checks, equality by generation id, and merging generations without duplicates.
//! They read only the fields they need.

use crate::decode::decode_js;
use crate::error::Error;
use crate::js_error::ErrorToJs;
use crate::jsval::{FromJs, ToJs};
use crate::models::{merge_generations, ImageGenerateStatusResponse, ImageGeneration};
use horde_wasm_macros::{FromJs, ToJs};
use tsify::Ts;
use wasm_bindgen::prelude::*;

/// A generation read for its id only, under the same empty-id rule as [`ImageGeneration`]
/// (an empty id is a fresh random one, equal to no other).
#[derive(FromJs, ToJs)]
struct IdOnly {
    #[js(read = crate::models::generation_id_js)]
    id: String,
}

#[derive(FromJs, ToJs)]
struct GenerationIds {
    generations: Option<Vec<IdOnly>>,
}

#[derive(FromJs, ToJs)]
struct Flags {
    done: bool,
    is_possible: bool,
}

fn arg<T: FromJs>(argument: &str, value: &JsValue) -> Result<T, JsValue> {
    if !value.is_object() {
        return Err(Error::invalid(argument, "must be an object").to_js());
    }
    decode_js::<T>(value.clone()).map_err(|e| e.into_invalid(argument).to_js())
}

fn ids(argument: &str, status: &JsValue) -> Result<Vec<String>, JsValue> {
    let g: GenerationIds = arg(argument, status)?;
    Ok(g.generations
        .unwrap_or_default()
        .into_iter()
        .map(|g| g.id)
        .collect())
}

/// horde_sdk's `is_job_complete(n)`: `true` when the status holds exactly `expected` images.
///
/// Its documented limit: it never becomes `true` for a cancelled or faulted request (they end
/// with fewer images), nor for one whose worker faulted on some images (the real server ends it
/// `done`, not `faulted`, without them). To know that a request is over, use {@link isJobDone}. Throws
/// `HordeInvalidArgumentError` unless `expected` is a whole number from 0 to 4294967295.
#[wasm_bindgen(js_name = isJobComplete)]
pub fn is_job_complete(
    status: &Ts<ImageGenerateStatusResponse>,
    #[wasm_bindgen(unchecked_param_type = "number")] expected: &JsValue,
) -> Result<bool, JsValue> {
    // Read as a value, not as a u32 parameter: the glue would turn NaN, -0.5 or 2³² into 0.
    let expected =
        decode_js::<u32>(expected.clone()).map_err(|e| e.into_invalid("expected").to_js())?;
    Ok(ids("status", &status.js_value())?.len() == expected as usize)
}

/// Whether the request is over (the server's `done`): every image delivered, or faulted, or
/// cancelled and drained. Works on check and status responses.
///
/// `done` does not promise the images: the real server counts an image whose worker faulted as
/// finished and does not redo it, and sets `faulted` only from a cleanup pass (every 60 s) once
/// 3 images of a request faulted. A request whose worker faulted twice ends `done: true,
/// faulted: false` with fewer images, or none: compare `generations.length` with the number
/// requested ({@link isJobComplete}). `generateImages` rejects such a job with
/// `HordeJobFaultedError`.
#[wasm_bindgen(js_name = isJobDone)]
pub fn is_job_done(
    #[wasm_bindgen(
        unchecked_param_type = "ImageGenerateStatusResponse | ImageGenerateCheckResponse"
    )]
    status: &JsValue,
) -> Result<bool, JsValue> {
    Ok(arg::<Flags>("status", status)?.done)
}

/// horde_sdk's `is_job_possible`: the server's `is_possible` (`false` when no online worker can
/// serve the request; it then waits, and expires unless a worker appears).
#[wasm_bindgen(js_name = isJobPossible)]
pub fn is_job_possible(
    #[wasm_bindgen(
        unchecked_param_type = "ImageGenerateStatusResponse | ImageGenerateCheckResponse"
    )]
    status: &JsValue,
) -> Result<bool, JsValue> {
    Ok(arg::<Flags>("status", status)?.is_possible)
}

/// Equality of generations, by `id` (horde_sdk's `ImageGeneration.__eq__`). An empty `id`
/// (which the real server never sends) reads as a fresh random one, with a warning, as when a
/// response is decoded: such a generation equals no other, not even itself.
#[wasm_bindgen(js_name = sameGeneration)]
pub fn same_generation(a: &Ts<ImageGeneration>, b: &Ts<ImageGeneration>) -> Result<bool, JsValue> {
    Ok(arg::<IdOnly>("a", &a.js_value())?.id == arg::<IdOnly>("b", &b.js_value())?.id)
}

/// horde_sdk's `ImageGenerateStatusResponse.__eq__`: every generation of `a` is also in `b`
/// (by id). One-sided: an empty `a` is a subset of anything.
#[wasm_bindgen(js_name = generationsSubsetOf)]
pub fn generations_subset_of(
    a: &Ts<ImageGenerateStatusResponse>,
    b: &Ts<ImageGenerateStatusResponse>,
) -> Result<bool, JsValue> {
    let theirs = ids("b", &b.js_value())?;
    Ok(ids("a", &a.js_value())?
        .iter()
        .all(|id| theirs.contains(id)))
}

/// Whether two status responses hold the same set of generations (by id, in any order).
#[wasm_bindgen(js_name = sameGenerations)]
pub fn same_generations(
    a: &Ts<ImageGenerateStatusResponse>,
    b: &Ts<ImageGenerateStatusResponse>,
) -> Result<bool, JsValue> {
    let (a, b) = (ids("a", &a.js_value())?, ids("b", &b.js_value())?);
    Ok(a.iter().all(|id| b.contains(id)) && b.iter().all(|id| a.contains(id)))
}

/// Merges the generations of repeated status calls: each id once, in first-seen order, keeping
/// the newest copy (a later call carries a fresh image URL). Validates every generation.
#[wasm_bindgen(js_name = mergeGenerations, unchecked_return_type = "ImageGeneration[]")]
pub fn merge_generations_js(
    #[wasm_bindgen(unchecked_param_type = "ImageGeneration[]")] existing: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "ImageGeneration[]")] incoming: &JsValue,
) -> Result<JsValue, JsValue> {
    let a: Vec<ImageGeneration> = arg("existing", existing)?;
    let b: Vec<ImageGeneration> = arg("incoming", incoming)?;
    Ok(merge_generations(a, b).to_js())
}
