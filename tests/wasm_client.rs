//! The client compiled to WebAssembly, against the local simulator: in Node, in headless
//! Chromium and in a dedicated worker (the same tests; `scripts/test.mjs` picks the runner).
//! The simulator's URL comes from `HORDE_SIM_URL` at compile time.
#![cfg(target_arch = "wasm32")]
// Tests may panic: that is how they fail.
#![allow(
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use horde_wasm::client::HordeClient;
use horde_wasm::requests::{DeleteImageGenerateRequest, ImageGenerateStatusRequest};
use js_sys::{Object, Promise, Reflect};
use tsify::Ts;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

const SIM: &str = match option_env!("HORDE_SIM_URL") {
    Some(u) => u,
    None => "http://127.0.0.1:7199",
};
const TEST_KEY: &str = "simtestkey000000000001";

#[wasm_bindgen(inline_js = r#"
export async function sim(base, method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`simulator control ${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : {};
}
export function obj(json) { return JSON.parse(json); }
export function get(o, k) { return o == null ? undefined : o[k]; }
export function isError(e) { return e instanceof Error; }
export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
export function controller() { return new AbortController(); }
export function abortLater(c, ms) { setTimeout(() => c.abort(), ms); }
export function inBrowser() { return typeof process === 'undefined' || !process.versions || !process.versions.node; }
/** A fetch that answers every call with `status` and `body`, and counts the calls it saw. */
export function fakeFetch(status, body, headers) {
  const f = async (url, init) => {
    f.calls.push({ url: String(url), headers: { ...(init && init.headers) } });
    return new Response(body, { status, headers: headers || { 'Content-Type': 'application/json' } });
  };
  f.calls = [];
  return f;
}
export function calls(f) { return f.calls; }
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn sim(base: &str, method: &str, path: &str, body: JsValue) -> Result<JsValue, JsValue>;
    fn obj(json: &str) -> JsValue;
    fn get(o: &JsValue, k: &str) -> JsValue;
    #[wasm_bindgen(js_name = isError)]
    fn is_error(e: &JsValue) -> bool;
    async fn sleep(ms: f64);
    fn controller() -> JsValue;
    #[wasm_bindgen(js_name = abortLater)]
    fn abort_later(c: &JsValue, ms: f64);
    #[wasm_bindgen(js_name = inBrowser)]
    fn in_browser() -> bool;
    #[wasm_bindgen(js_name = fakeFetch)]
    fn fake_fetch(status: u16, body: &str, headers: JsValue) -> JsValue;
    fn calls(f: &JsValue) -> js_sys::Array;
}

fn s(v: &JsValue) -> String {
    v.as_string().unwrap_or_default()
}

fn num(v: &JsValue) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn client_with(extra: &str) -> HordeClient {
    let json = format!(
        r#"{{"baseUrl":"{SIM}/api","clientAgent":"horde-wasm-tests:0:tests","apiKey":"{TEST_KEY}"{extra}}}"#
    );
    HordeClient::new(obj(&json)).expect("valid options")
}

fn client() -> HordeClient {
    client_with("")
}

async fn ok(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!("unexpected rejection: {}", s(&get(&e, "message"))),
    }
}

async fn err(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(_) => panic!("expected a rejection"),
        Err(e) => {
            assert!(is_error(&e), "rejections are Error objects");
            e
        }
    }
}

async fn control(method: &str, path: &str, body: Option<&str>) -> JsValue {
    let body = body.map(obj).unwrap_or(JsValue::UNDEFINED);
    sim(SIM, method, path, body)
        .await
        .expect("simulator control call")
}

/// Makes the next request whose path contains `path` fail with `kind`.
async fn fault(kind: &str, path: &str) {
    fault_with(kind, path, "").await;
}

/// [`fault`] with extra JSON members (`,"delayMs":3000`).
async fn fault_with(kind: &str, path: &str, extra: &str) {
    let spec = format!(r#"{{"fault":"{kind}","path":"{path}","times":1{extra}}}"#);
    control("POST", "/__sim/faults", Some(&spec)).await;
}

async fn requests_seen() -> f64 {
    num(&get(
        &control("GET", "/__sim/stats", None).await,
        "requests",
    ))
}

/// Submits a job through the client and returns its id.
async fn submit(c: &HordeClient, body: &str) -> String {
    let r = ok(c.submit_image(Ts::new_unchecked(obj(body)), JsValue::UNDEFINED)).await;
    s(&get(&r, "id"))
}

/// Polls check until done.
async fn wait_done(c: &HordeClient, id: &str) {
    for _ in 0..200 {
        let chk = ok(c.check_image(id.into(), JsValue::UNDEFINED)).await;
        if get(&chk, "done").as_bool() == Some(true) {
            return;
        }
        sleep(200.0).await;
    }
    panic!("job {id} never finished");
}

#[wasm_bindgen_test]
async fn status_of_a_finished_job_is_typed_and_complete() {
    let c = client();
    let id = submit(
        &c,
        r#"{"prompt":"a lighthouse","params":{"n":2,"width":320,"height":256}}"#,
    )
    .await;
    wait_done(&c, &id).await;
    let st = ok(c.get_image_status(id.clone().into(), JsValue::UNDEFINED)).await;
    assert_eq!(get(&st, "done").as_bool(), Some(true));
    assert_eq!(num(&get(&st, "finished")), 2.0);
    assert_eq!(get(&st, "shared").as_bool(), Some(false));
    let gens: js_sys::Array = get(&st, "generations").dyn_into().expect("an array");
    assert_eq!(gens.length(), 2);
    for g in gens.iter() {
        assert_eq!(s(&get(&g, "id")).len(), 36);
        assert!(
            s(&get(&g, "img")).starts_with("http://127.0.0.1"),
            "img is a URL by default"
        );
        assert!(s(&get(&g, "seed")).chars().all(|ch| ch.is_ascii_digit()));
        assert_eq!(s(&get(&g, "state")), "ok");
        assert_eq!(get(&g, "censored").as_bool(), Some(false));
        assert!(js_sys::Array::is_array(&get(&g, "gen_metadata")));
    }
    // The request classes reach the same endpoint.
    let req = ImageGenerateStatusRequest::parse(&id).unwrap();
    let via_send = ok(c.send(req.into(), JsValue::UNDEFINED)).await;
    assert_eq!(num(&get(&via_send, "finished")), 2.0);
}

#[wasm_bindgen_test]
async fn delete_cancels_and_answers_with_the_state_before() {
    let c = client();
    let id = submit(
        &c,
        r#"{"prompt":"a slow one","params":{"n":4,"steps":150,"width":1024,"height":1024}}"#,
    )
    .await;
    control(
        "POST",
        &format!("/__sim/jobs/{id}/inject"),
        Some(r#"{"event":"stall"}"#),
    )
    .await;
    let req = DeleteImageGenerateRequest::parse(&id).unwrap();
    let before = ok(c.send(req.into(), JsValue::UNDEFINED)).await;
    assert_eq!(
        get(&before, "done").as_bool(),
        Some(false),
        "the state just before the cancel"
    );
    let (waiting, processing, finished) = (
        num(&get(&before, "waiting")),
        num(&get(&before, "processing")),
        num(&get(&before, "finished")),
    );
    assert_eq!(waiting + processing + finished, 4.0);
    assert!(
        waiting >= 1.0,
        "a worker may have taken one image before the stall, not all"
    );
    let row = control("GET", &format!("/__sim/jobs/{id}"), None).await;
    assert_eq!(get(&row, "cancelled").as_bool(), Some(true));
    assert_eq!(num(&get(&row, "waiting")), 0.0, "nothing new starts");
    // Images already on a worker finish; then nothing is left running.
    let mut drained = false;
    for _ in 0..100 {
        let row = control("GET", &format!("/__sim/jobs/{id}"), None).await;
        if get(&row, "active").as_bool() == Some(false) {
            drained = true;
            break;
        }
        sleep(200.0).await;
    }
    assert!(drained, "in-flight images drain after a cancel");
    // It stays readable, and is done now.
    let after = ok(c.get_image_status(id.into(), JsValue::UNDEFINED)).await;
    assert_eq!(get(&after, "done").as_bool(), Some(true));
}

#[wasm_bindgen_test]
async fn a_malformed_id_is_rejected_before_any_request() {
    let c = client();
    let before = requests_seen().await;
    for bad in [
        "",
        "123",
        "../../v2/find_user",
        "5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1?x=1",
        "5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8\r\n",
    ] {
        let e = err(c.get_image_status(bad.into(), JsValue::UNDEFINED)).await;
        assert_eq!(s(&get(&e, "name")), "HordeInvalidArgumentError");
        assert_eq!(s(&get(&e, "argument")), "id");
        let e = err(c.delete_image_status(bad.into(), JsValue::UNDEFINED)).await;
        assert_eq!(s(&get(&e, "name")), "HordeInvalidArgumentError");
    }
    let e = err(c.get_image_status(JsValue::from_f64(5.0), JsValue::UNDEFINED)).await;
    assert_eq!(s(&get(&e, "name")), "HordeInvalidArgumentError");
    assert_eq!(requests_seen().await, before, "nothing was sent");
}

#[wasm_bindgen_test]
async fn unknown_ids_are_404_request_not_found() {
    let c = client();
    let e = err(c.get_image_status(
        "00000000-0000-4000-8000-000000000000".into(),
        JsValue::UNDEFINED,
    ))
    .await;
    assert_eq!(s(&get(&e, "name")), "HordeNotFoundError");
    assert_eq!(num(&get(&e, "status")), 404.0);
    assert_eq!(s(&get(&e, "rc")), "RequestNotFound");
    assert_eq!(s(&get(&e, "method")), "GET");
    assert!(s(&get(&e, "message")).contains("not found"));
}

#[wasm_bindgen_test]
async fn server_errors_are_retried_then_typed() {
    let c = client();
    let id = submit(&c, r#"{"prompt":"retry me"}"#).await;
    // One 500, then the real answer: retried transparently.
    fault("500", &format!("/v2/generate/check/{id}")).await;
    ok(c.check_image(id.clone().into(), JsValue::UNDEFINED)).await;
    // 503 with retries off: a typed server error.
    fault("503", &format!("/v2/generate/check/{id}")).await;
    let e = err(c.check_image(id.clone().into(), obj(r#"{"maxRetries":0}"#))).await;
    assert_eq!(s(&get(&e, "name")), "HordeServerError");
    assert_eq!(num(&get(&e, "status")), 503.0);
    // A gateway's HTML page: in Node an API error with the status; in a browser the missing
    // CORS headers make it a connection error. Never a crash.
    fault("502-html", &format!("/v2/generate/check/{id}")).await;
    let e = err(c.check_image(id.clone().into(), obj(r#"{"maxRetries":0}"#))).await;
    if in_browser() {
        assert_eq!(s(&get(&e, "name")), "HordeConnectionError");
    } else {
        assert_eq!(s(&get(&e, "name")), "HordeServerError");
        assert_eq!(num(&get(&e, "status")), 502.0);
        assert!(s(&get(&e, "message")).contains("not a Horde error body"));
    }
    // And the same client keeps working.
    ok(c.check_image(id.into(), JsValue::UNDEFINED)).await;
}

#[wasm_bindgen_test]
async fn broken_bodies_are_typed_and_retried() {
    let c = client();
    let id = submit(&c, r#"{"prompt":"cut me"}"#).await;
    let path = format!("/v2/generate/check/{id}");
    fault("truncate", &path).await;
    let e = err(c.check_image(id.clone().into(), obj(r#"{"maxRetries":0}"#))).await;
    assert_eq!(s(&get(&e, "name")), "HordeDecodeError");
    assert_eq!(s(&get(&e, "fieldPath")), "(body)");
    fault("truncate", &path).await;
    ok(c.check_image(id.clone().into(), JsValue::UNDEFINED)).await; // retried
    fault("reset", &path).await;
    let e = err(c.check_image(id.clone().into(), obj(r#"{"maxRetries":0}"#))).await;
    assert_eq!(s(&get(&e, "name")), "HordeConnectionError");
    fault("reset", &path).await;
    ok(c.check_image(id.into(), JsValue::UNDEFINED)).await; // retried
}

#[wasm_bindgen_test]
async fn timeouts_and_aborts() {
    let c = client();
    let id = submit(&c, r#"{"prompt":"slowly"}"#).await;
    let path = format!("/v2/generate/check/{id}");
    fault_with("slow", &path, r#","delayMs":3000"#).await;
    let e = err(c.check_image(
        id.clone().into(),
        obj(r#"{"maxRetries":0,"timeoutMs":300}"#),
    ))
    .await;
    assert_eq!(s(&get(&e, "name")), "HordeTimeoutError");
    assert_eq!(num(&get(&e, "timeoutMs")), 300.0);

    fault_with("slow", &path, r#","delayMs":3000"#).await;
    let ctl = controller();
    let opts = Object::new();
    Reflect::set(&opts, &"signal".into(), &get(&ctl, "signal")).unwrap();
    abort_later(&ctl, 200.0);
    let e = err(c.check_image(id.clone().into(), opts.clone().into())).await;
    assert_eq!(s(&get(&e, "name")), "HordeAbortError");
    // An already-aborted signal rejects at once.
    let e = err(c.get_image_status(id.into(), opts.into())).await;
    assert_eq!(s(&get(&e, "name")), "HordeAbortError");
}

#[wasm_bindgen_test]
async fn rate_limit_429_is_retried_after_the_window() {
    let c = client();
    let id = submit(&c, r#"{"prompt":"limit me"}"#).await;
    fault("429", &format!("/v2/generate/check/{id}")).await;
    ok(c.check_image(id.clone().into(), JsValue::UNDEFINED)).await;
    let stats = c.stats();
    assert!(num(&get(&stats, "rateLimited")) >= 1.0);
    // TooManyPrompts (a 429 with rc) is not a rate limit and is not retried.
    fault("429-rc", "/v2/generate/async").await;
    let e = err(c.submit_image(
        Ts::new_unchecked(obj(r#"{"prompt":"x"}"#)),
        JsValue::UNDEFINED,
    ))
    .await;
    assert_eq!(s(&get(&e, "name")), "HordeRateLimitError");
    assert_eq!(s(&get(&e, "rc")), "TooManyPrompts");
}

#[wasm_bindgen_test]
async fn decode_errors_name_the_field_and_the_fetch_is_injectable() {
    let body = r#"{"finished":1,"processing":0,"restarted":0,"waiting":0,"done":true,"faulted":false,"wait_time":0,"queue_position":0,"kudos":3.0,"is_possible":true,"shared":false,
        "generations":[{"id":"a1b2c3d4-0000-4000-8000-000000000001","img":"http://x/y.webp","seed":12345,"censored":false,"model":"m","state":"ok","worker_id":"w","worker_name":"n","gen_metadata":[]}]}"#;
    let f = fake_fetch(200, body, JsValue::UNDEFINED);
    let opts = obj(&format!(r#"{{"baseUrl":"{SIM}/api"}}"#));
    Reflect::set(&opts, &"fetch".into(), &f).unwrap();
    let c = HordeClient::new(opts).unwrap();
    let e = err(c.get_image_status(
        "a1b2c3d4-0000-4000-8000-000000000000".into(),
        JsValue::UNDEFINED,
    ))
    .await;
    assert_eq!(s(&get(&e, "name")), "HordeDecodeError");
    assert_eq!(s(&get(&e, "fieldPath")), "generations[0].seed");
    // The injected fetch saw the call, with the Client-Agent and no API key (status needs none).
    let seen = calls(&f);
    assert_eq!(seen.length(), 1);
    let headers = get(&seen.get(0), "headers");
    assert!(s(&get(&headers, "Client-Agent")).starts_with("horde-wasm:"));
    assert!(get(&headers, "apikey").is_undefined());
}

#[wasm_bindgen_test]
async fn unknown_fields_and_values_are_accepted_and_empty_ids_replaced() {
    let body = r#"{"finished":1,"processing":0,"restarted":0,"waiting":0,"done":true,"faulted":false,"wait_time":0,"queue_position":0,"kudos":3.0,"is_possible":true,"future_field":{"x":1},
        "generations":[{"id":"","img":"UklGRg==","seed":"7","censored":true,"model":"m","state":"brand_new_state","worker_id":"w","worker_name":"n","gen_metadata":[{"type":"censorship","value":"nsfw"},{"type":"new_type","value":"new_value","ref":"r"}]}]}"#;
    let opts = obj(&format!(r#"{{"baseUrl":"{SIM}/api"}}"#));
    Reflect::set(
        &opts,
        &"fetch".into(),
        &fake_fetch(200, body, JsValue::UNDEFINED),
    )
    .unwrap();
    let c = HordeClient::new(opts).unwrap();
    let st = ok(c.get_image_status(
        "a1b2c3d4-0000-4000-8000-000000000000".into(),
        JsValue::UNDEFINED,
    ))
    .await;
    assert_eq!(
        get(&st, "shared").as_bool(),
        Some(false),
        "missing shared defaults to false"
    );
    assert!(
        get(&st, "future_field").is_undefined(),
        "unknown fields are dropped from the typed result"
    );
    let g = js_sys::Array::from(&get(&st, "generations")).get(0);
    let id = s(&get(&g, "id"));
    assert_eq!(id.len(), 36, "the empty id was replaced by a UUID: {id}");
    assert_eq!(&id[14..15], "4");
    assert_eq!(s(&get(&g, "state")), "brand_new_state");
    let md = js_sys::Array::from(&get(&g, "gen_metadata"));
    assert_eq!(s(&get(&md.get(1), "type")), "new_type");
    assert_eq!(s(&get(&md.get(1), "ref")), "r");
}

#[wasm_bindgen_test]
async fn options_are_validated() {
    for (json, argument) in [
        (r#"{"baseURL":"http://127.0.0.1:1/api"}"#, "options.baseURL"),
        (r#"{"baseUrl":"http://example.com/api"}"#, "options.baseUrl"),
        (
            r#"{"clientAgent":"a:b:c\r\nX-Evil: 1"}"#,
            "options.clientAgent",
        ),
        (r#"{"timeoutMs":-1}"#, "options.timeoutMs"),
        (r#"{"timeoutMs":"5"}"#, "options.timeoutMs"),
        (r#"{"fetch":5}"#, "options.fetch"),
    ] {
        let e = HordeClient::new(obj(json)).err().expect(json);
        assert_eq!(s(&get(&e, "name")), "HordeInvalidArgumentError", "{json}");
        assert_eq!(s(&get(&e, "argument")), argument, "{json}");
    }
    let e = HordeClient::new(obj(r#"{"baseURL":"x"}"#)).err().unwrap();
    assert!(s(&get(&e, "rule")).contains("did you mean baseUrl"));
}
