//! Property-based fuzzing of everything that reads untrusted input natively (issue 7): the
//! serde decoders of every wire model, job ids, base URLs, header values, request validation,
//! and the pacing limiter's promise that no fixed window ever sees more than `limit` sends.
//!
//! No property may panic. The default case count is small so that `cargo test` stays fast;
//! `PROPTEST_CASES=20000 cargo test --release --test fuzz` runs a long campaign. Failures are
//! shrunk and saved by proptest under `proptest-regressions/` (commit those files: they are
//! replayed first on every later run).
#![cfg(not(target_arch = "wasm32"))]
// Tests may panic: that is how they fail.
#![allow(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod common;

use horde_wasm::config::{is_loopback, validate_base_url, validate_header_value, HeaderKind};
use horde_wasm::decode::decode;
use horde_wasm::error::{ApiError, Error};
use horde_wasm::ids::JobId;
use horde_wasm::models::*;
use horde_wasm::pacing::{padded_window, Limiter, Route};
use horde_wasm::retry::{retry_delay_ms, should_retry, MAX_RETRY_AFTER_MS};
use horde_wasm::validate::validate_request;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

// ---------------------------------------------------------------------------------------------
// Configuration

/// `PROPTEST_CASES` if set, else `default` (small, for CI).
fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        // Regressions go to proptest-regressions/fuzz.txt (relative to the crate root, where
        // cargo runs tests), which is committed and replayed first.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/fuzz.txt",
        ))),
        ..Config::default()
    }
}

/// Every valid body the tests have, as (name, text).
const FIXTURES: &[(&str, &str)] = &[
    ("sim/async-202.json", fixture!("sim/async-202.json")),
    (
        "sim/async-202-no-worker.json",
        fixture!("sim/async-202-no-worker.json"),
    ),
    ("sim/check-done.json", fixture!("sim/check-done.json")),
    (
        "sim/check-impossible.json",
        fixture!("sim/check-impossible.json"),
    ),
    ("sim/delete-before.json", fixture!("sim/delete-before.json")),
    ("sim/dry-run.json", fixture!("sim/dry-run.json")),
    ("sim/error-400-rc.json", fixture!("sim/error-400-rc.json")),
    (
        "sim/error-400-schema.json",
        fixture!("sim/error-400-schema.json"),
    ),
    ("sim/error-404.json", fixture!("sim/error-404.json")),
    ("sim/find-user.json", fixture!("sim/find-user.json")),
    ("sim/heartbeat.json", fixture!("sim/heartbeat.json")),
    ("sim/models.json", fixture!("sim/models.json")),
    ("sim/status-base64.json", fixture!("sim/status-base64.json")),
    (
        "sim/status-censored.json",
        fixture!("sim/status-censored.json"),
    ),
    ("sim/status-r2.json", fixture!("sim/status-r2.json")),
    (
        "swagger/active-model.json",
        fixture!("swagger/active-model.json"),
    ),
    ("swagger/async-202.json", fixture!("swagger/async-202.json")),
    ("swagger/check.json", fixture!("swagger/check.json")),
    ("swagger/status.json", fixture!("swagger/status.json")),
    (
        "swagger/user-details.json",
        fixture!("swagger/user-details.json"),
    ),
];

