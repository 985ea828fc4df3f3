//! Client settings and their validation: base URL, API key, Client-Agent, limits. Pure Rust,
//! tested natively; the JS options object is decoded into [`Settings`] by the client.

use crate::error::Error;
use std::fmt;

/// The public AI Horde.
pub const DEFAULT_BASE_URL: &str = "https://aihorde.net/api";
/// The anonymous API key (ten zeros): lowest priority, shared concurrency budget.
pub const ANONYMOUS_API_KEY: &str = "0000000000";
/// The `Client-Agent` sent when the caller gives none: `name:version:contact`.
pub const DEFAULT_CLIENT_AGENT: &str = concat!(
    "horde-wasm:",
    env!("CARGO_PKG_VERSION"),
    ":https://github.com/horde-wasm/horde-wasm"
);
/// Per-attempt timeout when the caller gives none, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;
/// Retries after the first attempt when the caller gives none.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Largest response body accepted when the caller gives none (in UTF-16 code units of the
/// text; a status with four 1024×1024 base64 images is about 8 MB).
pub const DEFAULT_MAX_BODY_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// A secret string whose `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: String) -> Secret {
        Secret(s)
    }
    /// The secret itself: only for the `apikey` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Whether it is the anonymous key.
    pub fn is_anonymous(&self) -> bool {
        self.0 == ANONYMOUS_API_KEY
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Validated client settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The API root without a trailing slash, such as `https://aihorde.net/api`.
    pub base_url: String,
    /// The origin of `base_url` (`https://aihorde.net`): the only origin that gets the key.
    pub origin: String,
    /// The API key.
    pub api_key: Secret,
    /// The `Client-Agent` header.
    pub client_agent: String,
    /// Per-attempt timeout, in milliseconds.
    pub timeout_ms: f64,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Whether requests are paced under the Horde's rate limits.
    pub pacing: bool,
    /// Largest response body accepted.
    pub max_body_bytes: f64,
}

/// Raw settings as the caller gave them; `None` means "the default".
#[derive(Clone, Debug, Default)]
pub struct RawSettings {
    /// See [`Settings::base_url`].
    pub base_url: Option<String>,
    /// See [`Settings::api_key`].
    pub api_key: Option<String>,
    /// See [`Settings::client_agent`].
    pub client_agent: Option<String>,
    /// See [`Settings::timeout_ms`].
    pub timeout_ms: Option<f64>,
    /// See [`Settings::max_retries`].
    pub max_retries: Option<u32>,
    /// See [`Settings::pacing`].
    pub pacing: Option<bool>,
    /// See [`Settings::max_body_bytes`].
    pub max_body_bytes: Option<f64>,
    /// Allow `http://` to a host that is not a loopback address.
    pub allow_insecure_http: Option<bool>,
}

impl RawSettings {
    /// Validates and fills in defaults.
    pub fn validate(self) -> Result<Settings, Error> {
        let (base_url, origin) = validate_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_insecure_http.unwrap_or(false),
        )?;
        let api_key = self.api_key.unwrap_or_else(|| ANONYMOUS_API_KEY.to_owned());
        validate_header_value("options.apiKey", &api_key, HeaderKind::Secret)?;
        let client_agent = self
            .client_agent
            .unwrap_or_else(|| DEFAULT_CLIENT_AGENT.to_owned());
        validate_header_value(
            "options.clientAgent",
            &client_agent,
            HeaderKind::ClientAgent,
        )?;
        let timeout_ms = positive_ms("options.timeoutMs", self.timeout_ms, DEFAULT_TIMEOUT_MS)?;
        let max_body_bytes = positive_ms(
            "options.maxBodyBytes",
            self.max_body_bytes,
            DEFAULT_MAX_BODY_BYTES,
        )?;
        let max_retries = self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES);
        if max_retries > 10 {
            return Err(Error::invalid(
                "options.maxRetries",
                "must be between 0 and 10",
            ));
        }
        Ok(Settings {
            base_url,
            origin,
            api_key: Secret::new(api_key),
            client_agent,
            timeout_ms,
            max_retries,
            pacing: self.pacing.unwrap_or(true),
            max_body_bytes,
        })
    }
}

