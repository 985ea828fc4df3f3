//! In WebAssembly the models are read by the compact `FromJs` converters, not by serde (for the
//! module's size); their derives take the wire names from the same serde attributes. This checks
//! that both read every fixture identically, that every field reads and writes its own key, and
//! that each converter's keys are the TypeScript declaration's fields.
#![cfg(target_arch = "wasm32")]
// Tests may panic: that is how they fail.
#![allow(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod common;

use horde_wasm::jsval::{check, FromJs, Kind, Shape, ToJs};
use horde_wasm::models::*;
use serde::{de::DeserializeOwned, Serialize};
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

// One snippet for all the JavaScript helpers: each snippet is one more module the browser
// fetches from the test runner's server before the first test.
#[wasm_bindgen(inline_js = r#"
export function parse(s) { return JSON.parse(s); }
export function text(v) { return JSON.stringify(v); }
// A JavaScript value written as JavaScript (so it can hold `undefined`, which JSON cannot).
export function value(src) { return new Function('return ' + src)(); }
// The fixture and variants of it: every field, at the top and one level down (in objects and
// in an array's first item), replaced by a value of each JSON type, a lone surrogate, or left out.
export function variants(json) {
  const bad = [null, 'x', '\uD800', 1.5, -1, 4294967296, true, [], {}, [1], undefined];
  const out = [json];
  const walk = (root, node, depth) => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      if (node.length) walk(root, node[0], depth);
      return;
    }
    for (const k of Object.keys(node)) {
      const keep = node[k];
      for (const b of bad) {
        if (b === undefined) delete node[k]; else node[k] = b;
        out.push(JSON.stringify(root));
        node[k] = keep;
      }
      if (depth < 2) walk(root, keep, depth + 1);
    }
  };
  const root = JSON.parse(json);
  walk(root, root, 1);
  return out;
}
"#)]
extern "C" {
    fn parse(s: &str) -> JsValue;
    fn text(v: &JsValue) -> String;
    fn value(src: &str) -> JsValue;
    fn variants(json: &str) -> Vec<String>;
}

/// Decodes through the models' serde derives (serde-wasm-bindgen), with the failing path.
fn from_serde<T: DeserializeOwned>(
    v: JsValue,
) -> Result<T, serde_path_to_error::Error<serde_wasm_bindgen::Error>> {
    serde_path_to_error::deserialize(serde_wasm_bindgen::Deserializer::from(v))
}

/// Encodes through the models' serde derives (serde-wasm-bindgen), maps as plain objects.
fn to_serde<T: Serialize>(t: &T) -> JsValue {
    t.serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
        .unwrap()
}

/// Decodes `json` both ways and compares what each encodes back.
fn same<T: FromJs + ToJs + DeserializeOwned + Serialize>(json: &str) {
    let compact = T::from_js(parse(json)).unwrap_or_else(|e| panic!("FromJs: {e}"));
    let serde: T = from_serde(parse(json)).unwrap_or_else(|e| panic!("serde: {e}"));
    let a = text(&compact.to_js());
    let b = text(&to_serde(&serde));
    assert_eq!(a, b, "the two decoders disagree on {json}");
}

