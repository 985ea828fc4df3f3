// Wire comparison: the exchanges of exchanges.mjs go to the real AI Horde server
// (REAL_HORDE_URL, e.g. http://127.0.0.1:17001/api) and to in-process simulators at
// the same moment; every difference in status, body shape, JSON types, rc, message,
// CORS or rate-limit headers, or deterministic counters is listed in one table, and
// the test fails if there is any.
//
//   REAL_HORDE_URL=http://127.0.0.1:17001/api node --test tests/conformance/
//
// Addresses: each sequence sends X-Forwarded-For: 127.0.0.N (N in 100..199) so its
// rate-limit windows are its own on both servers (the real server trusts one proxy
// hop; the simulator keys on the header's first address). Per-second windows are
// long gone when a run starts, so most sequences keep one address from run to run
// (127.0.0.100 on). Sequences that use per-minute windows on fixed paths (models,
// find_user, 'not-a-real-id') would meet the previous run's windows if it ended
// less than a minute ago: they take the next block of addresses from a pool
// (127.0.0.140..189) on each run, the last block used being noted in
// $TMPDIR/horde-wasm-conformance-addresses.json. 127.0.0.199 is the Trusted key's
// (the real server whitelists it for a day); 127.0.0.198 polls and cleans up.
//
// WIRE_DUMP=<file> also writes every exchange (request and both answers) to that file
// as JSON lines.
import { test } from 'node:test';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { startSimulator } from 'horde-sim';
import { CLIENT_AGENT, KEYS, SEQUENCES, SIMULATORS } from './exchanges.mjs';
import { compareExchange, formatTable, parseBody, plain } from './compare.mjs';

const SUBMIT_PATH = '/v2/generate/async';
const SUBMIT_GAP_MS = 1050; // a fixed window opened by the previous submit has closed
const WAIT_TIMEOUT_MS = 90_000;
const POLL_MS = 700;
const REQUEST_TIMEOUT_MS = 30_000;
const TRUSTED_IP = '127.0.0.199';
const POLLER_IP = '127.0.0.198';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Addresses for the sequences: a fixed one each, a fresh block for the per-minute ones. */
function addressesForRun(sequences) {
  const plainOnes = sequences.filter((q) => q.ip !== 'trusted' && !q.minuteWindows);
  const minuteOnes = sequences.filter((q) => q.ip !== 'trusted' && q.minuteWindows);
  if (plainOnes.length > 40) throw new Error('more than 40 sequences: 127.0.0.100..139 are not enough');
  const blocks = Math.floor(50 / Math.max(1, minuteOnes.length));
  const state = join(tmpdir(), 'horde-wasm-conformance-addresses.json');
  let block;
  try { block = (JSON.parse(readFileSync(state, 'utf8')).block + 1) % blocks; } catch { block = Math.floor(Date.now() / 60_000) % blocks; }
  if (!Number.isInteger(block) || block < 0) block = 0;
  try { writeFileSync(state, JSON.stringify({ block, at: new Date().toISOString() })); } catch { /* read-only tmp: the time-based block stands */ }
  const ips = new Map();
  plainOnes.forEach((q, i) => ips.set(q, `127.0.0.${100 + i}`));
  minuteOnes.forEach((q, i) => ips.set(q, `127.0.0.${140 + block * minuteOnes.length + i}`));
  for (const q of sequences) if (q.ip === 'trusted') ips.set(q, TRUSTED_IP);
  return ips;
}

/** One of the two servers compared. */
class Side {
  constructor(label, base) { this.label = label; this.base = base.replace(/\/+$/, ''); }
}

async function send(base, { method, path, headers, body }) {
  try {
    const res = await fetch(base + path, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), redirect: 'manual' });
    const text = method === 'HEAD' ? '' : await res.text();
    const h = {};
    for (const [k, v] of res.headers) h[k.toLowerCase()] = v;
    return { status: res.status, headers: h, text, body: parseBody(text) };
  } catch (err) {
    return { error: `${err.name}: ${err.message}` };
  }
}

