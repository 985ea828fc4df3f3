#!/usr/bin/env node
// A seeded fuzzer of the WebAssembly decoders (the FromJs converters), through an injected
// fetch: random and mutated answers (bodies from tests/fixtures/sim/*.json, random JSON, cut and
// garbled text, odd statuses and headers, objects that are not Responses at all) for every
// client call, hostile generation objects for downloadImage, and hostile request objects for
// submitImage. Every outcome must be a typed value (checked against the TypeScript types) or a
// rejection that is a HordeError; never a plain TypeError, RangeError or RuntimeError
// ("unreachable": a wasm trap), never an unhandled rejection; and the same client must keep
// working after every case.
//
//   node scripts/fuzz.mjs --short          ~10 s, what CI runs
//   node scripts/fuzz.mjs --seconds 600    longer
//   node scripts/fuzz.mjs --seed 42        another sequence (default: 1; the seed is printed)
//   node scripts/fuzz.mjs --verbose        also print how often each call ended in each way
//
// A failing input is saved to tests/fuzz-corpus/ (one JSON file per input), and every file
// there is replayed first on each run. Ends with "fuzz: N passed, N failed"; exits 1 on failure.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as horde from 'horde-wasm';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_DIR = join(root, 'tests/fuzz-corpus');
const FIXTURE_DIR = join(root, 'tests/fixtures/sim');

// ----- options -----
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const seconds = args.includes('--short') ? 10 : Number(opt('--seconds') ?? 60);
const seed = Number(opt('--seed') ?? 1);
if (!(seconds > 0) || !Number.isInteger(seed)) {
  console.error('usage: node scripts/fuzz.mjs [--short | --seconds N] [--seed S]');
  process.exit(2);
}

// ----- a seeded PRNG (mulberry32) -----
function prng(s) {
  let a = s >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
  return r;
}

// ----- what the answers are made of -----
const UUID = '5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1';
const BASE_URL = 'http://127.0.0.1:9/api';
const KEYS = ['id', 'img', 'seed', 'censored', 'gen_metadata', 'model', 'state', 'worker_id', 'worker_name', 'type', 'value',
  'ref', 'generations', 'shared', 'finished', 'processing', 'restarted', 'waiting', 'done', 'faulted', 'wait_time',
  'queue_position', 'kudos', 'is_possible', 'message', 'warnings', 'code', 'rc', 'errors', 'name', 'count', 'performance',
  'queued', 'jobs', 'eta', 'username', 'concurrency', 'trusted', 'pseudonymous', 'worker_count', 'version', 'queue',
  'threads', 'active_count', 'db_connection', '__proto__', 'constructor', 'toString', 'toJSON', 'then', 'valueOf', ''];
const STRINGS = ['', 'N/A', 'ok', UUID, UUID.toUpperCase(), 'https://r2.example/x.webp', 'http://127.0.0.1:9/r2/a.webp',
  'UklGRiQAAABXRUJQVlA4TBgAAAAvAAAAEAcQERGIiP4HAA==', 'iVBORw0KGgo=', '/9j/4AAQ', 'javascript:alert(1)', 'data:,x',
  '\ud800', 'a\udfffb', '\ud83d\ude00', '\u0000', '\r\n', '\u2028', 'x'.repeat(5000), '18446744073709551616', 'NaN',
  'Infinity', '-1', '1e400', '__proto__', 'TooManyPrompts', 'RequestNotFound', 'censorship', 'nsfw', 'lora'];
const NUMBERS = [0, -0, 1, -1, 0.5, 1.5, 7, 255, 4294967295, 4294967296, -4294967296, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308,
  5e-324, 1e21, 123456789.123];

function randomString(r) {
  if (r.chance(0.6)) return r.pick(STRINGS);
  const n = r.int(r.chance(0.9) ? 12 : 300);
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r.int(10);
    s += k < 6 ? String.fromCharCode(32 + r.int(95)) : k < 8 ? String.fromCharCode(r.int(0x10000)) : k < 9 ? String.fromCharCode(0xd800 + r.int(0x800)) : String.fromCodePoint(r.int(0x110000));
  }
  return s;
}

