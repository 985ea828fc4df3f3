// Issue 7, bad and hostile input through the WebAssembly decoders (the FromJs converters, not
// serde): every field of every valid body given every wrong JSON type, deep nesting, very
// large bodies (maxBodyBytes), lone UTF-16 surrogates, and hostile values from the caller.
// Every outcome is a typed value or a HordeError naming the field, and the same client keeps
// working afterwards (no wasm trap).
//
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { readFileSync } from 'node:fs';
import { horde, recordingFetch, settle, describe, watchProcess, startSim, client } from './util.mjs';

const { HordeClient, HordeError, HordeDecodeError, HordeInvalidArgumentError, HordeImageUnavailableError } = horde;

const processIssues = watchProcess();
after(() => {
  processIssues.stop();
  assert.deepEqual(processIssues.map((x) => `${x.kind}: ${x.reason?.stack || x.reason}`), []);
});

const ID = '5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1';
const fixture = (name) => JSON.parse(readFileSync(new URL(`../fixtures/sim/${name}`, import.meta.url), 'utf8'));

/** A client whose fetch answers `next.body` (a string) with `next.init`; no pacing, no retry. */
function scripted(opts = {}) {
  const next = { body: '{}', init: {} };
  const fetchFn = recordingFetch(async () => new Response(next.body, { status: 200, ...next.init }));
  const c = new HordeClient({ baseUrl: 'http://127.0.0.1:9/api', apiKey: 'hostiletestkey00000001', fetch: fetchFn, pacing: false, maxRetries: 0, ...opts });
  return { c, next, fetchFn };
}

// ----- the wire models, as the TypeScript declarations give them -----
// Types: 'u32' (whole number ≥ 0), 'f64', 'bool', 'str', then { opt: T } (null/absent allowed),
// { def: T } (null/absent is the default), [T] (array), or a model name.
const MODELS = {
  status: {
    finished: 'u32', processing: 'u32', restarted: 'u32', waiting: 'u32', done: 'bool', faulted: 'bool',
    wait_time: 'u32', queue_position: 'u32', kudos: 'f64', is_possible: 'bool',
    generations: { def: ['generation'] }, shared: { def: 'bool' },
  },
  generation: {
    id: 'str', img: 'str', seed: 'str', censored: 'bool', gen_metadata: { opt: ['metadata'] }, model: 'str',
    state: 'str', worker_id: 'str', worker_name: 'str',
  },
  metadata: { type: 'str', value: 'str', ref: { opt: 'str' } },
  check: {
    finished: 'u32', processing: 'u32', restarted: 'u32', waiting: 'u32', done: 'bool', faulted: 'bool',
    wait_time: 'u32', queue_position: 'u32', kudos: 'f64', is_possible: 'bool',
  },
  submitted: { id: 'str', kudos: 'f64', message: { opt: 'str' }, warnings: { def: ['warning'] } },
  warning: { code: 'str', message: 'str' },
  dryRun: { kudos: 'f64' },
  user: {
    username: 'str', id: 'f64', kudos: 'f64', concurrency: { opt: 'f64' }, trusted: { opt: 'bool' },
    pseudonymous: { opt: 'bool' }, worker_count: { opt: 'f64' },
  },
  heartbeat: {
    message: 'str', version: 'str', queue: { opt: 'f64' }, threads: { opt: 'f64' },
    active_count: { opt: 'f64' }, db_connection: { opt: 'bool' },
  },
  model: { name: 'str', count: 'u32', performance: 'f64', queued: 'f64', jobs: 'f64', eta: 'f64', type: { opt: 'str' } },
};

// Each valid body, the call that decodes it, and its type.
const CASES = [
  ['status-r2.json', 'status', (c) => c.getImageStatus(ID)],
  ['status-censored.json', 'status', (c) => c.deleteImageStatus(ID)],
  ['status-base64.json', 'status', (c) => c.getImageStatus(ID)],
  ['delete-before.json', 'status', (c) => c.deleteImageStatus(ID)],
  ['check-done.json', 'check', (c) => c.checkImage(ID)],
  ['async-202-no-worker.json', 'submitted', (c) => c.submitImage({ prompt: 'x' })],
  ['dry-run.json', 'dryRun', (c) => c.estimateKudos({ prompt: 'x' })],
  ['find-user.json', 'user', (c) => c.findUser()],
  ['heartbeat.json', 'heartbeat', (c) => c.heartbeat()],
  ['models.json', ['model'], (c) => c.listModels()],
];

