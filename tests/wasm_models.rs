//! In WebAssembly the models are read by the compact `FromJs` converters, not by serde (for the
//! module's size). This checks that both read every fixture identically, and that each
//! converter's keys are the TypeScript declaration's fields, so the two cannot drift apart.
#![cfg(target_arch = "wasm32")]

mod common;

use horde_wasm::jsval::{from_js, to_js_value, FromJs, ToJs};
use horde_wasm::models::*;
use serde::{de::DeserializeOwned, Serialize};
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen(
    inline_js = "export function parse(s) { return JSON.parse(s); } export function text(v) { return JSON.stringify(v); }"
)]
extern "C" {
    fn parse(s: &str) -> JsValue;
    fn text(v: &JsValue) -> String;
}

/// Decodes `json` both ways and compares what each encodes back.
fn same<T: FromJs + ToJs + DeserializeOwned + Serialize>(json: &str) {
    let compact = T::from_js(parse(json)).unwrap_or_else(|e| panic!("FromJs: {e}"));
    let serde: T = from_js(parse(json)).unwrap_or_else(|e| panic!("serde: {e}"));
    let a = text(&compact.to_js());
    let b = text(&to_js_value(&serde).unwrap());
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
    let b = from_js::<ImageGenerateStatusResponse>(parse(body))
        .err()
        .unwrap();
    assert_eq!(a.path(), "generations[0].seed");
    assert_eq!(b.path(), "generations[0].seed");
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
