// The /__sim control API: jobs table, inject, reset, config, stats, CORS.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, submit, ctl, request, waitJob, TESTER, AGENT } from './helpers.mjs';

let sim;
before(async () => { sim = await start({ speed: 20, rateLimits: true }); });
after(async () => { await sim.close(); });
beforeEach(async () => { await ctl(sim, 'POST', '/reset'); });

test('GET /__sim/jobs and /__sim/jobs/{id}: the job table with every documented field', async () => {
  const r = await submit(sim, { prompt: 'table', models: ['Deliberate'], r2: false, params: { n: 2 } }, { apikey: TESTER });
  const list = (await ctl(sim, 'GET', '/jobs')).json;
  assert.equal(list.jobs.length, 1);
  const j = list.jobs[0];
  for (const k of ['id', 'n', 'waiting', 'processing', 'finished', 'restarted', 'done', 'faulted', 'cancelled', 'expired', 'active',
    'models', 'apikey_user', 'client_agent', 'r2', 'created_at', 'expires_at']) assert.ok(k in j, k);
  assert.equal(j.id, r.json.id);
  assert.equal(j.n, 2);
  assert.deepEqual(j.models, ['Deliberate']);
  assert.equal(j.apikey_user, 'Tester#1');
  assert.equal(j.client_agent, AGENT);
  assert.equal(j.r2, false);
  assert.equal(j.active, true);
  assert.ok(Math.abs(j.created_at - Date.now()) < 5000);
  assert.ok(j.expires_at > j.created_at);
  assert.deepEqual((await ctl(sim, 'GET', `/jobs/${r.json.id}`)).json.id, r.json.id);
  const missing = await ctl(sim, 'GET', '/jobs/00000000-0000-4000-8000-000000000000');
  assert.equal(missing.status, 404);
  const done = await waitJob(sim, r.json.id, (x) => x.done);
  assert.equal(done.active, false);
  assert.equal(done.finished, 2);
});

test('inject: unknown job 404, unknown event 400, every event returns the job row', async () => {
  assert.equal((await ctl(sim, 'POST', '/jobs/00000000-0000-4000-8000-000000000000/inject', { event: 'finish' })).status, 404);
  const id = (await submit(sim, { prompt: 'x', models: ['SDXL 1.0'] })).json.id;
  const bad = await ctl(sim, 'POST', `/jobs/${id}/inject`, { event: 'explode' });
  assert.equal(bad.status, 400);
  for (const event of ['stall', 'censor', 'lora-download-failed', 'expire-images', 'worker-failure', 'unstall', 'finish', 'fault', 'expire']) {
    const r = await ctl(sim, 'POST', `/jobs/${id}/inject`, { event });
    assert.equal(r.status, 200, event);
    assert.equal(r.json.id, id);
  }
  const row = (await ctl(sim, 'GET', `/jobs/${id}`)).json;
  assert.equal(row.expired, true);
  assert.equal(row.finished, 1);
});

test('config: GET returns the full config; POST merges a partial one and validates it', async () => {
  const c = (await ctl(sim, 'GET', '/config')).json;
  assert.deepEqual(Object.keys(c).sort(), ['failureRate', 'imageKind', 'lifetimeSeconds', 'r2ExpirySeconds', 'rateLimits', 'seed', 'speed', 'workers']);
  assert.equal(c.speed, 20);
  assert.equal(c.seed, 1);
  assert.equal(c.rateLimits, true);
  assert.equal(c.lifetimeSeconds, 1200);
  assert.equal(c.r2ExpirySeconds, 1800);
  assert.equal(c.workers, 4);
  assert.equal(c.failureRate, 0);
  assert.equal(c.imageKind, 'pattern');
  const n = (await ctl(sim, 'POST', '/config', { workers: 2, imageKind: 'noise', speed: 40 })).json;
  assert.equal(n.workers, 2);
  assert.equal(n.imageKind, 'noise');
  assert.equal(n.speed, 40);
  assert.equal(n.lifetimeSeconds, 1200);
  const models = (await api(sim, 'GET', '/v2/status/models')).json;
  assert.equal(models.find((m) => m.name === 'stable_diffusion').count, 2);
  for (const bad of [{ speed: 0 }, { workers: -1 }, { failureRate: 2 }, { imageKind: 'jpeg' }, { rateLimits: 'yes' }]) {
    assert.equal((await ctl(sim, 'POST', '/config', bad)).status, 400, JSON.stringify(bad));
  }
  // reset keeps the config
  await ctl(sim, 'POST', '/reset');
  assert.equal((await ctl(sim, 'GET', '/config')).json.workers, 2);
  await ctl(sim, 'POST', '/config', { workers: 4, imageKind: 'pattern', speed: 20 });
});