/** Serialises submits that share an API key: its per-key window is 2 per second. */
class KeyGate {
  constructor() { this.tail = Promise.resolve(); this.lastAt = 0; }
  acquire() {
    let release;
    const held = new Promise((r) => { release = r; });
    const ready = this.tail.then(async () => {
      const wait = this.lastAt + SUBMIT_GAP_MS - Date.now();
      if (wait > 0) await sleep(wait);
      return () => { this.lastAt = Date.now(); release(); };
    });
    this.tail = this.tail.then(() => held);
    return ready;
  }
}

function substitute(value, vars) {
  if (typeof value === 'string') {
    return value.replace(/\{([A-Za-z0-9_]+)\}/g, (m, name) => (name in vars ? vars[name] : m));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  return value;
}

function isSubmit(step) { return step.method === 'POST' && step.path === SUBMIT_PATH; }

/**
 * The per-minute rate-limit window an exchange counts in, if any. Both servers send
 * Retry-After = the seconds left in the window rounded to the nearest second, so an
 * exchange sent when the window's age is near n + 0.5 s may round differently on the
 * two servers (their clocks start the window a few milliseconds apart). The runner
 * keeps such exchanges away from those instants.
 */
function minuteWindowOf(step) {
  const path = step.path.split('?')[0];
  if (path.startsWith('/v2/generate/status/') && (step.method === 'GET' || step.method === 'DELETE')) return `${step.method} ${path}`;
  // default limits: one window per endpoint and address, preflights included
  if (path === '/v2/status/models') return 'models';
  if (path.startsWith('/v2/status/models/')) return 'model';
  if (path === '/v2/find_user') return 'find_user';
  return null;
}
const MINUTE_MS = 60_000;

async function awayFromRounding(windows, step) {
  const key = minuteWindowOf(step);
  if (!key) return;
  const opened = windows.get(key);
  const age = opened === undefined ? Infinity : Date.now() - opened;
  if (age >= MINUTE_MS + 200) { windows.set(key, Date.now()); return; }
  if (age >= MINUTE_MS - 200) { await sleep(MINUTE_MS + 200 - age); windows.set(key, Date.now()); return; }
  const frac = age % 1000;
  if (frac > 300 && frac < 700) await sleep(700 - frac);
}

/**
 * The differences in sequence order, one row per difference; the same difference
 * (field and both values) in several exchanges of a sequence is one row naming the
 * first and the last of them and their number.
 */
function tableRows(diffs) {
  const sorted = [...diffs].sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1]);
  const rows = [];
  const bySig = new Map();
  for (const d of sorted) {
    const sig = JSON.stringify([d.at[0], d.field, d.real, d.sim]);
    const row = bySig.get(sig);
    if (row) { row.count++; row.lastStep = d.step; continue; }
    const fresh = { seq: d.seq, firstStep: d.step, lastStep: d.step, count: 1, field: d.field, real: d.real, sim: d.sim };
    bySig.set(sig, fresh);
    rows.push(fresh);
  }
  return rows.map((r) => ({
    exchange: r.count > 1 ? `${r.seq} / ${r.firstStep} … ${r.lastStep} (${r.count}×)` : `${r.seq} / ${r.firstStep}`,
    field: r.field, real: r.real, sim: r.sim,
  }));
}

class Run {
  constructor(real, sims) {
    this.real = real;
    this.sims = sims; // name -> Side
    this.token = randomBytes(6).toString('hex');
    this.unknownUuid = randomUUID();
    this.junk = 0;
    this.gates = new Map();
    this.diffs = [];
    this.exchanges = 0;
  }

  gate(apikey) {
    if (!this.gates.has(apikey)) this.gates.set(apikey, new KeyGate());
    return this.gates.get(apikey);
  }