fn fixture_values() -> Vec<Value> {
    FIXTURES
        .iter()
        .map(|(name, text)| {
            serde_json::from_str(text).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Decoding: every model, from any JSON

/// Decodes `text` as `T` through the SDK's path-tracking decoder; on success, checks that the
/// value serialises back to JSON that decodes again (a decoded model is always re-encodable).
fn decode_text<T: DeserializeOwned + Serialize>(text: &str) -> Result<T, String> {
    let r = decode::<T, _>(&mut serde_json::Deserializer::from_str(text));
    match r {
        Ok(v) => {
            let again = serde_json::to_string(&v).expect("a decoded model serialises");
            decode::<T, _>(&mut serde_json::Deserializer::from_str(&again))
                .unwrap_or_else(|e| panic!("re-decoding {again} failed: {e}"));
            Ok(v)
        }
        Err(e) => {
            // The error names a path and says something.
            assert!(!e.field_path.is_empty(), "empty field path for {text}");
            assert!(!e.message.is_empty(), "empty message for {text}");
            Err(e.to_string())
        }
    }
}

fn hash_of<T: Hash>(v: &T) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// Runs every model's decoder over `text`, and the behaviour methods over what decodes.
/// Nothing here may panic.
fn decode_everything(text: &str) {
    if let Ok(s) = decode_text::<ImageGenerateStatusResponse>(text) {
        let n = s.generations.len();
        assert!(s.is_job_complete(n));
        assert!(s.generations_subset_of(&s));
        assert_eq!(s, s.clone());
        assert_eq!(hash_of(&s), hash_of(&s.clone()));
        let _ = (s.is_done(), s.is_job_possible(), format!("{s:?}"));
        for g in s.generations.iter() {
            assert!(!g.id.is_empty(), "the empty-id rule always gives an id");
            let _ = (g.image_form(), g.metadata(), g.censorship(), g.generation());
            let _ = format!("{g:?}");
        }
        let merged = merge_generations(s.generations.0.clone(), s.generations.0.clone());
        let ids: HashSet<&str> = s.generations.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(merged.len(), ids.len(), "merge keeps each id once");
    }
    if let Ok(c) = decode_text::<ImageGenerateCheckResponse>(text) {
        let _ = (c.is_job_complete(), c.is_job_possible());
        let _ = horde_wasm::cadence::next_check_delay_ms(&c, 1);
    }
    let _ = decode_text::<ImageGenerateAsyncResponse>(text);
    let _ = decode_text::<ImageGenerateDryRunResponse>(text);
    let _ = decode_text::<ImageGeneration>(text);
    let _ = decode_text::<Generation>(text);
    let _ = decode_text::<GenMetadataEntry>(text);
    let _ = decode_text::<ActiveModel>(text);
    let _ = decode_text::<Vec<ActiveModel>>(text);
    let _ = decode_text::<UserDetails>(text);
    let _ = decode_text::<HeartbeatResponse>(text);
    let _ = decode_text::<RequestSingleWarning>(text);
    let _ = decode_text::<ModelsQuery>(text);
    let _ = decode_text::<Lora>(text);
    let _ = decode_text::<TextualInversion>(text);
    let _ = decode_text::<ExtraSourceImage>(text);
    let _ = decode_text::<ExtraText>(text);
    let _ = decode_text::<ImageGenerationParams>(text);
    let _ = decode_text::<AnyJson>(text);
    if let Ok(r) = decode_text::<ImageGenerateAsyncRequest>(text) {
        let _ = validate_request(&r);
        let _ = validate_request(&r.clone().with_sdk_defaults());
    }
    // Error bodies are read leniently: any JSON object gives an ErrorBody, never an error.
    let eb = serde_json::from_str::<ErrorBody>(text);
    if matches!(serde_json::from_str::<Value>(text), Ok(Value::Object(_))) {
        assert!(eb.is_ok(), "ErrorBody must accept any object: {text}");
    }
}

/// Keys of random objects: the wire models' field names (so that they often hit a real field),
/// the error body's, and keys a JavaScript object treats specially.
fn keys() -> Vec<&'static str> {
    let mut keys = [
        ImageGenerateStatusResponse::KEYS,
        ImageGenerateCheckResponse::KEYS,
        ImageGeneration::KEYS,
        GenMetadataEntry::KEYS,
        ImageGenerateAsyncResponse::KEYS,
        RequestSingleWarning::KEYS,
        ImageGenerateDryRunResponse::KEYS,
        ActiveModel::KEYS,
        UserDetails::KEYS,
        HeartbeatResponse::KEYS,
        ModelsQuery::KEYS,
        ImageGenerateAsyncRequest::KEYS,
        ImageGenerationParams::KEYS,
        Lora::KEYS,
        TextualInversion::KEYS,
        ExtraSourceImage::KEYS,
        ExtraText::KEYS,
        ErrorBody::KEYS,
        &["__proto__", "constructor", ""],
    ]
    .concat();
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn json_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        Just(String::new()),
        Just("N/A".to_owned()),
        Just("ok".to_owned()),
        Just("5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1".to_owned()),
        Just("https://r2.example/x.webp".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("\u{0}\u{1f}\u{7f}\u{2028}\u{feff}".to_owned()),
        "[0-9a-f-]{0,40}",
    ]
}

fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        (0u32..4).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Value::from),
        Just(json!(-0.0)),
        Just(json!(4294967296u64)),
        Just(json!(4294967295u64)),
        Just(json!(1e308)),
        Just(json!(0.5)),
        Just(json!(-1)),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        json_string().prop_map(Value::String),
    ]
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(keys()).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((json_key(), inner), 0..12)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every path (as a list of steps) into a JSON value, the root included.
fn paths(v: &Value) -> Vec<Vec<Step>> {
    fn walk(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(here.clone());
        match v {
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    here.push(Step::Index(i));
                    walk(x, here, out);
                    here.pop();
                }
            }
            Value::Object(o) => {
                for (k, x) in o {
                    here.push(Step::Key(k.clone()));
                    walk(x, here, out);
                    here.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

#[derive(Clone, Debug)]
enum Step {
    Index(usize),
    Key(String),
}

fn at_mut<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Index(i) => &mut v[*i],
        Step::Key(k) => &mut v[k.as_str()],
    })
}

/// How to mutate a valid body at a chosen place.
#[derive(Clone, Debug)]
enum Mutation {
    Replace(Value),
    Remove,
    AddKey(String, Value),
    Wrap,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => json_value().prop_map(Mutation::Replace),
        2 => Just(Mutation::Remove),
        2 => (json_key(), json_value()).prop_map(|(k, v)| Mutation::AddKey(k, v)),
        1 => Just(Mutation::Wrap),
    ]
}