test('stats: requests, byRoute, byStatus, rateLimited, tooManyPrompts, preflights, doneAt; reset', async () => {
  const id = (await submit(sim, { prompt: 'x' })).json.id;
  await submit(sim, { prompt: 'y' });
  await submit(sim, { prompt: 'z' }); // third within a second: rate limited
  await api(sim, 'GET', `/v2/generate/check/${id}`);
  await api(sim, 'GET', `/v2/generate/status/${id}`);
  await api(sim, 'DELETE', `/v2/generate/status/${id}`);
  await api(sim, 'GET', '/v2/status/heartbeat');
  await request(`${sim.baseUrl}/v2/generate/async`, { method: 'OPTIONS' });
  await waitJob(sim, id, (j) => j.done);
  const s = (await ctl(sim, 'GET', '/stats')).json;
  assert.equal(s.requests, 7);
  assert.equal(s.byRoute['POST /v2/generate/async'], 3);
  assert.equal(s.byRoute['GET /v2/generate/check'], 1);
  assert.equal(s.byRoute['GET /v2/generate/status'], 1);
  assert.equal(s.byRoute['DELETE /v2/generate/status'], 1);
  assert.equal(s.byRoute['GET /v2/status/heartbeat'], 1);
  assert.equal(s.byStatus['202'], 2);
  assert.equal(s.byStatus['429'], 1);
  assert.equal(s.byStatus['200'], 4);
  assert.equal(s.rateLimited, 1);
  assert.equal(s.tooManyPrompts, 0);
  assert.equal(s.preflights, 1);
  assert.ok(s.doneAt[id] > 0 && s.doneAt[id] <= Date.now());
  assert.deepEqual((await ctl(sim, 'POST', '/stats/reset')).json, {});
  const z = (await ctl(sim, 'GET', '/stats')).json;
  assert.deepEqual(z, { requests: 0, byRoute: {}, byStatus: {}, rateLimited: 0, tooManyPrompts: 0, preflights: 0, doneAt: {} });
});

test('reset: drops jobs, faults, rate-limit windows and stats', async () => {
  await submit(sim, { prompt: 'a' });
  await submit(sim, { prompt: 'b' });
  assert.equal((await submit(sim, { prompt: 'c' })).status, 429);
  await ctl(sim, 'POST', '/faults', { fault: '500', times: 0, path: '/v2/find_user' });
  assert.deepEqual((await ctl(sim, 'POST', '/reset')).json, {});
  assert.deepEqual((await ctl(sim, 'GET', '/jobs')).json.jobs, []);
  assert.deepEqual((await ctl(sim, 'GET', '/faults')).json.faults, []);
  assert.equal((await ctl(sim, 'GET', '/stats')).json.requests, 0);
  assert.equal((await submit(sim, { prompt: 'd' })).status, 202, 'windows dropped');
});

test('control API: CORS for browser tests, preflights, not rate limited, not counted in stats', async () => {
  const p = await request(`${sim.url}/__sim/faults`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:8080', 'Access-Control-Request-Method': 'POST' } });
  assert.ok(p.status === 200 || p.status === 204);
  assert.equal(p.headers['access-control-allow-origin'], '*');
  assert.equal(p.headers['access-control-allow-methods'], 'GET, POST, DELETE, OPTIONS');
  assert.equal(p.headers['access-control-allow-headers'], 'Content-Type');
  for (let i = 0; i < 30; i++) {
    const r = await ctl(sim, 'GET', '/jobs');
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.match(r.headers['content-type'], /^application\/json/);
  }
  assert.equal((await ctl(sim, 'GET', '/stats')).json.requests, 0);
  assert.equal((await ctl(sim, 'GET', '/nope')).status, 404);
  assert.equal((await ctl(sim, 'DELETE', '/jobs')).status, 405);
});

test('no job is left running: after finishing/cancelling everything, no row is active', async () => {
  await ctl(sim, 'POST', '/config', { rateLimits: false });
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push((await submit(sim, { prompt: `p${i}`, params: { n: 3 } })).json.id);
  await api(sim, 'DELETE', `/v2/generate/status/${ids[0]}`);
  await ctl(sim, 'POST', `/jobs/${ids[1]}/inject`, { event: 'finish' });
  for (const id of ids) await waitJob(sim, id, (j) => j.done);
  const jobs = (await ctl(sim, 'GET', '/jobs')).json.jobs;
  assert.equal(jobs.length, 4);
  assert.ok(jobs.every((j) => !j.active && j.processing === 0 && (j.waiting === 0 || j.faulted)));
  await ctl(sim, 'POST', '/config', { rateLimits: true });
});
