// Rate limits: flask-limiter fixed windows keyed by IP + method + full path.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, submit, ctl, sleep, TESTER, ANON } from './helpers.mjs';
import { FixedWindowLimiter, SECOND, MINUTE } from '../ratelimit.mjs';

let sim;
before(async () => { sim = await start({ speed: 20, rateLimits: true }); });
after(async () => { await sim.close(); });
beforeEach(async () => { await ctl(sim, 'POST', '/reset'); await ctl(sim, 'POST', '/config', { rateLimits: true }); });

let ipSeq = 0;
const freshIp = () => `10.1.${Math.floor(++ipSeq / 250)}.${ipSeq % 250 + 1}`;
const xff = (ip) => ({ 'X-Forwarded-For': ip });

function assertLimitHeaders(r, limit) {
  assert.equal(r.headers['x-ratelimit-limit'], String(limit));
  assert.match(r.headers['x-ratelimit-remaining'], /^\d+$/);
  assert.match(r.headers['x-ratelimit-reset'], /^\d+$/);
  assert.match(r.headers['retry-after'], /^\d+$/);
}

test('check: 10 per second per request id, 429 body and headers, own window per id, window resets', async () => {
  const ip = freshIp();
  const a = (await submit(sim, { prompt: 'a' }, { headers: xff(ip) })).json.id;
  const b = (await submit(sim, { prompt: 'b' }, { headers: xff(freshIp()) })).json.id;
  const remaining = [];
  for (let i = 0; i < 10; i++) {
    const r = await api(sim, 'GET', `/v2/generate/check/${a}`, { headers: xff(ip) });
    assert.equal(r.status, 200);
    assertLimitHeaders(r, 10);
    remaining.push(Number(r.headers['x-ratelimit-remaining']));
  }
  assert.deepEqual(remaining, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  const over = await api(sim, 'GET', `/v2/generate/check/${a}`, { headers: xff(ip) });
  assert.equal(over.status, 429);
  assert.deepEqual(over.json, { message: '10 per 1 second' });
  assertLimitHeaders(over, 10);
  assert.equal(over.headers['x-ratelimit-remaining'], '0');
  const ra = Number(over.headers['retry-after']);
  assert.ok(ra >= 0 && ra <= 2, `Retry-After ${ra}`);
  const reset = Number(over.headers['x-ratelimit-reset']);
  assert.ok(reset >= Math.floor(Date.now() / 1000) && reset <= Date.now() / 1000 + 3);
  assert.equal(over.headers['access-control-allow-origin'], '*', 'CORS on 429 too');
  assert.equal((await api(sim, 'GET', `/v2/generate/check/${b}`, { headers: xff(ip) })).status, 200, 'other id, other window');
  assert.equal((await api(sim, 'GET', `/v2/generate/check/${a}`, { headers: xff(freshIp()) })).status, 200, 'other IP, other window');
  await sleep(1100);
  assert.equal((await api(sim, 'GET', `/v2/generate/check/${a}`, { headers: xff(ip) })).status, 200, 'window reset');
  assert.ok((await ctl(sim, 'GET', '/stats')).json.rateLimited >= 1);
});

test('status: 10 per minute per id; DELETE has its own counter', async () => {
  const ip = freshIp();
  const id = (await submit(sim, { prompt: 'a' }, { headers: xff(ip) })).json.id;
  const other = (await submit(sim, { prompt: 'b' }, { headers: xff(freshIp()) })).json.id;
  for (let i = 0; i < 10; i++) assert.equal((await api(sim, 'GET', `/v2/generate/status/${id}`, { headers: xff(ip) })).status, 200);
  const over = await api(sim, 'GET', `/v2/generate/status/${id}`, { headers: xff(ip) });
  assert.equal(over.status, 429);
  assert.deepEqual(over.json, { message: '10 per 1 minute' });
  const ra = Number(over.headers['retry-after']);
  assert.ok(ra >= 55 && ra <= 61, `Retry-After ${ra}`);
  assert.equal((await api(sim, 'GET', `/v2/generate/status/${other}`, { headers: xff(ip) })).status, 200, 'per id');
  for (let i = 0; i < 10; i++) {
    const d = await api(sim, 'DELETE', `/v2/generate/status/${id}`, { headers: xff(ip) });
    assert.equal(d.status, 200, `DELETE #${i + 1}`);
    assertLimitHeaders(d, 10);
  }
  const dOver = await api(sim, 'DELETE', `/v2/generate/status/${id}`, { headers: xff(ip) });
  assert.equal(dOver.status, 429);
  assert.deepEqual(dOver.json, { message: '10 per 1 minute' });
});

test('async: 2 per second per IP, 2 per second per registered key, 60 per second for the anonymous key', async () => {
  const ip = freshIp();
  const ok1 = await submit(sim, { prompt: 'a' }, { headers: xff(ip) });
  assert.equal(ok1.status, 202);
  assertLimitHeaders(ok1, 2); // the first limit in flask-limiter's order: 2 per second per IP
  assert.equal(ok1.headers['x-ratelimit-remaining'], '1');
  assert.equal((await submit(sim, { prompt: 'b' }, { headers: xff(ip) })).status, 202);
  const over = await submit(sim, { prompt: 'c' }, { headers: xff(ip) });
  assert.equal(over.status, 429);
  assert.deepEqual(over.json, { message: '2 per 1 second' });
  assertLimitHeaders(over, 2);
  assert.equal((await ctl(sim, 'GET', '/jobs')).json.jobs.length, 2, 'a rate-limited request has no side effect');
  // a registered key is limited across IPs
  assert.equal((await submit(sim, { prompt: 'k1' }, { apikey: TESTER, headers: xff(freshIp()) })).status, 202);
  assert.equal((await submit(sim, { prompt: 'k2' }, { apikey: TESTER, headers: xff(freshIp()) })).status, 202);
  const keyOver = await submit(sim, { prompt: 'k3' }, { apikey: TESTER, headers: xff(freshIp()) });
  assert.equal(keyOver.status, 429);
  assert.deepEqual(keyOver.json, { message: '2 per 1 second' });
  // the anonymous key is not limited to 2/s across IPs
  for (let i = 0; i < 5; i++) assert.equal((await submit(sim, { prompt: `anon${i}` }, { apikey: ANON, headers: xff(freshIp()) })).status, 202);
  await sleep(1100);
  assert.equal((await submit(sim, { prompt: 'd' }, { headers: xff(ip) })).status, 202, 'window reset');
});

test('models and find_user: 90 per minute per IP (limiter default); heartbeat exempt', async () => {
  const ip = freshIp();
  for (let i = 0; i < 90; i++) {
    const r = await api(sim, 'GET', '/v2/status/models', { headers: xff(ip) });
    assert.equal(r.status, 200);
  }
  const over = await api(sim, 'GET', '/v2/status/models', { headers: xff(ip) });
  assert.equal(over.status, 429);
  assert.deepEqual(over.json, { message: '90 per 1 minute' });
  const fu = await api(sim, 'GET', '/v2/find_user', { apikey: TESTER, headers: xff(ip) });
  assert.equal(fu.status, 200, 'find_user has its own window');
  assertLimitHeaders(fu, 90);
  for (let i = 0; i < 120; i++) {
    const h = await api(sim, 'GET', '/v2/status/heartbeat', { headers: xff(ip) });
    assert.equal(h.status, 200);
    assert.equal(h.headers['x-ratelimit-limit'], undefined);
  }
});

test('rate limits off: no 429 and no rate-limit headers', async () => {
  await ctl(sim, 'POST', '/config', { rateLimits: false });
  const ip = freshIp();
  const id = (await submit(sim, { prompt: 'a' }, { headers: xff(ip) })).json.id;
  for (let i = 0; i < 15; i++) {
    const r = await api(sim, 'GET', `/v2/generate/status/${id}`, { headers: xff(ip) });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-ratelimit-limit'], undefined);
    assert.equal(r.headers['retry-after'], undefined);
  }
  for (let i = 0; i < 5; i++) assert.equal((await submit(sim, { prompt: 'x' }, { headers: xff(ip) })).status, 202);
});

test('headers as flask-limiter computes them from Redis: TTL rounded to whole seconds, reset = int(now + TTL + 1), Retry-After = int(reset - now)', () => {
  let now = 1_000_950; // epoch ms
  const lim = new FixedWindowLimiter(() => now);
  const perSecond = [{ key: 'ip@POST@/api/v2/generate/async', amount: 2, windowMs: SECOND }];
  const hdr = (r) => [r.ok, r.headers['X-RateLimit-Remaining'], r.headers['X-RateLimit-Reset'], r.headers['Retry-After']];
  assert.deepEqual(hdr(lim.check(perSecond)), [true, '1', '1002', '1']); // opened at 1000.95
  now = 1_001_300; // 0.35 s into the window: TTL 1 (0.65 rounds up)
  assert.deepEqual(hdr(lim.check(perSecond)), [true, '0', '1003', '1']);
  now = 1_001_600; // 0.65 s in: TTL 0
  assert.deepEqual(hdr(lim.check(perSecond)), [false, '0', '1002', '0']);
  now = 1_001_950; // a new window
  assert.deepEqual(hdr(lim.check(perSecond)), [true, '1', '1003', '1']);
  // with several limits and none exceeded, the headers show the first (the shortest window)
  const submitLimits = [
    { key: 'ip2', amount: 2, windowMs: SECOND }, { key: 'key2', amount: 60, windowMs: SECOND }, { key: 'ip2', amount: 90, windowMs: MINUTE },
  ];
  now = 5_000_500;
  const r = lim.check(submitLimits);
  assert.deepEqual([r.headers['X-RateLimit-Limit'], r.headers['X-RateLimit-Remaining'], r.headers['Retry-After']], ['2', '1', '1']);
  const minute = [{ key: 'ip3', amount: 10, windowMs: MINUTE }];
  now = 7_000_500;
  assert.deepEqual(hdr(lim.check(minute)), [true, '9', '7061', '60']);
  now = 7_040_400; // 39.9 s in: TTL round(20.1) = 20
  assert.deepEqual(hdr(lim.check(minute)), [true, '8', '7061', '20']);
});