/// A positive finite number of milliseconds (or bytes), or the default.
pub fn positive_ms(argument: &str, value: Option<f64>, default: f64) -> Result<f64, Error> {
    match value {
        None => Ok(default),
        Some(v) if v.is_finite() && v > 0.0 => Ok(v),
        Some(_) => Err(Error::invalid(
            argument,
            "must be a positive, finite number",
        )),
    }
}

/// What a header value is, for [`validate_header_value`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderKind {
    /// A secret: its characters are never quoted in an error.
    Secret,
    /// A `Client-Agent`: must have the `name:version:contact` form.
    ClientAgent,
}

/// A header value: printable ASCII only (no CR, LF or other control characters, which could
/// inject headers, and nothing a browser would refuse as a non-Latin-1 header).
pub fn validate_header_value(argument: &str, value: &str, kind: HeaderKind) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(argument, "must not be empty"));
    }
    if value.len() > 1024 {
        return Err(Error::invalid(argument, "must be at most 1024 characters"));
    }
    if let Some(bad) = value.chars().find(|c| !(' '..='~').contains(c)) {
        let what = match bad {
            '\r' | '\n' => "a line break (CR/LF)".to_owned(),
            c if c.is_control() => "a control character".to_owned(),
            _ if kind == HeaderKind::Secret => "a non-ASCII character".to_owned(),
            c => format!("the non-ASCII character \"{c}\""),
        };
        return Err(Error::invalid(
            argument,
            format!("must be printable ASCII, but contains {what}"),
        ));
    }
    if kind == HeaderKind::ClientAgent && value.split(':').count() < 3 {
        return Err(Error::invalid(
            argument,
            "must have the form name:version:contact (for example MyApp:1.0:https://example.org)",
        ));
    }
    Ok(())
}

/// Checks a base URL: `https://`, or `http://` to a loopback host (or anywhere with
/// `allow_insecure`); no credentials, query or fragment. Returns it without a trailing slash,
/// and its origin.
pub fn validate_base_url(url: &str, allow_insecure: bool) -> Result<(String, String), Error> {
    const ARG: &str = "options.baseUrl";
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid(
            ARG,
            "must not contain white space or control characters",
        ));
    }
    let (scheme, rest) = crate::text::split_once(url, "://")
        .ok_or_else(|| Error::invalid(ARG, "must be an absolute http(s) URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(Error::invalid(ARG, "must start with https://"));
    }
    if rest.contains(['?', '#']) {
        return Err(Error::invalid(ARG, "must not have a query or a fragment"));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (rest.get(..i).unwrap_or(rest), rest.get(i..).unwrap_or("")),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return Err(Error::invalid(ARG, "has no host"));
    }
    if authority.contains('@') {
        return Err(Error::invalid(ARG, "must not contain credentials"));
    }
    // Only the characters a URL needs, so that this parser and fetch's (which, for instance,
    // ends the host at a backslash) cannot disagree on where the request goes.
    let (host_part, port) = split_port(authority);
    let host_ok = if let Some(v6) = host_part.strip_prefix('[') {
        v6.strip_suffix(']').is_some_and(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        })
    } else {
        !host_part.is_empty()
            && host_part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    };
    if !host_ok {
        return Err(Error::invalid(
            ARG,
            "has a host with characters a host name cannot have",
        ));
    }
    if port.is_some_and(|p| p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(Error::invalid(ARG, "has a port that is not a number"));
    }
    if !path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~/%!$&'()*+,;=:@".contains(&b))
    {
        return Err(Error::invalid(
            ARG,
            "has a path with characters a URL cannot have",
        ));
    }
    let host = host_of(authority);
    if scheme == "http" && !allow_insecure && !is_loopback(&host) {
        return Err(Error::invalid(
            ARG,
            "must use https:// (plain http is allowed only to loopback addresses, or with allowInsecureHttp: true)",
        ));
    }
    let origin = format!("{scheme}://{}", authority.to_ascii_lowercase());
    let path = path.trim_end_matches('/');
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(Error::invalid(
            ARG,
            "must not contain . or .. path segments",
        ));
    }
    Ok((format!("{origin}{path}"), origin))
}

