// Fault injection through POST /__sim/faults: every switch, matching by
// method/path, "times", and whether the faulted request had side effects.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, submit, ctl, request, TESTER } from './helpers.mjs';

let sim;
before(async () => { sim = await start({ speed: 20, rateLimits: false }); });
after(async () => { await sim.close(); });
beforeEach(async () => { await ctl(sim, 'POST', '/reset'); });

const addFault = async (spec) => {
  const r = await ctl(sim, 'POST', '/faults', spec);
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.id, /^fault-\d+$/);
  return r.json.id;
};
const jobCount = async () => (await ctl(sim, 'GET', '/jobs')).json.jobs.length;

test('500: JSON {"message": "Internal Server Error"} with CORS, no side effect, only the first `times` requests', async () => {
  await addFault({ fault: '500', method: 'POST', path: '/v2/generate/async', times: 2 });
  for (let i = 0; i < 2; i++) {
    const r = await submit(sim, { prompt: 'x' });
    assert.equal(r.status, 500);
    assert.deepEqual(r.json, { message: 'Internal Server Error' });
    assert.equal(r.headers['access-control-allow-origin'], '*');
  }
  assert.equal(await jobCount(), 0);
  assert.equal((await submit(sim, { prompt: 'x' })).status, 202);
  assert.deepEqual((await ctl(sim, 'GET', '/faults')).json.faults, []);
});

test('502-html: an HTML gateway page without CORS headers', async () => {
  await addFault({ fault: '502-html', path: '/v2/generate/check' });
  const id = (await submit(sim, { prompt: 'x' })).json.id;
  const r = await api(sim, 'GET', `/v2/generate/check/${id}`);
  assert.equal(r.status, 502);
  assert.match(r.headers['content-type'], /^text\/html/);
  assert.match(r.text, /<title>502 Bad Gateway<\/title>/);
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  assert.throws(() => JSON.parse(r.text));
  assert.equal((await api(sim, 'GET', `/v2/generate/check/${id}`)).status, 200);
});

test('503 with and without Retry-After', async () => {
  await addFault({ fault: '503', method: 'GET', path: '/v2/status/heartbeat' });
  const a = await api(sim, 'GET', '/v2/status/heartbeat');
  assert.equal(a.status, 503);
  assert.equal(typeof a.json.message, 'string');
  assert.equal(a.headers['retry-after'], undefined);
  await addFault({ fault: '503', method: 'GET', path: '/v2/status/heartbeat', retryAfter: 7 });
  const b = await api(sim, 'GET', '/v2/status/heartbeat');
  assert.equal(b.status, 503);
  assert.equal(b.headers['retry-after'], '7');
});

test('429 (rate-limit style, no rc) with and without Retry-After; 429-rc TooManyPrompts', async () => {
  const id = (await submit(sim, { prompt: 'x' })).json.id;
  await addFault({ fault: '429', path: id, method: 'GET' });
  const a = await api(sim, 'GET', `/v2/generate/status/${id}`);
  assert.equal(a.status, 429);
  assert.deepEqual(a.json, { message: '10 per 1 minute' });
  assert.equal(a.headers['retry-after'], undefined);
  await addFault({ fault: '429', path: '/v2/generate/check', retryAfter: 3 });
  const b = await api(sim, 'GET', `/v2/generate/check/${id}`);
  assert.equal(b.status, 429);
  assert.deepEqual(b.json, { message: '10 per 1 second' });
  assert.equal(b.headers['retry-after'], '3');
  assert.equal(b.headers['x-ratelimit-remaining'], '0');
  await addFault({ fault: '429-rc', method: 'POST' });
  const c = await submit(sim, { prompt: 'y' }, { apikey: TESTER });
  assert.equal(c.status, 429);
  assert.equal(c.json.rc, 'TooManyPrompts');
  assert.equal(await jobCount(), 1);
  const stats = (await ctl(sim, 'GET', '/stats')).json;
  assert.equal(stats.tooManyPrompts, 1);
  assert.equal(stats.rateLimited, 0, 'injected 429s are not counted as limiter 429s');
});