/** Sets an own property, as JSON.parse would (`__proto__` included), never the prototype. */
function put(o, k, v) {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function randomValue(r, depth = 0) {
  const k = r.int(depth > 4 ? 4 : 7);
  switch (k) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.chance(0.7) ? r.pick(NUMBERS) : (r.next() - 0.5) * 10 ** r.int(12);
    case 3: return randomString(r);
    case 4: return Array.from({ length: r.int(5) }, () => randomValue(r, depth + 1));
    default: {
      const o = {};
      for (let i = r.int(8); i > 0; i--) put(o, r.chance(0.8) ? r.pick(KEYS) : randomString(r), randomValue(r, depth + 1));
      return o;
    }
  }
}

/** Every path into a value (lists of keys and indexes), the root included. */
function paths(v, here = [], out = []) {
  out.push(here);
  if (here.length > 40) return out;
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...here, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths(v[k], [...here, k], out);
  return out;
}

/** A valid body with random structural mutations. */
function mutate(r, value) {
  let v = structuredClone(value);
  for (let m = 1 + r.int(3); m > 0; m--) {
    const all = paths(v);
    const path = r.pick(all);
    const parent = path.slice(0, -1).reduce((o, s) => o[s], v);
    const last = path.at(-1);
    const here = path.length ? parent[last] : v;
    const set = (x) => {
      if (path.length) parent[last] = x;
      else v = x;
    };
    switch (r.int(9)) {
      case 0: set(randomValue(r)); break;
      case 1: if (path.length) { if (Array.isArray(parent)) parent.splice(last, 1); else delete parent[last]; } break;
      case 2: set([here]); break;
      case 3: set(typeof here === 'string' ? `${here}\ud800` : randomString(r)); break;
      case 4: set(r.pick(NUMBERS)); break;
      case 5: if (here && typeof here === 'object' && !Array.isArray(here)) put(here, r.pick(KEYS), randomValue(r)); else set(null); break;
      case 6: if (Array.isArray(here) && here.length) here.push(...Array.from({ length: 1 + r.int(40) }, () => structuredClone(here[0]))); else set({}); break;
      case 7: set(typeof here === 'number' ? -here : typeof here === 'boolean' ? Number(here) : typeof here === 'string' ? Number(here) : JSON.stringify(here)); break;
      default: set(nest(r.int(3) === 0 ? 1000 : 20)); break;
    }
  }
  return v;
}

