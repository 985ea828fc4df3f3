//! The Horde's return codes (`rc`), as an open enum for the TypeScript type of `HordeApiError.rc`.

use crate::open_enum;

open_enum! {
    /// A return code of an AI Horde error answer (`RequestError.rc`), relevant to image
    /// generation. The set is open: the server emits codes missing from its own list, some with a
    /// trailing dot, and adds new ones.
    pub enum RequestErrorCode {
        /// No prompt.
        MissingPrompt = "MissingPrompt",
        /// The prompt is too long.
        InvalidPromptSize = "InvalidPromptSize",
        /// The prompt was filtered.
        CorruptPrompt = "CorruptPrompt",
        /// A generic bad request.
        BadRequest = "BadRequest",
        /// The Horde is in maintenance: retry in minutes.
        MaintenanceMode = "MaintenanceMode",
        /// The API key is not valid.
        InvalidApiKey = "InvalidAPIKey",
        /// The request needs kudos the user does not have.
        KudosUpfront = "KudosUpfront",
        /// The client IP is in a timeout.
        TimeoutIp = "TimeoutIP",
        /// The Client-Agent is banned (the placeholder one).
        BannedClientAgent = "BannedClientAgent",
        /// Forbidden.
        Forbidden = "Forbidden",
        /// Unknown or expired request id.
        RequestNotFound = "RequestNotFound",
        /// Unknown user (find_user).
        UserNotFound = "UserNotFound",
        /// Unknown worker id.
        WorkerNotFound = "WorkerNotFound",
        /// Unknown style.
        StyleNotFound = "StyleNotFound",
        /// The key's queued images exceed its concurrency.
        TooManyPrompts = "TooManyPrompts",
        /// The model is not supported.
        UnsupportedModel = "UnsupportedModel",
        /// A post-processor name in `models`.
        UnexpectedModelName = "UnexpectedModelName",
        /// `cfg_scale` has more than two decimals.
        BadCfgDecimals = "BadCFGDecimals",
        /// More than one upscaler.
        TooManyUpscalers = "TooManyUpscalers",
        /// Too many LoRAs.
        TooManyLoras = "TooManyLoras",
        /// Too many textual inversions.
        TooManyTis = "TooManyTIs",
        /// A mask without a source image.
        SourceMaskUnnecessary = "SourceMaskUnnecessary",
        /// The source image could not be validated.
        ImageValidationFailed = "ImageValidationFailed",
        /// The option needs a trusted user.
        RequiresTrust = "RequiresTrust",
        /// hires_fix with a model that does not support it.
        HiResMismatch = "HiResMismatch",
        /// A shared key with no kudos left.
        SharedKeyEmpty = "SharedKeyEmpty",
        /// An expired shared key.
        SharedKeyExpired = "SharedKeyExpired",
    }
}