test('reset: the request is processed (job created) but the connection dies mid-body', async () => {
  await addFault({ fault: 'reset', method: 'POST', path: '/v2/generate/async' });
  await assert.rejects(submit(sim, { prompt: 'x' }));
  assert.equal(await jobCount(), 1, 'side effect happened');
  assert.equal((await submit(sim, { prompt: 'x' })).status, 202);
});

test('truncate: a valid HTTP response whose JSON body is cut short', async () => {
  const id = (await submit(sim, { prompt: 'x' })).json.id;
  await addFault({ fault: 'truncate', method: 'DELETE' });
  const r = await request(`${sim.baseUrl}/v2/generate/status/${id}`, { method: 'DELETE' });
  assert.equal(r.status, 200);
  assert.equal(Number(r.headers['content-length']), r.buf.length);
  assert.throws(() => JSON.parse(r.text));
  const j = (await ctl(sim, 'GET', `/jobs/${id}`)).json;
  assert.equal(j.cancelled, true, 'the cancel happened');
});

test('slow: the answer is delayed by delayMs', async () => {
  await addFault({ fault: 'slow', path: '/v2/status/models', delayMs: 600 });
  const t0 = Date.now();
  const r = await api(sim, 'GET', '/v2/status/models');
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t0 >= 580, `took ${Date.now() - t0} ms`);
  const t1 = Date.now();
  await api(sim, 'GET', '/v2/status/models');
  assert.ok(Date.now() - t1 < 400, 'only the first matching request is delayed');
});

test('faults on r2 image requests when the path matches; times=0 lasts until cleared', async () => {
  const id = (await submit(sim, { prompt: 'x' })).json.id;
  await ctl(sim, 'POST', `/jobs/${id}/inject`, { event: 'finish' });
  const url = (await api(sim, 'GET', `/v2/generate/status/${id}`)).json.generations[0].img;
  await addFault({ fault: '503', path: '/r2/', times: 0 });
  for (let i = 0; i < 3; i++) assert.equal((await request(url)).status, 503);
  const list = (await ctl(sim, 'GET', '/faults')).json.faults;
  assert.equal(list.length, 1);
  assert.equal(list[0].remaining, null);
  assert.equal(list[0].applied, 3);
  assert.equal((await api(sim, 'GET', `/v2/generate/check/${id}`)).status, 200, 'path does not match /api');
  assert.deepEqual((await ctl(sim, 'DELETE', '/faults')).json, {});
  assert.equal((await request(url)).status, 200);
});

test('method filter and remaining counts; bad fault specs are rejected', async () => {
  const id = (await submit(sim, { prompt: 'x' })).json.id;
  await addFault({ fault: '500', method: 'DELETE', path: id, times: 2 });
  assert.equal((await api(sim, 'GET', `/v2/generate/status/${id}`)).status, 200);
  const listed = (await ctl(sim, 'GET', '/faults')).json.faults[0];
  assert.equal(listed.remaining, 2);
  assert.equal(listed.method, 'DELETE');
  assert.equal((await api(sim, 'DELETE', `/v2/generate/status/${id}`)).status, 500);
  assert.equal((await ctl(sim, 'GET', `/jobs/${id}`)).json.cancelled, false, 'no side effect');
  assert.equal((await ctl(sim, 'GET', '/faults')).json.faults[0].remaining, 1);
  for (const bad of [{ fault: 'nope' }, { fault: '500', times: -1 }, { fault: '500', method: 'PATCH' }, { fault: 'slow', delayMs: 'x' }]) {
    const r = await ctl(sim, 'POST', '/faults', bad);
    assert.equal(r.status, 400);
    assert.equal(typeof r.json.error, 'string');
  }
});

test('expiry mid-wait via inject: 404 from then on', async () => {
  const id = (await submit(sim, { prompt: 'x', models: ['SDXL 1.0'] })).json.id;
  assert.equal((await api(sim, 'GET', `/v2/generate/check/${id}`)).status, 200);
  await ctl(sim, 'POST', `/jobs/${id}/inject`, { event: 'expire' });
  assert.equal((await api(sim, 'GET', `/v2/generate/status/${id}`)).status, 404);
  assert.equal((await api(sim, 'DELETE', `/v2/generate/status/${id}`)).status, 404);
});