/// A valid body with a few random mutations.
fn mutated_fixture() -> impl Strategy<Value = Value> {
    (
        prop::sample::select((0..FIXTURES.len()).collect::<Vec<_>>()),
        prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..4),
    )
        .prop_map(|(i, muts)| {
            let mut v = fixture_values().swap_remove(i);
            for (where_, m) in muts {
                let all = paths(&v);
                let path = where_.get(&all).clone();
                match m {
                    Mutation::Replace(x) => *at_mut(&mut v, &path) = x,
                    Mutation::Remove => {
                        if let Some((last, parent)) = path.split_last() {
                            match (at_mut(&mut v, parent), last) {
                                (Value::Object(o), Step::Key(k)) => {
                                    o.remove(k);
                                }
                                (Value::Array(a), Step::Index(i)) => {
                                    a.remove(*i);
                                }
                                _ => {}
                            }
                        }
                    }
                    Mutation::AddKey(k, x) => {
                        if let Value::Object(o) = at_mut(&mut v, &path) {
                            o.insert(k, x);
                        }
                    }
                    Mutation::Wrap => {
                        let slot = at_mut(&mut v, &path);
                        *slot = Value::Array(vec![slot.take()]);
                    }
                }
            }
            v
        })
}

/// A valid body's text cut, with a byte range replaced, or garbage.
fn broken_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop::sample::select((0..FIXTURES.len()).collect::<Vec<_>>()),
            any::<prop::sample::Index>()
        )
            .prop_map(|(i, cut)| {
                let t = FIXTURES[i].1;
                let mut at = cut.index(t.len() + 1);
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                t[..at].to_owned()
            }),
        (
            prop::sample::select((0..FIXTURES.len()).collect::<Vec<_>>()),
            any::<prop::sample::Index>(),
            any::<String>()
        )
            .prop_map(|(i, at, junk)| {
                let t = FIXTURES[i].1;
                let mut at = at.index(t.len() + 1);
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                format!("{}{junk}{}", &t[..at], &t[at..])
            }),
        any::<String>(),
        Just("<html><body><h1>502 Bad Gateway</h1></body></html>".to_owned()),
        Just(String::new()),
    ]
}