const WRONG = [null, true, 7, -1, 1.5, 'text', [], {}];

/** Whether a value of this JSON shape is acceptable for `type`. */
function accepts(type, v) {
  if (type === undefined) return true; // a field the model ignores
  if (typeof type === 'object' && !Array.isArray(type)) {
    if (v === null) return true;
    return accepts(type.opt ?? type.def, v);
  }
  if (Array.isArray(type)) return Array.isArray(v) && v.every((x) => accepts(type[0], x));
  switch (type) {
    case 'u32': return typeof v === 'number' && Number.isInteger(v) && v >= 0;
    case 'f64': return typeof v === 'number';
    case 'bool': return typeof v === 'boolean';
    case 'str': return typeof v === 'string';
    default: {
      // A model: an object whose known fields are all acceptable and present unless optional.
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
      return Object.entries(MODELS[type]).every(([k, t]) =>
        (v[k] === undefined ? typeof t === 'object' && !Array.isArray(t) : accepts(t, v[k])));
    }
  }
}

/** The declared type at `path` (a list of keys and indexes) below `type`; undefined if ignored. */
function typeAt(type, path) {
  let t = type;
  for (const step of path) {
    if (t === undefined) return undefined;
    if (typeof t === 'object' && !Array.isArray(t)) t = t.opt ?? t.def;
    if (Array.isArray(t)) t = typeof step === 'number' ? t[0] : undefined;
    else if (typeof t === 'string' && MODELS[t]) t = MODELS[t][step];
    else return undefined;
  }
  return t;
}

/** Every path into a JSON value (lists of keys and indexes), the root excluded. */
function paths(v, here = [], out = []) {
  if (here.length) out.push(here);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...here, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths(v[k], [...here, k], out);
  return out;
}

/** A path as the SDK names it: `generations[0].seed`, `[1].name`. */
const pathText = (path) => path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

function setAt(root, path, value) {
  const copy = structuredClone(root);
  let o = copy;
  for (const s of path.slice(0, -1)) o = o[s];
  o[path.at(-1)] = value;
  return copy;
}

const kindOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

test('every field of every body, given every wrong JSON type: typed result or HordeDecodeError at that path', async () => {
  const { c, next } = scripted();
  let checked = 0;
  let rejected = 0;
  for (const [file, type, call] of CASES) {
    const base = fixture(file);
    for (const path of paths(base)) {
      const original = path.reduce((o, s) => o[s], base);
      const declared = typeAt(type, path);
      for (const wrong of WRONG) {
        if (kindOf(wrong) === kindOf(original) && kindOf(wrong) !== 'number') continue;
        const body = setAt(base, path, wrong);
        next.body = JSON.stringify(body);
        const out = await settle(call(c));
        const where = `${file} ${pathText(path)} = ${JSON.stringify(wrong)}`;
        checked += 1;
        if (accepts(type, body) || declared === undefined) {
          assert.ok(out.ok, `${where}: ${describe(out)}`);
        } else {
          assert.ok(out.error instanceof HordeDecodeError, `${where}: ${describe(out)}`);
          const fp = out.error.fieldPath;
          const p = pathText(path);
          // `{}` for a model fails at its first missing field, inside the path.
          assert.ok(fp === p || fp.startsWith(`${p}.`) || fp.startsWith(`${p}[`), `${where}: fieldPath ${fp}`);
          assert.ok(out.error.message.includes(fp), out.error.message);
          rejected += 1;
        }
      }
    }
  }
  assert.ok(checked > 500 && rejected > 300, `${checked} cases, ${rejected} rejected`);
  // The same client still decodes a valid body.
  next.body = JSON.stringify(fixture('status-r2.json'));
  assert.equal((await c.getImageStatus(ID)).generations.length, 2);
});

test('bodies that are not the right JSON value at all: fieldPath "." or "(body)"', async () => {
  const { c, next } = scripted();
  for (const [body, fp] of [['null', '.'], ['42', '.'], ['"text"', '.'], ['[]', '.'], ['true', '.'], ['', '(body)'],
    ['{"finished": 1', '(body)'], ['<html>502</html>', '(body)'], ['\u0000', '(body)'], ['{}', 'finished']]) {
    next.body = body;
    for (const call of [() => c.getImageStatus(ID), () => c.checkImage(ID), () => c.heartbeat()]) {
      const out = await settle(call());
      assert.ok(out.error instanceof HordeDecodeError, `${JSON.stringify(body)}: ${describe(out)}`);
      if (body !== '{}') assert.equal(out.error.fieldPath, fp, JSON.stringify(body));
    }
  }
  next.body = JSON.stringify(fixture('check-done.json'));
  assert.equal((await c.checkImage(ID)).done, true);
});

