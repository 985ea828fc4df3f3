//! `downloadImage`: the bytes of a generation, from a URL or from base64, with no API key sent
//! to the image host, one refresh of an expired URL through a status call, and clear errors for
//! `"N/A"` and for answers that are not images.

use crate::endpoints::{PathArgs, IMAGE_STATUS};
use crate::error::{Cause, Error};
use crate::ids::JobId;
use crate::js;
use crate::models::{image_form, ImageForm, ImageGenerateStatusResponse};
use crate::retry::{retry_delay_ms, should_retry};
use crate::service::{RequestOptions, Service};
use crate::transport::{too_large, Failure};
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

/// GETs an image URL with no custom header (no API key, no Client-Agent: the image host is not
/// the Horde, and custom headers would force a CORS preflight), retrying transient failures.
async fn fetch_image(
    service: &Service,
    url: &str,
    opts: &DownloadOptions,
) -> Result<Uint8Array, Fetched> {
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.chars().any(char::is_control)
    {
        return Err(Fetched::Error(Error::invalid(
            "generation.img",
            "is not an http(s) URL",
        )));
    }
    let settings = &service.transport.settings;
    let timeout_ms = opts.timeout_ms.unwrap_or(settings.timeout_ms);
    let path = url.split('?').next().unwrap_or(url).to_owned();
    let mut attempt = 0;
    loop {
        let deadline = js::Deadline::new(timeout_ms, &opts.signal);
        let result = fetch_once(service, url, &path, &deadline).await;
        deadline.clear();
        let error = match result {
            Ok(Ok(bytes)) => return Ok(bytes),
            Ok(Err(status)) if status >= 500 || status == 429 || status == 408 => {
                Error::Api(Box::new(crate::error::ApiError {
                    status,
                    rc: None,
                    message: "image host error".into(),
                    errors: None,
                    method: "GET",
                    path: path.clone(),
                    retry_after_ms: None,
                }))
            }
            Ok(Err(status)) => return Err(Fetched::Status(status)),
            Err(Failure::Done(e)) => return Err(Fetched::Error(e)),
            Err(Failure::Platform(message, cause) | Failure::Read(message, cause)) => {
                match deadline.reason() {
                    1 => Error::Timeout {
                        method: "GET",
                        path: path.clone(),
                        timeout_ms,
                    },
                    2 => {
                        return Err(Fetched::Error(js::aborted(
                            "downloading an image",
                            &opts.signal,
                        )))
                    }
                    _ => Error::Connection {
                        method: "GET",
                        path: path.clone(),
                        message,
                        cause,
                    },
                }
            }
        };
        if attempt >= settings.max_retries || !should_retry(&error, true) {
            return Err(match error {
                Error::Api(a) => Fetched::Status(a.status),
                e => Fetched::Error(e),
            });
        }
        if !js::sleep(
            retry_delay_ms(&error, attempt, (0.0, 0.0), js::random()),
            &opts.signal,
        )
        .await
        {
            return Err(Fetched::Error(js::aborted(
                "downloading an image",
                &opts.signal,
            )));
        }
        attempt += 1;
    }
}

/// One GET: bytes on 2xx, the status otherwise, or why there is neither (a body over
/// `maxBodyBytes` is a finished [`Failure::Done`]; `path` is the URL without its query).
async fn fetch_once(
    service: &Service,
    url: &str,
    path: &str,
    deadline: &js::Deadline,
) -> Result<Result<Uint8Array, u16>, Failure> {
    let response = js::fetch(
        service.transport.fetch.as_ref(),
        url,
        "GET",
        &Object::new(),
        &JsValue::UNDEFINED,
        &deadline.signal(),
        js::FetchMode {
            redirect: "follow",
            keepalive: false,
        },
    )
    .await
    .map_err(Failure::platform)?;
    let status = js::status_of(&response);
    if !(100..=599).contains(&status) {
        return Err(Failure::Platform(
            "fetch returned something that is not a Response".into(),
            Cause::default(),
        ));
    }
    if !(200..300).contains(&status) {
        return Ok(Err(status as u16));
    }
    let limit = service.transport.settings.max_body_bytes;
    match js::read_bytes(&response, limit, &deadline.signal()).await {
        Ok(bytes) => Ok(Ok(bytes)),
        Err(Ok(len)) => Err(Failure::Done(too_large("GET", path, len, limit))),
        Err(Err(e)) => Err(Failure::read(e)),
    }
}

/// A fresh URL for the generation, from one status call; `None` if it is no longer listed.
async fn refresh_url(
    service: &Service,
    job: &JobId,
    generation_id: &str,
    opts: &DownloadOptions,
) -> Result<Option<String>, Error> {
    let ro = RequestOptions {
        signal: opts.signal.clone(),
        timeout_ms: opts.timeout_ms,
        max_retries: None,
        keepalive: None,
    };
    let status: ImageGenerateStatusResponse = service
        .call(&IMAGE_STATUS, &PathArgs::job(job), None, &ro)
        .await?;
    Ok(status
        .generations
        .iter()
        .find(|g| g.id == generation_id)
        .filter(|g| image_form(&g.img) == ImageForm::Url)
        .map(|g| String::from(&g.img)))
}
