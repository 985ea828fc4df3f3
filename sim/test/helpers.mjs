// Shared test helpers: start a simulator, raw HTTP requests, API calls whose
// JSON answers are validated against swagger, and the control API.

import http from 'node:http';
import assert from 'node:assert/strict';
import { startSimulator } from '../server.mjs';
import { validateResponse } from './swagger.mjs';

export const ANON = '0000000000';
export const TESTER = 'simtestkey000000000001';
export const LOWCONC = 'simtestkey000000000002';
export const POOR = 'simtestkey000000000003';
export const TRUSTED = 'simtestkey000000000004';
export const AGENT = 'horde-sim-tests:1.0:https://example.invalid';
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function start(opts = {}) {
  return startSimulator({ port: 0, seed: 1, quiet: true, ...opts });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Raw HTTP request (fresh connection each time). Resolves with
// { status, headers, buf, text } or rejects on a socket error.
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    let payload = body;
    if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) payload = JSON.stringify(body);
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname + u.search, method, agent: false,
      headers: { ...(payload !== undefined ? { 'Content-Length': Buffer.byteLength(payload) } : {}), ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, buf, text: buf.toString('utf8') });
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// Call /api<path>; parse JSON answers and validate them against swagger.
export async function api(sim, method, path, { headers = {}, body, json = true, apikey, validate = true } = {}) {
  const h = { 'Client-Agent': AGENT, ...headers };
  if (apikey !== undefined) h.apikey = apikey;
  if (body !== undefined && json && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
  const r = await request(sim.baseUrl + path, { method, headers: h, body });
  const ct = r.headers['content-type'] || '';
  if (ct.startsWith('application/json') && method !== 'HEAD') {
    r.json = JSON.parse(r.text);
    if (validate) {
      const v = validateResponse(path, method, r.status, r.json);
      assert.deepEqual(v.errors, [], `${method} ${path} -> ${r.status} does not match ${v.name}: ${r.text.slice(0, 400)}`);
    }
  }
  return r;
}

export const submit = (sim, body, opts = {}) => api(sim, 'POST', '/v2/generate/async', { apikey: ANON, body, ...opts });

export async function ctl(sim, method, path, body) {
  const r = await request(sim.url + '/__sim' + path, {
    method, body, headers: body !== undefined ? { 'Content-Type': 'application/json' } : {},
  });
  r.json = r.text ? JSON.parse(r.text) : null;
  return r;
}

export async function waitFor(fn, { timeout = 15000, interval = 20, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(interval);
  }
}

export async function job(sim, id) { return (await ctl(sim, 'GET', `/jobs/${id}`)).json; }

export const waitJob = (sim, id, pred, what) => waitFor(async () => { const j = await job(sim, id); return pred(j) ? j : null; }, { what: what || `job ${id}` });