test('deep nesting (100 000 levels) in an unknown field and in known fields', async () => {
  const { c, next } = scripted();
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const deepObj = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
  const status = JSON.stringify(fixture('status-r2.json'));
  for (const d of [deep, deepObj]) {
    // Unknown fields are ignored, however deep.
    next.body = `{"zz_unknown": ${d}, ${status.slice(1)}`;
    const ok = await settle(c.getImageStatus(ID));
    assert.ok(ok.ok, describe(ok));
    assert.equal(ok.value.zz_unknown, undefined, 'unknown fields are not passed through');
    // Known fields fail at the first wrong level, naming it.
    for (const [field, expected] of [['gen_metadata', 'generations[0].gen_metadata'], ['seed', 'generations[0].seed'], ['img', 'generations[0].img']]) {
      const body = JSON.parse(status);
      body.generations[0][field] = '__DEEP__';
      next.body = JSON.stringify(body).replace('"__DEEP__"', d);
      const bad = await settle(c.getImageStatus(ID));
      assert.ok(bad.error instanceof HordeDecodeError, `${field}: ${describe(bad)}`);
      assert.ok(bad.error.fieldPath.startsWith(expected), bad.error.fieldPath);
    }
    next.body = `[${d}]`;
    const models = await settle(c.listModels());
    assert.ok(models.error instanceof HordeDecodeError);
    assert.ok(models.error.fieldPath.startsWith('[0]'), models.error.fieldPath);
    next.body = d;
    assert.ok((await settle(c.heartbeat())).error instanceof HordeDecodeError);
  }
  next.body = JSON.stringify(fixture('heartbeat.json'));
  assert.equal((await c.heartbeat()).message, 'OK');
});

test('deep, circular and huge values from the caller are rejected before sending', async () => {
  const { c, fetchFn } = scripted();
  const deep = {};
  let cur = deep;
  for (let i = 0; i < 100_000; i++) {
    cur.a = {};
    cur = cur.a;
  }
  const circular = {};
  circular.self = circular;
  const deepArray = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  for (const [request, argument] of [
    [{ prompt: 'x', params: { special: deep } }, 'request'],
    [{ prompt: 'x', params: { special: circular } }, 'request'],
    [{ prompt: 'x', models: deepArray }, 'models[0]'],
    [{ prompt: 'x', params: { loras: deepArray } }, 'params.loras[0]'],
    [{ prompt: 'x'.repeat(10), params: { n: 2 ** 53 } }, 'params.n'],
    [{ prompt: Array(8000).fill('w').join(' ') }, 'prompt'],
  ]) {
    for (const call of [() => c.submitImage(request), () => c.estimateKudos(request), () => c.generateImages(request)]) {
      const out = await settle(call());
      assert.ok(out.error instanceof HordeInvalidArgumentError, describe(out));
      assert.equal(out.error.argument, argument);
    }
  }
  assert.equal(fetchFn.calls.length, 0, 'nothing was sent');
});

// ----- very large bodies -----

test('maxBodyBytes: a clear error with or without Content-Length, and the same client keeps working', async () => {
  const { c, next } = scripted({ maxBodyBytes: 1000 });
  const status = JSON.stringify(fixture('status-r2.json'));
  assert.ok(status.length > 1000);
  for (const init of [{}, { headers: { 'Content-Length': String(Buffer.byteLength(status)) } }]) {
    next.body = status;
    next.init = init;
    const bad = await settle(c.getImageStatus(ID));
    assert.ok(bad.error instanceof HordeDecodeError, describe(bad));
    assert.equal(bad.error.fieldPath, '(size)');
    assert.match(bad.error.message, /maxBodyBytes \(1000\)/);
  }
  next.init = {};
  next.body = JSON.stringify(fixture('check-done.json'));
  assert.equal((await c.checkImage(ID)).done, true);
});

