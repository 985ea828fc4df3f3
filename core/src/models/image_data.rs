//! The `img` field: a URL or a base64 WebP that can weigh a megabyte.
//!
//! In WebAssembly the string stays a JavaScript value (`js_sys::JsString`) and is never copied
//! into wasm memory: a status body with four base64 images would otherwise cost two copies of
//! several megabytes and grow the linear memory, which never shrinks, to the largest response
//! ever seen. Natively (tests, tools) it is a plain `String`. The TypeScript type is `string`
//! either way.

/// The type of [`ImageGeneration::img`](super::ImageGeneration::img): `js_sys::JsString` in
/// WebAssembly, `String` natively.
#[cfg(target_arch = "wasm32")]
pub type ImageData = js_sys::JsString;

/// The type of [`ImageGeneration::img`](super::ImageGeneration::img): `js_sys::JsString` in
/// WebAssembly, `String` natively.
#[cfg(not(target_arch = "wasm32"))]
pub type ImageData = String;

/// What the server put in `img`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageForm {
    /// An `http://` or `https://` download URL (the default, `r2: true`).
    Url,
    /// Base64 WebP bytes without a `data:` prefix (`r2: false`).
    Base64,
    /// The literal `"N/A"`: the server could not fetch the image for base64 mode.
    Unavailable,
}

/// Classifies an `img` value without copying it.
pub fn image_form(img: &ImageData) -> ImageForm {
    if starts_with(img, "https://") || starts_with(img, "http://") {
        ImageForm::Url
    } else if is_exactly(img, "N/A") {
        ImageForm::Unavailable
    } else {
        ImageForm::Base64
    }
}

/// The length of an `img` value in UTF-16 code units (JS `length`).
pub fn image_len(img: &ImageData) -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        img.length() as usize
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        img.encode_utf16().count()
    }
}

fn starts_with(img: &ImageData, prefix: &str) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        img.starts_with(prefix, 0)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        img.starts_with(prefix)
    }
}

fn is_exactly(img: &ImageData, s: &str) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        img.length() as usize == s.len() && img.starts_with(s, 0)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        img == s
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_three_forms() {
        assert_eq!(
            image_form(&"https://r2.example/x.webp?sig=1".to_string()),
            ImageForm::Url
        );
        assert_eq!(
            image_form(&"http://127.0.0.1:7001/r2/x.webp".to_string()),
            ImageForm::Url
        );
        assert_eq!(
            image_form(&"UklGRh4AAABXRUJQVlA4TBEAAAAv".to_string()),
            ImageForm::Base64
        );
        assert_eq!(image_form(&"N/A".to_string()), ImageForm::Unavailable);
        assert_eq!(image_form(&"N/A ".to_string()), ImageForm::Base64);
        assert_eq!(image_len(&"héllo".to_string()), 5);
    }
}