#[wasm_bindgen_test]
fn both_decoders_agree_on_every_fixture() {
    same::<ImageGenerateStatusResponse>(fixture!("sim/status-r2.json"));
    same::<ImageGenerateStatusResponse>(fixture!("sim/status-censored.json"));
    same::<ImageGenerateStatusResponse>(fixture!("sim/status-base64.json"));
    same::<ImageGenerateStatusResponse>(fixture!("sim/delete-before.json"));
    same::<ImageGenerateCheckResponse>(fixture!("sim/check-done.json"));
    same::<ImageGenerateCheckResponse>(fixture!("sim/check-impossible.json"));
    same::<ImageGenerateCheckResponse>(fixture!("swagger/check.json"));
    same::<ImageGenerateAsyncResponse>(fixture!("sim/async-202.json"));
    same::<ImageGenerateAsyncResponse>(fixture!("sim/async-202-no-worker.json"));
    same::<ImageGenerateAsyncResponse>(fixture!("swagger/async-202.json"));
    same::<ImageGenerateDryRunResponse>(fixture!("sim/dry-run.json"));
    same::<HeartbeatResponse>(fixture!("sim/heartbeat.json"));
    same::<Vec<ActiveModel>>(fixture!("sim/models.json"));
    same::<ActiveModel>(fixture!("swagger/active-model.json"));
    same::<UserDetails>(fixture!("sim/find-user.json"));
    same::<UserDetails>(fixture!("swagger/user-details.json"));
    same::<ImageGenerateStatusResponse>(
        r#"{"finished":0,"processing":0,"restarted":0,"waiting":1,"done":false,"faulted":false,
        "wait_time":5,"queue_position":2,"kudos":1,"is_possible":true,"shared":null}"#,
    );
    same::<ImageGenerateAsyncRequest>(
        r#"{"prompt":"p###n","params":{"sampler_name":"k_dpmpp_2m","width":768,"loras":[{"name":"123","is_version":true,"model":0.5}],
        "tis":[{"name":"t","inject_ti":"negprompt","strength":0.5}],"workflow":"qr_code","post_processing":["GFPGAN"],
        "extra_texts":[{"text":"hi","reference":"qr_code"}]},"models":["a","b"],"nsfw":true,
        "source_image":"abc","source_processing":"remix","extra_source_images":[{"image":"abc","strength":0.5}],
        "webhook":"https://example.org/hook","style":"my style","allow_downgrade":true,"r2":false}"#,
    );
}

#[wasm_bindgen_test]
fn both_decoders_fail_on_the_same_field() {
    let body = r#"{"finished":1,"processing":0,"restarted":0,"waiting":0,"done":true,"faulted":false,"wait_time":0,
        "queue_position":0,"kudos":1,"is_possible":true,"generations":[{"id":"x","img":"u","seed":12,"censored":false,
        "model":"m","state":"ok","worker_id":"w","worker_name":"n"}]}"#;
    let a = <ImageGenerateStatusResponse as FromJs>::from_js(parse(body))
        .err()
        .unwrap();
    let b = from_serde::<ImageGenerateStatusResponse>(parse(body))
        .err()
        .unwrap();
    assert_eq!(a.path(), "generations[0].seed");
    assert_eq!(b.path().to_string(), "generations[0].seed");
}

/// Each field reads and writes its own key. The two decoders share the wire names, so a
/// definition that swapped two of them (`width` read from `height`) would pass the comparison
/// above; here every value is distinct and checked against the field that must hold it.
fn read<T: FromJs>(json: &str) -> T {
    T::from_js(parse(json)).unwrap_or_else(|e| panic!("FromJs: {e}"))
}

/// The flags share two values, so the distinct-values test below cannot tell two of them apart:
/// here each one is the only `true` in turn.
#[wasm_bindgen_test]
fn each_flag_reads_its_own_key() {
    const PARAMS: [&str; 6] = [
        "karras",
        "tiling",
        "hires_fix",
        "image_is_control",
        "return_control_map",
        "transparent",
    ];
    const TOP: [&str; 7] = [
        "nsfw",
        "censor_nsfw",
        "trusted_workers",
        "validated_backends",
        "slow_workers",
        "extra_slow_workers",
        "worker_blacklist",
    ];
    for on in PARAMS.iter().chain(TOP.iter()) {
        let flags = |keys: &[&str]| {
            keys.iter()
                .map(|k| format!("\"{k}\":{}", k == on))
                .collect::<Vec<_>>()
                .join(",")
        };
        let body = format!(
            r#"{{"prompt":"p","params":{{{}}},{}}}"#,
            flags(&PARAMS),
            flags(&TOP)
        );
        let r: ImageGenerateAsyncRequest = read(&body);
        let p = r.params.as_ref().unwrap();
        let got = [
            p.karras,
            p.tiling,
            p.hires_fix,
            p.image_is_control,
            p.return_control_map,
            p.transparent,
            r.nsfw,
            r.censor_nsfw,
            r.trusted_workers,
            r.validated_backends,
            r.slow_workers,
            r.extra_slow_workers,
            r.worker_blacklist,
        ];
        let want: Vec<Option<bool>> = PARAMS
            .iter()
            .chain(TOP.iter())
            .map(|k| Some(k == on))
            .collect();
        assert_eq!(got.to_vec(), want, "only {on} is true");
    }
}

