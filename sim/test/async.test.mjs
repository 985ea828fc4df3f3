// POST /v2/generate/async: accepted requests, effective defaults, dry runs and
// every error shape (schema 400, business 400 with rc, 401, 403, 404, 429).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  start, api, submit, ctl, job, request, ANON, TESTER, LOWCONC, POOR, TRUSTED, UUID_RE,
} from './helpers.mjs';

let sim;
before(async () => { sim = await start({ speed: 50, rateLimits: false }); });
after(async () => { await sim.close(); });

const SCHEMA_MSG = 'Input payload validation failed';

test('202 answer: id (UUIDv4) and integral kudos, Python float spelling on the wire', async () => {
  const r = await submit(sim, { prompt: 'a cat' });
  assert.equal(r.status, 202);
  assert.match(r.json.id, UUID_RE);
  assert.equal(typeof r.json.kudos, 'number');
  assert.ok(Number.isInteger(r.json.kudos));
  assert.match(r.text, /^\{"id": "[0-9a-f-]{36}", "kudos": \d+\.0\}\n$/);
  assert.deepEqual(Object.keys(r.json), ['id', 'kudos']);
});

test('omitted fields take the server defaults: stable_diffusion, nsfw/censor true, cfg 5.0, karras, 512x512x30', async () => {
  const r = await submit(sim, { prompt: 'defaults please' });
  const j = await job(sim, r.json.id);
  assert.deepEqual(j.models, ['stable_diffusion']);
  assert.equal(j.r2, true);
  assert.equal(j.width, 512);
  assert.equal(j.height, 512);
  assert.equal(j.steps, 30);
  await ctl(sim, 'POST', `/jobs/${r.json.id}/inject`, { event: 'finish' });
  const st = await api(sim, 'GET', `/v2/generate/status/${r.json.id}`);
  assert.equal(st.json.generations[0].model, 'stable_diffusion');
  const st2 = sim.simulator.state.requests.get(r.json.id);
  assert.equal(st2.params.cfg_scale, 5.0);
  assert.equal(st2.params.karras, true);
  assert.equal(st2.params.sampler_name, 'k_euler_a');
  assert.equal(st2.nsfw, true);
  assert.equal(st2.censorNsfw, true);
  assert.equal(st2.validatedBackends, false);
});

test('models: [] means any served model; explicit model list is honoured', async () => {
  const any = await submit(sim, { prompt: 'anything', models: [] });
  assert.equal(any.status, 202);
  assert.equal(any.json.message, undefined);
  await ctl(sim, 'POST', `/jobs/${any.json.id}/inject`, { event: 'finish' });
  const st = await api(sim, 'GET', `/v2/generate/status/${any.json.id}`);
  const served = (await api(sim, 'GET', '/v2/status/models')).json.filter((m) => m.count > 0).map((m) => m.name);
  assert.ok(served.includes(st.json.generations[0].model));
  const xl = await submit(sim, { prompt: 'xl', models: ['AlbedoBase XL (SDXL)'] });
  await ctl(sim, 'POST', `/jobs/${xl.json.id}/inject`, { event: 'finish' });
  const st2 = await api(sim, 'GET', `/v2/generate/status/${xl.json.id}`);
  assert.equal(st2.json.generations[0].model, 'AlbedoBase XL (SDXL)');
});

test('unserved or unknown model: 202 with message and NoAvailableWorker warning', async () => {
  for (const models of [['SDXL 1.0'], ['no-such-model-anywhere']]) {
    const r = await submit(sim, { prompt: 'lonely', models });
    assert.equal(r.status, 202);
    assert.match(r.json.message, /No available workers can fulfill this request/);
    assert.deepEqual(r.json.warnings.map((w) => w.code), ['NoAvailableWorker']);
    const c = await api(sim, 'GET', `/v2/generate/check/${r.json.id}`);
    assert.equal(c.json.is_possible, false);
    assert.equal(c.json.waiting, 1);
  }
});

test('model requirement mismatches come back as warnings', async () => {
  const r = await submit(sim, { prompt: 'fast', models: ['Flux.1-Schnell fp8 (Compact)'], params: { steps: 8, cfg_scale: 2 } }, { apikey: TESTER });
  assert.equal(r.status, 202);
  assert.deepEqual(r.json.warnings.map((w) => w.code), ['CfgScaleMismatch', 'SamplerMismatch', 'SchedulerMismatch']);
  for (const w of r.json.warnings) assert.ok(w.message.length > 0);
});

