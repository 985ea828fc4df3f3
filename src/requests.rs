//! The seed's request types, as JS classes for `HordeClient.send`: each knows its HTTP method,
//! endpoint, API model name and success response type (horde_sdk's `get_http_method`,
//! `get_api_endpoint_subpath`, `get_api_model_name`, `get_default_success_response_type`),
//! through horde-core's [`HordeRequest`] over its row of the endpoint table.

use crate::endpoints::{Endpoint, IMAGE_CANCEL, IMAGE_CHECK, IMAGE_STATUS};
use crate::error::Error;
use crate::ids::JobId;
#[cfg(target_arch = "wasm32")]
use crate::js_error::ErrorToJs;
pub use crate::method::HttpMethod;
use crate::models::{ImageGenerateCheckResponse, ImageGenerateStatusResponse};
pub use horde_core::requests::{parse_job_id, HordeRequest, RequestKind};
use wasm_bindgen::prelude::*;

macro_rules! job_request {
    (
        $doc:literal,
        $name:ident, $kind:ident, $operation:expr, $response:ty, $kind_ts:literal, $response_ts:literal
    ) => {
        #[doc = $doc]
        #[wasm_bindgen]
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name {
            id: JobId,
        }

        impl $name {
            /// A request for the job `id` (already validated).
            pub fn for_job(id: JobId) -> Self {
                Self { id }
            }

            /// A request for the job `id`, which must be a UUID.
            pub fn parse(id: &str) -> Result<Self, Error> {
                parse_job_id("id", id).map(Self::for_job)
            }

            /// Its kind, for `HordeClient.send`.
            pub const KIND: RequestKind = RequestKind::$kind;
        }

        impl HordeRequest for $name {
            type Response = $response;
            const OPERATION: &'static Endpoint<$response> = &$operation;
            fn job_id(&self) -> &JobId {
                &self.id
            }
        }

        #[wasm_bindgen]
        impl $name {
            /// Creates the request. Throws `HordeInvalidArgumentError` unless `id` is a UUID.
            #[cfg(target_arch = "wasm32")]
            #[wasm_bindgen(constructor)]
            pub fn new(
                #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
            ) -> Result<$name, JsValue> {
                id.as_string()
                    .ok_or_else(|| Error::invalid("id", "must be a string"))
                    .and_then(|id| Self::parse(&id))
                    .map_err(|e| e.to_js())
            }

            /// The job id.
            #[wasm_bindgen(getter)]
            pub fn id(&self) -> String {
                self.id.as_str().to_owned()
            }

            /// The class name, which `HordeClient.send` dispatches on (a literal type, so that
            /// TypeScript tells the request classes apart and types `send`'s answer).
            #[wasm_bindgen(getter, unchecked_return_type = $kind_ts)]
            pub fn kind(&self) -> String {
                Self::KIND.class_name().to_owned()
            }

            /// The HTTP method.
            #[wasm_bindgen(getter, js_name = httpMethod)]
            pub fn http_method(&self) -> String {
                <Self as HordeRequest>::METHOD.as_str().to_owned()
            }

            /// The endpoint template below the base URL, with `{id}`.
            #[wasm_bindgen(getter)]
            pub fn endpoint(&self) -> String {
                <Self as HordeRequest>::ENDPOINT.to_owned()
            }

            /// The path below the base URL, with the id filled in.
            #[wasm_bindgen(getter, js_name = path)]
            pub fn path_js(&self) -> String {
                HordeRequest::path(self)
            }

            /// The v2 API model name of the request body: none, as in horde_sdk.
            #[wasm_bindgen(getter, js_name = apiModelName)]
            pub fn api_model_name(&self) -> Option<String> {
                <Self as HordeRequest>::API_MODEL_NAME.map(str::to_owned)
            }

            /// The name of the success response type.
            #[wasm_bindgen(getter, js_name = responseType, unchecked_return_type = $response_ts)]
            pub fn response_type(&self) -> String {
                <Self as HordeRequest>::RESPONSE_TYPE.to_owned()
            }

            /// Equality by kind and job id, as horde_sdk's `__eq__`.
            pub fn equals(
                &self,
                #[wasm_bindgen(unchecked_param_type = "unknown")] other: &JsValue,
            ) -> bool {
                let kind = js_sys::Reflect::get(other, &JsValue::from_str("kind"))
                    .ok()
                    .and_then(|v| v.as_string());
                let id = js_sys::Reflect::get(other, &JsValue::from_str("id"))
                    .ok()
                    .and_then(|v| v.as_string());
                kind.as_deref() == Some(Self::KIND.class_name())
                    && id.as_deref() == Some(self.id.as_str())
            }

            /// A string equal for equal requests, for use as a `Map` key (horde_sdk's `__hash__`).
            #[wasm_bindgen(getter)]
            pub fn key(&self) -> String {
                format!("{}:{}", stringify!($name), self.id)
            }
        }
    };
}