#[wasm_bindgen_test]
fn every_field_reads_and_writes_its_own_key() {
    let body = r#"{"prompt":"p###n","params":{"sampler_name":"k_lms","cfg_scale":6.5,"denoising_strength":0.25,
        "hires_fix_denoising_strength":0.5,"height":576,"width":1024,"steps":20,"n":3,"seed":"s","seed_variation":7,
        "karras":true,"tiling":false,"hires_fix":true,"clip_skip":2,"facefixer_strength":0.75,"control_type":"canny",
        "image_is_control":false,"return_control_map":true,"transparent":false,"workflow":"qr_code",
        "loras":[{"name":"l","model":0.125,"clip":0.375,"inject_trigger":"t"}],
        "tis":[{"name":"ti","inject_ti":"prompt","strength":0.625}]},
        "models":["m"],"nsfw":true,"censor_nsfw":false,"trusted_workers":true,"validated_backends":false,
        "slow_workers":true,"extra_slow_workers":false,"workers":["w"],"worker_blacklist":true,
        "source_image":"src","source_processing":"inpainting","source_mask":"mask","proxied_account":"pa",
        "webhook":"https://example.org/hook","style":"st"}"#;
    let r: ImageGenerateAsyncRequest = read(body);
    let p = r.params.as_ref().unwrap();
    assert_eq!((p.width, p.height), (Some(1024), Some(576)));
    assert_eq!(
        (p.steps, p.n, p.clip_skip, p.seed_variation),
        (Some(20), Some(3), Some(2), Some(7))
    );
    assert_eq!(
        (
            p.cfg_scale,
            p.denoising_strength,
            p.hires_fix_denoising_strength,
            p.facefixer_strength
        ),
        (Some(6.5), Some(0.25), Some(0.5), Some(0.75))
    );
    assert_eq!(
        (
            p.karras,
            p.tiling,
            p.hires_fix,
            p.image_is_control,
            p.return_control_map,
            p.transparent
        ),
        (
            Some(true),
            Some(false),
            Some(true),
            Some(false),
            Some(true),
            Some(false)
        )
    );
    let l = &p.loras.as_ref().unwrap()[0];
    assert_eq!(
        (l.model, l.clip, l.inject_trigger.as_deref()),
        (Some(0.125), Some(0.375), Some("t"))
    );
    assert_eq!(p.tis.as_ref().unwrap()[0].strength, Some(0.625));
    assert_eq!(
        (
            r.nsfw,
            r.censor_nsfw,
            r.trusted_workers,
            r.validated_backends
        ),
        (Some(true), Some(false), Some(true), Some(false))
    );
    assert_eq!(
        (r.slow_workers, r.extra_slow_workers, r.worker_blacklist),
        (Some(true), Some(false), Some(true))
    );
    assert_eq!(
        (
            r.source_image.as_ref().map(String::from),
            r.source_mask.as_ref().map(String::from)
        ),
        (Some("src".to_owned()), Some("mask".to_owned()))
    );
    assert_eq!(
        (
            r.proxied_account.as_deref(),
            r.style.as_deref(),
            r.webhook.as_deref()
        ),
        (Some("pa"), Some("st"), Some("https://example.org/hook"))
    );
    // Written back under the same keys.
    let written = text(&r.to_js());
    for pair in [
        r#""height":576"#,
        r#""width":1024"#,
        r#""source_mask":"mask""#,
        r#""style":"st""#,
    ] {
        assert!(written.contains(pair), "{pair} in {written}");
    }

    let c: ImageGenerateCheckResponse = read(
        r#"{"finished":1,"processing":2,"restarted":3,"waiting":4,"done":true,"faulted":false,
        "wait_time":5,"queue_position":6,"kudos":7.5,"is_possible":true}"#,
    );
    assert_eq!(
        (
            c.finished,
            c.processing,
            c.restarted,
            c.waiting,
            c.wait_time,
            c.queue_position,
            c.kudos
        ),
        (1, 2, 3, 4, 5, 6, 7.5)
    );
    assert_eq!((c.done, c.faulted, c.is_possible), (true, false, true));

    let g: ImageGeneration = read(
        r#"{"id":"i","img":"u","seed":"s","censored":false,"model":"m","state":"ok","worker_id":"wi",
        "worker_name":"wn","gen_metadata":[{"type":"lora","value":"see_ref","ref":"r"}]}"#,
    );
    assert_eq!(
        (
            g.id.as_str(),
            g.seed.as_str(),
            g.model.as_str(),
            g.worker_id.as_str(),
            g.worker_name.as_str()
        ),
        ("i", "s", "m", "wi", "wn")
    );
    let m = &g.metadata()[0];
    assert_eq!(
        (&m.r#type, &m.value, m.r#ref.as_deref()),
        (&GenMetadataType::Lora, &GenMetadataValue::SeeRef, Some("r"))
    );

    // An options struct: camelCase keys.
    let o: horde_wasm::client::ClientOptions = read(
        r#"{"baseUrl":"b","apiKey":"k","clientAgent":"a","timeoutMs":1000,"maxRetries":3,"maxBodyBytes":2000,
        "pacing":true,"allowInsecureHttp":false}"#,
    );
    assert_eq!(
        (
            o.base_url.as_deref(),
            o.api_key.as_deref(),
            o.client_agent.as_deref()
        ),
        (Some("b"), Some("k"), Some("a"))
    );
    assert_eq!(
        (o.timeout_ms, o.max_retries, o.max_body_bytes),
        (Some(1000.0), Some(3), Some(2000.0))
    );
    assert_eq!((o.pacing, o.allow_insecure_http), (Some(true), Some(false)));
}

