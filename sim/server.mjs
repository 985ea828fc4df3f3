#!/usr/bin/env node
// Local AI Horde image-generation API simulator: the HTTP server, its control API and the CLI
// (the package's `horde-sim` command).
//   horde-sim --port 7001 --speed 1                  (see --help)
//   import { startSimulator } from 'horde-sim'
// Plain Node ESM, node: builtins only.

import http from 'node:http';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
import { HordeState, DEFAULT_CONFIG, IMAGE_KINDS, Clock } from './state.mjs';
import { HordeError, BAD_REQUEST_GENERIC } from './validate.mjs';
import { FixedWindowLimiter, SECOND, MINUTE, limitText } from './ratelimit.mjs';
import { FaultRegistry, FaultError, PRE_FAULTS } from './faults.mjs';
import { pyDumps, PyFloat, sha256hex } from './util.mjs';
import { ANON_KEY, HORDE_VERSION, isKnownModel, notFoundHelp } from './catalog.mjs';
import { SimControl } from './control.mjs';

const API_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS, PUT, DELETE, PATCH',
  'Access-Control-Allow-Headers': 'Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, apikey, Client-Agent, X-Fields, X-Forwarded-For, Proxied-For, Proxy-Authorization',
};
const SIM_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
};
const JSON_TYPE = 'application/json; charset=utf-8';
const NOT_FOUND_MSG = 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.';
const MAX_BODY = 32 * 1024 * 1024;
const GATEWAY_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

// Routes whose rate limit (the server's default one) also counts OPTIONS requests.
const PREFLIGHT_LIMITED = new Set(['models', 'model', 'find_user']);
const ROUTES = [
  { name: 'async', re: /^\/v2\/generate\/async$/, methods: ['POST'], stat: '/v2/generate/async' },
  { name: 'check', re: /^\/v2\/generate\/check\/([^/]+)$/, methods: ['GET'], stat: '/v2/generate/check' },
  { name: 'status', re: /^\/v2\/generate\/status\/([^/]+)$/, methods: ['GET', 'DELETE'], stat: '/v2/generate/status' },
  { name: 'heartbeat', re: /^\/v2\/status\/heartbeat$/, methods: ['GET'], stat: '/v2/status/heartbeat' },
  { name: 'models', re: /^\/v2\/status\/models$/, methods: ['GET'], stat: '/v2/status/models' },
  { name: 'model', re: /^\/v2\/status\/models\/([^/]+)$/, methods: ['GET'], stat: '/v2/status/models/{model_name}' },
  { name: 'find_user', re: /^\/v2\/find_user$/, methods: ['GET'], stat: '/v2/find_user' },
];

function allowHeader(methods) {
  const s = new Set(methods);
  if (s.has('GET')) s.add('HEAD');
  s.add('OPTIONS');
  return [...s].sort().join(', ');
}
function safeDecode(s) { try { return decodeURIComponent(s); } catch { return s; } }

// X-Fields masks (flask-restx): "a,b{c,d}". Returns null when absent/invalid.
function parseMask(s) {
  if (!s || !s.trim()) return null;
  let i = 0;
  const ws = () => { while (i < s.length && /\s/.test(s[i])) i++; };
  function list() {
    const m = new Map();
    for (;;) {
      ws();
      const st = i;
      while (i < s.length && !/[\s,{}]/.test(s[i])) i++;
      const name = s.slice(st, i);
      if (!name) throw new Error('bad mask');
      ws();
      let sub = null;
      if (s[i] === '{') { i++; sub = list(); ws(); if (s[i] !== '}') throw new Error('bad mask'); i++; ws(); }
      m.set(name, sub);
      if (s[i] === ',') { i++; continue; }
      return m;
    }
  }
  try {
    let str = s.trim();
    if (str.startsWith('{') && str.endsWith('}')) { s = str.slice(1, -1); }
    const m = list();
    return i >= s.length ? m : null;
  } catch { return null; }
}
function applyMask(v, mask) {
  if (!mask) return v;
  if (Array.isArray(v)) return v.map((x) => applyMask(x, mask));
  if (v && typeof v === 'object' && !(v instanceof PyFloat)) {
    if (mask.has('*')) return v;
    const o = {};
    for (const [k, val] of Object.entries(v)) if (mask.has(k)) o[k] = mask.get(k) ? applyMask(val, mask.get(k)) : val;
    return o;
  }
  return v;
}

