// Simulated horde state: clock, requests ("waiting prompts"), their image
// jobs ("processing generations"), workers and the event engine that moves
// images waiting -> processing -> finished in simulated time.

import { createHmac, randomBytes } from 'node:crypto';
import {
  Rng, F, pyRound, pyStrNum, normaliseUuid, sha256hex, randomSeed,
} from './util.mjs';
import {
  ANON_KEY, HORDE_VERSION, MODELS, KNOWN_POST_PROCESSORS, SECOND_ORDER_SAMPLERS,
  KNOWN_LCM_LORA_IDS, KNOWN_LCM_LORA_VERSIONS, CENSOR_WORDS, isKnownModel,
  modelBaseline, modelRequirements, familyMultiplier, dryRunMultiplier, speedFactor,
  loadKeys, makeWorker,
} from './catalog.mjs';
import {
  HordeError, parseJsonBody, schemaErrors, validationErrorBody, parserArgs, containsNul,
  validateImageParams, validateRequestShape, checkSourceImage, WARNING_MESSAGES,
} from './validate.mjs';
import { renderImage } from './webp.mjs';

// ---------------------------------------------------------------------------

export class Clock {
  constructor(speed = 1) {
    this.speed = speed;
    this.realBase = Clock.realNow();
    this.simBase = this.realBase;
  }
  static realNow() { return performance.timeOrigin + performance.now(); }
  now() { return this.simBase + (Clock.realNow() - this.realBase) * this.speed; }
  setSpeed(speed) {
    const n = this.now();
    this.realBase = Clock.realNow();
    this.simBase = n;
    this.speed = speed;
  }
  simToReal(simMs) { return this.realBase + (simMs - this.simBase) / this.speed; }
}

export const DEFAULT_CONFIG = {
  speed: 1,
  seed: null,
  rateLimits: true,
  lifetimeSeconds: 1200,
  r2ExpirySeconds: 1800,
  workers: 4,
  failureRate: 0,
  imageKind: 'pattern',
};
export const IMAGE_KINDS = ['pattern', 'noise'];
const POLL_MS = 1000; // idle workers poll once per simulated second
const BATCH_BUDGET = 4 * 512 * 512 * 30; // things a worker takes in one pop
const CLEANUP_MS = 60000; // the server's waiting-prompt cleaner runs every 60 s
const FAULTED_JOBS_LIMIT = 2; // the cleaner faults a request with more faulted images than this
const SLOW_EXTRA_MS = 20000; // "slowme" in a prompt: each image takes 20 s more
// Activation charge: the horde tax (1) plus the 2 kudos the server adds for a
// style, which it adds to every request (its style_kudos is never None).
const HORDE_TAX = 3;

// The account floor (User.get_min_kudos): upfront admission keeps this much
// back, and a charge never takes the balance below it.
export function minKudos(user) {
  if (user.id === 0) return -50;
  return user.pseudonymous ? 14 : 25;
}

function round2(x) { return Math.round(x * 100) / 100; }

function seedToInt(s) {
  let n;
  if (/^[0-9]+$/.test(s)) n = BigInt(s);
  else {
    const b = Buffer.from(s, 'utf8');
    n = 0n;
    for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  }
  while (n >= 2n ** 32n) n >>= 32n;
  return Number(n);
}

function stableStringify(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(stableStringify).join(',') + ']';
  return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + stableStringify(v[k])).join(',') + '}';
}

function amzDate(ms) {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
function parseAmzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
}

// ---------------------------------------------------------------------------

export class HordeState {
  constructor(opts = {}) {
    this.cfg = { ...DEFAULT_CONFIG };
    for (const k of Object.keys(DEFAULT_CONFIG)) if (opts[k] !== undefined) this.cfg[k] = opts[k];
    this.seed = this.cfg.seed === null || this.cfg.seed === undefined ? randomSeed() : this.cfg.seed;
    this.keysSource = opts.keys;
    this.clock = new Clock(this.cfg.speed);
    this.secret = this.cfg.seed === null ? randomBytes(32) : Buffer.from(sha256hex(`r2-secret|${this.seed}`), 'hex');
    this.origin = opts.origin || 'http://127.0.0.1';
    this.onDone = opts.onDone || (() => {});
    this.onTrusted = opts.onTrusted || (() => {});
    // queue positions come from a snapshot refreshed once per real second
    this.queueCacheMs = opts.queueCacheMs ?? 1000;
    this.queuePhaseReal = Clock.realNow();
    this.cleanupPhaseSim = this.clock.now();
    this.timer = null;
    this.closed = false;
    this.workers = [];
    this.resetState();
    this.setWorkerCount(this.cfg.workers);
  }

  // -- lifecycle -------------------------------------------------------------

  resetState() {
    this.users = loadKeys(this.keysSource);
    this.requests = new Map(); // id -> request (kept after expiry)
    this.live = new Set(); // not expired
    this.order = []; // live requests in queue order (priority desc, then age)
    this.gens = new Map(); // generation id -> { req, pg }
    this.urls = new Map(); // signature -> { genId, issuedSim, expiresSim }
    this.dryRunCache = new Map();
    this.queueSnap = null;
    this.seq = 0;
    for (const w of this.workers) { w.busy = null; w.nextPoll = null; }
    this.workers = this.workers.filter((w) => !w.retiring);
  }

  reset() {
    this.advance();
    this.resetState();
    this.schedule();
  }

