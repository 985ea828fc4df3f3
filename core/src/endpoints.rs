//! The endpoint table: one [`Endpoint`] row per operation this SDK sends, with everything the
//! service needs to send it (method, path template, body and answer models, the host, whether it
//! carries the API key, its rate-limit route, whether it may be repeated). Every call goes
//! through a row, image downloads included; adding an endpoint is adding a row and a typed
//! method.

use crate::ids::JobId;
use crate::method::HttpMethod;
use crate::models::{
    ActiveModel, HeartbeatResponse, ImageGenerateAsyncResponse, ImageGenerateCheckResponse,
    ImageGenerateStatusResponse, UserDetails,
};
use crate::pacing::Route;
use std::marker::PhantomData;

/// One operation of the Horde API; `R` is its success answer's model.
#[derive(Debug)]
pub struct Endpoint<R> {
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path below the base URL, with `{id}` where the job id goes.
    pub path: &'static str,
    /// The v2 API model name of the request body, if it has one.
    pub request_model: Option<&'static str>,
    /// The name of the success answer's model.
    pub response_model: &'static str,
    /// Who answers it: the Horde, or the image host.
    pub host: Host,
    /// Whether the `apikey` header is sent (only to endpoints that read it).
    pub with_key: bool,
    /// The rate-limited route it belongs to.
    pub route: Route,
    /// Whether sending it twice is harmless: then it is retried after any transient failure
    /// and an abort may cut it off in flight. A call that is not (a submit may create a job) is
    /// retried only when the answer proves nothing happened, and never aborted once sent.
    pub repeatable: bool,
    /// The answer's type.
    pub response: PhantomData<fn() -> R>,
}

impl<R> Endpoint<R> {
    /// The path with `{id}` filled in and `args.query` appended.
    #[inline]
    pub fn path_with(&self, args: &PathArgs<'_>) -> String {
        let mut path = match (args.id, args.url) {
            (Some(id), _) => crate::text::replace(self.path, "{id}", id.as_str()),
            (None, Some(url)) => crate::text::replace(self.path, "{url}", url),
            (None, None) => self.path.to_owned(),
        };
        path.push_str(&args.query);
        path
    }
}

/// Who answers an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// The Horde: the path goes below the base URL, the headers name the client (and carry the
    /// key where the row says so), and the answer is JSON (an error answer is a Horde error body).
    Horde,
    /// The host of the Horde's images (R2 or a worker's own): the path is a whole `http(s)` URL,
    /// no custom header is sent (no key, no Client-Agent: it is not the Horde, and a custom
    /// header would make a browser ask it for a CORS preflight), and the answer is bytes (an
    /// error answer is only its status).
    Image,
}

/// The answer of [`IMAGE_DOWNLOAD`]: an image's bytes (a `Uint8Array`).
#[derive(Debug)]
pub struct ImageBytes;

/// What fills an endpoint's path: the job id for `{id}`, the URL for `{url}`, and a query
/// string (`?type=image`, or empty).
#[derive(Default)]
pub struct PathArgs<'a> {
    /// The job id, for a path with `{id}`.
    pub id: Option<&'a JobId>,
    /// A whole URL, for the path `{url}` (an image's).
    pub url: Option<&'a str>,
    /// The query string, with its `?`, or empty.
    pub query: String,
}