test('dry_run: 200 {kudos} = per-image cost incl. burn x n x family multiplier + 1; creates nothing', async () => {
  const before = (await ctl(sim, 'GET', '/jobs')).json.jobs.length;
  const one = await submit(sim, { prompt: 'dry', dry_run: true, params: { n: 1 } });
  assert.equal(one.status, 200);
  assert.deepEqual(Object.keys(one.json), ['kudos']);
  assert.match(one.text, /^\{"kudos": \d+\.0\}\n$/);
  const four = await submit(sim, { prompt: 'dry', dry_run: true, params: { n: 4 } });
  assert.ok(four.json.kudos > one.json.kudos * 3);
  const xl = await submit(sim, { prompt: 'dry', dry_run: true, models: ['AlbedoBase XL (SDXL)'], params: { n: 1 } });
  assert.ok(xl.json.kudos > one.json.kudos * 1.5, 'SDXL multiplier x2');
  const any = await submit(sim, { prompt: 'dry', dry_run: true, models: [], params: { n: 1 } });
  assert.equal(any.json.kudos, xl.json.kudos, 'no model -> SDXL assumed');
  assert.equal((await ctl(sim, 'GET', '/jobs')).json.jobs.length, before);
  // cached per parameter hash: answered before the key is checked
  const cached = await submit(sim, { prompt: 'dry', dry_run: true, params: { n: 4 } }, { apikey: 'not-a-key' });
  assert.equal(cached.status, 200);
  const uncached = await submit(sim, { prompt: 'dry', dry_run: true, params: { n: 5 } }, { apikey: 'not-a-key' });
  assert.equal(uncached.status, 401);
});

test('schema errors: 400 {errors, message} without rc, flask-restx/jsonschema texts, last error per field wins', async () => {
  const r = await submit(sim, {
    prompt: 'x',
    params: { width: 32, height: 512.5, n: '2', loras: [{}], post_processing: ['GFPGAN', 'GFPGAN'] },
    source_processing: 'txt2img',
    models: null,
  });
  assert.equal(r.status, 400);
  assert.equal(r.json.rc, undefined);
  // keys follow the schema's property order (height before width), as in the real server
  assert.equal(r.text, '{"errors": {"params.height": "512.5 is not a multiple of 64", "params.width": "32 is not a multiple of 64", '
    + '"params.post_processing": "[\'GFPGAN\', \'GFPGAN\'] has non-unique elements", "params.loras.0.name": "\'name\' is a required property", '
    + '"params.n": "\'2\' is not of type \'integer\'", "models": "None is not of type \'array\'", '
    + '"source_processing": "\'txt2img\' is not one of [\'img2img\', \'inpainting\', \'outpainting\', \'remix\']"}, '
    + '"message": "Input payload validation failed"}\n');
  const cases = [
    [{}, { prompt: "'prompt' is a required property" }],
    [{ prompt: '' }, { prompt: "'' should be non-empty" }],
    [{ prompt: 'x', nsfw: 'yes' }, { nsfw: "'yes' is not of type 'boolean'" }],
    [{ prompt: 'x', params: { steps: 501 } }, { 'params.steps': '501 is greater than the maximum of 500' }],
    [{ prompt: 'x', params: { n: 0 } }, { 'params.n': '0 is less than the minimum of 1' }],
    [{ prompt: 'x', params: { loras: [{ name: 'a', model: 9 }] } }, { 'params.loras.0.model': '9 is greater than the maximum of 5.0' }],
    [{ prompt: 'x', webhook: 'http://a' }, { webhook: "'http://a' is too short" }],
    [{ prompt: 'x', params: null }, { params: "None is not of type 'object'" }],
    [[], { '': "[] is not of type 'object'" }],
  ];
  for (const [body, errors] of cases) {
    const e = await submit(sim, body);
    assert.equal(e.status, 400, JSON.stringify(body));
    assert.deepEqual(e.json, { errors, message: SCHEMA_MSG });
  }
  // integral floats are integers for the latest jsonschema draft flask-restx uses
  assert.equal((await submit(sim, { prompt: 'x', params: { width: 512.0, n: 1.0 }, dry_run: true })).status, 200);
});

test('body problems: invalid JSON or non-JSON content type -> plain 400', async () => {
  const msg = { message: 'The browser (or proxy) sent a request that this server could not understand.' };
  const bad = await api(sim, 'POST', '/v2/generate/async', { apikey: ANON, body: '{"prompt": ', headers: { 'Content-Type': 'application/json' } });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, msg);
  const form = await api(sim, 'POST', '/v2/generate/async', { apikey: ANON, body: 'prompt=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(form.status, 400);
  assert.deepEqual(form.json, msg);
});

test('missing apikey header: 400 schema-style error naming apikey; unknown key: 401 InvalidAPIKey', async () => {
  const r = await submit(sim, { prompt: 'x' }, { apikey: undefined });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json, {
    errors: { apikey: 'The API Key corresponding to a registered user. Missing required parameter in the HTTP headers' },
    message: SCHEMA_MSG,
  });
  // the body is validated first
  const both = await submit(sim, { prompt: '' }, { apikey: undefined });
  assert.deepEqual(Object.keys(both.json.errors), ['prompt']);
  const u = await submit(sim, { prompt: 'x' }, { apikey: 'nobody-has-this-key-00' });
  assert.equal(u.status, 401);
  assert.equal(u.json.rc, 'InvalidAPIKey');
});

