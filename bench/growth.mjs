#!/usr/bin/env node
// What the API's growth costs in the bundle: `node bench/growth.mjs` (about 4 minutes), also a
// part of `node bench/run.mjs`.
//
// It builds four scratch copies of the crate with the project's own build (scripts/build.mjs)
// and measures each web build as `node bench/size.mjs` does:
//   base      the crate as it is;
//   endpoint  plus one endpoint: a row in core/src/endpoints.rs and a typed HordeClient method that
//             sends it and answers an existing model;
//   model     plus, as that endpoint's answer, one more wire model of 10 fields (numbers,
//             strings, a flag, optional ones and a list), defined once with serde and tsify
//             and checked against its derived Shape (an answer that passes through);
//   serde     the crate with getImageStatus converting its answer with serde-wasm-bindgen
//             (from_value, to_value) instead of the derived converters: why the module does
//             not use it for conversions.
// The cost of one more endpoint is endpoint − base; of one more 10-field model, model −
// endpoint.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { root, flags, table, bytes, environment } from './lib.mjs';
import { must } from '../scripts/lib/sh.mjs';
import { webBuildSize } from './size.mjs';

/** What one more model and one more endpoint should cost at most, gzip. */
export const AIMS = { model: 150, endpoint: 250 };

/** Copies what the build needs into `dir`, so that it builds there as in the checkout. */
export function copyCrate(dir) {
  for (const p of ['Cargo.toml', 'Cargo.lock', 'package.json', 'package-lock.json', 'src', 'core', 'macros', 'js', 'scripts']) {
    cpSync(join(root, p), join(dir, p), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
}

const ENDPOINT_ROW = (answer) => `
/// \`GET /v2/bench/extra\`: one more endpoint, for the growth benchmark.
pub const BENCH_EXTRA: Endpoint<${answer}> = Endpoint {
    method: HttpMethod::Get,
    path: "/v2/bench/extra",
    request_model: None,
    response_model: "${answer}",
    host: Host::Horde,
    with_key: false,
    route: Route::Default,
    repeatable: true,
    response: PhantomData,
};
`;

const METHOD = (answer) => `
#[wasm_bindgen]
impl HordeClient {
    /// \`GET /v2/bench/extra\`.
    #[wasm_bindgen(js_name = benchExtra, unchecked_return_type = "Promise<${answer}>")]
    pub fn bench_extra(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let call = decode_options("options", &options).and_then(|opts: RequestOptions| {
            self.service
                .prepare(&crate::endpoints::BENCH_EXTRA, &PathArgs::default(), None, &opts)
        });
        launch(&self.service, call, pass::<${answer}>)
    }
}
`;

const MODEL = `
/// One more wire model of 10 fields, for the growth benchmark.
#[derive(tsify::Tsify, serde::Serialize, serde::Deserialize, horde_wasm_macros::FromJs, horde_wasm_macros::ToJs, horde_wasm_macros::Shape, Clone, Debug, PartialEq)]
pub struct BenchExtra {
    /// A count.
    pub count: u32,
    /// A name.
    pub name: String,
    /// A speed.
    pub speed: f64,
    /// A flag.
    pub trusted: bool,
    /// An optional text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub info: Option<String>,
    /// A list of names.
    pub models: Vec<String>,
    /// An optional count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub threads: Option<u32>,
    /// Another text.
    pub owner: String,
    /// Another number.
    pub uptime: f64,
    /// An optional flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub maintenance: Option<bool>,
}
`;

// getImageStatus converting its answer with serde-wasm-bindgen instead of FromJs/ToJs.
const SERDE_CONVERT = `
fn convert_serde<T: serde::de::DeserializeOwned + serde::Serialize>(
    json: JsValue,
) -> Result<JsValue, crate::decode::DecodeError> {
    let failed = |e: serde_wasm_bindgen::Error| crate::decode::DecodeError {
        field_path: ".".into(),
        message: e.to_string(),
    };
    let value: T = serde_wasm_bindgen::from_value(json).map_err(failed)?;
    serde_wasm_bindgen::to_value(&value).map_err(failed)
}
`;

/** Writes a variant into `dir`: 'base', 'endpoint', 'model' or 'serde'. */
export function writeVariant(dir, variant) {
  copyCrate(dir);
  if (variant === 'base') return;
  if (variant === 'serde') {
    const client = join(dir, 'src/client.rs');
    const src = readFileSync(client, 'utf8');
    const call = /(get_image_status\([\s\S]*?)convert::<ImageGenerateStatusResponse>/;
    if (!call.test(src)) throw new Error('src/client.rs: getImageStatus no longer converts with convert::<ImageGenerateStatusResponse> (bench/growth.mjs needs updating)');
    writeFileSync(client, src.replace(call, '$1convert_serde::<ImageGenerateStatusResponse>') + SERDE_CONVERT);
    // serde-wasm-bindgen, a dependency of horde-core only, becomes one of the root crate's.
    const manifest = join(dir, 'Cargo.toml');
    const wasmDeps = "[target.'cfg(target_arch = \"wasm32\")'.dependencies]\n";
    const toml = readFileSync(manifest, 'utf8');
    if (!toml.includes(wasmDeps)) throw new Error('Cargo.toml: no wasm32 dependencies section (bench/growth.mjs needs updating)');
    writeFileSync(manifest, toml.replace(wasmDeps, `${wasmDeps}serde-wasm-bindgen = "0.6.5"\n`));
    return;
  }
  const answer = variant === 'model' ? 'crate::models::BenchExtra' : 'HeartbeatResponse';
  const tsName = variant === 'model' ? 'BenchExtra' : 'HeartbeatResponse';
  if (variant === 'model') {
    appendFileSync(join(dir, 'core/src/models/service_info.rs'), MODEL);
    const mod = join(dir, 'core/src/models/mod.rs');
    writeFileSync(mod, `${readFileSync(mod, 'utf8')}pub use service_info::BenchExtra;\n`);
  }
  appendFileSync(join(dir, 'core/src/endpoints.rs'), ENDPOINT_ROW(answer).replace(`response_model: "${answer}"`, `response_model: "${tsName}"`));
  appendFileSync(join(dir, 'src/client.rs'), METHOD(answer).replace(`Promise<${answer}>`, `Promise<${tsName}>`));
}

async function buildVariant(variant) {
  const dir = mkdtempSync(join(os.tmpdir(), `horde-wasm-growth-${variant}-`));
  try {
    writeVariant(dir, variant);
    await must('node', ['scripts/build.mjs'], {
      cwd: dir,
      // One target folder for the three variants: their dependencies build once.
      env: { ...process.env, CARGO_TARGET_DIR: TARGET_DIR },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return webBuildSize(join(dir, 'pkg/web')).total.gzip;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TARGET_DIR = join(os.tmpdir(), 'horde-wasm-growth-target');

async function main() {
  const f = flags();
  const sizes = {};
  try {
    for (const variant of ['base', 'endpoint', 'model', 'serde']) {
      console.error(`building the ${variant} variant…`);
      sizes[variant] = await buildVariant(variant);
    }
  } finally {
    rmSync(TARGET_DIR, { recursive: true, force: true });
  }
  const endpoint = sizes.endpoint - sizes.base;
  const model = sizes.model - sizes.endpoint;
  const serde = sizes.serde - sizes.base;
  console.log('# what one more endpoint and one more model cost (web build, wasm + glue, gzip -9)\n');
  console.log(table(['build', 'bytes', 'cost', 'aim'], [
    ['base (this checkout)', bytes(sizes.base), '', ''],
    ['+ one endpoint (a row and a typed method)', bytes(sizes.endpoint), bytes(endpoint), `≤ ${bytes(AIMS.endpoint)}`],
    ['+ one 10-field model (its answer)', bytes(sizes.model), bytes(model), `≤ ${bytes(AIMS.model)}`],
  ]));
  console.log('\n# converting one model with serde-wasm-bindgen instead of the derived converters\n');
  console.log(table(['build', 'bytes', 'cost'], [
    ['base, getImageStatus converting ImageGenerateStatusResponse with serde_wasm_bindgen::from_value/to_value', bytes(sizes.serde), bytes(serde)],
  ]));
  if (f.out) writeFileSync(f.out, JSON.stringify({ figures: { endpoint, model, serde, base: sizes.base }, raw: { sizes, aims: AIMS, env: environment() } }, null, 2));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