impl<'a> PathArgs<'a> {
    /// The arguments of a job's endpoint.
    #[inline]
    pub fn job(id: &'a JobId) -> PathArgs<'a> {
        PathArgs {
            id: Some(id),
            ..PathArgs::default()
        }
    }

    /// The arguments of an endpoint whose path is a whole URL.
    #[inline]
    pub fn url(url: &'a str) -> PathArgs<'a> {
        PathArgs {
            url: Some(url),
            ..PathArgs::default()
        }
    }
}

/// `POST /v2/generate/async`: submits an image request (also its dry run).
pub const IMAGE_SUBMIT: Endpoint<ImageGenerateAsyncResponse> = Endpoint {
    method: HttpMethod::Post,
    path: "/v2/generate/async",
    request_model: Some("GenerationInputStable"),
    response_model: "ImageGenerateAsyncResponse",
    host: Host::Horde,
    with_key: true,
    route: Route::Submit,
    repeatable: false,
    response: PhantomData,
};

/// `GET /v2/generate/check/{id}`: an image request's progress, without images.
pub const IMAGE_CHECK: Endpoint<ImageGenerateCheckResponse> = Endpoint {
    method: HttpMethod::Get,
    path: "/v2/generate/check/{id}",
    request_model: None,
    response_model: "ImageGenerateCheckResponse",
    host: Host::Horde,
    with_key: false,
    route: Route::Check,
    repeatable: true,
    response: PhantomData,
};

/// `GET /v2/generate/status/{id}`: an image request's full status, with its images.
pub const IMAGE_STATUS: Endpoint<ImageGenerateStatusResponse> = Endpoint {
    method: HttpMethod::Get,
    path: "/v2/generate/status/{id}",
    request_model: None,
    response_model: "ImageGenerateStatusResponse",
    host: Host::Horde,
    with_key: false,
    route: Route::Status,
    repeatable: true,
    response: PhantomData,
};

/// `DELETE /v2/generate/status/{id}`: cancels an image request; the answer is its status just
/// before the cancel.
pub const IMAGE_CANCEL: Endpoint<ImageGenerateStatusResponse> = Endpoint {
    method: HttpMethod::Delete,
    path: "/v2/generate/status/{id}",
    request_model: None,
    response_model: "ImageGenerateStatusResponse",
    host: Host::Horde,
    with_key: false,
    route: Route::Cancel,
    repeatable: true,
    response: PhantomData,
};

/// `GET /v2/status/heartbeat`: whether the Horde is up.
pub const HEARTBEAT: Endpoint<HeartbeatResponse> = Endpoint {
    method: HttpMethod::Get,
    path: "/v2/status/heartbeat",
    request_model: None,
    response_model: "HeartbeatResponse",
    host: Host::Horde,
    with_key: false,
    route: Route::Unlimited,
    repeatable: true,
    response: PhantomData,
};

/// `GET /v2/status/models`: the models some worker serves now (query: `ModelsQuery`).
pub const MODELS: Endpoint<Vec<ActiveModel>> = Endpoint {
    method: HttpMethod::Get,
    path: "/v2/status/models",
    request_model: None,
    response_model: "ActiveModel[]",
    host: Host::Horde,
    with_key: false,
    route: Route::Default,
    repeatable: true,
    response: PhantomData,
};

/// `GET /v2/find_user`: the user behind the API key.
pub const FIND_USER: Endpoint<UserDetails> = Endpoint {
    method: HttpMethod::Get,
    path: "/v2/find_user",
    request_model: None,
    response_model: "UserDetails",
    host: Host::Horde,
    with_key: true,
    route: Route::Default,
    repeatable: true,
    response: PhantomData,
};

/// `GET <image URL>`: a generation's image, from the URL of its `img`.
pub const IMAGE_DOWNLOAD: Endpoint<ImageBytes> = Endpoint {
    method: HttpMethod::Get,
    path: "{url}",
    request_model: None,
    response_model: "bytes",
    host: Host::Image,
    with_key: false,
    route: Route::Unlimited,
    repeatable: true,
    response: PhantomData,
};

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn paths_fill_the_id_and_append_the_query() {
        let id = JobId::parse("5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1").unwrap();
        assert_eq!(
            IMAGE_STATUS.path_with(&PathArgs::job(&id)),
            "/v2/generate/status/5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1"
        );
        let args = PathArgs {
            query: "?type=image".into(),
            ..PathArgs::default()
        };
        assert_eq!(MODELS.path_with(&args), "/v2/status/models?type=image");
        assert_eq!(
            IMAGE_DOWNLOAD.path_with(&PathArgs::url("https://r2.example/x.webp?sig=1")),
            "https://r2.example/x.webp?sig=1"
        );
    }

    #[test]
    fn only_submit_and_find_user_read_the_key_and_only_submit_is_not_repeatable() {
        let rows = [
            (IMAGE_SUBMIT.with_key, IMAGE_SUBMIT.repeatable),
            (IMAGE_CHECK.with_key, IMAGE_CHECK.repeatable),
            (IMAGE_STATUS.with_key, IMAGE_STATUS.repeatable),
            (IMAGE_CANCEL.with_key, IMAGE_CANCEL.repeatable),
            (HEARTBEAT.with_key, HEARTBEAT.repeatable),
            (MODELS.with_key, MODELS.repeatable),
            (FIND_USER.with_key, FIND_USER.repeatable),
            (IMAGE_DOWNLOAD.with_key, IMAGE_DOWNLOAD.repeatable),
        ];
        let expected = [
            (true, false),
            (false, true),
            (false, true),
            (false, true),
            (false, true),
            (false, true),
            (true, true),
            (false, true),
        ];
        assert_eq!(rows, expected);
        assert!(!IMAGE_SUBMIT.method.is_idempotent());
    }
}
