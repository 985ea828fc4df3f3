//! `downloadImage`: the bytes of a generation, from a URL (through the transport, as
//! `IMAGE_DOWNLOAD`) or from base64, with no API key sent to the image host, one refresh of an
//! expired URL through a status call, and clear errors for `"N/A"` and for answers that are not
//! images.

use crate::endpoints::{PathArgs, IMAGE_STATUS};
use crate::error::Error;
use crate::ids::JobId;
use crate::js;
use crate::models::{image_form, ImageForm, ImageGenerateStatusResponse};
use crate::service::{RequestOptions, Service};
use horde_wasm_macros::{FromJs, ToJs};
use js_sys::{Object, Reflect, Uint8Array};
use std::rc::Rc;
use tsify::Tsify;
use wasm_bindgen::prelude::*;

/// Options of `downloadImage`.
#[derive(Tsify, FromJs, ToJs, Default)]
#[serde(rename_all = "camelCase")]
#[js(options)]
pub struct DownloadOptions {
    /// Aborts the download.
    #[tsify(optional, type = "AbortSignal")]
    #[js(read = crate::js_options::signal)]
    pub signal: JsValue,
    /// Timeout of each attempt, in milliseconds. Default the client's `timeoutMs`.
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
    /// The request id the generation belongs to. With it, an expired URL (403) is refreshed
    /// once through a status call. Not needed for a generation this client fetched itself
    /// (it remembers the job of the last 1024 generations it saw).
    #[tsify(optional)]
    pub job_id: Option<String>,
}

/// The generation fields `downloadImage` reads.
#[derive(FromJs, ToJs)]
pub struct GenerationRef {
    /// The generation id.
    pub id: String,
    /// The image: a URL, base64, or `"N/A"`.
    pub img: js_sys::JsString,
    /// Whether the image was censored.
    pub censored: Option<bool>,
}

#[wasm_bindgen(typescript_custom_section)]
const DOWNLOADED_IMAGE: &str = r#"
/** An image's bytes, from `HordeClient.downloadImage`. */
export interface DownloadedImage {
    /** The generation id. */
    generationId: string;
    /** The bytes (WebP from the Horde). */
    bytes: Uint8Array;
    /** The same bytes as a Blob, where Blob exists (browsers, workers, Node 18+). */
    blob?: Blob;
    /** The type found in the bytes: `image/webp`, `image/png` or `image/jpeg`. */
    mimeType: string;
    /** `true` for the safety filter's placeholder (the generation was censored). */
    censored: boolean;
    /** Where the bytes came from: a download URL, or base64 in the status (`r2: false`). */
    source: "url" | "base64";
}
"#;

/// The MIME type of image bytes, from their magic number.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()) {
        Some("image/webp")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Downloads one generation's image.
