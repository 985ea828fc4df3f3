//! The wire models, natively: realistic bodies (the published spec's examples, as horde_sdk's
//! fixtures are made, and answers captured from the simulator) decode into the models, keep
//! the seed's defaults and behaviour, and the generated TypeScript says what the README says.
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

use horde_wasm::decode::decode;
use horde_wasm::models::*;
use std::collections::HashSet;

fn parse<T: serde::de::DeserializeOwned>(json: &str) -> T {
    match decode::<T, _>(&mut serde_json::Deserializer::from_str(json)) {
        Ok(v) => v,
        Err(e) => panic!("decode failed {e}"),
    }
}

fn parse_err<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    json: &str,
) -> horde_wasm::decode::DecodeError {
    decode::<T, _>(&mut serde_json::Deserializer::from_str(json)).expect_err("must fail")
}

#[test]
fn swagger_example_status_applies_the_empty_id_rule() {
    let s: ImageGenerateStatusResponse = parse(fixture!("swagger/status.json"));
    assert_eq!(s.generations.len(), 1);
    let g = &s.generations[0];
    assert_eq!(g.id.len(), 36, "the empty id became a UUID");
    assert_eq!(&g.id[14..15], "4");
    assert_eq!(g.state, GenerationState::Ok);
    assert_eq!(g.metadata()[0].r#type, GenMetadataType::Lora);
    assert_eq!(g.metadata()[0].value, GenMetadataValue::DownloadFailed);
    assert_eq!(
        g.image_form(),
        ImageForm::Base64,
        "an empty img is not a URL"
    );
    assert!(!*s.shared);
    // Two parses of the same body give different ids: the rule makes up fresh ones.
    let again: ImageGenerateStatusResponse = parse(fixture!("swagger/status.json"));
    assert_ne!(again.generations[0].id, g.id);
}

#[test]
fn swagger_examples_of_the_other_models_decode() {
    let c: ImageGenerateCheckResponse = parse(fixture!("swagger/check.json"));
    assert!(c.is_job_possible());
    let a: ImageGenerateAsyncResponse = parse(fixture!("swagger/async-202.json"));
    assert_eq!(a.warnings.len(), 1);
    let m: ActiveModel = parse(fixture!("swagger/active-model.json"));
    assert_eq!(m.r#type, Some(ModelType::Image));
    let u: UserDetails = parse(fixture!("swagger/user-details.json"));
    assert_eq!(u.kudos, 0.0);
}

#[test]
fn simulator_status_with_urls() {
    let s: ImageGenerateStatusResponse = parse(fixture!("sim/status-r2.json"));
    assert!(s.is_done());
    assert!(s.is_job_complete(2));
    assert!(!s.is_job_complete(3));
    assert!(ImageGenerateStatusResponse::is_final_follow_up());
    let seeds: Vec<u64> = s
        .generations
        .iter()
        .map(|g| g.seed.parse().unwrap())
        .collect();
    assert_eq!(seeds[1], seeds[0] + 1, "seed_variation 1");
    for g in s.generations.iter() {
        assert_eq!(g.image_form(), ImageForm::Url);
        assert!(g.metadata().is_empty());
        assert_eq!(g.worker_id.len(), 36);
        assert!(g.censorship().is_none());
    }
}

#[test]
fn real_server_status_of_a_job_whose_worker_faulted_twice() {
    // Captured from the real server: done, not faulted, and no image.
    let s: ImageGenerateStatusResponse = parse(fixture!("realhorde/status-faulted-twice.json"));
    assert!(s.is_done());
    assert!(!s.faulted);
    assert_eq!(s.restarted, 2);
    assert_eq!(s.missing_images(1), 1);
    assert!(!s.is_job_complete(1));
    let two: ImageGenerateStatusResponse = parse(fixture!("sim/status-r2.json"));
    assert_eq!(two.missing_images(2), 0);
    assert_eq!(two.missing_images(3), 1);
    assert_eq!(two.missing_images(1), 0, "more than asked is not missing");
}

#[test]
fn simulator_status_censored_and_base64() {
    let s: ImageGenerateStatusResponse = parse(fixture!("sim/status-censored.json"));
    let g = &s.generations[0];
    assert!(g.censored);
    assert_eq!(g.censorship(), Some(&GenMetadataValue::Nsfw));
    assert!(g
        .metadata()
        .iter()
        .any(|m| m.r#type == GenMetadataType::Lora && m.r#ref.is_some()));
    let b: ImageGenerateStatusResponse = parse(fixture!("sim/status-base64.json"));
    assert_eq!(b.generations[0].image_form(), ImageForm::Base64);
    assert!(
        b.generations[0].img.starts_with("UklGR"),
        "base64 of a RIFF/WebP file"
    );
}

#[test]
fn simulator_lifecycle_answers() {
    let a: ImageGenerateAsyncResponse = parse(fixture!("sim/async-202.json"));
    assert_eq!(a.id.len(), 36);
    assert!(a.warnings.is_empty() && a.message.is_none());
    let nw: ImageGenerateAsyncResponse = parse(fixture!("sim/async-202-no-worker.json"));
    assert_eq!(nw.warnings[0].code, WarningCode::NoAvailableWorker);
    assert!(nw.message.is_some());
    let c: ImageGenerateCheckResponse = parse(fixture!("sim/check-impossible.json"));
    assert!(!c.is_possible && !c.done);
    let d: ImageGenerateStatusResponse = parse(fixture!("sim/delete-before.json"));
    assert_eq!(
        (d.waiting, d.done),
        (3, false),
        "DELETE answers with the state before"
    );
    let dry: ImageGenerateDryRunResponse = parse(fixture!("sim/dry-run.json"));
    assert!(dry.kudos > 0.0);
    let hb: HeartbeatResponse = parse(fixture!("sim/heartbeat.json"));
    assert_eq!(hb.message, "OK");
    let models: Vec<ActiveModel> = parse(fixture!("sim/models.json"));
    assert!(!models.is_empty());
    let me: UserDetails = parse(fixture!("sim/find-user.json"));
    assert_eq!(me.username, "Tester#1");
}

#[test]
fn error_bodies() {
    let e: ErrorBody = parse(fixture!("sim/error-404.json"));
    assert_eq!(e.rc.as_deref(), Some("RequestNotFound"));
    let e: ErrorBody = parse(fixture!("sim/error-400-schema.json"));
    assert_eq!(e.rc, None);
    assert_eq!(e.errors.unwrap()[0].0, "params.width");
    let e: ErrorBody = parse(fixture!("sim/error-400-rc.json"));
    assert_eq!(e.rc.as_deref(), Some("BadCFGDecimals"));
}

#[test]
fn open_enums_keep_unknown_values_and_unknown_fields_are_accepted() {
    let body = r#"{"finished":1,"processing":0,"restarted":0,"waiting":0,"done":true,"faulted":false,
        "wait_time":0,"queue_position":0,"kudos":3.0,"is_possible":true,"new_field":[1,{"deep":true}],
        "generations":[{"id":"a1b2c3d4-0000-4000-8000-000000000001","img":"N/A","seed":"1","censored":false,
        "model":"","state":"sparkling","worker_id":"w","worker_name":"n",
        "gen_metadata":[{"type":"aesthetic_score","value":"see_ref","ref":"7.5"},{"type":"future","value":"other"}]}]}"#;
    let s: ImageGenerateStatusResponse = parse(body);
    let g = &s.generations[0];
    assert_eq!(g.state, GenerationState::Other("sparkling".into()));
    assert_eq!(g.image_form(), ImageForm::Unavailable);
    assert_eq!(g.metadata()[1].r#type.as_str(), "future");
    assert!(!g.metadata()[1].r#type.is_known());
    // And they serialise back unchanged.
    let out = serde_json::to_value(&s).unwrap();
    assert_eq!(out["generations"][0]["state"], "sparkling");
    assert_eq!(out["generations"][0]["gen_metadata"][1]["value"], "other");
    assert!(out["generations"][0]["gen_metadata"][1]
        .get("ref")
        .is_none());
}

#[test]
fn missing_defaults_follow_the_seed() {
    let s: ImageGenerateStatusResponse = parse(
        r#"{"finished":0,"processing":0,"restarted":0,"waiting":1,"done":false,"faulted":false,
            "wait_time":5,"queue_position":2,"kudos":1,"is_possible":true,"shared":null}"#,
    );
    assert!(s.generations.is_empty());
    assert!(!*s.shared);
    let g: ImageGeneration = parse(
        r#"{"id":"x","img":"u","seed":"1","censored":false,"model":"m","state":"ok","worker_id":"w","worker_name":"n"}"#,
    );
    assert!(
        g.gen_metadata.is_none(),
        "absent stays absent, as in the seed"
    );
    assert!(g.metadata().is_empty());
}

#[test]
fn decode_errors_name_the_field() {
    let e = parse_err::<ImageGenerateStatusResponse>(
        r#"{"finished":1,"processing":0,"restarted":0,"waiting":0,"done":true,"faulted":false,"wait_time":0,
        "queue_position":0,"kudos":1,"is_possible":true,"generations":[{"id":"x","img":"u","seed":12,"censored":false,
        "model":"m","state":"ok","worker_id":"w","worker_name":"n"}]}"#,
    );
    assert_eq!(e.field_path, "generations[0].seed");
    let e = parse_err::<ImageGenerateCheckResponse>(r#"{"finished":-1}"#);
    assert_eq!(e.field_path, "finished");
    let e = parse_err::<ImageGenerateCheckResponse>(r#"{"finished":1}"#);
    assert!(e.message.contains("missing field"), "{}", e.message);
}

fn generation(id: &str, img: &str) -> ImageGeneration {
    parse(&format!(
        r#"{{"id":"{id}","img":"{img}","seed":"1","censored":false,"model":"m","state":"ok","worker_id":"w","worker_name":"n","gen_metadata":[]}}"#
    ))
}

#[test]
fn generations_are_equal_and_hash_by_id() {
    let a = generation("a", "u1");
    let a2 = generation("a", "u2");
    let b = generation("b", "u1");
    assert_eq!(a, a2);
    assert_ne!(a, b);
    let set: HashSet<ImageGeneration> = [a.clone(), a2, b.clone()].into_iter().collect();
    assert_eq!(set.len(), 2);
    let merged = merge_generations(
        vec![a, b.clone()],
        vec![generation("a", "fresh"), generation("c", "x")],
    );
    let ids: Vec<&str> = merged.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(merged[0].img, "fresh");
    // Debug never prints the image.
    assert!(!format!("{:?}", merged[0]).contains("fresh"));
}

#[test]
fn status_equality_is_by_generation_ids_and_the_seed_relation_is_kept() {
    let with = |ids: &[&str]| {
        let mut s: ImageGenerateStatusResponse = parse(fixture!("sim/delete-before.json"));
        s.generations = OrDefault(ids.iter().map(|i| generation(i, "u")).collect());
        s
    };
    let (ab, ba, a, none) = (
        with(&["a", "b"]),
        with(&["b", "a"]),
        with(&["a"]),
        with(&[]),
    );
    assert_eq!(ab, ba);
    assert_ne!(ab, a);
    assert!(
        none.generations_subset_of(&ab),
        "the seed's relation: empty is in anything"
    );
    assert!(a.generations_subset_of(&ab));
    assert!(!ab.generations_subset_of(&a));
    let hash = |s: &ImageGenerateStatusResponse| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        s.hash(&mut h);
        h.finish()
    };
    assert_eq!(hash(&ab), hash(&ba), "equal responses hash equally");
}

#[test]
fn the_async_request_sends_its_defaults_and_nothing_unset() {
    let r = ImageGenerateAsyncRequest::new("a cat").with_sdk_defaults();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "prompt": "a cat",
            "params": { "cfg_scale": 7.5, "height": 512, "width": 512, "n": 1, "karras": true },
            "models": [],
            "nsfw": false,
            "censor_nsfw": true,
            "validated_backends": true
        })
    );
    let full: ImageGenerateAsyncRequest = parse(
        r#"{"prompt":"p###n","params":{"sampler_name":"k_dpmpp_2m","loras":[{"name":"123","is_version":true}],
        "tis":[{"name":"t","inject_ti":"negprompt","strength":0.5}],"workflow":"qr_code",
        "extra_texts":[{"text":"hi","reference":"qr_code"}],"special":{"x":[1,"y"]}},
        "source_processing":"remix","extra_source_images":[{"image":"abc","strength":0.5}],
        "webhook":"https://example.org/hook","style":"my style","allow_downgrade":true,"dry_run":true}"#,
    );
    assert_eq!(full.image_count(), 1);
    let p = full.params.as_ref().unwrap();
    assert_eq!(p.sampler_name, Some(Sampler::KDpmpp2m));
    assert_eq!(
        p.tis.as_ref().unwrap()[0].inject_ti,
        Some(InjectTi::Negprompt)
    );
    assert!(p.special.is_some());
}