/** A deeply nested value (arrays or objects). */
function nest(depth) {
  let v = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Text-level damage: cuts, inserted junk, replaced characters. */
function garble(r, text) {
  switch (r.int(5)) {
    case 0: return text.slice(0, r.int(text.length + 1));
    case 1: { const i = r.int(text.length + 1); return text.slice(0, i) + randomString(r) + text.slice(i); }
    case 2: { const i = r.int(text.length); return text.slice(0, i) + String.fromCharCode(r.int(0x10000)) + text.slice(i + 1); }
    case 3: return `${'['.repeat(r.chance(0.5) ? 100_000 : 1000)}${text}`;
    default: return text.replace(/"/g, () => (r.chance(0.05) ? "'" : '"'));
  }
}

// ----- the calls, and the types their values must have -----
const isU32 = (x) => Number.isInteger(x) && x >= 0 && x <= 4294967295;
const isStr = (x) => typeof x === 'string';
const wellFormed = (x) => isStr(x) && x.isWellFormed();
function shape(v, spec, at = '') {
  if (typeof spec === 'function') {
    if (!spec(v)) throw new Error(`${at || '.'} has the wrong type: ${JSON.stringify(v)?.slice(0, 80)}`);
    return;
  }
  if (Array.isArray(spec)) {
    if (!Array.isArray(v)) throw new Error(`${at} is not an array`);
    v.forEach((x, i) => shape(x, spec[0], `${at}[${i}]`));
    return;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${at || '.'} is not an object`);
  const known = new Set(Object.keys(spec).map((k) => k.replace(/\?$/, '')));
  for (const k of Object.keys(v)) if (!known.has(k)) throw new Error(`${at}.${k} is not in the type`);
  for (const [k, s] of Object.entries(spec)) {
    const optional = k.endsWith('?');
    const key = optional ? k.slice(0, -1) : k;
    if (v[key] === undefined) {
      if (!optional) throw new Error(`${at}.${key} is missing`);
    } else {
      shape(v[key], s, `${at}.${key}`);
    }
  }
}
// `k?` marks an optional field. Strings must be well-formed (no lone surrogate), `img` included
// (the SDK keeps it as the JavaScript string it got, after checking it).
const num = (x) => typeof x === 'number';
const bool = (x) => typeof x === 'boolean';
const PROGRESS = {
  finished: isU32, processing: isU32, restarted: isU32, waiting: isU32, done: bool, faulted: bool,
  wait_time: isU32, queue_position: isU32, kudos: num, is_possible: bool,
};
const GENERATION = {
  id: (x) => wellFormed(x) && x.length > 0, img: wellFormed, seed: wellFormed, censored: bool,
  'gen_metadata?': [{ type: wellFormed, value: wellFormed, 'ref?': wellFormed }],
  model: wellFormed, state: wellFormed, worker_id: wellFormed, worker_name: wellFormed,
};
const TYPES = {
  status: { ...PROGRESS, generations: [GENERATION], shared: bool },
  check: PROGRESS,
  submitted: { id: wellFormed, kudos: num, 'message?': wellFormed, warnings: [{ code: wellFormed, message: wellFormed }] },
  dryRun: { kudos: num },
  user: { username: wellFormed, id: num, kudos: num, 'concurrency?': num, 'trusted?': bool, 'pseudonymous?': bool, 'worker_count?': num },
  heartbeat: { message: wellFormed, version: wellFormed, 'queue?': num, 'threads?': num, 'active_count?': num, 'db_connection?': bool },
  models: [{ name: wellFormed, count: isU32, performance: num, queued: num, jobs: num, eta: num, 'type?': wellFormed }],
  download: {
    generationId: wellFormed, bytes: (x) => x instanceof Uint8Array, 'blob?': (x) => x instanceof Blob,
    mimeType: (x) => ['image/webp', 'image/png', 'image/jpeg'].includes(x), censored: bool, source: (x) => x === 'url' || x === 'base64',
  },
};

const TARGETS = {
  getImageStatus: { type: 'status', fixtures: /^status-|^delete-/, call: (c, id) => c.getImageStatus(id) },
  deleteImageStatus: { type: 'status', fixtures: /^status-|^delete-/, call: (c, id) => c.deleteImageStatus(id) },
  checkImage: { type: 'check', fixtures: /^check-/, call: (c, id) => c.checkImage(id) },
  submitImage: { type: 'submitted', fixtures: /^async-/, call: (c) => c.submitImage({ prompt: 'fuzz' }) },
  estimateKudos: { type: 'dryRun', fixtures: /^dry-run/, call: (c) => c.estimateKudos({ prompt: 'fuzz' }) },
  findUser: { type: 'user', fixtures: /^find-user/, call: (c) => c.findUser() },
  listModels: { type: 'models', fixtures: /^models/, call: (c) => c.listModels() },
  heartbeat: { type: 'heartbeat', fixtures: /^heartbeat/, call: (c) => c.heartbeat() },
};

const fixtures = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).sort()
  .map((f) => ({ name: f, value: JSON.parse(readFileSync(join(FIXTURE_DIR, f), 'utf8')) }));
const fixtureFor = (r, target) => {
  const own = fixtures.filter((f) => TARGETS[target].fixtures.test(f.name));
  return r.chance(0.85) && own.length ? r.pick(own) : r.pick(fixtures);
};

// ----- making a case -----
/**
 * A case is plain data (saved as JSON when it fails):
 * { target, id?, answer: { kind, status, headers, body } , generation?, request? }.
 * `answer.kind`: "response" (a real Response), "fake" (a Response-like object with odd parts),
 * "throw" (fetch rejects with `body` as the reason), "sync-throw", "not-a-response".
 */
function makeAnswer(r, target) {
  const k = r.int(100);
  if (k < 3) return { kind: 'throw', reason: r.pick([null, undefined, 42, 'text', { message: 5 }, 'TypeError']) };
  if (k < 5) return { kind: 'sync-throw', reason: r.pick(['boom', null]) };
  if (k < 7) return { kind: 'not-a-response', value: r.pick([null, undefined, 42, 'x', {}, { status: 200 }, [], { status: 'x' }, { status: 200.5 }]) };
  let body;
  const b = r.int(100);
  const text = (v) => {
    try {
      return JSON.stringify(v);
    } catch {
      return JSON.stringify(fixtureFor(r, target).value); // nested too deep for JSON.stringify
    }
  };
  if (b < 45) body = text(mutate(r, fixtureFor(r, target).value));
  else if (b < 60) body = text(fixtureFor(r, target).value);
  else if (b < 75) body = text(randomValue(r));
  else if (b < 90) body = garble(r, text(fixtureFor(r, target).value));
  else body = randomString(r);
  const status = r.chance(0.8) ? 200 : r.pick([200, 201, 202, 204, 206, 299, 300, 304, 400, 401, 403, 404, 408, 409, 410, 418, 429, 500, 502, 503, 504, 599]);
  const headers = {};
  if (r.chance(0.3)) headers['Content-Type'] = r.pick(['application/json', 'text/html', 'application/json; charset=utf-8', '\u00e9', '']);
  if (r.chance(0.25)) headers['Content-Length'] = r.pick([String(body.length), '0', '-1', '1e9', 'abc', '99999999999999999999', String(body.length * 2), '10']);
  if (r.chance(0.25)) headers['Retry-After'] = r.pick(['1', '0', '-5', '1e9', 'soon', 'Wed, 21 Oct 2015 07:28:00 GMT', 'Fri, 31 Dec 2100 23:59:59 GMT', '', '0.5']);
  if (r.chance(0.2)) return { kind: 'fake', status: r.pick([status, 200, -1, 0, 600, 99, 1e10]), headers, body, quirk: r.int(8) };
  return { kind: 'response', status: status === 204 || status === 304 ? 200 : status, headers, body };
}

function makeId(r) {
  if (r.chance(0.93)) return r.chance(0.5) ? UUID : UUID.toUpperCase();
  return r.pick([`${UUID}/..`, '../v2/find_user', `${UUID.slice(0, 35)}\ud800`, '', null, 42, `${UUID}\r\n`, `${UUID.slice(0, 35)}%`, randomString(r)]);
}

function makeGeneration(r) {
  const g = { id: 'g1', img: 'http://127.0.0.1:9/r2/g1.webp', seed: '1', censored: false, gen_metadata: [], model: 'm', state: 'ok', worker_id: 'w', worker_name: 'n' };
  const imgs = ['N/A', '', 'UklGRiQAAABXRUJQVlA4TBgAAAAvAAAAEAcQERGIiP4HAA==', 'iVBORw0KGgoAAAANSUhEUg==', '/9j/4AAQSkZJRg==',
    'aGVsbG8=', '!!!', 'https://r2.example/a.webp?X-Amz-Signature=1', 'http://127.0.0.1:9/r2/x', 'file:///etc/passwd',
    'javascript:alert(1)', 'https://x\r\n.example/', '\ud800', `data:image/webp;base64,UklGR`, 'HTTPS://R2.EXAMPLE/A'];
  if (r.chance(0.6)) g.img = r.pick(imgs);
  return r.chance(0.3) ? mutate(r, g) : g;
}

function makeRequest(r) {
  const base = { prompt: 'a fuzzed prompt', params: { width: 512, height: 512, steps: 20, n: 1, cfg_scale: 7.5, loras: [{ name: 'x' }], post_processing: ['GFPGAN'] }, models: ['stable_diffusion'], nsfw: false };
  return mutate(r, base);
}

function makeCase(r) {
  const t = r.int(100);
  if (t < 8) return { target: 'downloadImage', generation: makeGeneration(r), jobId: r.chance(0.3) ? makeId(r) : undefined, answer: makeImageAnswer(r) };
  if (t < 14) return { target: 'submitRequest', request: makeRequest(r), answer: { kind: 'response', status: 202, headers: {}, body: JSON.stringify({ id: UUID, kudos: 1 }) } };
  const target = r.pick(Object.keys(TARGETS));
  return { target, id: makeId(r), answer: makeAnswer(r, target) };
}

function makeImageAnswer(r) {
  const webp = 'RIFF\u0024\u0000\u0000\u0000WEBPVP8L';
  const body = r.pick(['', webp, '\u0089PNG\r\n\u001a\n', '\u00ff\u00d8\u00ff', '{"message":"x"}', randomString(r)]);
  return { kind: r.chance(0.15) ? 'fake' : 'response', status: r.pick([200, 200, 200, 403, 404, 410, 429, 500, 503]), headers: {}, body, quirk: r.int(8), binary: true };
}

// ----- running a case -----
/** The fetch answer for a case, as the injected fetch returns it. */
function answerOf(a) {
  switch (a.kind) {
    case 'throw': return Promise.reject(a.reason === 'TypeError' ? new TypeError('fetch failed') : a.reason);
    case 'sync-throw': throw a.reason;
    case 'not-a-response': return Promise.resolve(a.value);
    case 'fake': return Promise.resolve(fakeResponse(a));
    default: {
      const body = a.binary ? Uint8Array.from(a.body, (ch) => ch.charCodeAt(0) & 0xff) : a.body;
      return Promise.resolve(new Response(body, { status: a.status, headers: a.headers }));
    }
  }
}

/** A Response-like object with one odd part (the SDK must cope with any fetch polyfill). */
function fakeResponse(a) {
  const h = Object.fromEntries(Object.entries(a.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const res = {
    status: a.status,
    ok: a.status >= 200 && a.status < 300,
    headers: { get: (k) => h[k.toLowerCase()] ?? null },
    text: async () => a.body,
    json: async () => JSON.parse(a.body),
    arrayBuffer: async () => Uint8Array.from(a.body, (ch) => ch.charCodeAt(0) & 0xff).buffer,
  };
  switch (a.quirk) {
    case 0: res.headers = undefined; break;
    case 1: res.headers = { get: () => { throw new Error('headers exploded'); } }; break;
    case 2: res.text = () => { throw new RangeError('text exploded'); }; res.json = res.text; res.arrayBuffer = res.text; break;
    case 3: res.text = async () => 42; res.json = async () => undefined; res.arrayBuffer = async () => 'not bytes'; break;
    case 4: res.text = undefined; res.json = undefined; res.arrayBuffer = undefined; break;
    case 5: res.json = async () => { const e = new Error('x'); e.name = 'SyntaxError'; throw e; }; break;
    case 6: res.headers = { get: () => 1e21 }; break;
    default: break;
  }
  return res;
}

let current = null; // the case whose answer the injected fetch gives
const outcomes = new Map(); // "target → outcome" → count
const violations = []; // things the fetch saw that must never happen
const fetchFn = (url, init) => {
  const u = String(url);
  if (!/^https?:\/\//.test(u)) violations.push(`fetch called with a URL that is not http(s): ${JSON.stringify(u)}`);
  const toHorde = u.startsWith(`${BASE_URL}/`);
  if (current?.target === 'downloadImage' && !toHorde && init?.headers && Object.keys(init.headers).length) {
    violations.push(`custom headers sent to an image host: ${Object.keys(init.headers)}`);
  }
  if (!toHorde && init?.headers?.apikey !== undefined) violations.push(`the API key was sent to ${u}`);
  if (!current) return Promise.resolve(new Response('{"message":"OK","version":"1"}'));
  if (current.target === 'downloadImage' && toHorde) {
    // The URL refresh: a status whose generation carries a fresh URL.
    return Promise.resolve(new Response(JSON.stringify({ ...JSON.parse(readFixture('status-r2.json')), generations: [{ ...current.generation, img: 'http://127.0.0.1:9/r2/fresh.webp' }] })));
  }
  return answerOf(current.answer);
};
const fixtureText = new Map();
const readFixture = (f) => {
  if (!fixtureText.has(f)) fixtureText.set(f, readFileSync(join(FIXTURE_DIR, f), 'utf8'));
  return fixtureText.get(f);
};

const client = new horde.HordeClient({
  baseUrl: BASE_URL, apiKey: 'fuzzkey0000000000000001', clientAgent: 'horde-wasm-fuzz:0:scripts/fuzz.mjs',
  fetch: fetchFn, pacing: false, maxRetries: 0, timeoutMs: 2000,
});

/** Runs one case; returns null when it passed, or what went wrong. */
async function runCase(kase) {
  current = kase;
  violations.length = 0;
  let outcome;
  try {
    let p;
    if (kase.target === 'downloadImage') p = client.downloadImage(kase.generation, kase.jobId === undefined ? undefined : { jobId: kase.jobId });
    else if (kase.target === 'submitRequest') p = client.submitImage(kase.request);
    else p = TARGETS[kase.target].call(client, kase.id);
    if (!(p instanceof Promise)) return `the call returned ${typeof p}, not a Promise`;
    outcome = { ok: true, value: await p };
  } catch (error) {
    outcome = { ok: false, error };
  } finally {
    current = null;
  }
  const problems = [...violations];
  const label = `${kase.target} → ${outcome.ok ? 'resolved' : outcome.error?.name ?? typeof outcome.error}`;
  outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
  if (outcome.ok) {
    const type = kase.target === 'downloadImage' ? 'download' : kase.target === 'submitRequest' ? 'submitted' : TARGETS[kase.target].type;
    try {
      shape(outcome.value, TYPES[type]);
    } catch (e) {
      problems.push(`resolved to a value that is not a ${type}: ${e.message}`);
    }
  } else if (!(outcome.error instanceof horde.HordeError)) {
    const e = outcome.error;
    problems.push(`rejected with ${e?.constructor?.name ?? typeof e}: ${e?.message ?? String(e)}`);
  }
  // The same client keeps working (a wasm trap would break every later call).
  try {
    const hb = await client.heartbeat();
    if (hb.message !== 'OK') problems.push('the client answered a valid heartbeat wrongly');
  } catch (e) {
    problems.push(`the client no longer works: ${e?.name}: ${e?.message}`);
  }
  return problems.length ? problems.join('; ') : null;
}

// ----- the run -----
const unhandled = [];
let inCase = false;
process.on('unhandledRejection', (reason) => unhandled.push(reason));
process.on('uncaughtException', (error) => {
  if (inCase) {
    unhandled.push(error);
    return;
  }
  // Outside a case it is the fuzzer's own bug: never end quietly.
  console.error('fuzz: the fuzzer failed:', error);
  console.log(`fuzz: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});

let passed = 0;
let failed = 0;
const failures = [];

let newlySaved = 0;

/** Runs a case and counts it; a failure is saved (unless it came from the corpus). */
async function record(kase, source, file) {
  inCase = true;
  let problem = await runCase(kase);
  await new Promise((r) => setImmediate(r)); // let unhandled rejections of the case surface
  inCase = false;
  if (unhandled.length) {
    const u = unhandled.splice(0);
    problem = `${problem ? `${problem}; ` : ''}unhandled: ${u.map((x) => x?.stack || String(x)).join(' | ')}`;
  }
  if (problem === null) {
    passed += 1;
    return;
  }
  failed += 1;
  let name = file;
  if (!name) {
    name = `${createHash('sha256').update(JSON.stringify(kase)).digest('hex').slice(0, 16)}.json`;
    mkdirSync(CORPUS_DIR, { recursive: true });
    const path = join(CORPUS_DIR, name);
    if (!existsSync(path)) {
      writeFileSync(path, `${JSON.stringify({ problem, case: kase }, null, 2)}\n`);
      newlySaved += 1;
    }
  }
  failures.push(`tests/fuzz-corpus/${name} (${source}): ${kase.target}: ${problem}`);
}

const memStart = horde.wasmMemoryBytes();
const t0 = Date.now();
let replayed = 0;
try {
// 1. Replay every saved failure.
const saved = existsSync(CORPUS_DIR) ? readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.json')).sort() : [];
for (const f of saved) {
  const { case: kase } = JSON.parse(readFileSync(join(CORPUS_DIR, f), 'utf8'));
  await record(kase, 'corpus', f);
}
replayed = passed + failed;
// 2. Every fixture, unchanged, through its own call: these must all resolve.
for (const [target, t] of Object.entries(TARGETS)) {
  for (const f of fixtures.filter((x) => t.fixtures.test(x.name))) {
    await record({ target, id: UUID, answer: { kind: 'response', status: 200, headers: {}, body: JSON.stringify(f.value) } }, 'fixture');
  }
}
// 3. Random cases until the time is up.
const r = prng(seed);
const deadline = t0 + seconds * 1000;
while (Date.now() < deadline) {
  for (let i = 0; i < 20; i++) await record(makeCase(r), 'random');
}
} catch (e) {
  // A bug of the fuzzer itself: say so loudly rather than end quietly.
  console.error('fuzz: the fuzzer failed:', e);
  console.log(`fuzz: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}
const memEnd = horde.wasmMemoryBytes();

if (args.includes('--verbose')) {
  for (const [k, n] of [...outcomes].sort()) console.log(`${String(n).padStart(7)}  ${k}`);
}
for (const f of failures.slice(0, 20)) console.log(`FAIL ${f}`);
if (failures.length > 20) console.log(`… and ${failures.length - 20} more`);
console.log(`fuzz: seed ${seed}, ${((Date.now() - t0) / 1000).toFixed(1)} s, ${replayed} saved inputs replayed, wasm memory ${memStart} → ${memEnd} bytes`);
if (newlySaved) console.log(`${newlySaved} new failing inputs saved in tests/fuzz-corpus/ (replayed first from now on)`);
console.log(`fuzz: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
