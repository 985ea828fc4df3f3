//! The HTTP methods the Horde's endpoints use.

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// DELETE
    Delete,
}

impl HttpMethod {
    /// The method's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Whether repeating the request is harmless (GET and DELETE here).
    pub const fn is_idempotent(self) -> bool {
        !matches!(self, HttpMethod::Post)
    }
}