  request(step, ip, vars, junkKey) {
    const headers = { 'X-Forwarded-For': ip, 'Client-Agent': CLIENT_AGENT };
    if (step.key === 'junk') headers.apikey = junkKey;
    else if (step.key) headers.apikey = KEYS[step.key];
    let body;
    if (step.rawBody !== undefined) body = step.rawBody;
    else if (step.body !== undefined) { body = JSON.stringify(substitute(step.body, vars)); headers['Content-Type'] = 'application/json'; }
    for (const [k, v] of Object.entries(step.headers || {})) {
      for (const existing of Object.keys(headers)) if (existing.toLowerCase() === k.toLowerCase()) delete headers[existing];
      if (v !== null) headers[k] = substitute(v, vars);
    }
    return { method: step.method, path: substitute(step.path, vars), headers, body };
  }

  async runSequence(seq, ip) {
    const sim = this.sims[seq.sim || 'main'];
    const sides = [
      { side: this.real, vars: { run: this.token, unknownUuid: this.unknownUuid }, created: new Set() },
      { side: sim, vars: { run: this.token, unknownUuid: this.unknownUuid }, created: new Set() },
    ];
    let lastSubmitAt = 0;
    let heldRelease = null;
    const windows = new Map(); // per-minute window -> when this sequence opened it
    const steps = seq.steps;
    try {
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i];
        if (step.sleep) { await sleep(step.sleep); continue; }
        if (step.wait === 'done') { await this.waitDone(seq, step, i, sides); continue; }

        const junkKey = `conformance-${this.token}-${++this.junk}`;
        const registered = step.key && step.key !== 'junk' && step.key !== 'anon';
        if (isSubmit(step)) {
          if (!step.burst) {
            if (heldRelease) { heldRelease(); heldRelease = null; }
            const wait = lastSubmitAt + SUBMIT_GAP_MS - Date.now();
            if (wait > 0) await sleep(wait);
            if (registered) heldRelease = await this.gate(KEYS[step.key]).acquire();
          }
        }

        await awayFromRounding(windows, step);
        const requests = sides.map(({ vars }) => this.request(step, ip, vars, junkKey));
        const [r, s] = await Promise.all(sides.map(({ side }, k) => send(side.base, requests[k])));
        this.exchanges++;
        if (process.env.WIRE_DUMP) {
          const brief = (a) => ({ status: a.status, error: a.error, headers: a.headers, body: a.text });
          appendFileSync(process.env.WIRE_DUMP, `${JSON.stringify({ seq: seq.name, step: step.name, request: requests[0], real: brief(r), sim: brief(s) })}\n`);
        }
        if (isSubmit(step)) {
          lastSubmitAt = Date.now();
          // keep the key while the next submit of this sequence is part of the same burst
          const next = steps.slice(i + 1).find((x) => x.method);
          if (heldRelease && !(next && isSubmit(next) && next.burst)) { heldRelease(); heldRelease = null; }
        }

        [r, s].forEach((answer, k) => {
          const id = answer.body?.kind === 'json' ? plain(answer.body.value)?.id : undefined;
          if (isSubmit(step) && answer.status === 202 && typeof id === 'string') {
            sides[k].created.add(id);
            if (step.save) sides[k].vars[step.save] = id;
          }
          if (step.save && !(step.save in sides[k].vars)) sides[k].vars[step.save] = `no-id-from-${step.save}`;
        });

        for (const d of compareExchange(r, s, step.rules || {})) {
          this.diffs.push({ seq: seq.name, step: step.name, at: [SEQUENCES.indexOf(seq), i], ...d });
        }
      }
    } finally {
      if (heldRelease) heldRelease();
      await this.cleanup(sides);
    }
  }

  async waitDone(seq, step, index, sides) {
    const deadline = Date.now() + WAIT_TIMEOUT_MS;
    await Promise.all(sides.map(async ({ side, vars }) => {
      const id = vars[step.job];
      for (;;) {
        const a = await send(side.base, { method: 'GET', path: `/v2/generate/check/${id}`, headers: { 'X-Forwarded-For': POLLER_IP, 'Client-Agent': CLIENT_AGENT } });
        const body = a.body?.kind === 'json' ? plain(a.body.value) : null;
        if (a.status === 200 && body?.done === true) return;
        if (a.status === 404 || Date.now() > deadline) {
          this.diffs.push({
            seq: seq.name, step: `wait until ${step.job} is done`, at: [SEQUENCES.indexOf(seq), index],
            field: 'done', real: side === this.real ? `not done (HTTP ${a.status})` : '', sim: side === this.real ? '' : `not done (HTTP ${a.status})`,
          });
          return;
        }
        await sleep(POLL_MS);
      }
    }));
  }

  async cleanup(sides) {
    await Promise.all(sides.flatMap(({ side, created }) => [...created].map((id) => send(side.base, {
      method: 'DELETE', path: `/v2/generate/status/${id}`, headers: { 'X-Forwarded-For': POLLER_IP, 'Client-Agent': CLIENT_AGENT },
    }))));
  }
}