/// The host and the port (if any) of an authority, as written.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        match authority.split_once(']') {
            // `]` is one byte: the host is what precedes it, plus it.
            Some((host, rest)) => (
                authority.get(..host.len() + 1).unwrap_or(authority),
                rest.strip_prefix(':'),
            ),
            None => (authority, None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    }
}

fn host_of(authority: &str) -> String {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        // [::1]:7001
        rest.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host.to_ascii_lowercase()
}

/// Loopback: `localhost`, `*.localhost`, `127.0.0.0/8`, `::1`.
pub fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == "::1" {
        return true;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts.first() == Some(&"127")
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn rule_of(e: Error) -> (String, String) {
        match e {
            Error::InvalidArgument { argument, rule } => (argument, rule),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let s = RawSettings::default().validate().unwrap();
        assert_eq!(s.base_url, "https://aihorde.net/api");
        assert_eq!(s.origin, "https://aihorde.net");
        assert!(s.api_key.is_anonymous());
        assert!(s.client_agent.starts_with("horde-wasm:"));
        assert_eq!(s.client_agent.split(':').count(), 4); // the contact URL has a colon
        assert_eq!((s.timeout_ms, s.max_retries, s.pacing), (30_000.0, 2, true));
    }

    #[test]
    fn base_urls() {
        let ok = |u: &str| validate_base_url(u, false).unwrap();
        assert_eq!(ok("https://aihorde.net/api/").0, "https://aihorde.net/api");
        assert_eq!(ok("HTTPS://AIHorde.net/api").1, "https://aihorde.net");
        assert_eq!(
            ok("http://127.0.0.1:7001/api").0,
            "http://127.0.0.1:7001/api"
        );
        assert_eq!(ok("http://localhost:7001/api").1, "http://localhost:7001");
        assert_eq!(ok("http://[::1]:7001/api").1, "http://[::1]:7001");
        for bad in [
            "aihorde.net/api",
            "ftp://aihorde.net",
            "http://aihorde.net/api",
            "http://192.168.1.2/api",
            "http://127.0.0.1.evil.com/api",
            "https://user:pw@aihorde.net/api",
            "https://aihorde.net/api?x=1",
            "https://aihorde.net/api#x",
            "https://aihorde.net/a pi",
            "https:///api",
            "https://aihorde.net/../api",
            "https://aihorde.net/api\r\nX: y",
            "http://evil.example\\.localhost/api",
            "http://127.0.0.1\\@evil.example/api",
            "https://aihorde.net\\api",
            "https://aihorde.net/a\\pi",
            "http://127.0.0.1:70x1/api",
            "http://127.0.0.1:/api",
            "https://aih%6frde.net/api",
            "https://[::1/api",
            "https://aihorde.net/api<script>",
        ] {
            assert!(
                validate_base_url(bad, false).is_err(),
                "{bad} must be rejected"
            );
        }
        assert!(validate_base_url("http://192.168.1.2/api", true).is_ok());
    }

    #[test]
    fn header_values() {
        let (arg, rule) = rule_of(
            RawSettings {
                client_agent: Some("App:1:me\r\nX-Evil: 1".into()),
                ..Default::default()
            }
            .validate()
            .unwrap_err(),
        );
        assert_eq!(arg, "options.clientAgent");
        assert!(rule.contains("CR/LF"), "{rule}");
        let (arg, _) = rule_of(
            RawSettings {
                client_agent: Some("just-a-name".into()),
                ..Default::default()
            }
            .validate()
            .unwrap_err(),
        );
        assert_eq!(arg, "options.clientAgent");
        let (arg, rule) = rule_of(
            RawSettings {
                api_key: Some("clé".into()),
                ..Default::default()
            }
            .validate()
            .unwrap_err(),
        );
        assert_eq!(arg, "options.apiKey");
        assert!(!rule.contains('é'), "the key must not be echoed: {rule}");
    }

    #[test]
    fn the_key_never_prints() {
        let s = RawSettings {
            api_key: Some("s3cr3tkey0000000000000".into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        let shown = format!("{s:?} {}", s.api_key);
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn numbers() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(RawSettings {
                timeout_ms: Some(bad),
                ..Default::default()
            }
            .validate()
            .is_err());
        }
        assert!(RawSettings {
            max_retries: Some(11),
            ..Default::default()
        }
        .validate()
        .is_err());
    }
}