  close() {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  now() { return this.clock.now(); }

  config() {
    return {
      speed: this.cfg.speed, seed: this.cfg.seed === null ? null : this.seed, rateLimits: this.cfg.rateLimits,
      lifetimeSeconds: this.cfg.lifetimeSeconds, r2ExpirySeconds: this.cfg.r2ExpirySeconds,
      failureRate: this.cfg.failureRate, imageKind: this.cfg.imageKind, workers: this.cfg.workers,
    };
  }

  setConfig(p) {
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw new HordeError(400, 'config must be a JSON object');
    const num = (k, ok) => { if (p[k] !== undefined && (typeof p[k] !== 'number' || !ok(p[k]))) throw new HordeError(400, `invalid ${k}`); };
    num('speed', (v) => v > 0 && Number.isFinite(v));
    num('lifetimeSeconds', (v) => v > 0);
    num('r2ExpirySeconds', (v) => v > 0);
    num('failureRate', (v) => v >= 0 && v <= 1);
    num('workers', (v) => Number.isInteger(v) && v >= 0 && v <= 256);
    if (p.rateLimits !== undefined && typeof p.rateLimits !== 'boolean') throw new HordeError(400, 'invalid rateLimits');
    if (p.imageKind !== undefined && !IMAGE_KINDS.includes(p.imageKind)) throw new HordeError(400, 'invalid imageKind');
    this.advance();
    if (p.speed !== undefined) { this.cfg.speed = p.speed; this.clock.setSpeed(p.speed); }
    for (const k of ['rateLimits', 'lifetimeSeconds', 'r2ExpirySeconds', 'failureRate', 'imageKind']) if (p[k] !== undefined) this.cfg[k] = p[k];
    if (p.workers !== undefined) { this.cfg.workers = p.workers; this.setWorkerCount(p.workers); }
    this.schedule();
    return this.config();
  }

  setWorkerCount(n) {
    const t = this.now();
    const active = this.workers.filter((w) => !w.retiring);
    for (let i = 0; i < active.length; i++) if (i >= n) { active[i].retiring = true; if (!active[i].busy) this.removeWorker(active[i]); }
    for (let i = active.length; i < n; i++) {
      const retired = this.workers.find((w) => w.index === i && w.retiring);
      if (retired) { retired.retiring = false; continue; }
      const w = makeWorker(this.seed, i);
      this.workers.push(w);
    }
    this.workers.sort((a, b) => a.index - b.index);
    this.workAvailable(t);
  }

  removeWorker(w) { this.workers = this.workers.filter((x) => x !== w); }
  activeWorkers() { return this.workers.filter((w) => !w.retiring); }

  // -- engine ----------------------------------------------------------------

  advance() {
    if (this.closed) return;
    const now = this.now();
    for (let guard = 0; guard < 1e6; guard++) {
      const ev = this.nextEvent();
      if (!ev || ev.t > now) break;
      if (ev.kind === 'complete') this.completeBatch(ev.w, ev.t);
      else if (ev.kind === 'poll') this.poll(ev.w, ev.t);
      else if (ev.kind === 'cleanup') this.cleanupPass(ev.t);
      else this.expire(ev.r, ev.t);
    }
  }

  nextEvent() {
    let best = null;
    for (const w of this.workers) {
      const t = w.busy ? w.busy.until : w.nextPoll;
      if (t !== null && t !== undefined && (!best || t < best.t)) best = { t, kind: w.busy ? 'complete' : 'poll', w };
    }
    for (const r of this.live) {
      if (!best || r.expirySim < best.t) best = { t: r.expirySim, kind: 'expire', r };
      if (r.faultDueSim !== null && r.faultDueSim < best.t) best = { t: r.faultDueSim, kind: 'cleanup' };
    }
    return best;
  }

  schedule() {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.closed) return;
    const ev = this.nextEvent();
    if (!ev) return;
    const delay = Math.max(0, (ev.t - this.now()) / this.clock.speed) + 1;
    this.timer = setTimeout(() => { this.timer = null; this.advance(); this.schedule(); }, Math.min(delay, 2 ** 31 - 1));
    if (this.timer.unref) this.timer.unref();
  }

  // Wake sleeping idle workers at their next poll tick.
  workAvailable(t) {
    for (const w of this.workers) {
      if (w.busy || w.retiring || w.nextPoll !== null) continue;
      w.nextPoll = w.phase + Math.ceil((t - w.phase) / POLL_MS) * POLL_MS;
    }
  }

  queue() {
    return this.order.filter((r) => r.remaining > 0 && !r.faulted && !r.cancelled);
  }