test('the simulator answers the AI Horde wire exchanges as the real server does', { timeout: 290_000 }, async (t) => {
  const realUrl = process.env.REAL_HORDE_URL;
  if (!realUrl) {
    assert.fail('REAL_HORDE_URL is not set: this test compares the simulator with a running AI Horde server, '
      + 'e.g. REAL_HORDE_URL=http://127.0.0.1:17001/api node --test tests/conformance/');
  }
  const real = new Side('real', realUrl);
  const beat = await send(real.base, { method: 'GET', path: '/v2/status/heartbeat', headers: { 'Client-Agent': CLIENT_AGENT } });
  if (beat.error || beat.status !== 200) {
    assert.fail(`the real AI Horde at ${real.base} does not answer its heartbeat (${beat.error || `HTTP ${beat.status}`})`);
  }

  const models = await send(real.base, { method: 'GET', path: '/v2/status/models', headers: { 'X-Forwarded-For': POLLER_IP, 'Client-Agent': CLIENT_AGENT } });
  const served = models.body?.kind === 'json' ? plain(models.body.value) : [];
  if (!Array.isArray(served) || !served.some((m) => m.name === 'stable_diffusion' && m.count > 0)) {
    assert.fail(`no worker of the real AI Horde at ${real.base} serves stable_diffusion (is its worker running, or in maintenance?): `
      + `the exchanges that wait for images cannot be compared. /v2/status/models answered ${models.status}: ${String(models.text).slice(0, 300)}`);
  }

  const needed = new Set(SEQUENCES.map((s) => s.sim || 'main'));
  const handles = {};
  const sims = {};
  try {
    for (const name of needed) {
      handles[name] = await startSimulator({ port: 0, quiet: true, ...SIMULATORS[name] });
      sims[name] = new Side('sim', handles[name].baseUrl);
    }
    const run = new Run(real, sims);
    if (process.env.WIRE_DUMP) writeFileSync(process.env.WIRE_DUMP, '');
    const started = Date.now();
    // Every sequence starts at once; submits sharing a key take turns.
    const ips = addressesForRun(SEQUENCES);
    await Promise.all(SEQUENCES.map((seq) => run.runSequence(seq, ips.get(seq))));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);

    const summary = `${run.exchanges} exchanges in ${SEQUENCES.length} sequences, ${seconds} s; ${run.diffs.length} difference(s)`;
    t.diagnostic(summary);
    if (run.diffs.length) {
      const table = formatTable(tableRows(run.diffs));
      process.stderr.write(`\nWire differences (real AI Horde at ${real.base} vs simulator):\n${table}\n${summary}\n`);
      assert.fail(`${summary} (the table is above)`);
    } else {
      process.stderr.write(`\n${summary}\n`);
    }
  } finally {
    await Promise.all(Object.values(handles).map((h) => h.close()));
  }
});