test('business errors: 400 with rc', async () => {
  const cases = [
    [{ prompt: '   ' }, 'MissingPrompt'],
    [{ prompt: 'x', params: { cfg_scale: 7.555 } }, 'BadCFGDecimals'],
    [{ prompt: 'x', params: { post_processing: ['RealESRGAN_x4plus', 'RealESRGAN_x2plus'] } }, 'TooManyUpscalers'],
    [{ prompt: 'x', source_mask: 'aGVsbG8=' }, 'SourceMaskUnnecessary'],
    [{ prompt: 'x', models: ['GFPGAN'] }, 'UnexpectedModelName'],
    [{ prompt: 'x', params: { loras: [1, 2, 3, 4, 5, 6].map((i) => ({ name: String(i) })) } }, 'TooManyLoras'],
    [{ prompt: 'x', params: { loras: [{ name: 'abc', is_version: true }] } }, 'BadLoraVersion'],
    [{ prompt: 'x', params: { control_type: 'canny' } }, 'ControlNetSourceMissing'],
    [{ prompt: 'x', models: ['Flux.1-Schnell fp8 (Compact)'], params: { hires_fix: true } }, 'HiResMismatch'],
    [{ prompt: 'x', source_image: 'bm90IGFuIGltYWdl', source_processing: 'remix' }, 'InvalidRemix'],
    [{ prompt: 'x', webhook: 'http://example.org/hook' }, 'BadRequest'],
    [{ prompt: 'x', params: { special: { a: {} } } }, 'SpecialFieldNeedsSpecialUser'],
    [{ prompt: 'x', source_image: 'bm90IGFuIGltYWdl' }, 'ImageValidationFailed'],
    [{ prompt: 'x', params: { n: 2 }, disable_batching: true }, 'RequiresTrust'],
    [{ prompt: 'x\u0000y' }, 'NulByteInPayload'],
    [{ prompt: 'word '.repeat(7501) }, 'InvalidPromptSize'],
  ];
  for (const [body, rc] of cases) {
    const r = await submit(sim, body);
    assert.equal(r.status, 400, `${rc}: ${r.text}`);
    assert.equal(r.json.rc, rc);
    assert.equal(typeof r.json.message, 'string');
    assert.deepEqual(Object.keys(r.json), ['message', 'rc']);
  }
});

test('404 errors: WorkerNotFound and StyleNotFound', async () => {
  const w = await submit(sim, { prompt: 'x', workers: ['00000000-0000-4000-8000-000000000000'] });
  assert.equal(w.status, 404);
  assert.equal(w.json.rc, 'WorkerNotFound');
  const s = await submit(sim, { prompt: 'x', style: 'no-such-style' });
  assert.equal(s.status, 404);
  assert.equal(s.json.rc, 'StyleNotFound');
});

test('worker whitelist: only the listed worker serves the request', async () => {
  const worker = sim.simulator.state.workers[2];
  const r = await submit(sim, { prompt: 'picky', workers: [worker.id], params: { n: 2 } });
  assert.equal(r.status, 202);
  await ctl(sim, 'POST', `/jobs/${r.json.id}/inject`, { event: 'finish' });
  const st = await api(sim, 'GET', `/v2/generate/status/${r.json.id}`);
  assert.deepEqual([...new Set(st.json.generations.map((g) => g.worker_id))], [worker.id]);
  assert.equal(st.json.generations[0].worker_name, worker.name);
});

test('BannedClientAgent: the placeholder Client-Agent gets 403', async () => {
  const r = await submit(sim, { prompt: 'x' }, { headers: { 'Client-Agent': 'My-Project:v0.0.1:My-Contact' } });
  assert.equal(r.status, 403);
  assert.equal(r.json.rc, 'BannedClientAgent');
  const ok = await submit(sim, { prompt: 'x' }, { headers: { 'Client-Agent': 'Other:1:me' } });
  assert.equal(ok.status, 202);
});

