//! Job ids: the strict UUID check that guards every URL path, and fresh random UUIDs.

use std::fmt;

/// A validated AI Horde request id (a UUID in canonical hyphenated form, lower-cased).
///
/// Every id that reaches a URL path goes through [`JobId::parse`] first, so a path traversal
/// (`../`), an encoded slash, a query string or a CR/LF can never be sent.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(String);

/// Why a string is not a job id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobIdError {
    /// The string is empty.
    Empty,
    /// The string is not 36 characters long.
    Length(usize),
    /// A character that is neither a hex digit nor a hyphen in the right place, at this index.
    Character(usize),
}

impl fmt::Display for JobIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobIdError::Empty => f.write_str("a job id must be a UUID, got an empty string"),
            JobIdError::Length(n) => {
                write!(f, "a job id must be a 36-character UUID, got {n} characters")
            }
            JobIdError::Character(i) => write!(
                f,
                "a job id must be a UUID (8-4-4-4-12 hex digits), got an unexpected character at index {i}"
            ),
        }
    }
}

impl std::error::Error for JobIdError {}

impl JobId {
    /// Parses a UUID in the 8-4-4-4-12 hex form. Upper-case hex is accepted and lower-cased;
    /// nothing else (no braces, no URN prefix, no surrounding white space) is.
    ///
    /// Checked here, not by `uuid::Uuid::try_parse`: that one also takes the braced, URN and
    /// unhyphenated forms, names no index in its error, and costs the module 367 B gzip more.
    pub fn parse(s: &str) -> Result<JobId, JobIdError> {
        if s.is_empty() {
            return Err(JobIdError::Empty);
        }
        // Count characters, not bytes, so the reported length means something to a JS caller.
        let chars = s.chars().count();
        if chars != 36 || s.len() != 36 {
            return Err(JobIdError::Length(chars));
        }
        for (i, b) in s.bytes().enumerate() {
            let ok = match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit(),
            };
            if !ok {
                return Err(JobIdError::Character(i));
            }
        }
        Ok(JobId(s.to_ascii_lowercase()))
    }

    /// The id as a string.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JobId({})", self.0)
    }
}

/// A fresh random version-4 UUID, lower-case and hyphenated.
///
/// Used for the seed's empty-id rule: uniqueness matters, not secrecy. The `uuid` crate sets the
/// version and variant bits and writes the text; the bytes come, in WebAssembly, from
/// `crypto.getRandomValues` where it exists (windows, workers, Node 19+), else from
/// `Math.random` (uuid's own WebCrypto source traps where there is no `crypto`, as in Node 18);
/// natively from the standard library's randomly keyed hasher.
pub fn random_uuid_v4() -> String {
    let id = uuid::Builder::from_random_bytes(random_16()).into_uuid();
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    id.hyphenated().encode_lower(&mut buf).to_owned()
}

#[cfg(target_arch = "wasm32")]
fn random_16() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    if !crate::js::fill_random(&mut bytes) {
        for b in bytes.iter_mut() {
            // Math.random has 52 bits of mantissa; the top byte of it is uniform enough here.
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}

#[cfg(not(target_arch = "wasm32"))]
fn random_16() -> [u8; 16] {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = [0u8; 16];
    for half in out.chunks_mut(8) {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        half.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_canonical_and_upper_case() {
        let id = JobId::parse("8A1B2C3D-0000-4abc-8def-0123456789ab").unwrap();
        assert_eq!(id.as_str(), "8a1b2c3d-0000-4abc-8def-0123456789ab");
    }

    #[test]
    fn rejects_hostile_strings() {
        for bad in [
            "",
            "../../v2/find_user",
            "8a1b2c3d-0000-4abc-8def-0123456789a",
            "8a1b2c3d-0000-4abc-8def-0123456789abc",
            "8a1b2c3d-0000-4abc-8def-0123456789a/",
            "8a1b2c3d-0000-4abc-8def-0123456789a\n",
            "8a1b2c3d-0000-4abc-8def-0123456789a%",
            "8a1b2c3d%2D0000-4abc-8def-0123456789",
            "{8a1b2c3d-0000-4abc-8def-0123456789a}",
            "8a1b2c3d-0000-4abc-8def-0123456789aé",
            " 8a1b2c3d-0000-4abc-8def-0123456789a",
            "8a1b2c3d00000-4abc-8def-0123456789ab",
            "8a1b2c3d-0000-4abc-8def-0123456789a?",
        ] {
            assert!(JobId::parse(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn error_messages_name_the_problem() {
        assert_eq!(JobId::parse("").unwrap_err(), JobIdError::Empty);
        assert_eq!(JobId::parse("abc").unwrap_err(), JobIdError::Length(3));
        assert_eq!(
            JobId::parse("8a1b2c3d-0000-4abc-8def-0123456789a/").unwrap_err(),
            JobIdError::Character(35)
        );
    }

    #[test]
    fn random_uuids_are_v4_and_distinct() {
        let a = random_uuid_v4();
        let b = random_uuid_v4();
        assert_ne!(a, b);
        for u in [&a, &b] {
            let id = JobId::parse(u).unwrap();
            assert_eq!(id.as_str(), u.as_str());
            assert_eq!(&u[14..15], "4");
            assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        }
    }
}