// The request log keeps the last LOG_SIZE requests to /api and /r2.
export const LOG_SIZE = 1000;

function newStats() {
  return { requests: 0, byRoute: {}, byStatus: {}, rateLimited: 0, tooManyPrompts: 0, preflights: 0, doneAt: {} };
}

export class Simulator {
  constructor(opts = {}) {
    this.opts = opts;
    this.quiet = opts.quiet ?? true;
    this.host = opts.host || '127.0.0.1';
    this.requestedPort = opts.port ?? 7001;
    this.checkCacheMs = opts.checkCacheMs ?? 1000;
    const cfg = normaliseOptions(opts);
    this.stats = newStats();
    this.state = new HordeState({
      ...cfg,
      keys: opts.keys,
      queueCacheMs: opts.queueCacheMs ?? 1000,
      onDone: (req) => { this.stats.doneAt[req.id] = req.doneReal; },
      onTrusted: (ip) => { this.whitelist.set(ip, Date.now() + 86400000); },
    });
    this.limiter = new FixedWindowLimiter();
    this.faults = new FaultRegistry();
    this.whitelist = new Map();
    this.checkCache = new Map();
    this.requestLog = [];
    this.pendingTimers = new Set();
    this.sockets = new Set();
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
  }

  listen() {
    return new Promise((resolve, reject) => {
      const onErr = (e) => reject(e);
      this.server.once('error', onErr);
      this.server.listen(this.requestedPort, this.host, () => {
        this.server.off('error', onErr);
        this.port = this.server.address().port;
        this.url = `http://${this.host}:${this.port}`;
        this.baseUrl = `${this.url}/api`;
        this.state.origin = this.url;
        resolve(this);
      });
    });
  }

  async close() {
    if (this.closing) return this.closing;
    this.closing = new Promise((resolve) => {
      this.state.close();
      for (const t of this.pendingTimers) clearTimeout(t);
      this.pendingTimers.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    });
    return this.closing;
  }

  resetAll() {
    this.state.reset();
    this.faults.clear();
    this.limiter.reset();
    this.whitelist.clear();
    this.checkCache.clear();
    this.stats = newStats();
    this.requestLog = [];
  }

  // One entry of the request log per answered /api or /r2 request (preflights included).
  record(ctx, status, fault) {
    if (ctx.control) return;
    const entry = {
      time: Date.now(), method: ctx.method, path: ctx.url.pathname + ctx.url.search, status,
      ip: this.clientIp(ctx.req), ms: Date.now() - ctx.started,
    };
    if (fault || ctx.preFault) entry.fault = fault ? fault.fault : ctx.preFault;
    this.requestLog.push(entry);
    if (this.requestLog.length > LOG_SIZE) this.requestLog.splice(0, this.requestLog.length - LOG_SIZE);
  }

  clientIp(req) {
    const xff = req.headers['x-forwarded-for'];
    if (xff) return String(xff).split(',')[0].trim();
    return String(req.socket.remoteAddress || '').replace(/^::ffff:/, '');
  }

  log(line) { if (!this.quiet) process.stderr.write(line + '\n'); }

  // -- HTTP entry ----------------------------------------------------------------

