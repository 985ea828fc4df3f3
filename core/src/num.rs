//! Numbers as text and text as numbers. In WebAssembly this goes through JavaScript
//! (`String(n)`, `Number(s)`), which keeps Rust's float formatting and parsing (about 20 KB)
//! out of the module; natively it is the standard library.

/// A number as text (`7.5`, `30000`, `NaN`).
pub fn text(n: f64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        crate::js::number_text(n)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        format!("{n}")
    }
}

/// Text as a finite number, if it is one.
pub fn parse(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    #[cfg(target_arch = "wasm32")]
    let n = crate::js::parse_number(s);
    #[cfg(not(target_arch = "wasm32"))]
    let n = s.parse::<f64>().unwrap_or(f64::NAN);
    n.is_finite().then_some(n)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    #[test]
    fn round_trips() {
        assert_eq!(super::text(7.5), "7.5");
        assert_eq!(super::text(30000.0), "30000");
        assert_eq!(super::parse(" 12 "), Some(12.0));
        assert_eq!(super::parse("1.5e3"), Some(1500.0));
        assert_eq!(super::parse("x"), None);
        assert_eq!(super::parse(""), None);
        assert_eq!(super::parse("inf"), None);
    }
}