#[test]
fn every_fixture_still_decodes_as_what_it_is() {
    // The fuzzer's seeds are valid: if these stopped decoding, the mutations would fuzz noise.
    let v = |name: &str| FIXTURES.iter().find(|(n, _)| *n == name).unwrap().1;
    decode_text::<ImageGenerateStatusResponse>(v("sim/status-r2.json")).unwrap();
    decode_text::<ImageGenerateStatusResponse>(v("sim/status-base64.json")).unwrap();
    decode_text::<ImageGenerateStatusResponse>(v("sim/delete-before.json")).unwrap();
    decode_text::<ImageGenerateCheckResponse>(v("sim/check-done.json")).unwrap();
    decode_text::<ImageGenerateAsyncResponse>(v("sim/async-202.json")).unwrap();
    decode_text::<ImageGenerateDryRunResponse>(v("sim/dry-run.json")).unwrap();
    decode_text::<Vec<ActiveModel>>(v("sim/models.json")).unwrap();
    decode_text::<UserDetails>(v("sim/find-user.json")).unwrap();
    decode_text::<HeartbeatResponse>(v("sim/heartbeat.json")).unwrap();
    for (_, text) in FIXTURES {
        decode_everything(text);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // 100 000 nested arrays, in an unknown field and in a known one, and as the whole body.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let status = fixture!("sim/status-r2.json").trim();
    let in_unknown = format!("{{\"zz_unknown\": {deep}, {}", &status[1..]);
    let in_known = status.replacen(
        "\"gen_metadata\": []",
        &format!("\"gen_metadata\": {deep}"),
        1,
    );
    assert_ne!(in_known, status);
    assert!(decode_text::<ImageGenerateStatusResponse>(&deep).is_err());
    decode_everything(&deep);
    // serde_json skips an unknown value iteratively: the body decodes, the field is ignored.
    let s = decode_text::<ImageGenerateStatusResponse>(&in_unknown).unwrap();
    assert_eq!(s.generations.len(), 2);
    decode_everything(&in_unknown);
    // In a known field it is an error that names the field (the decoder stops at the first
    // element that is not a metadata entry; it never walks the whole depth).
    let e = decode_text::<ImageGenerateStatusResponse>(&in_known).unwrap_err();
    assert!(e.starts_with("at generations[0].gen_metadata"), "{e}");
    // In a free-form field the recursion limit stops it.
    let special = format!("{{\"prompt\": \"x\", \"params\": {{\"special\": {{\"a\": {deep}}}}}}}");
    let e = decode_text::<ImageGenerateAsyncRequest>(&special).unwrap_err();
    assert!(e.contains("recursion limit"), "{e}");
    decode_everything(&in_known);
    // Deep objects too.
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    decode_everything(&deep_obj);
}

#[test]
fn every_field_of_a_status_rejects_every_wrong_type_with_its_path() {
    // Programmatic wrong-type table: each field path of a valid status, each JSON type that
    // is not the field's own; the decoder must fail and name that exact path.
    let candidates = [
        json!(null),
        json!(true),
        json!(12),
        json!(-1),
        json!(1.5),
        json!("text"),
        json!([]),
        json!({}),
    ];
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_u64() => "uint",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let mut checked = 0;
    let bases = [
        fixture!("sim/status-r2.json"),
        fixture!("sim/status-censored.json"),
    ];
    for base in bases {
        let base: Value = serde_json::from_str(base).unwrap();
        wrong_types_of(&base, &candidates, &kind, &mut checked);
    }
    assert!(checked > 100, "{checked} wrong-type cases checked");
}

fn wrong_types_of(
    base: &Value,
    candidates: &[Value],
    kind: &dyn Fn(&Value) -> &'static str,
    checked: &mut usize,
) {
    for path in paths(base).into_iter().filter(|p| !p.is_empty()) {
        let original = at_mut(&mut base.clone(), &path).clone();
        // Fields that accept null (OrDefault, Option) and the free-form ones are skipped for
        // null; numbers are compatible among themselves only where the model says so.
        let text_path = path_text(&path);
        for wrong in candidates {
            if kind(wrong) == kind(&original) {
                continue;
            }
            let mut v = base.clone();
            *at_mut(&mut v, &path) = wrong.clone();
            let text = v.to_string();
            let r = decode::<ImageGenerateStatusResponse, _>(
                &mut serde_json::Deserializer::from_str(&text),
            );
            let nullable = matches!(
                text_path.as_str(),
                "generations" | "shared" | "gen_metadata"
            ) || text_path.ends_with(".gen_metadata")
                || text_path.ends_with(".ref");
            let numeric_ok = matches!(kind(&original), "uint" | "number")
                && matches!(kind(wrong), "uint" | "number")
                && (text_path == "kudos" || text_path.ends_with("kudos"));
            match r {
                Ok(_) if (nullable && wrong.is_null()) || numeric_ok => {}
                Ok(_) => panic!("{text_path} = {wrong} was accepted"),
                Err(e) => {
                    assert_eq!(e.field_path, text_path, "{wrong} at {text_path}: {e}");
                    *checked += 1;
                }
            }
        }
    }
}

fn path_text(path: &[Step]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_json_value_decodes_or_errs_for_every_model(v in json_value()) {
        decode_everything(&v.to_string());
    }

    #[test]
    fn mutated_valid_bodies_decode_or_err_for_every_model(v in mutated_fixture()) {
        decode_everything(&v.to_string());
    }

    #[test]
    fn broken_text_decodes_or_errs_for_every_model(t in broken_text()) {
        decode_everything(&t);
    }
}

// ---------------------------------------------------------------------------------------------
// Strings: job ids, base URLs, header values

/// Pieces that make interesting strings for the URL, id and header checks.
const PIECES: &[&str] = &[
    "https://",
    "http://",
    "HTTP://",
    "ftp://",
    "//",
    "/",
    "\\",
    "..",
    ".",
    "%2e",
    "%2F",
    "%00",
    "@",
    ":",
    "?",
    "#",
    "[",
    "]",
    "::1",
    "127.0.0.1",
    "127.1",
    "0x7f.0.0.1",
    "localhost",
    ".localhost",
    "aihorde.net",
    "evil.com",
    "api",
    "7001",
    "-",
    "a",
    "F",
    "0",
    "5a5ba3f5",
    "8a2d",
    "4a77",
    "3f7d3bc0d8a1",
    "\r",
    "\n",
    "\t",
    " ",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{ff0e}",
    "\u{ff0f}",
    "\u{0430}",
    "\u{1d7d8}",
    "é",
    "😀",
];

fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(PIECES), 0..12).prop_map(|p| p.concat()),
        2 => any::<String>(),
        1 => "[0-9a-fA-F-]{30,40}",
        1 => ("[0-9a-f]{8}", "[0-9a-f]{4}", "[0-9a-f]{4}", "[0-9a-f]{4}", "[0-9a-f]{12}", any::<prop::sample::Index>(), any::<char>())
            .prop_map(|(a, b, c, d, e, at, ch)| {
                // A UUID with one character replaced.
                let mut chars: Vec<char> = format!("{a}-{b}-{c}-{d}-{e}").chars().collect();
                let i = at.index(chars.len());
                chars[i] = ch;
                chars.into_iter().collect()
            }),
    ]
}

/// Whether a WHATWG URL parser (fetch's) ends the authority where the validator does. For
/// http(s) it ends at the first `/`, `\`, `?` or `#`; the validator splits at `/` and rejects
/// `?` and `#`, so a `\` in what the validator calls the authority means fetch connects to a
/// different host than the one that was checked (`http://evil.com\.localhost/api` is checked
/// as `evil.com\.localhost`, a loopback name, and fetched from `evil.com`).
fn same_authority_as_fetch(authority: &str) -> bool {
    !authority.contains('\\')
}