test('a body over the default limit (64 MiB) is refused, and wasm memory does not grow with it', async () => {
  const { c, next } = scripted();
  const before = horde.wasmMemoryBytes();
  next.body = `{"zz": "${'x'.repeat(70 * 1024 * 1024)}", ${JSON.stringify(fixture('check-done.json')).slice(1)}`;
  const bad = await settle(c.checkImage(ID));
  next.body = '';
  assert.ok(bad.error instanceof HordeDecodeError, describe(bad));
  assert.equal(bad.error.fieldPath, '(size)');
  assert.ok(horde.wasmMemoryBytes() - before < 2 * 1024 * 1024, `wasm memory ${before} → ${horde.wasmMemoryBytes()}`);
  next.body = JSON.stringify(fixture('check-done.json'));
  assert.equal((await c.checkImage(ID)).done, true);
});

test('maxBodyBytes against the simulator: a status with base64 images over the limit', async () => {
  const sim = await startSim({ rateLimits: false });
  try {
    const small = client(sim, { maxBodyBytes: 2000 });
    const { id } = await small.submitImage({ prompt: 'big body', r2: false, params: { n: 2, width: 512, height: 512, steps: 10 } });
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 100 && !(await small.checkImage(id)).done; i++) await new Promise((r) => setTimeout(r, 100));
    const bad = await settle(small.getImageStatus(id));
    assert.ok(bad.error instanceof HordeDecodeError, describe(bad));
    assert.equal(bad.error.fieldPath, '(size)');
    assert.equal((await small.heartbeat()).message, 'OK');
    const st = await client(sim).getImageStatus(id);
    assert.equal(st.generations.length, 2);
  } finally {
    await sim.close();
  }
});

test('maxBodyBytes counts the decoded bytes of a compressed body (Content-Length is the compressed size)', async () => {
  // A 20 MB JSON body, gzip-compressed to ~20 KB: fetch inflates it, Content-Length says 20 KB,
  // and the json() fast path reads it whole without checking the decoded size.
  const body = JSON.stringify({ ...fixture('check-done.json'), zz: 'x'.repeat(20_000_000) });
  const gz = zlib.gzipSync(body);
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': gz.length });
    res.end(gz);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const c = new HordeClient({ baseUrl: `http://127.0.0.1:${server.address().port}/api`, maxBodyBytes: 1_000_000, maxRetries: 0 });
    const out = await settle(c.checkImage(ID));
    assert.ok(out.error instanceof HordeDecodeError && out.error.fieldPath === '(size)',
      `a ${body.length}-character body (${gz.length} bytes gzipped) with maxBodyBytes 1000000: ${describe(out)}`);
  } finally {
    server.close();
  }
});

test('maxBodyBytes holds when Content-Length understates the body', async () => {
  const { c, next } = scripted({ maxBodyBytes: 1000 });
  next.body = JSON.stringify({ ...fixture('check-done.json'), zz: 'x'.repeat(100_000) });
  next.init = { headers: { 'Content-Length': '200' } };
  const out = await settle(c.checkImage(ID));
  assert.ok(out.error instanceof HordeDecodeError && out.error.fieldPath === '(size)',
    `a ${next.body.length}-character body declared as 200 bytes, maxBodyBytes 1000: ${describe(out)}`);
});

// ----- lone surrogates -----

/** Every path of a body whose value is a string. */
const stringPaths = (v) => paths(v).filter((p) => typeof p.reduce((o, s) => o[s], v) === 'string');

test('lone UTF-16 surrogates in any string field: HordeDecodeError naming the field', async () => {
  const { c, next } = scripted();
  let checked = 0;
  for (const [file, type, call] of CASES) {
    const base = fixture(file);
    for (const path of stringPaths(base)) {
      if (typeAt(type, path) === undefined) continue; // ignored fields
      if (path.at(-1) === 'img') continue; // img has its own test below
      for (const lone of ['a\ud800b', '\udfff', 'x\ud83d']) {
        next.body = JSON.stringify(setAt(base, path, lone));
        assert.ok(next.body.includes('\\ud'), 'JSON.stringify escapes lone surrogates');
        const out = await settle(call(c));
        assert.ok(out.error instanceof HordeDecodeError, `${file} ${pathText(path)}: ${describe(out)}`);
        assert.equal(out.error.fieldPath, pathText(path));
        assert.match(out.error.message, /surrogate/);
        checked += 1;
      }
    }
  }
  assert.ok(checked > 50, `${checked}`);
  // A well-formed pair is fine, and the client keeps working.
  next.body = JSON.stringify(setAt(fixture('heartbeat.json'), ['message'], 'OK \ud83d\ude00'));
  assert.equal((await c.heartbeat()).message, 'OK \ud83d\ude00');
});

