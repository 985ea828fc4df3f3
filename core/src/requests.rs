//! What a request to the Horde is, as horde_sdk's request classes declare it: the
//! [`HordeRequest`] trait (method, endpoint, API model name and success response type, read from
//! the request's row of the endpoint table), the kinds of request a caller can send, and the
//! job id argument's check. The WebAssembly crate's request classes implement the trait.

use crate::endpoints::{Endpoint, PathArgs};
use crate::error::Error;
use crate::ids::JobId;
use crate::method::HttpMethod;
use crate::pacing::Route;

/// A request to the Horde: what horde_sdk's request classes declare, read from its row of the
/// endpoint table.
pub trait HordeRequest {
    /// The success response model.
    type Response: 'static;
    /// Its row of the endpoint table.
    const OPERATION: &'static Endpoint<Self::Response>;
    /// The HTTP method.
    const METHOD: HttpMethod = Self::OPERATION.method;
    /// The endpoint below the base URL, with `{id}` for the job id (horde_sdk's
    /// `AI_HORDE_API_ENDPOINT_SUBPATH`).
    const ENDPOINT: &'static str = Self::OPERATION.path;
    /// The v2 API model name of the request body, if it has one.
    const API_MODEL_NAME: Option<&'static str> = Self::OPERATION.request_model;
    /// The name of the success response type.
    const RESPONSE_TYPE: &'static str = Self::OPERATION.response_model;
    /// The rate-limited route it belongs to.
    const ROUTE: Route = Self::OPERATION.route;
    /// The job id it targets.
    fn job_id(&self) -> &JobId;
    /// The path below the base URL, with the id filled in.
    fn path(&self) -> String {
        Self::OPERATION.path_with(&PathArgs::job(self.job_id()))
    }
}

/// Which request class a JS object is, for `HordeClient.send` (read from its `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// `ImageGenerateStatusRequest`.
    ImageStatus,
    /// `DeleteImageGenerateRequest`.
    ImageCancel,
    /// `ImageGenerateCheckRequest`.
    ImageCheck,
}

impl RequestKind {
    /// Every kind.
    pub const ALL: [RequestKind; 3] = [
        RequestKind::ImageStatus,
        RequestKind::ImageCancel,
        RequestKind::ImageCheck,
    ];

    /// The kind of a request class, by the class name its `kind` getter returns.
    #[inline]
    pub fn from_class_name(name: &str) -> Option<RequestKind> {
        Self::ALL.into_iter().find(|k| k.class_name() == name)
    }

    /// The request class's name.
    pub const fn class_name(self) -> &'static str {
        match self {
            RequestKind::ImageStatus => "ImageGenerateStatusRequest",
            RequestKind::ImageCancel => "DeleteImageGenerateRequest",
            RequestKind::ImageCheck => "ImageGenerateCheckRequest",
        }
    }
}

/// Parses a job id argument, as an [`Error::InvalidArgument`] naming `argument`.
#[inline]
pub fn parse_job_id(argument: &str, id: &str) -> Result<JobId, Error> {
    JobId::parse(id).map_err(|e| Error::invalid(argument, e.to_string()))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_found_by_their_class_names() {
        for kind in RequestKind::ALL {
            assert_eq!(RequestKind::from_class_name(kind.class_name()), Some(kind));
        }
        assert_eq!(RequestKind::from_class_name("HordeClient"), None);
        assert_eq!(RequestKind::from_class_name(""), None);
    }

    #[test]
    fn a_job_id_argument_must_be_a_uuid() {
        let id = "5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1";
        assert_eq!(parse_job_id("id", id).unwrap().as_str(), id);
        for bad in [
            "",
            "../find_user",
            "123",
            "5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1\r\n",
        ] {
            match parse_job_id("jobId", bad) {
                Err(Error::InvalidArgument { argument, .. }) => assert_eq!(argument, "jobId"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