fn host_of(origin: &str) -> String {
    let authority = origin.split_once("://").unwrap().1;
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap().to_owned();
    }
    authority
        .rsplit_once(':')
        .map_or(authority, |(h, _)| h)
        .to_owned()
}

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn job_ids_are_canonical_uuids_or_rejected(s in tricky_string()) {
        match JobId::parse(&s) {
            Ok(id) => {
                let t = id.as_str();
                prop_assert_eq!(t.len(), 36);
                prop_assert_eq!(t, s.to_ascii_lowercase());
                for (i, b) in t.bytes().enumerate() {
                    if [8, 13, 18, 23].contains(&i) {
                        prop_assert_eq!(b, b'-');
                    } else {
                        prop_assert!(b.is_ascii_digit() || (b'a'..=b'f').contains(&b), "{t}");
                    }
                }
                // Nothing that could change a URL path can pass.
                prop_assert!(!t.contains(['/', '\\', '.', '%', '?', '#', '\r', '\n', ' ']));
                prop_assert_eq!(JobId::parse(t).unwrap(), id);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn base_urls_are_https_or_loopback(s in tricky_string(), allow in any::<bool>()) {
        if let Ok((base, origin)) = validate_base_url(&s, allow) {
            prop_assert!(base.starts_with(&origin), "{base} / {origin}");
            prop_assert!(origin.starts_with("https://") || origin.starts_with("http://"), "{origin}");
            prop_assert!(!base.chars().any(|c| c.is_control() || c.is_whitespace()), "{base:?}");
            prop_assert!(!base.contains(['?', '#']), "{base}");
            let authority = &origin[origin.find("://").unwrap() + 3..];
            prop_assert!(!authority.is_empty() && !authority.contains(['@', '/']), "{origin}");
            prop_assert!(!base.ends_with('/'), "{base}");
            prop_assert!(
                !base[origin.len()..].split('/').any(|seg| seg == "." || seg == ".."),
                "{base}"
            );
            if origin.starts_with("http://") && !allow {
                // Plain http only to a loopback host, and the host fetch connects to must be
                // the one that was checked.
                let host = host_of(&origin);
                prop_assert!(is_loopback(&host), "{s:?} let plain http through to {host}");
                prop_assert!(
                    same_authority_as_fetch(authority),
                    "{s:?} passes as loopback ({host:?}), but fetch reads another host from it"
                );
            }
            // Validation is idempotent.
            let again = validate_base_url(&base, allow);
            prop_assert!(again.is_ok(), "{base} no longer validates");
            prop_assert_eq!(again.unwrap().0, base);
        }
    }

    #[test]
    fn header_values_are_printable_ascii(s in tricky_string(), agent in any::<bool>()) {
        let kind = if agent { HeaderKind::ClientAgent } else { HeaderKind::Secret };
        match validate_header_value("options.x", &s, kind) {
            Ok(()) => {
                prop_assert!(!s.is_empty() && s.len() <= 1024);
                prop_assert!(s.bytes().all(|b| (b' '..=b'~').contains(&b)), "{s:?}");
                if agent {
                    prop_assert!(s.split(':').count() >= 3);
                }
            }
            Err(Error::InvalidArgument { argument, rule }) => {
                prop_assert_eq!(argument, "options.x");
                if !agent {
                    // A rejected secret is never echoed back (not even a part of it).
                    for c in s.chars().filter(|c| !c.is_ascii()) {
                        prop_assert!(!rule.contains(c), "{rule} echoes {c:?}");
                    }
                }
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}

/// Found by `base_urls_are_https_or_loopback`: fetch's WHATWG URL parser ends the host at `\`
/// too, so `http://evil.example\.localhost/api` would have been checked as a loopback name and
/// sent, in clear text and with the key, to `evil.example`. `validate_base_url` now rejects
/// every character a URL does not need.
#[test]
fn a_backslash_never_lets_plain_http_reach_a_remote_host() {
    for url in [
        "http://evil.example\\.localhost/api",
        "http://evil.example\\x.localhost",
        "http://\\.localhost",
    ] {
        assert!(
            validate_base_url(url, false).is_err(),
            "{url} is accepted as a loopback URL, but fetch connects to the host before the backslash"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Request validation over structurally valid requests

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -10.0..110.0f64,
        1 => any::<f64>(),
        1 => prop::sample::select(vec![
            0.0, -0.0, 0.01, 1.0, 5.0, 7.5, 7.555, 100.0, 100.01, f64::NAN, f64::INFINITY,
            f64::NEG_INFINITY, f64::MAX, f64::MIN_POSITIVE, 1e-300,
        ]),
    ]
}

fn any_u32() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => 0u32..4000,
        1 => any::<u32>(),
        1 => prop::sample::select(vec![0, 1, 20, 21, 64, 500, 501, 3072, 3136, u32::MAX]),
    ]
}

fn short_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[ -~]{0,12}",
        1 => any::<String>(),
        1 => Just(String::new()),
        1 => "[0-9]{1,6}",
        1 => "[a-z]{250,260}",
        1 => prop::sample::select(vec![
            "qr_code", "remix", "img2img", "inpainting", "txt2img", "GFPGAN", "RealESRGAN_x4plus",
            "4x_AnimeSharp", "k_euler", "canny", "https://example.org/hook", "http://x.org/hook",
            "5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1",
        ]).prop_map(str::to_owned),
    ]
}

fn opt<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<T>> {
    prop::option::weighted(0.4, s)
}

fn lora() -> impl Strategy<Value = Lora> {
    (
        short_string(),
        opt(any_f64()),
        opt(any_f64()),
        opt(short_string()),
        opt(any::<bool>()),
    )
        .prop_map(|(name, model, clip, inject_trigger, is_version)| Lora {
            name,
            model,
            clip,
            inject_trigger,
            is_version,
        })
}

fn ti() -> impl Strategy<Value = TextualInversion> {
    (short_string(), opt(short_string()), opt(any_f64())).prop_map(|(name, inject, strength)| {
        TextualInversion {
            name,
            inject_ti: inject.map(InjectTi::from),
            strength,
        }
    })
}

fn special() -> impl Strategy<Value = BTreeMap<String, AnyJson>> {
    let leaf = prop_oneof![
        Just(AnyJson::Null),
        any::<bool>().prop_map(AnyJson::Bool),
        any_f64().prop_map(AnyJson::Number),
        short_string().prop_map(AnyJson::String),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(AnyJson::Array),
            prop::collection::btree_map(short_string(), inner, 0..4).prop_map(AnyJson::Object),
        ]
    });
    prop::collection::btree_map(short_string(), value, 0..4)
}