test('a lone surrogate in generations[].img is rejected like in any other string', async () => {
  const { c, next } = scripted();
  for (const file of ['status-r2.json', 'status-base64.json']) {
    const base = fixture(file);
    next.body = JSON.stringify(setAt(base, ['generations', 0, 'img'], `${base.generations[0].img}\ud800`));
    const out = await settle(c.getImageStatus(ID));
    assert.ok(out.error instanceof HordeDecodeError && out.error.fieldPath === 'generations[0].img',
      `${file}: ${describe(out)}`);
  }
});

test('lone surrogates from the caller are rejected before sending', async () => {
  const { c, fetchFn } = scripted();
  for (const [request, argument] of [
    [{ prompt: 'a\ud800' }, 'prompt'],
    [{ prompt: 'x', models: ['\udc00'] }, 'models[0]'],
    [{ prompt: 'x', params: { seed: '\ud800' } }, 'params.seed'],
    [{ prompt: 'x', params: { loras: [{ name: 'l\ud800' }] } }, 'params.loras[0].name'],
  ]) {
    const out = await settle(c.submitImage(request));
    assert.ok(out.error instanceof HordeInvalidArgumentError, describe(out));
    assert.equal(out.error.argument, argument);
  }
  for (const id of [`${ID.slice(0, 35)}\ud800`, `\ud800${ID}`]) {
    const out = await settle(c.getImageStatus(id));
    assert.ok(out.error instanceof HordeInvalidArgumentError);
  }
  assert.equal(fetchFn.calls.length, 0);
});

// ----- hostile generation objects for downloadImage -----