/// The field names of an interface declaration.
fn decl_fields(decl: &str) -> Vec<String> {
    decl.lines()
        .filter(|l| {
            l.starts_with("    ")
                && !l.trim_start().starts_with('*')
                && !l.trim_start().starts_with("/**")
        })
        .filter_map(|l| l.trim().split(['?', ':']).next().map(str::to_owned))
        .filter(|f| !f.is_empty())
        .collect()
}

/// The converters' keys against tsify's fields: the two read the same serde attributes
/// (`rename_all`, `rename`) through separate code.
fn keys_match<T: Tsify>(keys: &[&str]) {
    let mut a: Vec<String> = decl_fields(T::DECL);
    let mut b: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "{}", T::DECL);
}

#[wasm_bindgen_test]
fn converter_keys_are_the_declared_fields() {
    keys_match::<ImageGenerateStatusResponse>(ImageGenerateStatusResponse::KEYS);
    keys_match::<ImageGenerateCheckResponse>(ImageGenerateCheckResponse::KEYS);
    keys_match::<ImageGeneration>(ImageGeneration::KEYS);
    keys_match::<GenMetadataEntry>(GenMetadataEntry::KEYS);
    keys_match::<ImageGenerateAsyncRequest>(ImageGenerateAsyncRequest::KEYS);
    keys_match::<ImageGenerationParams>(ImageGenerationParams::KEYS);
    keys_match::<Lora>(Lora::KEYS);
    keys_match::<TextualInversion>(TextualInversion::KEYS);
    keys_match::<ExtraSourceImage>(ExtraSourceImage::KEYS);
    keys_match::<ExtraText>(ExtraText::KEYS);
    keys_match::<ImageGenerateAsyncResponse>(ImageGenerateAsyncResponse::KEYS);
    keys_match::<RequestSingleWarning>(RequestSingleWarning::KEYS);
    keys_match::<ImageGenerateDryRunResponse>(ImageGenerateDryRunResponse::KEYS);
    keys_match::<HeartbeatResponse>(HeartbeatResponse::KEYS);
    keys_match::<ActiveModel>(ActiveModel::KEYS);
    keys_match::<ModelsQuery>(ModelsQuery::KEYS);
    keys_match::<UserDetails>(UserDetails::KEYS);
    keys_match::<horde_wasm::client::ClientOptions>(horde_wasm::client::ClientOptions::KEYS);
    keys_match::<horde_wasm::client::RequestOptions>(horde_wasm::client::RequestOptions::KEYS);
}

/// `src` read through `T`'s shape and through its struct gives the same outcome.
fn same_value<T: FromJs + ToJs + Shape>(src: &str) {
    let by_shape = outcome(check(value(src), T::KIND));
    let by_struct = outcome(T::from_js(value(src)).map(|t| t.to_js()));
    assert_eq!(
        by_shape, by_struct,
        "the shape and the struct disagree on {src}"
    );
}