fn params() -> BoxedStrategy<ImageGenerationParams> {
    let a = (
        opt(short_string()),
        opt(any_f64()),
        opt(any_f64()),
        opt(any_f64()),
        opt(any_u32()),
        opt(any_u32()),
        opt(any_u32()),
        opt(any_u32()),
        opt(short_string()),
        opt(any_u32()),
        opt(any::<bool>()),
        opt(any::<bool>()),
    )
        .boxed();
    let b = (
        opt(any::<bool>()),
        opt(any_u32()),
        opt(any_f64()),
        opt(prop::collection::vec(short_string(), 0..5)),
        opt(short_string()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(prop::collection::vec(lora(), 0..7)),
        opt(prop::collection::vec(ti(), 0..22)),
        opt(special()),
        opt(short_string()),
        opt(any::<bool>()),
    )
        .boxed();
    let c = opt(prop::collection::vec(
        (short_string(), short_string())
            .prop_map(|(text, reference)| ExtraText { text, reference }),
        0..3,
    ));
    (a, b, c)
        .prop_map(
            |(
                (sampler, cfg, den, hden, h, w, steps, n, seed, sv, karras, tiling),
                (hires, clip, ff, pp, ct, iic, rcm, loras, tis, special, wf, transparent),
                extra_texts,
            )| ImageGenerationParams {
                sampler_name: sampler.map(Sampler::from),
                cfg_scale: cfg,
                denoising_strength: den,
                hires_fix_denoising_strength: hden,
                height: h,
                width: w,
                steps,
                n,
                seed,
                seed_variation: sv,
                karras,
                tiling,
                hires_fix: hires,
                clip_skip: clip,
                facefixer_strength: ff,
                post_processing: pp.map(|v| v.into_iter().map(PostProcessor::from).collect()),
                control_type: ct.map(ControlType::from),
                image_is_control: iic,
                return_control_map: rcm,
                loras,
                tis,
                special,
                workflow: wf.map(Workflow::from),
                transparent,
                extra_texts,
            },
        )
        .boxed()
}

fn request() -> BoxedStrategy<ImageGenerateAsyncRequest> {
    let prompt = prop_oneof![
        3 => "[ -~]{0,40}",
        1 => any::<String>(),
        1 => Just("   \t\n".to_owned()),
        1 => (1usize..9000).prop_map(|n| "w ".repeat(n)),
    ];
    let a = (
        prompt,
        opt(params()),
        opt(prop::collection::vec(short_string(), 0..4)),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(prop::collection::vec(short_string(), 0..7)),
        opt(any::<bool>()),
        opt(short_string()),
    )
        .boxed();
    let b = (
        opt(short_string()),
        opt(short_string()),
        opt(prop::collection::vec(
            (short_string(), opt(any_f64()))
                .prop_map(|(image, strength)| ExtraSourceImage { image, strength }),
            0..7,
        )),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(short_string()),
        opt(any::<bool>()),
        opt(any::<bool>()),
        opt(short_string()),
        opt(short_string()),
    )
        .boxed();
    (a, b)
        .prop_map(
            |(
                (
                    prompt,
                    params,
                    models,
                    nsfw,
                    censor,
                    trusted,
                    validated,
                    slow,
                    xslow,
                    workers,
                    bl,
                    src,
                ),
                (sp, mask, extra, r2, shared, rf, dry, proxied, nobatch, downgrade, webhook, style),
            )| ImageGenerateAsyncRequest {
                prompt,
                params,
                models,
                nsfw,
                censor_nsfw: censor,
                trusted_workers: trusted,
                validated_backends: validated,
                slow_workers: slow,
                extra_slow_workers: xslow,
                workers,
                worker_blacklist: bl,
                source_image: src,
                source_processing: sp.map(SourceProcessing::from),
                source_mask: mask,
                extra_source_images: extra,
                r2,
                shared,
                replacement_filter: rf,
                dry_run: dry,
                proxied_account: proxied,
                disable_batching: nobatch,
                allow_downgrade: downgrade,
                webhook,
                style,
            },
        )
        .boxed()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn validate_request_never_panics_and_what_passes_is_in_range(r in request()) {
        let verdict = validate_request(&r);
        if let Err(e) = &verdict {
            prop_assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
        }
        let with_defaults = r.clone().with_sdk_defaults();
        let v2 = validate_request(&with_defaults);
        if let Ok(()) = v2 {
            prop_assert!(!r.prompt.trim().is_empty());
            let p = with_defaults.params.as_ref().unwrap();
            for side in [p.width, p.height].into_iter().flatten() {
                prop_assert!((64..=3072).contains(&side) && side % 64 == 0);
            }
            prop_assert!(p.n.is_none_or(|n| (1..=20).contains(&n)));
            prop_assert!(p.steps.is_none_or(|n| (1..=500).contains(&n)));
            prop_assert!(p.cfg_scale.is_none_or(|c| c.is_finite() && (0.0..=100.0).contains(&c)));
            prop_assert!(p.loras.as_ref().is_none_or(|l| l.len() <= 5));
            prop_assert!(with_defaults.workers.as_ref().is_none_or(|w| w.len() <= 5
                && w.iter().all(|x| JobId::parse(x).is_ok())));
            prop_assert!(with_defaults.webhook.as_ref().is_none_or(|w| w.starts_with("https://")));
            // What validates also serialises to JSON (what submit sends).
            prop_assert!(serde_json::to_string(&with_defaults).is_ok());
        }
        // Serialising any request never panics either (NaN becomes null in serde_json).
        let _ = serde_json::to_string(&r);
    }
}

// ---------------------------------------------------------------------------------------------
// The pacing limiter

#[derive(Clone, Debug)]
enum Op {
    /// Advance the clock, then reserve on key `k` of route `r`; `aborted` gives the slot back
    /// (the caller aborted while waiting for it); otherwise the request goes out `lag` ms after
    /// its slot (a busy event loop wakes the caller late), which the transport reports with
    /// `confirm` at that moment.
    Reserve {
        dt: f64,
        k: usize,
        r: usize,
        aborted: bool,
        lag: f64,
    },
    /// A 429 on key `k`: no send before now + `ms`.
    Block { dt: f64, k: usize, ms: f64 },
    /// An optional call: sent only if `has_room` says so (it must then go out at once).
    Optional {
        dt: f64,
        k: usize,
        r: usize,
        spare: u32,
    },
    /// The lifecycle's housekeeping.
    Sweep { dt: f64 },
}

const ROUTES: &[Route] = &[
    Route::Submit,
    Route::Check,
    Route::Status,
    Route::Cancel,
    Route::Default,
];

fn clock_step() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => Just(0.0),
        4 => 0.0..50.0f64,
        2 => 0.0..2_000.0f64,
        1 => 0.0..70_000.0f64,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (
            clock_step(),
            0..3usize,
            0..ROUTES.len(),
            prop::bool::weighted(0.1),
            prop_oneof![3 => Just(0.0), 1 => 0.0..150.0f64],
        )
            .prop_map(|(dt, k, r, aborted, lag)| Op::Reserve { dt, k, r, aborted, lag }),
        1 => (clock_step(), 0..3usize, 0.0..70_000.0f64).prop_map(|(dt, k, ms)| Op::Block { dt, k, ms }),
        2 => (clock_step(), 0..3usize, 0..ROUTES.len(), 0u32..3)
            .prop_map(|(dt, k, r, spare)| Op::Optional { dt, k, r, spare }),
        1 => clock_step().prop_map(|dt| Op::Sweep { dt }),
    ]
}