test('downloadImage with hostile generation objects: typed errors, nothing fetched that is not http(s)', async () => {
  const { c, fetchFn } = scripted();
  const gen = (img, extra = {}) => ({ id: 'g', img, seed: '1', censored: false, model: 'm', state: 'ok', worker_id: 'w', worker_name: 'n', ...extra });
  for (const g of [
    gen('N/A'), gen(''), gen('not base64 !!!'), gen('javascript:alert(1)'), gen('file:///etc/passwd'),
    gen('data:image/webp;base64,UklGR'), gen('aGVsbG8='), gen('\ud800'), gen('http://a b/'),
    gen('https://x\r\n.example/'), gen(42), gen(null), gen({ toString: () => 'https://evil.example/' }),
    { img: 'aGVsbG8=' }, null, 'https://r2.example/x.webp', [], gen('https://r2.example/x.webp', { id: 5 }),
  ]) {
    const out = await settle(c.downloadImage(g));
    assert.ok(!out.ok, `${JSON.stringify(g)} resolved`);
    assert.ok(out.error instanceof HordeError, `${JSON.stringify(g)}: ${describe(out)}`);
    assert.ok(out.error instanceof HordeImageUnavailableError || out.error instanceof HordeInvalidArgumentError, describe(out));
  }
  assert.ok(fetchFn.calls.every((x) => /^https?:\/\//.test(x.url)), JSON.stringify(fetchFn.calls.map((x) => x.url)));
  // A URL fetch cannot parse is refused before fetch, whose error would quote it, query included.
  const calls = fetchFn.calls.length;
  for (const img of ['https://a b/x.webp?X-Amz-Signature=s3cr3t', 'https://[x/x.webp?X-Amz-Signature=s3cr3t']) {
    const out = await settle(c.downloadImage(gen(img)));
    assert.equal(out.error?.name, 'HordeInvalidArgumentError', describe(out));
    assert.doesNotMatch(`${out.error.message} ${out.error.cause?.message ?? ''}`, /s3cr3t/);
  }
  assert.equal(fetchFn.calls.length, calls);
});

// ----- the second audit: inputs that trapped the module or stalled its async side -----

test('a body whose generations array is tens of millions long is refused by its length, without a trap or a memory jump', async () => {
  // 24 million zeros: 48 MB, under the default 64 MiB limit. Sizing the vector from the
  // array's length asked for gigabytes at once, and a failed allocation aborts the module; now
  // no array over 100,000 items is read at all.
  const { c, next } = scripted();
  const before = horde.wasmMemoryBytes();
  next.body = `${JSON.stringify(fixture('check-done.json')).slice(0, -1)},"generations":[${'0,'.repeat(24_000_000)}0]}`;
  const bad = await settle(c.getImageStatus(ID));
  next.body = '';
  assert.ok(bad.error instanceof HordeDecodeError, describe(bad));
  assert.equal(bad.error.fieldPath, 'generations');
  assert.match(bad.error.message, /24000001 items, more than the 100000 read/);
  assert.ok(horde.wasmMemoryBytes() - before < 2 * 1024 * 1024, `wasm memory ${before} → ${horde.wasmMemoryBytes()}`);
  next.body = JSON.stringify(fixture('check-done.json'));
  assert.equal((await c.checkImage(ID)).done, true);
});

test('huge sparse arrays from the caller are rejected at their first hole, not by a trap', async () => {
  const sparse = () => {
    const a = [];
    a.length = 2 ** 32 - 1;
    return a;
  };
  assert.throws(() => horde.mergeGenerations(sparse(), []), HordeInvalidArgumentError);
  const { c, fetchFn } = scripted();
  for (const request of [
    { prompt: 'p', models: sparse() },
    { prompt: 'p', params: { loras: sparse() } },
    { prompt: 'p', workers: sparse() },
  ]) {
    const bad = await settle(c.submitImage(request));
    assert.ok(bad.error instanceof HordeInvalidArgumentError, describe(bad));
  }
  // Long but dense: refused by its length before any item is read (10 million items held the
  // page for over a minute, then were sent).
  const long = await settle(c.submitImage({ prompt: 'p', models: new Array(200_000).fill('m') }));
  assert.ok(long.error instanceof HordeInvalidArgumentError, describe(long));
  assert.equal(long.error.argument, 'models');
  assert.match(long.error.rule, /200000 items, more than the 100000 read/);
  assert.equal(fetchFn.calls.length, 0);
  assert.equal(horde.isJobDone({ ...fixture('check-done.json') }), true);
});

test('Proxies and getters that throw: a typed rejection, never a synchronous throw, and the client lives on', async () => {
  const { c, next } = scripted();
  const throwingKeys = new Proxy({}, { ownKeys() { throw new Error('ownKeys boom'); } });
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const lengthBoom = ['a'];
  Object.defineProperty(lengthBoom, 0, { get() { throw new Error('index boom'); } });
  const calls = [
    () => c.heartbeat(throwingKeys),
    () => c.heartbeat(revoked),
    () => c.submitImage(throwingKeys),
    () => c.submitImage(revoked),
    () => c.submitImage({ prompt: 'p', models: lengthBoom }),
    () => c.estimateKudos({ prompt: 'p', params: throwingKeys }),
    () => c.generateImages({ prompt: 'p' }, throwingKeys),
  ];
  for (const call of calls) {
    let p;
    assert.doesNotThrow(() => { p = call(); });
    const out = await settle(p);
    assert.ok(out.error instanceof HordeInvalidArgumentError, describe(out));
  }
  assert.throws(() => horde.isJobDone(revoked), HordeInvalidArgumentError);
  assert.throws(() => new HordeClient(throwingKeys), HordeInvalidArgumentError);
  // Many times over: nothing leaks (a throw unwinding through the module did, until it died).
  for (let i = 0; i < 3000; i++) await settle(c.heartbeat(throwingKeys));
  next.body = JSON.stringify({ message: 'OK', version: '4.0.0' });
  assert.equal((await c.heartbeat()).message, 'OK');
  c.free();
});

test('a signal, a Response or an error that throws from its getters never stalls the module', async () => {
  const badSignal = { aborted: false, addEventListener() { throw new Error('addEventListener boom'); }, removeEventListener() { throw new Error('remove boom'); } };
  const badStatus = { get status() { throw new Error('status boom'); }, headers: new Headers() };
  const badError = { get message() { throw new Error('message boom'); }, toString() { throw new Error('toString boom'); } };
  const answers = {
    signal: async () => new Response('{"message":"OK","version":"4"}'),
    status: async () => badStatus,
    error: async () => { throw badError; },
  };
  for (const [what, fetchFn] of Object.entries(answers)) {
    const c = new HordeClient({ baseUrl: 'http://127.0.0.1:9/api', fetch: fetchFn, pacing: false, maxRetries: 0 });
    const outcomes = await Promise.all([1, 2, 3].map(() => settle(c.heartbeat(what === 'signal' ? { signal: badSignal } : undefined))));
    for (const o of outcomes) {
      if (what === 'signal') assert.ok(o.ok, `${what}: ${describe(o)}`);
      else assert.equal(o.error?.name, 'HordeConnectionError', `${what}: ${describe(o)}`);
    }
  }
  // The async side still runs.
  const { c, next } = scripted();
  next.body = JSON.stringify({ message: 'OK', version: '4.0.0' });
  assert.equal((await c.heartbeat()).message, 'OK');
});

test('a Response is read through its prototype: shadowing getters are never run, fake Responses and bad chunks are connection errors', async () => {
  const json = '{"message":"OK","version":"4"}';
  const boom = () => { throw new Error('getter boom'); };
  const streamOf = (...chunks) => new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(x); c.close(); } });
  const shadowed = () => {
    const r = new Response(json);
    for (const k of ['status', 'headers', 'body', 'ok']) Object.defineProperty(r, k, { get: boom });
    return r;
  };
  const shadowedParts = () => {
    const chunk = new TextEncoder().encode(json);
    for (const k of ['byteLength', 'length', 'buffer']) Object.defineProperty(chunk, k, { get: boom });
    const stream = streamOf(chunk);
    stream.getReader = boom;
    const r = new Response(stream);
    r.headers.get = boom;
    return r;
  };
  // (A status getter of a subclass runs in Response's own constructor, so it cannot throw.)
  class Sub extends Response {
    get headers() { return boom(); }
    get body() { return boom(); }
  }
  const good = {
    'own getters that throw on a real Response': shadowed,
    'a throwing getReader on its stream, getters on its chunk and headers.get': shadowedParts,
    'a subclass whose headers and body getters throw': () => new Sub(json),
  };
  const bad = {
    'Object.create(Response.prototype)': () => Object.create(Response.prototype),
    'a Proxy of a real Response whose traps throw': () => new Proxy(new Response(json), { get: boom, getPrototypeOf: boom }),
    'a revoked Proxy': () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; },
    'a stream of strings': () => new Response(streamOf(json)),
    'a stream of 16-bit items': () => new Response(streamOf(new Int16Array(4))),
    'a stream of DataViews': () => new Response(streamOf(new DataView(new ArrayBuffer(4)))),
    'a stream of Proxies': () => new Response(streamOf(new Proxy(new Uint8Array(2), {}))),
    'a stream of nothing': () => new Response(streamOf(undefined)),
  };
  const image = { id: ID, img: 'http://127.0.0.1:9/image.webp' };
  for (const [what, make] of Object.entries(good)) {
    const c = new HordeClient({ baseUrl: 'http://127.0.0.1:9/api', fetch: async () => make(), pacing: false, maxRetries: 0 });
    const out = await settle(c.heartbeat());
    assert.ok(out.ok, `${what}: ${describe(out)}`);
    assert.equal(out.value.message, 'OK', what);
  }
  for (const [what, make] of Object.entries(bad)) {
    const c = new HordeClient({ baseUrl: 'http://127.0.0.1:9/api', fetch: async () => make(), pacing: false, maxRetries: 0 });
    for (const call of [() => c.heartbeat(), () => c.downloadImage(image)]) {
      const out = await settle(call());
      assert.equal(out.error?.name, 'HordeConnectionError', `${what}: ${describe(out)}`);
    }
  }
  // The async side still runs.
  const { c, next } = scripted();
  next.body = json;
  assert.equal((await c.heartbeat()).message, 'OK');
});