pub async fn download(
    service: Rc<Service>,
    generation: GenerationRef,
    opts: DownloadOptions,
) -> Result<JsValue, Error> {
    let job = match &opts.job_id {
        Some(id) => {
            Some(JobId::parse(id).map_err(|e| Error::invalid("options.jobId", e.to_string()))?)
        }
        // A generation this client has seen in a status answer: its job is known.
        None => service.job_of(&generation.id),
    };
    let unavailable = |reason: String, status: Option<u16>| Error::ImageUnavailable {
        generation_id: generation.id.clone(),
        reason,
        status,
    };
    let (bytes, source) = match image_form(&generation.img) {
        ImageForm::Unavailable => {
            return Err(unavailable(
                "the server could not provide it (img is \"N/A\"); fetch the status again later, or use r2: true".into(),
                None,
            ))
        }
        ImageForm::Base64 => {
            let b = js::base64_to_bytes(&generation.img);
            let b: Uint8Array = b
                .dyn_into()
                .map_err(|_| unavailable("img is neither a URL nor valid base64".into(), None))?;
            (b, "base64")
        }
        ImageForm::Url => {
            let url = String::from(&generation.img);
            let mut b = fetch_image(&service, &url, &opts).await;
            let expired = match &b {
                Err(Fetched::Status(s @ (401 | 403 | 404 | 410))) => Some(*s),
                _ => None,
            };
            let mut refreshed = false;
            if let (Some(status), Some(job)) = (expired, &job) {
                // The presigned URL expired: ask the Horde for a fresh one, once.
                refreshed = true;
                match refresh_url(&service, job, &generation.id, &opts).await {
                    Ok(Some(fresh)) => b = fetch_image(&service, &fresh, &opts).await,
                    Ok(None) => {}
                    // The usual case on the real Horde: a URL lives 30 minutes, a job's
                    // results about 20 minutes after its last pick-up.
                    Err(e) if e.status() == Some(404) => {
                        return Err(unavailable(
                            format!("the image host answered {status}, and no fresh URL exists: the job is no longer on the Horde (results are kept about 20 minutes after a worker last picked it up, 60 with an extra-slow worker), or it is not this generation's job; download images as they arrive"),
                            Some(status),
                        ))
                    }
                    Err(e) => return Err(e),
                }
            }
            match b {
                Ok(b) => (b, "url"),
                Err(Fetched::Status(status)) => {
                    return Err(unavailable(
                        format!(
                            "the image host answered {status}{}",
                            match (status, refreshed) {
                                (_, true) => " (also after a fresh URL was asked for through the job's status)",
                                (401 | 403 | 404 | 410, false) => " (the URL expires 30 minutes after the status call that issued it; with options.jobId a fresh one is asked for while the job is still kept)",
                                _ => "",
                            }
                        ),
                        Some(status),
                    ))
                }
                Err(Fetched::Error(e)) => return Err(e),
            }
        }
    };
    let head = bytes.subarray(0, bytes.length().min(12)).to_vec();
    let mime = sniff_image(&head).ok_or_else(|| {
        unavailable(
            format!("the {} bytes received are not an image", bytes.length()),
            None,
        )
    })?;
    let out = Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = Reflect::set(&out, &JsValue::from_str(k), v);
    };
    set("generationId", &JsValue::from_str(&generation.id));
    set("bytes", &bytes);
    let blob = js::make_blob(&bytes, mime);
    if !blob.is_undefined() {
        set("blob", &blob);
    }
    set("mimeType", &JsValue::from_str(mime));
    set(
        "censored",
        &JsValue::from_bool(generation.censored.unwrap_or(false)),
    );
    set("source", &JsValue::from_str(source));
    Ok(out.into())
}

enum Fetched {
    Status(u16),
    Error(Error),
}

impl DownloadOptions {
    /// The options of one call of a download: its signal and timeout.
    fn request(&self) -> RequestOptions {
        RequestOptions {
            signal: self.signal.clone(),
            timeout_ms: self.timeout_ms,
            max_retries: None,
            keepalive: None,
        }
    }
}

/// GETs an image URL through the transport ([`crate::endpoints::IMAGE_DOWNLOAD`]: no custom
/// header, the client's retries and body limit, `opts`' timeout and signal): its bytes, the
/// status of an error answer, or the error.
async fn fetch_image(
    service: &Service,
    url: &str,
    opts: &DownloadOptions,
) -> Result<Uint8Array, Fetched> {
    let call = service
        .image_call(url, &opts.request())
        .map_err(Fetched::Error)?;
    match service.transport.send(&call).await {
        Ok(bytes) => Ok(bytes.unchecked_into()),
        Err(Error::Api(a)) => Err(Fetched::Status(a.status)),
        Err(e) => Err(Fetched::Error(e)),
    }
}

/// A fresh URL for the generation, from one status call; `None` if it is no longer listed.
async fn refresh_url(
    service: &Service,
    job: &JobId,
    generation_id: &str,
    opts: &DownloadOptions,
) -> Result<Option<String>, Error> {
    let status: ImageGenerateStatusResponse = service
        .call(&IMAGE_STATUS, &PathArgs::job(job), None, &opts.request())
        .await?;
    Ok(status
        .generations
        .iter()
        .find(|g| g.id == generation_id)
        .filter(|g| image_form(&g.img) == ImageForm::Url)
        .map(|g| String::from(&g.img)))
}