  enqueue(req) {
    const before = (a, b) => b.extraPriority - a.extraPriority || a.createdSim - b.createdSim || a.seq - b.seq;
    let lo = 0, hi = this.order.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (before(this.order[mid], req) <= 0) lo = mid + 1; else hi = mid; }
    this.order.splice(lo, 0, req);
  }

  eligible(w, r) {
    if (w.retiring) return false;
    if (r.models.length && !r.models.some((m) => w.models.includes(m))) return false;
    if (r.nsfw && !w.nsfw) return false;
    if (r.trustedWorkers && !w.trusted) return false;
    if (r.validatedBackends && !w.validated) return false;
    if (r.workerIds.length) {
      const inList = r.workerIds.includes(w.id);
      if (r.workerBlacklist ? inList : !inList) return false;
    }
    return true;
  }

  eligibleWorkers(r) { return this.workers.filter((w) => this.eligible(w, r)); }

  poll(w, t) {
    if (w.retiring) { this.removeWorker(w); return; }
    const req = this.queue().find((r) => !r.stalled && this.eligible(w, r));
    if (!req) { w.nextPoll = null; return; }
    let k = Math.min(req.remaining, w.maxBatch, Math.max(1, Math.floor(BATCH_BUDGET / req.things)));
    if (req.disableBatching) k = 1;
    const pgs = this.createProcgens(req, w, k, t);
    req.remaining -= k;
    this.refreshExpiry(req, t);
    const perImage = (req.things / w.speed) * 1000 * speedFactor(pgs[0].model)
      * (1 + 0.15 * (req.params.post_processing || []).length) * (req.params.hires_fix ? 1.5 : 1);
    let duration = perImage * (1 + 0.75 * (k - 1)) * (0.9 + 0.2 * this.rngFor('jitter', req, pgs[0].n).next());
    if (req.slowme) duration += SLOW_EXTRA_MS * k;
    for (const pg of pgs) pg.endSim = t + duration;
    w.busy = { reqId: req.id, pgIds: pgs.map((p) => p.id), until: t + duration };
    w.nextPoll = null;
  }

  createProcgens(req, w, k, t) {
    const cands = req.models.filter((m) => w.models.includes(m));
    const model = this.rngFor('model', req, req.pgCount).pick(cands.length ? cands : w.models);
    const out = [];
    for (let i = 0; i < k; i++) {
      const index = req.freeIndices.length ? req.freeIndices.shift() : req.nextIndex++;
      const n = req.pgCount++;
      const pg = {
        id: this.rngFor('gen', req, n).uuid4(), n, index, workerId: w.id, workerName: w.name, model,
        startSim: t, endSim: null, state: 'processing', seed: this.seedFor(req, index), censored: false, meta: [],
      };
      req.procgens.push(pg);
      req.pgById.set(pg.id, pg);
      this.gens.set(pg.id, { req, pg });
      out.push(pg);
    }
    return out;
  }

  rngFor(purpose, req, n) { return new Rng(this.seed, purpose, req.seq, n); }

  seedFor(req, index) {
    if (req.seedBase === null) return this.rngFor('seed', req, index).uint32();
    let s = BigInt(req.seedBase) + BigInt(req.seedVariation || 0) * BigInt(index);
    while (s >= 2n ** 32n) s >>= 32n;
    return Number(s);
  }

  completeBatch(w, t) {
    const b = w.busy;
    w.busy = null;
    const req = this.requests.get(b.reqId);
    if (req) {
      for (const id of b.pgIds) {
        const pg = req.pgById.get(id);
        if (!pg || pg.state !== 'processing') continue;
        if (req.expired) { pg.state = 'lost'; continue; }
        // A worker submits the image as faulted: always for a "faultme" prompt,
        // else for an injected worker-failure or at the random failure rate.
        let fail = req.faultme;
        if (!fail && req.pendingFailures > 0) { req.pendingFailures--; fail = true; } else if (!fail && this.cfg.failureRate > 0 && this.rngFor('fail', req, pg.n).chance(this.cfg.failureRate)) fail = true;
        if (fail) this.failProcgen(req, pg, t); else this.deliver(req, pg, t);
      }
      this.updateDone(req, t);
    }
    if (w.retiring) this.removeWorker(w); else w.nextPoll = t;
  }

  // ImageProcessingGeneration.set_generation(state="faulted"): the image is
  // queued again only while fewer of the request's images than its job count
  // (n; after a cancel, the images finished by then) have finished or faulted,
  // this one not counted. A faulted image counts as ended for `done`. The
  // request's own `faulted` flag is set later, by the cleaner, once more than
  // 2 of its images have faulted.
  failProcgen(req, pg, t) {
    const ended = req.procgens.filter((p) => p !== pg && (p.state === 'done' || p.state === 'faulted')).length;
    pg.state = 'faulted';
    pg.endSim = t;
    if (ended < req.jobs && !req.expired) {
      this.freeIndexLater(req, pg.index);
      req.remaining += 1;
      this.workAvailable(t);
    }
    const faults = req.procgens.filter((p) => p.state === 'faulted').length;
    if (!req.faulted && faults > FAULTED_JOBS_LIMIT && req.faultDueSim === null) req.faultDueSim = this.nextCleanup(t);
  }

  // The first run of the cleaner strictly after t (it runs every 60 simulated
  // seconds from the simulator's start).
  nextCleanup(t) {
    return this.cleanupPhaseSim + (Math.floor((t - this.cleanupPhaseSim) / CLEANUP_MS) + 1) * CLEANUP_MS;
  }

  cleanupPass(t) {
    for (const r of this.live) {
      if (r.faultDueSim === null || r.faultDueSim > t) continue;
      r.faultDueSim = null;
      r.faulted = true;
      this.updateDone(r, t);
    }
  }

  freeIndexLater(req, index) { req.freeIndices.push(index); req.freeIndices.sort((a, b) => a - b); }

  deliver(req, pg, t) {
    pg.state = 'done';
    pg.endSim = t;
    const wantsCensor = !req.nsfw && req.censorNsfw;
    const censorHit = wantsCensor && CENSOR_WORDS.some((wd) => new RegExp(`\\b${wd}\\b`, 'i').test(req.positivePrompt));
    pg.censored = req.censorFlag || censorHit;
    pg.meta = [];
    if (pg.censored) pg.meta.push({ type: 'censorship', value: 'nsfw' });
    if (req.loraFail) {
      const names = (req.params.loras || []).map((l) => String(l.name));
      for (const name of names.length ? names : ['horde-sim-lora']) pg.meta.push({ type: 'lora', value: 'download_failed', ref: name.slice(0, 255) });
    }
    pg.imageKind = req.imageKind;
    if (!pg.censored) this.charge(req, this.burn(req, req.kudosBase * familyMultiplier(pg.model, req.params)));
    // the upfront hold is released by the delivery that completes the request
    if (this.isDone(req)) req.hold = 0;
  }

  // WaitingPrompt.record_usage: the user pays (never below the account floor;
  // a balance already below it is raised to it), the request's upfront hold
  // shrinks by the same amount.
  charge(req, k) {
    req.consumed = round2(req.consumed + k);
    const user = req.user;
    user.kudos = Math.max(round2(user.kudos - k), minKudos(user));
    req.hold = Math.max(0, round2(req.hold - k));
  }

  // kudos_reservations.available_kudos: balance - floor - active holds.
  availableKudos(user) {
    let held = 0;
    for (const r of this.live) if (r.user === user) held += r.hold;
    return round2(user.kudos - minKudos(user) - held);
  }

  /** The server pushes a request's expiry on every job pick-up, never on a delivery or a poll. */
  refreshExpiry(req, t) {
    const e = t + this.cfg.lifetimeSeconds * 1000;
    if (e > req.expirySim) req.expirySim = e;
  }

  expire(req, t) {
    req.expired = true;
    req.expiredSim = t;
    req.hold = 0;
    req.faultDueSim = null;
    this.live.delete(req);
    const i = this.order.indexOf(req);
    if (i >= 0) this.order.splice(i, 1);
  }

  // WaitingPrompt.is_completed: nothing left to start, and the finished or
  // faulted images minus those still processing reach the job count.
  isDone(req) {
    if (req.faulted) return true;
    if (req.remaining > 0) return false;
    let ended = 0, processing = 0;
    for (const p of req.procgens) {
      if (p.state === 'done' || p.state === 'faulted') ended++;
      else if (p.state === 'processing') processing++;
    }
    return ended - processing >= req.jobs;
  }

  updateDone(req, t) {
    if (req.doneReal === null && this.isDone(req)) {
      req.doneReal = Math.round(this.clock.simToReal(t));
      this.onDone(req);
    }
  }

  // -- kudos -----------------------------------------------------------------

  accurateSteps(params) {
    if (params.sampler_name === 'k_dpm_adaptive') return 40;
    let s = params.steps;
    if (SECOND_ORDER_SAMPLERS.includes(params.sampler_name)) s *= 2;
    return s;
  }

  calculateKudos(params) {
    const w = params.width, h = params.height, steps = params.steps;
    const result = ((w * h - 64 * 64) ** 1.75) / ((1024 * 1024 - 64 * 64) ** 1.75);
    let k = round2(0.1232 * steps + result * (0.1232 * steps * 8.75));
    for (let i = 0; i < (params.post_processing || []).length; i++) k = round2(k * 1.2);
    if (params.control_type && !params.return_control_map) k = round2(k * 3);
    k += (params.loras || []).length * 3;
    if (params.tis && params.tis.length) k += 1;
    return k;
  }

  burn(req, kudos) {
    if (req.sourceImage) kudos *= 1.3;
    for (const pp of req.params.post_processing || []) kudos *= KNOWN_POST_PROCESSORS[pp] ?? 1;
    kudos += 1;
    if (!req.slowWorkers) kudos *= 1.2;
    if (req.workerBlacklist) kudos *= 1.1;
    return kudos;
  }

  dryRunKudos(req) {
    const model = req.models.length ? req.models[0] : 'SDXL 1.0';
    return this.burn(req, req.kudosBase) * req.n * dryRunMultiplier(model) + 1;
  }

  isUsingLcm(params) {
    if (params.sampler_name === 'lcm') return true;
    return (params.loras || []).some((l) => (l.is_version ? KNOWN_LCM_LORA_VERSIONS.has(String(l.name)) : KNOWN_LCM_LORA_IDS.has(String(l.name))));
  }

  // ImageWaitingPrompt.require_upfront_kudos -> [needs, maxRes]
  requireUpfront(req) {
    const queued = this.queue().reduce((s, r) => s + r.remaining, 0);
    let maxRes = 1024 + this.activeWorkers().length * 10 - pyRound(queued * 0.9);
    if (!req.slowWorkers) return [true, maxRes];
    if (maxRes < 576) maxRes = 576;
    const baselines = req.models.map(modelBaseline);
    if (maxRes < 1024 && baselines.some((b) => ['stable_diffusion_xl', 'stable_cascade', 'flux_1'].includes(b))) maxRes = 1024;
    if (maxRes > 1024) maxRes = 1024;
    const steps = this.accurateSteps(req.params);
    if (this.isUsingLcm(req.params) && steps > 10) return [true, maxRes];
    if (req.models.some((m) => (modelRequirements(m).max_steps ?? 40) < steps)) return [true, maxRes];
    if (req.params.width * req.params.height > maxRes * maxRes) return [true, maxRes];
    if (req.params.control_type && steps > 20) return [true, maxRes];
    return [false, maxRes];
  }

  downgrade(req, maxRes) {
    req.slowWorkers = true;
    const limit = maxRes * maxRes;
    let { width, height } = req.params;
    if (width * height > limit) {
      const scale = Math.sqrt(limit / (width * height));
      width = Math.floor(Math.floor(width * scale) / 64) * 64;
      height = Math.floor(Math.floor(height * scale) / 64) * 64;
      while (width * height > limit) { if (width >= height) width -= 64; else height -= 64; }
      if (width * height < 512 * 512) { width = 512; height = 512; }
      req.params.width = width; req.params.height = height;
    }
    let maxSteps = Math.min(...(req.models.length ? req.models : ['stable_diffusion']).map((m) => modelRequirements(m).max_steps ?? 30));
    if (req.params.control_type) maxSteps = 20;
    if (this.isUsingLcm(req.params)) maxSteps = 10;
    while (this.accurateSteps(req.params) > maxSteps) { req.params.steps -= 1; if (req.params.steps < 5) break; }
  }

  // -- submit ----------------------------------------------------------------

  // POST /v2/generate/async. Returns { status, body } or throws HordeError.
  submit({ raw, contentType, headers, ip }) {
    this.advance();
    const parsed = parseJsonBody(raw, contentType);
    if (parsed.error) throw parsed.error;
    const errs = schemaErrors(parsed.node);
    if (errs) return { status: 400, body: validationErrorBody(errs) };
    if (headers.apikey === undefined) {
      return {
        status: 400,
        body: validationErrorBody(new Map([['apikey', 'The API Key corresponding to a registered user. Missing required parameter in the HTTP headers']])),
      };
    }
    const apikey = headers.apikey;
    const clientAgent = headers['client-agent'] ?? 'unknown:0:unknown';
    const args = parserArgs(parsed.plain);
    const params = args.params ? structuredClone(args.params) : {};
    const models = args.models ? [...args.models] : [];
    const hash = sha256hex(stableStringify({
      ...params, models, source_processing: args.source_image ? args.source_processing : 'txt2img',
      source_image: !!args.source_image, source_mask: !!args.source_mask,
    }));
    if (args.dry_run && this.dryRunCache.has(hash)) {
      return { status: 200, body: { kudos: F(pyRound(this.dryRunCache.get(hash))) } };
    }

    // GenerateTemplate.validate()
    if (args.style !== null) throw new HordeError(404, `Style with ID '${args.style}' not found.`, 'StyleNotFound');
    if (args.webhook && !args.webhook.startsWith('https://')) throw new HordeError(400, 'webhooks need to point to an https endpoint.', 'BadRequest');
    const user = this.users.get(apikey);
    if (!user) throw new HordeError(401, 'No user matching sent API Key. Have you remembered to register at https://stablehorde.net/register ?', 'InvalidAPIKey');
    if (args.proxied_account) throw new HordeError(400, 'Only service accounts can provide a proxied_account value.', 'OnlyServiceAccountProxy');
    if (args.extra_source_images && args.extra_source_images.length > 0) {
      if (args.extra_source_images.length > 5) throw new HordeError(400, 'You can send a maximum of 5 extra source images.', 'TooManyExtraSourceImages.');
      if (args.extra_source_images.length > 1 && !user.trusted) {
        throw new HordeError(400, 'Only trusted users and patrons can send more than 1 extra source images.', 'MoreThanMinExtraSourceImage.');
      }
    }
    if (user.trusted) this.onTrusted(ip);
    const username = `${user.username}#${user.id}`;
    // The schema already rejects "" (minLength 1); the simulator also treats a
    // blank (whitespace-only) prompt as empty so the MissingPrompt path can be exercised.
    if (args.prompt.trim() === '') throw new HordeError(400, 'You cannot specify an empty prompt.', 'MissingPrompt');
    const wpCount = this.countWaiting(user, user.id === 0 ? args.models : null);
    const workerIds = (args.workers || []).slice();
    if (workerIds.length) {
      const known = new Set(this.workers.map((w) => w.id));
      const missing = workerIds.filter((id) => !known.has(id));
      if (missing.length) throw new HordeError(404, `Worker with ID '${missing[missing.length - 1]}' not found.`, 'WorkerNotFound');
    }
    const n = params.n ?? 1;
    if (n > 1 && args.disable_batching === true && !user.trusted) {
      throw new HordeError(400, 'Only trusted users and patreon supporters can disable batching.', 'RequiresTrust');
    }
    if (wpCount + n > user.concurrency) {
      if (user.id === 0) {
        throw new HordeError(429, `Too many anonymous requests on using the AI Horde currently (${wpCount + n}/${user.concurrency}). `
          + 'Please consider getting a personal API key at https://aihorde.net/register which will also provide higher priority.', 'TooManyPrompts');
      }
      throw new HordeError(429, `Parallel requests (${wpCount + n}) exceeded user limit (${user.concurrency}). `
        + 'Please try again later or request to increase your concurrency.', 'TooManyPrompts');
    }
    const warnings = validateImageParams(args.prompt, models, params);
    validateRequestShape(args, params, models, user);
    if (clientAgent === 'My-Project:v0.0.1:My-Contact') {
      throw new HordeError(403, 'This Client-Agent appears badly designed and is causing too many warnings. '
        + 'First ensure it provides a proper name and contact details. '
        + "Then contact us on Discord to discuss the issue it's creating.", 'BannedClientAgent');
    }
    if (containsNul(parsed.plain)) throw new HordeError(400, 'Request payload may not contain NUL (0x00) bytes.', 'NulByteInPayload');

    // ImageWaitingPrompt.extract_params(): the effective defaults
    const eff = { ...params };
    delete eff.n;
    if (!('width' in eff)) eff.width = 512;
    if (!('height' in eff)) eff.height = 512;
    if (!('steps' in eff)) eff.steps = eff.control_type ? 20 : 30;
    else if (eff.control_type && eff.steps > 40) eff.steps = 40;
    if (!('sampler_name' in eff)) eff.sampler_name = 'k_euler_a';
    if (!('cfg_scale' in eff)) eff.cfg_scale = 5.0;
    if (!('karras' in eff)) eff.karras = true;
    this.seq += 1;
    const rng = new Rng(this.seed, 'request', this.seq);
    const id = rng.uuid4();
    let seedBase = null;
    if (eff.seed !== undefined && eff.seed !== null && eff.seed !== '') seedBase = seedToInt(String(eff.seed));
    const seedVariation = eff.seed_variation ?? null;
    if (seedVariation !== null && seedBase === null) seedBase = new Rng(this.seed, 'seed-base', this.seq).uint32();
    delete eff.seed; delete eff.seed_variation;
    const t = this.now();
    const req = {
      id, seq: this.seq, rng, user, apikey, clientAgent, ip,
      prompt: args.prompt, positivePrompt: args.prompt.split('###')[0],
      params: eff, models, n, remaining: n, jobs: n,
      nsfw: args.nsfw, censorNsfw: args.censor_nsfw, trustedWorkers: args.trusted_workers,
      validatedBackends: args.validated_backends, slowWorkers: args.slow_workers,
      workerIds: workerIds.slice(0, 5), workerBlacklist: args.worker_blacklist, disableBatching: args.disable_batching,
      r2: args.r2, sourceImage: !!args.source_image, sourceProcessing: args.source_processing,
      seedBase, seedVariation, imageKind: this.cfg.imageKind,
      kudosBase: 0, consumed: 0, things: 0,
      createdSim: t, createdReal: Math.round(Clock.realNow()), expirySim: t + this.cfg.lifetimeSeconds * 1000,
      procgens: [], pgById: new Map(), freeIndices: [], nextIndex: 0, pgCount: 0,
      faulted: false, cancelled: false, expired: false, expiredSim: null, stalled: false,
      censorFlag: false, loraFail: false, pendingFailures: 0, imagesExpiredBeforeSim: -Infinity,
      doneReal: null, extraPriority: user.kudos, hold: 0, faultDueSim: null,
      // prompt steering, as the reference server's test worker reads it
      faultme: args.prompt.split('###')[0].includes('faultme'),
      slowme: args.prompt.split('###')[0].includes('slowme'),
    };
    req.things = eff.width * eff.height * this.accurateSteps(eff);
    req.kudosBase = this.calculateKudos(eff);

    const [needs, maxRes] = this.requireUpfront(req);
    let hold = 0;
    if (needs) {
      const required = this.dryRunKudos(req);
      // reserve_kudos: admitted when the kudos above the account floor, less
      // the holds of the user's other requests, cover it (the anonymous
      // floor is -50, so anonymous requests pass until that is spent)
      if (required > 0 && this.availableKudos(user) >= round2(required)) hold = round2(required);
      else if (required > 0) {
        if (args.allow_downgrade) {
          this.downgrade(req, maxRes);
          req.things = req.params.width * req.params.height * this.accurateSteps(req.params);
        } else {
          this.seq -= 1;
          throw new HordeError(403, `Due to heavy demand, for requests over ${maxRes}x${maxRes} or over 50 steps `
            + '(10 steps for LCM work, 30 steps for Stable Cascade, and half those steps for k_heun, dpmpp_sde, and dpm_2*) '
            + `the client needs to already have the required kudos. This request requires ${pyStrNum(required)} kudos to fulfil.`, 'KudosUpfront');
        }
      }
    }
    if (args.dry_run) {
      this.seq -= 1;
      const kudos = this.dryRunKudos(req);
      this.dryRunCache.set(hash, kudos);
      return { status: 200, body: { kudos: F(pyRound(kudos)) } };
    }
    if (args.source_image && !checkSourceImage(args.source_image)) {
      this.seq -= 1;
      throw new HordeError(400, 'Image validation failed. Please ensure the source image payload is either a URL containing an image or a valid base64 encoded image.', 'ImageValidationFailed');
    }
    // activation: the request pays the horde tax up front, from its hold
    req.hold = hold;
    this.charge(req, HORDE_TAX + 5 * (args.extra_source_images ? args.extra_source_images.length : 0));
    this.requests.set(id, req);
    this.live.add(req);
    this.enqueue(req);
    this.workAvailable(t);
    const body = { id, kudos: F(pyRound(req.kudosBase)) };
    if (!this.eligibleWorkers(req).length) {
      body.message = WARNING_MESSAGES.NoAvailableWorker;
      warnings.add('NoAvailableWorker');
    }
    if (warnings.size) {
      body.warnings = Object.keys(WARNING_MESSAGES).filter((c) => warnings.has(c)).map((code) => ({ code, message: WARNING_MESSAGES[code] }));
    }
    this.schedule();
    return { status: 202, body, username };
  }

  countWaiting(user, models) {
    let total = 0;
    for (const r of this.live) {
      if (r.user !== user || r.faulted || r.remaining < 1) continue;
      if (models && models.length && !r.models.some((m) => models.includes(m))) continue;
      total += r.remaining;
    }
    return total;
  }

  // -- reading ---------------------------------------------------------------

  // live (not expired) request by id as the API sees it
  lookup(id) {
    const norm = normaliseUuid(id);
    if (!norm) return null;
    const r = this.requests.get(norm);
    return r && !r.expired ? r : null;
  }

  counts(req) {
    let finished = 0, processing = 0, restarted = 0;
    for (const p of req.procgens) {
      if (p.state === 'done') finished++;
      else if (p.state === 'processing') processing++;
      else if (p.state === 'faulted') restarted++;
    }
    let waiting = Math.max(req.remaining, 0);
    if (req.jobs > 0) waiting = Math.min(waiting, Math.max(req.jobs - processing - finished, 0));
    return { finished, processing, restarted, waiting };
  }

  // get_wp_queue_stats: a request with nothing left to start has no place;
  // else its place comes from the positions snapshot the server stores once a
  // second (store_prioritized_wp_queue), so a request submitted since the last
  // snapshot has none yet (queue_position 0, nothing ahead of it).
  queueStats(req) {
    if (req.remaining <= 0 || req.faulted || req.cancelled) return { pos: 0, thingsAhead: 0 };
    return this.queueSnapshot().get(req) || { pos: 0, thingsAhead: 0 };
  }

  queueSnapshot() {
    const ms = this.queueCacheMs;
    const nowReal = Clock.realNow();
    const tick = ms > 0 ? Math.floor((nowReal - this.queuePhaseReal) / ms) : nowReal;
    if (this.queueSnap && this.queueSnap.tick === tick) return this.queueSnap.positions;
    const takenReal = ms > 0 ? this.queuePhaseReal + tick * ms : nowReal;
    const positions = new Map();
    let things = 0;
    for (const r of this.queue()) {
      if (r.createdReal > takenReal) continue;
      things += r.things * r.remaining;
      positions.set(r, { pos: positions.size + 1, thingsAhead: things });
    }
    this.queueSnap = { tick, positions };
    return positions;
  }

  statusBody(req, full) {
    const t = this.now();
    const c = this.counts(req);
    const q = this.queueStats(req);
    const speed = this.activeWorkers().reduce((s, w) => s + w.speed, 0) || 1e6;
    let left = 0;
    for (const p of req.procgens) if (p.state === 'processing' && p.endSim - t > left) left = p.endSim - t;
    // The estimate is in the seconds a client lives through: simulated seconds / --speed.
    const waitTime = pyRound((q.thingsAhead / speed + left / 1000) / this.clock.speed);
    const lite = {
      finished: c.finished, processing: c.processing, restarted: c.restarted, waiting: c.waiting,
      done: this.isDone(req), faulted: req.faulted, wait_time: waitTime, queue_position: q.pos,
      kudos: F(pyRound(req.consumed)), is_possible: this.eligibleWorkers(req).length > 0 || c.processing > 0,
    };
    if (!full) return lite;
    const generations = req.procgens.filter((p) => p.state === 'done').map((p) => ({
      img: req.r2 ? this.signedUrl(p.id) : this.imageBytes(req, p).toString('base64'),
      seed: String(p.seed),
      id: p.id,
      censored: p.censored,
      gen_metadata: p.meta.map((m) => ({ ...m })),
      worker_id: p.workerId,
      worker_name: p.workerName,
      model: p.model,
      state: 'ok',
    }));
    return { generations, shared: false, ...lite };
  }

  cancel(req) {
    const body = this.statusBody(req, true);
    req.cancelled = true;
    req.remaining = 0;
    req.jobs = this.counts(req).finished;
    req.cancelledSim = this.now();
    this.updateDone(req, this.now());
    this.schedule();
    return body;
  }

  // -- images ----------------------------------------------------------------

  imageBytes(req, pg) {
    return renderImage({
      seed: pg.seed, width: req.params.width, height: req.params.height,
      kind: pg.censored ? 'censored' : pg.imageKind || req.imageKind,
    });
  }

  signedUrl(genId) {
    const t = this.now();
    const date = amzDate(t);
    const expires = Math.round(this.cfg.r2ExpirySeconds);
    const day = date.slice(0, 8);
    const sig = createHmac('sha256', this.secret).update(`${genId}\n${date}\n${expires}\n${this.urls.size}\n${t}`).digest('hex');
    this.urls.set(sig, { genId, issuedSim: t, expiresSim: parseAmzDate(date) + expires * 1000 });
    if (this.urls.size > 50000) for (const [k, u] of this.urls) if (u.expiresSim < t) this.urls.delete(k);
    const cred = encodeURIComponent(`SIMHORDEACCESSKEY/${day}/auto/s3/aws4_request`);
    return `${this.origin}/r2/${genId}.webp?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${cred}`
      + `&X-Amz-Date=${date}&X-Amz-Expires=${expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=${sig}`;
  }

  // -> { status: 200, bytes } | { status, code, message }
  r2Get(genId, query) {
    this.advance();
    const entry = this.gens.get(genId);
    const sig = query.get('X-Amz-Signature');
    const u = sig ? this.urls.get(sig) : null;
    if (!query.get('X-Amz-Algorithm') || !query.get('X-Amz-Date') || !query.get('X-Amz-Expires') || !sig) {
      return { status: 403, code: 'AccessDenied', message: 'Access Denied' };
    }
    if (!u || u.genId !== genId || !entry) {
      return { status: 403, code: 'AccessDenied', message: 'The request signature we calculated does not match the signature you provided.' };
    }
    const t = this.now();
    if (t > u.expiresSim || u.issuedSim < entry.req.imagesExpiredBeforeSim) {
      return { status: 403, code: 'AccessDenied', message: 'Request has expired' };
    }
    return { status: 200, bytes: this.imageBytes(entry.req, entry.pg) };
  }

  // -- models, users, heartbeat --------------------------------------------

  modelEntries(filterName = null) {
    const out = [];
    const active = this.activeWorkers();
    for (const m of MODELS) {
      if (filterName !== null && m.name !== filterName) continue;
      const ws = active.filter((w) => w.models.includes(m.name));
      let queued = 0, jobs = 0;
      for (const r of this.queue()) if (r.models.includes(m.name)) { queued += (r.things * r.remaining) / 1e6; jobs += r.remaining; }
      if (!ws.length && jobs === 0) continue;
      const performance = ws.length ? ws.reduce((s, w) => s + w.speed, 0) / ws.length / 1e6 : 0;
      const count = ws.reduce((s, w) => s + w.threads, 0);
      const total = count * performance;
      const eta = jobs === 0 ? 0 : total > 0 ? Math.trunc(queued / total / this.clock.speed) : 10000;
      out.push({
        performance: F(round2(performance)), queued: F(round2(queued)), jobs: F(jobs), eta, type: 'image', name: m.name, count,
      });
    }
    return out;
  }

  userDetails(user) {
    // User.get_details: every request of the user not yet removed by expiry
    // (finished, faulted and cancelled ones too); the anonymous user's list is
    // left empty; no requests, no field (the nested model skips an empty one).
    const active = [...this.live].filter((r) => r.user === user).map((r) => r.id);
    const activeGenerations = active.length ? { active_generations: { image: user.id === 0 ? [] : active } } : {};
    return {
      username: `${user.username}#${user.id}`,
      id: user.id,
      kudos: F(user.kudos),
      concurrency: user.concurrency,
      worker_invited: 0,
      moderator: !!user.moderator,
      kudos_details: { accumulated: 0, gifted: 0, donated: 0, admin: 0, received: 0, recurring: 0, awarded: 0, styled: 0 },
      worker_count: user.worker_count ?? 0,
      worker_ids: [],
      styles: [],
      sharedkey_ids: [],
      ...activeGenerations,
      trusted: !!user.trusted,
      flagged: false,
      vpn: false,
      service: false,
      education: false,
      customizer: false,
      special: false,
      deleted: false,
      pseudonymous: !!user.pseudonymous,
      account_age: Math.floor((Date.now() - user.createdMs) / 1000) + 86400 * 30,
      // obsolete models the server fills from an empty dict
      usage: { megapixelsteps: null, requests: null },
      contributions: { megapixelsteps: null, fulfillments: null },
      records: {
        usage: { megapixelsteps: 0, tokens: 0 },
        contribution: { megapixelsteps: 0, tokens: 0 },
        fulfillment: { image: 0, text: 0, interrogation: 0 },
        request: { image: 0, text: 0, interrogation: 0 },
        style: { image: 0, text: 0, interrogation: 0 },
      },
    };
  }

  heartbeat() {
    return { message: 'OK', version: HORDE_VERSION, queue: 0, threads: 8, active_count: 1, db_connection: true };
  }

  // -- control API -------------------------------------------------------------

  jobRow(req) {
    const c = this.counts(req);
    const done = this.isDone(req);
    return {
      id: req.id,
      n: req.n,
      waiting: c.waiting,
      processing: c.processing,
      finished: c.finished,
      restarted: c.restarted,
      done,
      faulted: req.faulted,
      cancelled: req.cancelled,
      expired: req.expired,
      active: !req.expired && (c.processing > 0 || (c.waiting > 0 && !req.faulted && !req.cancelled)),
      stalled: req.stalled,
      models: req.models.slice(),
      apikey_user: `${req.user.username}#${req.user.id}`,
      client_agent: req.clientAgent,
      r2: req.r2,
      kudos: pyRound(req.consumed),
      width: req.params.width,
      height: req.params.height,
      steps: req.params.steps,
      created_at: req.createdReal,
      expires_at: Math.round(req.expired ? this.clock.simToReal(req.expiredSim) : this.clock.simToReal(req.expirySim)),
      done_at: req.doneReal,
      images: req.procgens.map((p) => ({
        id: p.id, state: p.state, worker_id: p.workerId, worker_name: p.workerName, model: p.model,
        seed: String(p.seed), censored: p.censored,
      })),
    };
  }

  // -- users (control API) ---------------------------------------------------

  userRow(apikey) {
    const u = this.users.get(apikey);
    if (!u) return null;
    return {
      apikey: u.apikey, username: u.username, id: u.id, kudos: u.kudos, concurrency: u.concurrency,
      trusted: !!u.trusted, pseudonymous: !!u.pseudonymous, moderator: !!u.moderator, worker_count: u.worker_count ?? 0,
      available_kudos: this.availableKudos(u), min_kudos: minKudos(u),
    };
  }

  userRows() { return [...this.users.keys()].map((k) => this.userRow(k)); }

  // Sets a key's kudos balance, concurrency or trust; the next reset restores the key's start values.
  setUser(apikey, patch) {
    const u = this.users.get(apikey);
    if (!u) return null;
    if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw new HordeError(400, 'body must be a JSON object');
    const known = ['kudos', 'concurrency', 'trusted'];
    const unknown = Object.keys(patch).filter((k) => !known.includes(k));
    if (unknown.length) throw new HordeError(400, `unknown field ${unknown[0]}; use ${known.join(', ')}`);
    if (patch.kudos !== undefined && !(typeof patch.kudos === 'number' && Number.isFinite(patch.kudos))) throw new HordeError(400, 'kudos must be a number');
    if (patch.concurrency !== undefined && !(Number.isInteger(patch.concurrency) && patch.concurrency >= 0)) throw new HordeError(400, 'concurrency must be an integer >= 0');
    if (patch.trusted !== undefined && typeof patch.trusted !== 'boolean') throw new HordeError(400, 'trusted must be a boolean');
    if (patch.kudos !== undefined) u.kudos = round2(patch.kudos);
    if (patch.concurrency !== undefined) u.concurrency = patch.concurrency;
    if (patch.trusted !== undefined) u.trusted = patch.trusted;
    return this.userRow(apikey);
  }

  jobs() { this.advance(); this.schedule(); return [...this.requests.values()].map((r) => this.jobRow(r)); }

  job(id) {
    this.advance(); this.schedule();
    const norm = normaliseUuid(id);
    const r = norm && this.requests.get(norm);
    return r ? this.jobRow(r) : null;
  }

  inject(id, event) {
    this.advance();
    const norm = normaliseUuid(id);
    const req = norm && this.requests.get(norm);
    if (!req) return null;
    const t = this.now();
    switch (event) {
      case 'worker-failure': {
        const running = req.procgens.filter((p) => p.state === 'processing');
        if (running.length && !req.expired) {
          const pg = running[running.length - 1];
          this.failProcgen(req, pg, t);
          this.releaseWorkerIfDone(pg.workerId, t);
        } else req.pendingFailures++;
        break;
      }
      case 'fault': req.faulted = true; break;
      case 'expire': if (!req.expired) { req.expirySim = t; this.expire(req, t); } break;
      case 'expire-images': req.imagesExpiredBeforeSim = t; break;
      case 'censor': req.censorFlag = true; break;
      case 'lora-download-failed': req.loraFail = true; break;
      case 'stall': req.stalled = true; break;
      case 'unstall': req.stalled = false; this.workAvailable(t); break;
      case 'finish': this.finishNow(req, t); break;
      default: throw new HordeError(400, `unknown event '${event}'`);
    }
    this.updateDone(req, t);
    this.schedule();
    return this.jobRow(req);
  }

  releaseWorkerIfDone(workerId, t) {
    const w = this.workers.find((x) => x.id === workerId && x.busy);
    if (!w) return;
    const req = this.requests.get(w.busy.reqId);
    if (!req || w.busy.pgIds.every((id) => req.pgById.get(id).state !== 'processing')) w.busy.until = t;
  }

  finishNow(req, t) {
    if (req.expired) return;
    for (const pg of req.procgens.filter((p) => p.state === 'processing')) {
      this.deliver(req, pg, t);
      this.releaseWorkerIfDone(pg.workerId, t);
    }
    if (req.faulted || req.cancelled) return;
    while (req.remaining > 0) {
      const ws = this.eligibleWorkers(req);
      const pool = ws.length ? ws : this.activeWorkers().length ? this.activeWorkers() : [this.finisherWorker()];
      const w = this.rngFor('finish', req, req.pgCount).pick(pool);
      const k = req.remaining;
      const pgs = this.createProcgens(req, w, k, t);
      req.remaining -= k;
      for (const pg of pgs) this.deliver(req, pg, t);
    }
  }

  finisherWorker() {
    const rng = new Rng(this.seed, 'finisher');
    return { id: rng.uuid4(), name: 'horde-sim finisher', models: MODELS.map((m) => m.name) };
  }
}

export { isKnownModel };