/// What one way of reading gives: the clean object's JSON, or the error's path and message.
fn outcome(r: Result<JsValue, horde_wasm::jsval::DeError>) -> Result<String, (String, String)> {
    r.map(|v| text(&v))
        .map_err(|e| (e.path(), e.message().to_owned()))
}

/// `json` and each of its variants read through `T`'s shape and through `T`'s `FromJs`/`ToJs`
/// give the same object or the same error; the number of variants each way is returned.
fn same_shape<T: FromJs + ToJs + Shape>(json: &str) -> usize {
    let all = variants(json);
    for v in &all {
        let by_shape = outcome(check(parse(v), T::KIND));
        let by_struct = outcome(T::from_js(parse(v)).map(|t| t.to_js()));
        assert_eq!(
            by_shape, by_struct,
            "the shape and the struct disagree on {v}"
        );
    }
    all.len()
}

#[wasm_bindgen_test]
fn shapes_read_as_the_structs_do() {
    let mut n = 0;
    n += same_shape::<ImageGenerateDryRunResponse>(fixture!("sim/dry-run.json"));
    n += same_shape::<HeartbeatResponse>(fixture!("sim/heartbeat.json"));
    n += same_shape::<Vec<ActiveModel>>(fixture!("sim/models.json"));
    n += same_shape::<ActiveModel>(fixture!("swagger/active-model.json"));
    n += same_shape::<UserDetails>(fixture!("sim/find-user.json"));
    n += same_shape::<UserDetails>(fixture!("swagger/user-details.json"));
    n += same_shape::<ImageGenerateCheckResponse>(fixture!("sim/check-done.json"));
    n += same_shape::<ImageGenerateCheckResponse>(fixture!("swagger/check.json"));
    n += same_shape::<ImageGenerateAsyncResponse>(fixture!("sim/async-202.json"));
    n += same_shape::<ImageGenerateAsyncResponse>(fixture!("sim/async-202-no-worker.json"));
    n += same_shape::<ImageGenerateAsyncResponse>(r#"{"id":"x","kudos":1,"warnings":null}"#);
    n += same_shape::<ImageGenerateAsyncResponse>(r#"{"id":"x","kudos":1}"#);
    n += same_shape::<ImageGenerateAsyncResponse>(
        r#"{"id":"x","kudos":1,"warnings":[{"code":"NoAvailableWorker","message":"m"}]}"#,
    );
    // Bad values of each kind, at the top and inside, were compared.
    assert!(n > 500, "{n} variants");
    // `undefined` where JSON cannot put it: a present key, an array item, the whole value.
    same_value::<ImageGenerateAsyncResponse>(r#"({ id: "x", kudos: 1, warnings: undefined })"#);
    same_value::<ImageGenerateAsyncResponse>(r#"({ id: "x", kudos: 1, warnings: [undefined] })"#);
    same_value::<ImageGenerateAsyncResponse>(r#"({ id: "x", kudos: 1, message: undefined })"#);
    same_value::<Vec<ActiveModel>>("[undefined]");
    same_value::<UserDetails>("undefined");
}

/// The names of a shape's fields, in order.
fn shape_names(kind: &Kind) -> Vec<&'static str> {
    match kind {
        Kind::Object(fields) => fields.iter().map(|f| f.name).collect(),
        other => panic!("not an object: {other:?}"),
    }
}

#[wasm_bindgen_test]
fn shape_fields_are_the_converters_keys() {
    assert_eq!(shape_names(UserDetails::KIND), UserDetails::KEYS);
    assert_eq!(shape_names(ActiveModel::KIND), ActiveModel::KEYS);
    assert_eq!(
        shape_names(HeartbeatResponse::KIND),
        HeartbeatResponse::KEYS
    );
    assert_eq!(
        shape_names(ImageGenerateDryRunResponse::KIND),
        ImageGenerateDryRunResponse::KEYS
    );
    assert_eq!(
        shape_names(ImageGenerateCheckResponse::KIND),
        ImageGenerateCheckResponse::KEYS
    );
    assert_eq!(
        shape_names(ImageGenerateAsyncResponse::KIND),
        ImageGenerateAsyncResponse::KEYS
    );
    assert!(matches!(
        <Vec<UserDetails> as Shape>::KIND,
        Kind::Array(Kind::Object(_))
    ));
}