test('timeoutMs holds even against a fetch that ignores its signal, or a body that stalls', async () => {
  const never = new HordeClient({ baseUrl: 'http://127.0.0.1:9/api', fetch: () => new Promise(() => {}), pacing: false, maxRetries: 0 });
  const a = await settle(never.heartbeat({ timeoutMs: 300 }));
  assert.equal(a.error?.name, 'HordeTimeoutError', describe(a));
  const stalled = new HordeClient({
    baseUrl: 'http://127.0.0.1:9/api',
    pacing: false,
    maxRetries: 0,
    fetch: async () => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"mess')); } })),
  });
  const b = await settle(stalled.heartbeat({ timeoutMs: 300 }));
  assert.equal(b.error?.name, 'HordeTimeoutError', describe(b));
  // The same for an image download.
  const image = { id: ID, img: 'http://127.0.0.1:9/image.webp' };
  const c = await settle(stalled.downloadImage(image, { timeoutMs: 300 }));
  assert.equal(c.error?.name, 'HordeTimeoutError', describe(c));
  const d = await settle(never.downloadImage(image, { timeoutMs: 300 }));
  assert.equal(d.error?.name, 'HordeTimeoutError', describe(d));
  // The same for a replaced global fetch (a polyfill or a wrapper that drops the signal).
  const global = globalThis.fetch;
  let late;
  globalThis.fetch = () => new Promise((resolve) => { late = resolve; });
  try {
    const plain = new HordeClient({ baseUrl: 'http://127.0.0.1:9/api', pacing: false, maxRetries: 0 });
    const e = await settle(plain.heartbeat({ timeoutMs: 300 }));
    assert.equal(e.error?.name, 'HordeTimeoutError', describe(e));
    // A Response that arrives after the timeout is released, not left open.
    let cancelled = false;
    late(new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{}')); }, cancel() { cancelled = true; } })));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(cancelled, true);
  } finally {
    globalThis.fetch = global;
  }
});

test('a Response of another fetch library (status, headers, arrayBuffer) is read as the platform\'s', async () => {
  const json = '{"message":"OK","version":"4"}';
  let reads = 0;
  // node-fetch's and undici's npm Responses: a status, Headers with forEach, arrayBuffer().
  const lookAlike = (text, headers = {}) => ({
    status: 200,
    headers: new Map(Object.entries({ 'content-type': 'application/json', ...headers })),
    arrayBuffer: async () => { reads += 1; return new TextEncoder().encode(text).buffer; },
  });
  const c = new HordeClient({ baseUrl: 'http://127.0.0.1:9/api', fetch: async () => lookAlike(json), pacing: false, maxRetries: 0 });
  assert.equal((await c.heartbeat()).message, 'OK');
  assert.equal(reads, 1);
  // Its declared length over maxBodyBytes: refused by that length, the body never read.
  const big = new HordeClient({
    baseUrl: 'http://127.0.0.1:9/api', fetch: async () => lookAlike(json, { 'content-length': '999999' }), pacing: false, maxRetries: 0, maxBodyBytes: 1000,
  });
  const out = await settle(big.heartbeat());
  assert.equal(out.error?.name, 'HordeDecodeError', describe(out));
  assert.match(out.error.message, /maxBodyBytes/);
  assert.equal(reads, 1);
  // Its body over maxBodyBytes without a declared length: refused after the read.
  const long = new HordeClient({ baseUrl: 'http://127.0.0.1:9/api', fetch: async () => lookAlike(json), pacing: false, maxRetries: 0, maxBodyBytes: 10 });
  assert.equal((await settle(long.heartbeat())).error?.name, 'HordeDecodeError');
  // A status that is not a number, or a getter that throws, is a connection error.
  for (const bad of [{ ...lookAlike(json), status: '200' }, { get status() { throw new Error('boom'); } }, { status: 200, headers: null, arrayBuffer: () => { throw new Error('boom'); } }]) {
    const d = new HordeClient({ baseUrl: 'http://127.0.0.1:9/api', fetch: async () => bad, pacing: false, maxRetries: 0 });
    const r = await settle(d.heartbeat());
    assert.equal(r.error?.name, 'HordeConnectionError', describe(r));
  }
});

test('a callback whose error cannot even be printed neither stalls the job nor escapes', async () => {
  const sim = await startSim({ rateLimits: false });
  try {
    const c = client(sim);
    const unprintable = () => {
      const e = new Error('callback boom');
      Object.defineProperty(e, 'stack', { get() { throw new Error('stack boom'); } });
      return e;
    };
    // Node's console.error throws on such a value (it reads `stack`), which reporting it did.
    assert.throws(() => console.error(unprintable()), /stack boom/);
    const st = await c.generateImages({ prompt: 'callbacks that throw the unprintable' }, {
      onSubmitted: () => { throw unprintable(); },
      onProgress: () => { throw unprintable(); },
      onImage: () => Promise.reject(unprintable()),
    });
    assert.equal(st.done, true);
    assert.equal(st.generations.length, 1);
  } finally {
    await sim.close();
  }
});

test('isJobComplete takes only a whole number of images', () => {
  const status = { ...fixture('check-done.json'), generations: [] };
  assert.equal(horde.isJobComplete(status, 0), true);
  for (const bad of [NaN, -0.5, 2 ** 32, Infinity, '0', 1n, Symbol('n'), { valueOf() { throw new Error('x'); } }]) {
    assert.throws(() => horde.isJobComplete(status, bad), HordeInvalidArgumentError, String(typeof bad));
  }
});