job_request! {
    "`GET /v2/generate/status/{id}`: the full status of a request, with its images
(horde_sdk's `ImageGenerateStatusRequest`). Rate limited to 10 per minute per id.",
    ImageGenerateStatusRequest, ImageStatus, IMAGE_STATUS, ImageGenerateStatusResponse,
    "\"ImageGenerateStatusRequest\"", "\"ImageGenerateStatusResponse\""
}

job_request! {
    "`DELETE /v2/generate/status/{id}`: cancels a request (horde_sdk's
`DeleteImageGenerateRequest`). No new images start; images already on workers finish and
are charged. The answer is the status just before the cancel.",
    DeleteImageGenerateRequest, ImageCancel, IMAGE_CANCEL, ImageGenerateStatusResponse,
    "\"DeleteImageGenerateRequest\"", "\"ImageGenerateStatusResponse\""
}

job_request! {
    "`GET /v2/generate/check/{id}`: the progress of a request without its images
(horde_sdk's `ImageGenerateCheckRequest`). Rate limited to 10 per second per id.",
    ImageGenerateCheckRequest, ImageCheck, IMAGE_CHECK, ImageGenerateCheckResponse,
    "\"ImageGenerateCheckRequest\"", "\"ImageGenerateCheckResponse\""
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const ID: &str = "5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1";

    #[test]
    fn requests_know_their_method_path_and_response() {
        let get = ImageGenerateStatusRequest::parse(ID).unwrap();
        let del = DeleteImageGenerateRequest::parse(ID).unwrap();
        assert_eq!(ImageGenerateStatusRequest::METHOD, HttpMethod::Get);
        assert_eq!(DeleteImageGenerateRequest::METHOD, HttpMethod::Delete);
        assert_eq!(get.path(), format!("/v2/generate/status/{ID}"));
        assert_eq!(del.path(), get.path());
        assert_eq!(ImageGenerateStatusRequest::API_MODEL_NAME, None);
        assert_eq!(
            DeleteImageGenerateRequest::RESPONSE_TYPE,
            "ImageGenerateStatusResponse"
        );
        assert_eq!(get.http_method(), "GET");
        assert_eq!(del.kind(), "DeleteImageGenerateRequest");
        assert_eq!(get.endpoint(), "/v2/generate/status/{id}");
        assert_eq!(
            ImageGenerateCheckRequest::parse(ID).unwrap().path(),
            format!("/v2/generate/check/{ID}")
        );
    }

    #[test]
    fn kinds_name_their_classes() {
        let kinds = [
            (
                ImageGenerateStatusRequest::KIND,
                ImageGenerateStatusRequest::parse(ID).unwrap().kind(),
            ),
            (
                DeleteImageGenerateRequest::KIND,
                DeleteImageGenerateRequest::parse(ID).unwrap().kind(),
            ),
            (
                ImageGenerateCheckRequest::KIND,
                ImageGenerateCheckRequest::parse(ID).unwrap().kind(),
            ),
        ];
        for (kind, class) in kinds {
            assert_eq!(kind.class_name(), class);
            assert_eq!(RequestKind::from_class_name(&class), Some(kind));
        }
        assert_eq!(RequestKind::from_class_name("HordeClient"), None);
    }

    #[test]
    fn equality_and_hash_by_id() {
        let a = ImageGenerateStatusRequest::parse(ID).unwrap();
        let b = ImageGenerateStatusRequest::parse(&ID.to_uppercase()).unwrap();
        let set: HashSet<_> = [a.clone(), b].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert_eq!(a.key(), format!("ImageGenerateStatusRequest:{ID}"));
    }

    #[test]
    fn the_id_must_be_a_uuid() {
        for bad in [
            "",
            "../find_user",
            "123",
            "5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1\r\n",
        ] {
            match DeleteImageGenerateRequest::parse(bad) {
                Err(Error::InvalidArgument { argument, .. }) => assert_eq!(argument, "id"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
