//! Query strings, percent-encoded.

use crate::models::ModelsQuery;

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `?type=image&min_count=2…` for the models list ("" when no filter is set).
pub fn models_query_string(q: &ModelsQuery) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(t) = &q.r#type {
        parts.push(format!("type={}", encode_component(t.as_str())));
    }
    if let Some(n) = q.min_count {
        parts.push(format!("min_count={n}"));
    }
    if let Some(n) = q.max_count {
        parts.push(format!("max_count={n}"));
    }
    if let Some(s) = &q.model_state {
        parts.push(format!("model_state={}", encode_component(s)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes() {
        assert_eq!(encode_component("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(models_query_string(&ModelsQuery::default()), "");
        let q = ModelsQuery {
            r#type: Some("image".into()),
            min_count: Some(1),
            max_count: None,
            model_state: Some("known&x=1".into()),
        };
        assert_eq!(
            models_query_string(&q),
            "?type=image&min_count=1&model_state=known%26x%3D1"
        );
    }
}