/// The most sends in any window `[a, a + w)`, over every alignment `a`.
fn max_in_any_window(times: &[f64], w: f64) -> usize {
    let mut t = times.to_vec();
    t.sort_by(f64::total_cmp);
    let mut best = 0;
    let mut j = 0;
    for i in 0..t.len() {
        while t[i] - t[j] >= w {
            j += 1;
        }
        best = best.max(i + 1 - j);
    }
    best
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn limiter_never_puts_more_than_limit_sends_in_any_fixed_window(
        ops in prop::collection::vec(op(), 1..400),
    ) {
        let mut l = Limiter::new();
        let mut now = 1_000_000.0;
        // Sends per limiter key, at the time they really went out; each key keeps one route
        // (as a real key does), and whether any of its sends went out late.
        let mut sends: HashMap<String, (Route, Vec<f64>, bool)> = HashMap::new();
        // Late sends not yet confirmed: (key, reserved, actual).
        let mut pending: Vec<(String, f64, f64)> = Vec::new();
        let key = |k: usize, r: usize| format!("{:?} {k}", ROUTES[r]);
        // Confirms, in time order, every late send due by `until` (a discrete-event clock).
        let fire = |l: &mut Limiter, pending: &mut Vec<(String, f64, f64)>, until: f64| {
            pending.sort_by(|a, b| a.2.total_cmp(&b.2));
            while pending.first().is_some_and(|p| p.2 <= until) {
                let (k, reserved, actual) = pending.remove(0);
                l.confirm(&k, reserved, actual);
            }
        };
        for op in ops {
            match op {
                Op::Reserve { dt, k, r, aborted, lag } => {
                    now += dt;
                    fire(&mut l, &mut pending, now);
                    let route = ROUTES[r];
                    let key = key(k, r);
                    let at = l.reserve(&key, route.rules(), now);
                    prop_assert!(at >= now && at.is_finite(), "{at} < {now}");
                    if aborted {
                        l.release(&key, at);
                    } else {
                        let e = sends.entry(key.clone()).or_insert((route, Vec::new(), false));
                        e.1.push(at + lag);
                        if lag > 0.0 {
                            e.2 = true;
                            pending.push((key, at, at + lag));
                        }
                    }
                }
                Op::Block { dt, k, ms } => {
                    now += dt;
                    fire(&mut l, &mut pending, now);
                    for r in 0..ROUTES.len() {
                        l.block_until(&key(k, r), now + ms);
                    }
                }
                Op::Optional { dt, k, r, spare } => {
                    now += dt;
                    fire(&mut l, &mut pending, now);
                    let route = ROUTES[r];
                    let key = key(k, r);
                    if l.has_room(&key, route.rules(), now, spare) {
                        let at = l.reserve(&key, route.rules(), now);
                        prop_assert_eq!(at, now, "has_room said yes, but the send had to wait");
                        sends.entry(key).or_insert((route, Vec::new(), false)).1.push(at);
                    }
                }
                Op::Sweep { dt } => {
                    now += dt;
                    fire(&mut l, &mut pending, now);
                    l.sweep(now);
                }
            }
        }
        for (key, (route, times, late)) in &sends {
            for rule in route.rules() {
                // What the server counts: fixed windows of the rule's length, any alignment.
                let n = max_in_any_window(times, rule.window_ms);
                prop_assert!(
                    n <= rule.limit as usize,
                    "{key}: {n} sends in one {} ms window (limit {}): {times:?}",
                    rule.window_ms,
                    rule.limit
                );
                // Sent on time, they even keep the margin (`window + margin`).
                if !late {
                    let padded = max_in_any_window(times, padded_window(rule.window_ms) - 1e-6);
                    prop_assert!(padded <= rule.limit as usize, "{key}: {padded} in a padded window");
                }
            }
        }
    }

    #[test]
    fn retry_decisions_and_delays_are_sane(
        status in prop_oneof![Just(429u16), Just(500), Just(503), Just(408), 100u16..600],
        rc in opt(prop::sample::select(vec!["TooManyPrompts", "MaintenanceMode", "x"])),
        retry_after in opt(prop_oneof![0.0..200_000.0f64, Just(0.0), Just(f64::MAX)]),
        attempt in any::<u32>(),
        route in 0..ROUTES.len(),
        random in 0.0..1.0f64,
        idempotent in any::<bool>(),
    ) {
        let e = Error::Api(Box::new(ApiError {
            status,
            rc: rc.map(str::to_owned),
            message: String::new(),
            errors: None,
            method: "GET",
            path: "/".into(),
            retry_after_ms: retry_after,
        }));
        let retried = should_retry(&e, idempotent);
        if !idempotent {
            prop_assert!(!retried || (status == 429 && rc.is_none()), "a POST retried on {status}");
        }
        let d = retry_delay_ms(&e, attempt, ROUTES[route].windows_ms(), random);
        prop_assert!(d.is_finite() && d >= 0.0, "{d}");
        prop_assert!(d <= MAX_RETRY_AFTER_MS + 5_000.0 + 250.0, "{d}");
        for failures in [0, 1, attempt] {
            let f = horde_wasm::cadence::failure_delay_ms(failures);
            prop_assert!(f.is_finite() && (0.0..=30_000.0).contains(&f));
        }
    }
}