  onRequest(req, res) {
    const started = Date.now();
    const chunks = [];
    let size = 0, tooBig = false;
    req.on('data', (c) => { size += c.length; if (size > MAX_BODY) tooBig = true; else chunks.push(c); });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let url;
      try { url = new URL(req.url, 'http://127.0.0.1'); } catch { url = new URL('http://127.0.0.1/'); }
      const ctx = { req, res, url, body, tooBig, started, method: req.method.toUpperCase() };
      try {
        if (url.pathname === '/api' || url.pathname.startsWith('/api/')) this.handleApi(ctx);
        else if (url.pathname.startsWith('/r2/')) this.handleR2(ctx);
        else if (url.pathname === '/__sim' || url.pathname.startsWith('/__sim/')) this.handleControl(ctx);
        else this.send(ctx, 404, { 'Content-Type': JSON_TYPE }, JSON.stringify({ message: NOT_FOUND_MSG }) + '\n');
      } catch (e) {
        process.stderr.write(`horde-sim internal error: ${e && e.stack}\n`);
        if (!res.headersSent) this.send(ctx, 500, { ...API_CORS, 'Content-Type': JSON_TYPE }, pyDumps({ message: 'Internal Server Error' }) + '\n');
      }
    });
    req.on('error', () => {});
  }

  count(ctx, status) {
    if (!ctx.statKey) return;
    this.stats.requests++;
    this.stats.byRoute[ctx.statKey] = (this.stats.byRoute[ctx.statKey] || 0) + 1;
    this.stats.byStatus[status] = (this.stats.byStatus[status] || 0) + 1;
  }

  // Writes a response, applying post-processing faults (reset/truncate/slow).
  send(ctx, status, headers, body, fault = null) {
    const { res } = ctx;
    const buf = body === null || body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    this.count(ctx, status);
    const head = ctx.method === 'HEAD';
    const write = () => {
      if (res.destroyed || res.writableEnded) return;
      if (fault && fault.fault === 'truncate' && buf.length > 1 && !head) {
        const cut = buf.subarray(0, Math.max(1, Math.floor(buf.length / 2)));
        res.writeHead(status, { ...headers, 'Content-Length': String(cut.length) });
        res.end(cut);
      } else if (fault && fault.fault === 'reset') {
        res.writeHead(status, { ...headers, 'Content-Length': String(buf.length) });
        const part = buf.subarray(0, Math.floor(buf.length / 2));
        res.write(part, () => { res.socket && res.socket.destroy(); });
        if (!part.length) res.socket && res.socket.destroy();
      } else {
        res.writeHead(status, { ...headers, 'Content-Length': String(buf.length) });
        res.end(head ? undefined : buf);
      }
      this.record(ctx, status, fault);
      // A key in a control path (/__sim/users/<apikey>) stays out of the log.
      const shown = ctx.url.pathname.replace(/^(\/__sim\/users\/)[^/]+/, '$1<apikey>');
      this.log(`${ctx.method} ${shown} ${status} ${Date.now() - ctx.started}ms${fault ? ` [fault ${fault.fault}]` : ''}`);
    };
    if (fault && fault.fault === 'slow' && fault.delayMs > 0) {
      const t = setTimeout(() => { this.pendingTimers.delete(t); write(); }, fault.delayMs);
      this.pendingTimers.add(t);
    } else write();
  }

  apiHeaders(extra = {}) {
    return { ...API_CORS, 'Horde-Node': `horde-sim:${this.port}:${HORDE_VERSION}`, ...extra };
  }

  sendJson(ctx, status, obj, extraHeaders = {}, fault = null) {
    if (status === 429 && obj && obj.rc === 'TooManyPrompts') this.stats.tooManyPrompts++;
    this.send(ctx, status, this.apiHeaders({ 'Content-Type': JSON_TYPE, ...extraHeaders }), pyDumps(obj) + '\n', fault);
  }

  // -- /api ------------------------------------------------------------------------

  handleApi(ctx) {
    const { method, url } = ctx;
    const apiPath = url.pathname.slice(4);
    let route = null, match = null;
    for (const r of ROUTES) { const m = r.re.exec(apiPath); if (m) { route = r; match = m; break; } }
    if (method === 'OPTIONS') {
      this.stats.preflights++;
      if (!route) { this.sendJson(ctx, 404, { message: NOT_FOUND_MSG }); return; }
      // The routes under the default limit (models, one model, find_user) count a preflight in
      // the same window as their GET, and answer it with that window's headers.
      let rl = {};
      if (this.state.cfg.rateLimits && PREFLIGHT_LIMITED.has(route.name)) {
        const r = this.limiter.check(this.limitsFor(route, method, url.pathname, this.clientIp(ctx.req), undefined));
        rl = r.headers;
        if (!r.ok) {
          this.stats.rateLimited++;
          this.sendJson(ctx, 429, { message: r.message }, rl);
          return;
        }
      }
      this.send(ctx, 200, this.apiHeaders({ 'Content-Type': 'text/html; charset=utf-8', Allow: allowHeader(route.methods), ...rl }), '');
      return;
    }
    const effMethod = method === 'HEAD' ? 'GET' : method;
    ctx.statKey = route ? `${method} ${route.stat}` : `${method} (unmatched)`;
    if (!route) { this.sendJson(ctx, 404, { message: NOT_FOUND_MSG }); return; }
    if (!route.methods.includes(effMethod)) {
      this.sendJson(ctx, 405, { message: 'The method is not allowed for the requested URL.' }, { Allow: allowHeader(route.methods) });
      return;
    }
    const fault = this.faults.take(method, apiPath, false);
    if (fault && PRE_FAULTS.has(fault.fault)) { ctx.preFault = fault.fault; this.sendPreFault(ctx, fault, route); return; }
    const post = fault && !PRE_FAULTS.has(fault.fault) ? fault : null;
    if (ctx.tooBig) { this.sendJson(ctx, 413, { message: 'The data value transmitted exceeds the capacity limit.' }, {}, post); return; }

    this.state.advance();
    const ip = this.clientIp(ctx.req);
    const apikeyHeader = ctx.req.headers.apikey;
    let rlHeaders = {};
    if (this.state.cfg.rateLimits) {
      const limits = this.limitsFor(route, method, url.pathname, ip, apikeyHeader);
      if (limits.length) {
        const r = this.limiter.check(limits);
        rlHeaders = r.headers;
        if (!r.ok) {
          this.stats.rateLimited++;
          this.sendJson(ctx, 429, { message: r.message }, rlHeaders, post);
          this.state.schedule();
          return;
        }
      }
    }
    const mask = parseMask(ctx.req.headers['x-fields']);
    const reply = (status, obj, extra = {}) => {
      // flask-restx appends its "did you mean" help to the 404s its routes raise
      if (status === 404 && obj && typeof obj.message === 'string') obj = { ...obj, message: notFoundHelp(obj.message, safeDecode(url.pathname)) };
      this.sendJson(ctx, status, obj, { ...rlHeaders, ...extra }, post);
      this.state.schedule();
    };
    const id = match[1] !== undefined ? safeDecode(match[1]) : null;
    try {
      switch (route.name) {
        case 'async': {
          const r = this.state.submit({ raw: ctx.body, contentType: ctx.req.headers['content-type'], headers: ctx.req.headers, ip });
          reply(r.status, r.status === 400 ? r.body : applyMask(r.body, mask));
          return;
        }
        case 'check': {
          const hit = this.checkCache.get(apiPath);
          const nowReal = Date.now();
          if (hit && hit.expires > nowReal) {
            this.send(ctx, 200, this.apiHeaders({ 'Content-Type': JSON_TYPE, ...rlHeaders }), hit.text, post);
            return;
          }
          const wp = this.state.lookup(id);
          if (!wp) { reply(404, { message: `Image Waiting Prompt (Check) with ID '${id}' not found.`, rc: 'RequestNotFound' }); return; }
          const text = pyDumps(applyMask(this.state.statusBody(wp, false), mask)) + '\n';
          if (this.checkCacheMs > 0) this.checkCache.set(apiPath, { expires: nowReal + this.checkCacheMs, text });
          if (this.checkCache.size > 5000) for (const [k, v] of this.checkCache) if (v.expires <= nowReal) this.checkCache.delete(k);
          this.send(ctx, 200, this.apiHeaders({ 'Content-Type': JSON_TYPE, ...rlHeaders }), text, post);
          return;
        }
        case 'status': {
          const wp = this.state.lookup(id);
          if (!wp) {
            const kind = effMethod === 'DELETE' ? 'Delete' : 'Status';
            reply(404, { message: `Image Waiting Prompt (${kind}) with ID '${id}' not found.`, rc: 'RequestNotFound' });
            return;
          }
          const body = effMethod === 'DELETE' ? this.state.cancel(wp) : this.state.statusBody(wp, true);
          reply(200, applyMask(body, mask));
          return;
        }
        case 'heartbeat': reply(200, this.state.heartbeat()); return;
        case 'models': {
          const q = url.searchParams;
          const ints = {};
          for (const k of ['min_count', 'max_count']) {
            if (!q.has(k)) continue;
            const v = q.get(k);
            if (!/^\s*[+-]?\d+\s*$/.test(v)) {
              const help = k === 'min_count' ? 'Filter only models that have at least this amount of threads serving.' : 'Filter the models that have at most this amount of threads serving.';
              reply(400, { errors: { [k]: `${help} invalid literal for int() with base 10: '${v}'` }, message: 'Input payload validation failed' });
              return;
            }
            ints[k] = parseInt(v, 10);
          }
          const state = q.has('model_state') ? q.get('model_state') : 'all';
          if (!['known', 'custom', 'all'].includes(state)) {
            reply(400, { message: "'model_state' needs to be one of ['known', 'custom', 'all']", rc: 'BadRequest' });
            return;
          }
          const type = q.has('type') ? q.get('type') : 'image';
          let list = type === 'image' ? this.state.modelEntries() : [];
          if (ints.min_count !== undefined) list = list.filter((m) => m.count >= ints.min_count);
          if (ints.max_count !== undefined) list = list.filter((m) => m.count <= ints.max_count);
          if (state === 'known') list = list.filter((m) => isKnownModel(m.name));
          if (state === 'custom') list = list.filter((m) => !isKnownModel(m.name));
          reply(200, applyMask(list, mask));
          return;
        }
        case 'model': {
          const name = safeDecode(id);
          reply(200, applyMask(isKnownModel(name) ? this.state.modelEntries(name) : [], mask));
          return;
        }
        case 'find_user': {
          const key = apikeyHeader;
          if (!key) { reply(401, { message: 'No user matching sent API Key. Have you remembered to register at https://stablehorde.net/register ?', rc: 'InvalidAPIKey' }); return; }
          const user = this.state.users.get(key);
          if (!user) { reply(404, { message: `User with api_key '${key}' not found.`, rc: 'UserNotFound' }); return; }
          reply(200, applyMask(this.state.userDetails(user), mask));
          return;
        }
        default: break;
      }
    } catch (e) {
      if (e instanceof HordeError) { reply(e.status, e.body()); return; }
      throw e;
    }
  }

  limitsFor(route, method, fullPath, ip, apikey) {
    const wl = (this.whitelist.get(ip) || 0) > Date.now();
    switch (route.name) {
      case 'async': {
        const key = apikey === undefined ? ANON_KEY : String(apikey);
        const k = `${ip}@${method}@${fullPath}`;
        return [
          { key: k, amount: wl ? 10 : 2, windowMs: SECOND },
          { key: `${sha256hex('s0m3s3cr3t' + key)}@${method}@${fullPath}`, amount: key === ANON_KEY || wl ? 60 : 2, windowMs: SECOND },
          { key: k, amount: wl ? 300 : 90, windowMs: MINUTE },
        ];
      }
      case 'check': return [{ key: `${ip}@${method}@${fullPath}`, amount: 10, windowMs: SECOND }];
      case 'status': return [{ key: `${ip}@${method}@${fullPath}`, amount: 10, windowMs: MINUTE }];
      case 'models': case 'model': case 'find_user': return [{ key: `${ip}@${route.name}`, amount: 90, windowMs: MINUTE }];
      default: return [];
    }
  }

  sendPreFault(ctx, fault, route) {
    switch (fault.fault) {
      case '500': this.sendJson(ctx, 500, { message: 'Internal Server Error' }); return;
      case '502-html': this.send(ctx, 502, { 'Content-Type': 'text/html', Server: 'nginx' }, GATEWAY_502); return;
      case '503': {
        const extra = fault.retryAfter !== null ? { 'Retry-After': String(Math.ceil(fault.retryAfter)) } : {};
        this.sendJson(ctx, 503, { message: 'The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.' }, extra);
        return;
      }
      case '429': {
        let msg = '90 per 1 minute';
        if (route && route.name === 'async') msg = limitText(2, SECOND);
        else if (route && route.name === 'check') msg = limitText(10, SECOND);
        else if (route && route.name === 'status') msg = limitText(10, MINUTE);
        let extra = {};
        if (fault.retryAfter !== null) {
          const ra = Math.ceil(fault.retryAfter);
          const amount = msg.split(' ')[0];
          extra = {
            'X-RateLimit-Limit': amount, 'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + ra), 'Retry-After': String(ra),
          };
        }
        this.sendJson(ctx, 429, { message: msg }, extra);
        return;
      }
      case '429-rc':
        this.sendJson(ctx, 429, { message: 'Parallel requests (31) exceeded user limit (30). Please try again later or request to increase your concurrency.', rc: 'TooManyPrompts' });
        return;
      default: this.sendJson(ctx, 500, { message: 'Internal Server Error' });
    }
  }

  // -- /r2 (presigned image downloads) ------------------------------------------------

  handleR2(ctx) {
    const { method, url } = ctx;
    const cors = { 'Access-Control-Allow-Origin': '*' };
    if (method === 'OPTIONS') {
      this.stats.preflights++;
      this.send(ctx, 200, { ...cors, 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': '*', 'Access-Control-Max-Age': '3600' }, '');
      return;
    }
    ctx.statKey = `${method} /r2`;
    const xml = (status, code, message) => this.send(ctx, status, { ...cors, 'Content-Type': 'application/xml' },
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`, post);
    let post = null;
    const fault = this.faults.take(method, url.pathname, true);
    if (fault && PRE_FAULTS.has(fault.fault)) { ctx.preFault = fault.fault; this.sendPreFault(ctx, fault, null); return; }
    if (fault) post = fault;
    if (method !== 'GET' && method !== 'HEAD') { xml(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.'); return; }
    const m = /^\/r2\/([0-9a-fA-F-]{36})\.webp$/.exec(url.pathname);
    if (!m) { xml(404, 'NoSuchKey', 'The specified key does not exist.'); return; }
    const r = this.state.r2Get(m[1].toLowerCase(), url.searchParams);
    this.state.schedule();
    if (r.status !== 200) { xml(r.status, r.code, r.message); return; }
    const etag = '"' + createHash('md5').update(r.bytes).digest('hex') + '"';
    this.send(ctx, 200, { ...cors, 'Content-Type': 'image/webp', ETag: etag, 'Cache-Control': 'private, max-age=0' }, r.bytes, post);
  }

  // -- /__sim control API -----------------------------------------------------------

  handleControl(ctx) {
    const { method, url } = ctx;
    ctx.control = true;
    const p = url.pathname.replace(/\/+$/, '');
    const out = (status, obj) => this.send(ctx, status, { ...SIM_CORS, 'Content-Type': JSON_TYPE }, JSON.stringify(obj) + '\n');
    if (method === 'OPTIONS') { this.send(ctx, 204, { ...SIM_CORS, 'Access-Control-Max-Age': '600' }, ''); return; }
    let input = {};
    if (method === 'POST' && ctx.body.length) {
      try { input = JSON.parse(ctx.body.toString('utf8')); } catch { out(400, { error: 'body must be JSON' }); return; }
    }
    const allow = (methods) => { if (!methods.includes(method)) { out(405, { error: `method not allowed; use ${methods.join(', ')}` }); return false; } return true; };
    try {
      if (p === '/__sim/jobs') { if (allow(['GET'])) out(200, { jobs: this.state.jobs() }); return; }
      let m = /^\/__sim\/jobs\/([^/]+)$/.exec(p);
      if (m) {
        if (!allow(['GET'])) return;
        const row = this.state.job(safeDecode(m[1]));
        if (row) out(200, row); else out(404, { error: 'job not found' });
        return;
      }
      m = /^\/__sim\/jobs\/([^/]+)\/inject$/.exec(p);
      if (m) {
        if (!allow(['POST'])) return;
        const row = this.state.inject(safeDecode(m[1]), input && input.event);
        if (row) out(200, row); else out(404, { error: 'job not found' });
        return;
      }
      if (p === '/__sim/reset') { if (allow(['POST'])) { this.resetAll(); out(200, {}); } return; }
      if (p === '/__sim/config') {
        if (!allow(['GET', 'POST'])) return;
        if (method === 'GET') { out(200, this.state.config()); return; }
        const cfg = this.state.setConfig(input);
        out(200, cfg);
        return;
      }
      if (p === '/__sim/faults') {
        if (!allow(['GET', 'POST', 'DELETE'])) return;
        if (method === 'GET') out(200, { faults: this.faults.list() });
        else if (method === 'DELETE') { this.faults.clear(); out(200, {}); } else out(200, { id: this.faults.add(input).id });
        return;
      }
      if (p === '/__sim/users') { if (allow(['GET'])) out(200, { users: this.state.userRows() }); return; }
      m = /^\/__sim\/users\/([^/]+)$/.exec(p);
      if (m) {
        if (!allow(['GET', 'POST'])) return;
        const key = safeDecode(m[1]);
        const row = method === 'GET' ? this.state.userRow(key) : this.state.setUser(key, input);
        if (row) out(200, row); else out(404, { error: 'user not found' });
        return;
      }
      if (p === '/__sim/log') {
        if (!allow(['GET', 'DELETE'])) return;
        if (method === 'DELETE') { this.requestLog = []; out(200, {}); return; }
        const raw = url.searchParams.get('limit');
        const limit = raw === null ? LOG_SIZE : Number(raw);
        if (!(Number.isInteger(limit) && limit >= 0)) { out(400, { error: 'limit must be an integer >= 0' }); return; }
        out(200, { requests: limit === 0 ? [] : this.requestLog.slice(-limit) });
        return;
      }
      if (p === '/__sim/stats') { if (allow(['GET'])) out(200, this.stats); return; }
      if (p === '/__sim/stats/reset') { if (allow(['POST'])) { this.stats = newStats(); out(200, {}); } return; }
      out(404, { error: 'not found' });
    } catch (e) {
      if (e instanceof HordeError || e instanceof FaultError) { out(400, { error: e.message }); return; }
      throw e;
    }
  }
}

// ---------------------------------------------------------------------------
// Options / CLI

function normaliseOptions(o) {
  const pick = (...names) => { for (const n of names) if (o[n] !== undefined) return o[n]; return undefined; };
  const cfg = {
    speed: pick('speed') ?? DEFAULT_CONFIG.speed,
    seed: pick('seed') ?? null,
    rateLimits: pick('rateLimits') ?? DEFAULT_CONFIG.rateLimits,
    lifetimeSeconds: pick('lifetimeSeconds', 'lifetime') ?? DEFAULT_CONFIG.lifetimeSeconds,
    r2ExpirySeconds: pick('r2ExpirySeconds', 'r2Expiry') ?? DEFAULT_CONFIG.r2ExpirySeconds,
    workers: pick('workers') ?? DEFAULT_CONFIG.workers,
    failureRate: pick('failureRate') ?? DEFAULT_CONFIG.failureRate,
    imageKind: pick('imageKind') ?? DEFAULT_CONFIG.imageKind,
  };
  if (typeof cfg.rateLimits === 'string') cfg.rateLimits = !['off', 'false', '0', 'no'].includes(cfg.rateLimits.toLowerCase());
  if (!(typeof cfg.speed === 'number' && cfg.speed > 0 && Number.isFinite(cfg.speed))) throw new Error('speed must be a number > 0');
  if (cfg.seed !== null && !(Number.isInteger(cfg.seed) && cfg.seed >= 0)) throw new Error('seed must be an integer >= 0');
  if (!(cfg.lifetimeSeconds > 0)) throw new Error('lifetime must be > 0');
  if (!(cfg.r2ExpirySeconds > 0)) throw new Error('r2 expiry must be > 0');
  if (!(Number.isInteger(cfg.workers) && cfg.workers >= 0 && cfg.workers <= 256)) throw new Error('workers must be an integer 0..256');
  if (!(cfg.failureRate >= 0 && cfg.failureRate <= 1)) throw new Error('failure rate must be within 0..1');
  if (!IMAGE_KINDS.includes(cfg.imageKind)) throw new Error(`image kind must be one of ${IMAGE_KINDS.join(', ')}`);
  return cfg;
}

export async function startSimulator(opts = {}) {
  const sim = new Simulator(opts);
  await sim.listen();
  return {
    url: sim.url,
    baseUrl: sim.baseUrl,
    port: sim.port,
    close: () => sim.close(),
    // in-process conveniences (same semantics as the /__sim control API)
    config: () => sim.state.config(),
    setConfig: (partial) => sim.state.setConfig(partial),
    reset: () => sim.resetAll(),
    jobs: () => sim.state.jobs(),
    job: (id) => sim.state.job(id),
    inject: (id, event) => sim.state.inject(id, event),
    addFault: (spec) => sim.faults.add(spec).id,
    faults: () => sim.faults.list(),
    clearFaults: () => sim.faults.clear(),
    stats: () => sim.stats,
    resetStats: () => { sim.stats = newStats(); },
    users: () => sim.state.userRows(),
    user: (apikey) => sim.state.userRow(apikey),
    setUser: (apikey, patch) => sim.state.setUser(apikey, patch),
    setKudos: (apikey, kudos) => sim.state.setUser(apikey, { kudos }),
    log: (limit = LOG_SIZE) => (limit > 0 ? sim.requestLog.slice(-limit) : []),
    clearLog: () => { sim.requestLog = []; },
    control: new SimControl(sim.url),
    simulator: sim,
  };
}

export const USAGE = `Usage: horde-sim [options]

Local AI Horde image-generation API simulator (API under /api, control API under /__sim).

Options:
  --port N              port on 127.0.0.1 (default 7001; 0 = any free port)
  --speed F             simulated time runs F times faster (default 1)
  --seed N              seed for ids, worker choice, image seeds, failures (default: random)
  --rate-limits on|off  enforce the real server's rate limits (default on)
  --lifetime SECONDS    request expiry after last pickup/delivery, simulated s (default 1200)
  --r2-expiry SECONDS   validity of image download URLs, simulated s (default 1800)
  --workers N           number of simulated workers (default 4)
  --failure-rate P      probability that a worker job fails (default 0)
  --image-kind KIND     pattern | noise (default pattern; noise makes >= 500 KB images at 512x512)
  --keys FILE           JSON array of extra API keys (merged with the built-in keys)
  --quiet               do not log requests to stderr
  -h, --help            show this help
`;

export function parseArgs(argv) {
  const o = { port: 7001, quiet: false };
  const need = (i, name) => { if (i >= argv.length) throw new Error(`${name} needs a value`); return argv[i]; };
  const num = (v, name) => { const x = Number(v); if (v === '' || !Number.isFinite(x)) throw new Error(`${name}: not a number: ${v}`); return x; };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let val;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { val = a.slice(eq + 1); a = a.slice(0, eq); }
    const get = () => (val !== undefined ? val : need(++i, a));
    switch (a) {
      case '-h': case '--help': o.help = true; break;
      case '--port': o.port = num(get(), a); break;
      case '--speed': o.speed = num(get(), a); break;
      case '--seed': o.seed = num(get(), a); break;
      case '--rate-limits': {
        const v = get().toLowerCase();
        if (!['on', 'off', 'true', 'false'].includes(v)) throw new Error('--rate-limits takes on|off');
        o.rateLimits = v === 'on' || v === 'true';
        break;
      }
      case '--lifetime': o.lifetimeSeconds = num(get(), a); break;
      case '--r2-expiry': o.r2ExpirySeconds = num(get(), a); break;
      case '--workers': o.workers = num(get(), a); break;
      case '--failure-rate': o.failureRate = num(get(), a); break;
      case '--image-kind': o.imageKind = get(); break;
      case '--keys': o.keys = get(); break;
      case '--quiet': o.quiet = true; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (!(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535)) throw new Error('--port must be 0..65535');
  return o;
}

async function main() {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) {
    process.stderr.write(`horde-sim: ${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) { process.stdout.write(USAGE); return; }
  let sim = null;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (sim) await sim.close();
    process.exitCode = 0;
    setTimeout(() => process.exit(0), 2000).unref();
  };
  // registered before the ready line so a signal sent right after it is handled
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try { sim = await startSimulator(opts); } catch (e) {
    process.stderr.write(`horde-sim: ${e.message}\n`);
    process.exit(1);
  }
  if (stopping) { await sim.close(); return; }
  const cfg = sim.config();
  process.stdout.write(`horde-sim listening on ${sim.baseUrl} (speed ${cfg.speed}, seed ${cfg.seed === null ? 'random' : cfg.seed}, rate limits ${cfg.rateLimits ? 'on' : 'off'})\n`);
}

function isMain() {
  if (!process.argv[1]) return false;
  try { return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url)); } catch { return false; }
}

if (isMain()) main();

export { Clock, BAD_REQUEST_GENERIC };