test('KudosUpfront: big requests need kudos above the account floor; allow_downgrade shrinks instead', async () => {
  await ctl(sim, 'POST', '/reset');
  // the anonymous floor is -50: what needs more than 50 kudos upfront is refused
  const anonHuge = await submit(sim, { prompt: 'huge', params: { width: 1536, height: 1536 } }, { apikey: ANON });
  assert.equal(anonHuge.status, 403);
  assert.equal(anonHuge.json.rc, 'KudosUpfront');
  // a registered key keeps 25 kudos back: Poor (0) can never pay upfront
  const r = await submit(sim, { prompt: 'huge', params: { width: 1536, height: 1536 } }, { apikey: POOR });
  assert.equal(r.status, 403);
  assert.equal(r.json.rc, 'KudosUpfront');
  assert.match(r.json.message, /over 1024x1024/);
  const steps = await submit(sim, { prompt: 'long', params: { steps: 60 } }, { apikey: POOR });
  assert.equal(steps.json.rc, 'KudosUpfront');
  const second = await submit(sim, { prompt: 'k_heun doubles', params: { steps: 25, sampler_name: 'k_heun' } }, { apikey: POOR });
  assert.equal(second.json.rc, 'KudosUpfront');
  const slow = await submit(sim, { prompt: 'fast lane', slow_workers: false }, { apikey: POOR });
  assert.equal(slow.json.rc, 'KudosUpfront');
  const rich = await submit(sim, { prompt: 'huge', params: { width: 1536, height: 1536 } }, { apikey: TESTER });
  assert.equal(rich.status, 202);
  const down = await submit(sim, { prompt: 'huge', params: { width: 1536, height: 1536, steps: 60 }, allow_downgrade: true }, { apikey: POOR });
  assert.equal(down.status, 202);
  const j = await job(sim, down.json.id);
  assert.ok(j.width * j.height <= 1024 * 1024);
  assert.ok(j.steps <= 30);
  // 512x512 with defaults never needs upfront kudos
  assert.equal((await submit(sim, { prompt: 'small' }, { apikey: POOR })).status, 202);
});

test('TooManyPrompts: queued (not started) images + n above the concurrency -> 429 with rc', async () => {
  await ctl(sim, 'POST', '/reset');
  const a = await submit(sim, { prompt: 'one', models: ['SDXL 1.0'] }, { apikey: LOWCONC });
  assert.equal(a.status, 202);
  const b = await submit(sim, { prompt: 'two', models: ['SDXL 1.0'] }, { apikey: LOWCONC });
  assert.equal(b.status, 202);
  const c = await submit(sim, { prompt: 'three', models: ['SDXL 1.0'] }, { apikey: LOWCONC });
  assert.equal(c.status, 429);
  assert.equal(c.json.rc, 'TooManyPrompts');
  assert.equal(c.json.message, 'Parallel requests (3) exceeded user limit (2). Please try again later or request to increase your concurrency.');
  // once queued images start, the budget frees up again
  await ctl(sim, 'POST', `/jobs/${a.json.id}/inject`, { event: 'finish' });
  assert.equal((await submit(sim, { prompt: 'three', models: ['SDXL 1.0'] }, { apikey: LOWCONC })).status, 202);
  assert.equal((await ctl(sim, 'GET', '/stats')).json.tooManyPrompts, 1);
  // the anonymous budget (its concurrency: 500 on the real server; 30 here, set by --keys) is
  // shared by everyone using the anon key, per set of models
  const anonSim = await start({ rateLimits: false, keys: [{ apikey: '0000000000', username: 'Anonymous', id: 0, concurrency: 30 }] });
  try {
    const big = { prompt: 'anon', models: ['SDXL 1.0'], params: { n: 20 } };
    assert.equal((await submit(anonSim, big)).status, 202);
    const over = await submit(anonSim, { ...big, params: { n: 11 } }, { headers: { 'X-Forwarded-For': '10.9.9.9' } });
    assert.equal(over.status, 429);
    assert.equal(over.json.rc, 'TooManyPrompts');
    assert.match(over.json.message, /^Too many anonymous requests on using the AI Horde currently \(31\/30\)/);
    // a different model set is a different anonymous budget
    assert.equal((await submit(anonSim, { prompt: 'anon', models: ['Deliberate'], params: { n: 11 } })).status, 202);
  } finally {
    await anonSim.close();
  }
});

test('trusted users may disable batching; their IP then gets the whitelisted async limits', async () => {
  const r = await submit(sim, { prompt: 'exact seeds', params: { n: 2 }, disable_batching: true }, { apikey: TRUSTED });
  assert.equal(r.status, 202);
});

test('HEAD/GET on the submit path: 405 with Allow', async () => {
  const r = await api(sim, 'GET', '/v2/generate/async');
  assert.equal(r.status, 405);
  assert.equal(r.headers.allow, 'OPTIONS, POST');
  assert.deepEqual(r.json, { message: 'The method is not allowed for the requested URL.' });
  const raw = await request(sim.baseUrl + '/v2/generate/async', { method: 'PUT' });
  assert.equal(raw.status, 405);
});
