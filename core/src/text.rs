//! String searching that cannot panic: byte-wise search for a whole `&str` needle, and slicing
//! with `str::get`. `str::replace`, `split_once(&str)` and `&s[a..b]` carry a panic path that
//! formats the string (about 5 KB of the gzipped module, with core's `Debug` and Unicode
//! printing code); these do not.

/// The byte offset of the first occurrence of `needle` in `hay` (`Some(0)` for an empty
/// needle). A match of a whole UTF-8 string always starts and ends on character boundaries.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    h.windows(n.len()).position(|w| w == n)
}

/// `hay` split around the first `needle`.
pub fn split_once<'a>(hay: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let i = find(hay, needle)?;
    Some((hay.get(..i)?, hay.get(i + needle.len()..)?))
}

/// `hay` with every occurrence of a non-empty `needle` replaced by `with`.
pub fn replace(hay: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(hay.len());
    let mut rest = hay;
    while let (false, Some((before, after))) = (needle.is_empty(), split_once(rest, needle)) {
        out.push_str(before);
        out.push_str(with);
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_splits_like_std() {
        for (hay, needle) in [
            ("https://x", "://"),
            ("a", "://"),
            ("", "x"),
            ("ééx", "éx"),
            ("abcabc", "c"),
            ("abc", ""),
            ("日本語", "本"),
        ] {
            assert_eq!(find(hay, needle), hay.find(needle), "{hay} {needle}");
            assert_eq!(
                split_once(hay, needle),
                hay.split_once(needle),
                "{hay} {needle}"
            );
        }
    }

    #[test]
    fn replaces_like_std() {
        for (hay, needle, with) in [
            ("key k3y key", "key", "[redacted]"),
            ("aaa", "aa", "b"),
            ("none", "x", "y"),
            ("/v2/{id}", "{id}", "123"),
            ("ééé", "é", "e"),
        ] {
            assert_eq!(replace(hay, needle, with), hay.replace(needle, with));
        }
        assert_eq!(replace("abc", "", "x"), "abc");
    }
}