#[test]
fn generated_typescript_declarations() {
    use tsify::Tsify;
    let status = ImageGenerateStatusResponse::DECL;
    for line in [
        "export interface ImageGenerateStatusResponse {",
        "    generations: ImageGeneration[];",
        "    shared: boolean;",
        "    finished: number;",
        "    is_possible: boolean;",
    ] {
        assert!(status.contains(line), "missing {line:?} in\n{status}");
    }
    let generation = ImageGeneration::DECL;
    for line in [
        "    img: string;",
        "    gen_metadata?: GenMetadataEntry[];",
        "    state: GenerationState;",
        "    id: string;",
    ] {
        assert!(
            generation.contains(line),
            "missing {line:?} in\n{generation}"
        );
    }
    assert!(GenMetadataEntry::DECL.contains("    ref?: string;"));
    assert!(GenMetadataEntry::DECL.contains("    type: GenMetadataType;"));
    assert!(GenerationState::TS_DECL.starts_with("export type GenerationState = \"ok\" | "));
    assert!(GenerationState::TS_DECL.ends_with("| (string & {});"));
    let request = ImageGenerateAsyncRequest::DECL;
    assert!(request.contains("    prompt: string;"));
    assert!(request.contains("    params?: ImageGenerationParams;"));
    assert!(request.contains("    source_image?: string;"));
    // Doc comments become JSDoc.
    assert!(
        status.contains("RequestStatusStable"),
        "the v2 API model name is in the docs"
    );
    assert!(generation.contains("/**"));
}
