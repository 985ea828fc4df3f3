// The package entry (index.mjs) and its control client, SimControl, and the control calls for
// keys (/__sim/users) and the request log (/__sim/log).

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import * as pkg from '../index.mjs';
import { startSimulator, SimControl, SimControlError, LOG_SIZE } from '../index.mjs';
import { api, submit, ctl, waitFor, ANON, TESTER, POOR } from './helpers.mjs';

let sim, control;
before(async () => {
  sim = await startSimulator({ port: 0, seed: 1, speed: 20 });
  control = new SimControl(sim.baseUrl);
});
after(async () => { await sim.close(); });
beforeEach(async () => { await control.reset(); });

test('the entry exports startSimulator, SimControl, SimControlError, LOG_SIZE and USAGE', () => {
  assert.deepEqual(Object.keys(pkg).sort(), ['LOG_SIZE', 'SimControl', 'SimControlError', 'USAGE', 'startSimulator']);
  assert.match(pkg.USAGE, /^Usage: horde-sim \[options\]/);
  assert.ok(sim.control instanceof SimControl);
  assert.equal(sim.control.url, sim.url);
  assert.equal(new SimControl(`${sim.url}/`).url, sim.url);
});

test('SimControl: jobs, job, inject and its shortcuts, over HTTP', async () => {
  const id = (await submit(sim, { prompt: 'client', models: ['SDXL 1.0'] }, { apikey: TESTER })).json.id;
  const jobs = await control.jobs();
  assert.deepEqual(jobs.map((j) => j.id), [id]);
  assert.equal((await control.job(id)).apikey_user, 'Tester#1');
  assert.equal(await control.job('00000000-0000-4000-8000-000000000000'), null);
  assert.equal((await control.inject(id, 'stall')).stalled, true);
  assert.equal((await control.expire(id)).expired, true);
  assert.equal((await api(sim, 'GET', `/v2/generate/check/${id}`)).status, 404);
  await assert.rejects(control.inject(id, 'explode'), (e) => e instanceof SimControlError && e.status === 400 && /event/.test(e.message));
  await assert.rejects(control.finish('00000000-0000-4000-8000-000000000000'), (e) => e instanceof SimControlError && e.status === 404);
  const other = (await submit(sim, { prompt: 'finish me' }, { apikey: TESTER })).json.id;
  assert.equal((await control.finish(other)).done, true);
});

test('SimControl: faults, config, stats', async () => {
  const fid = await control.addFault({ fault: '503', path: '/status/heartbeat', times: 2 });
  assert.match(fid, /^fault-\d+$/);
  assert.deepEqual((await control.faults()).map((f) => [f.id, f.remaining]), [[fid, 2]]);
  assert.equal((await api(sim, 'GET', '/v2/status/heartbeat', { validate: false })).status, 503);
  await control.clearFaults();
  assert.deepEqual(await control.faults(), []);
  await assert.rejects(control.addFault({ fault: 'boom' }), (e) => e.status === 400);
  const before = await control.config();
  const after = await control.setConfig({ speed: 40 });
  assert.equal(after.speed, 40);
  assert.equal(after.seed, before.seed);
  await control.setConfig({ speed: 20 });
  assert.equal((await control.stats()).byRoute['GET /v2/status/heartbeat'], 1);
  await control.resetStats();
  assert.equal((await control.stats()).requests, 0);
});

test('a control call to a closed simulator rejects with status 0', async () => {
  const s = await startSimulator({ port: 0 });
  await s.close();
  await assert.rejects(s.control.jobs(), (e) => e instanceof SimControlError && e.status === 0);
});

test('/__sim/users: every key with balance, floor and available kudos; unknown key 404', async () => {
  const users = (await ctl(sim, 'GET', '/users')).json.users;
  assert.deepEqual(users.map((u) => u.username), ['Anonymous', 'Tester', 'LowConcurrency', 'Poor', 'Trusted']);
  const poor = await control.user(POOR);
  assert.deepEqual(poor, {
    apikey: POOR, username: 'Poor', id: 3, kudos: 0, concurrency: 30, trusted: false, pseudonymous: false, moderator: false,
    worker_count: 0, available_kudos: -25, min_kudos: 25,
  });
  assert.equal((await control.user(ANON)).min_kudos, -50);
  assert.equal(await control.user('nobody-has-this-key'), null);
  assert.equal((await ctl(sim, 'POST', '/users/nobody-has-this-key', { kudos: 1 })).status, 404);
  assert.equal((await ctl(sim, 'DELETE', '/users')).status, 405);
});

test('set kudos: find_user shows the balance and upfront kudos are admitted from it; reset restores it', async () => {
  const huge = { prompt: 'huge', params: { width: 1536, height: 1536 } };
  assert.equal((await submit(sim, huge, { apikey: POOR })).json.rc, 'KudosUpfront');
  const row = await control.setKudos(POOR, 5000);
  assert.equal(row.kudos, 5000);
  assert.equal(row.available_kudos, 4975);
  assert.equal((await api(sim, 'GET', '/v2/find_user', { apikey: POOR })).json.kudos, 5000);
  assert.equal((await submit(sim, huge, { apikey: POOR })).status, 202);
  assert.ok((await control.user(POOR)).available_kudos < 4975, 'the admitted request holds kudos');
  await control.reset();
  assert.equal((await control.user(POOR)).kudos, 0);
});

test('setUser: concurrency and trust; bad input 400', async () => {
  const row = await control.setUser(TESTER, { concurrency: 1, trusted: true });
  assert.equal(row.concurrency, 1);
  assert.equal(row.trusted, true);
  assert.equal((await submit(sim, { prompt: 'one', models: ['SDXL 1.0'] }, { apikey: TESTER })).status, 202);
  const second = await submit(sim, { prompt: 'two', models: ['SDXL 1.0'] }, { apikey: TESTER });
  assert.equal(second.status, 429);
  assert.equal(second.json.rc, 'TooManyPrompts');
  for (const bad of [{ kudos: 'lots' }, { concurrency: -1 }, { concurrency: 1.5 }, { trusted: 'yes' }, { username: 'x' }, []]) {
    const r = await ctl(sim, 'POST', `/users/${TESTER}`, bad);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.equal(typeof r.json.error, 'string');
  }
  await assert.rejects(control.setKudos(TESTER, Number.NaN), (e) => e.status === 400);
});

test('/__sim/log: the latest /api and /r2 requests with method, path, status, ip, time; control calls are not logged', async () => {
  const t0 = Date.now();
  await api(sim, 'GET', '/v2/status/heartbeat');
  await api(sim, 'GET', '/v2/generate/check/not-a-real-id?x=1', { validate: false });
  await api(sim, 'OPTIONS', '/v2/find_user', { json: false });
  await control.jobs();
  const log = await control.log();
  assert.deepEqual(log.map((e) => [e.method, e.path, e.status]), [
    ['GET', '/api/v2/status/heartbeat', 200],
    ['GET', '/api/v2/generate/check/not-a-real-id?x=1', 404],
    ['OPTIONS', '/api/v2/find_user', 200],
  ]);
  for (const e of log) {
    assert.equal(e.ip, '127.0.0.1');
    assert.ok(e.time >= t0 && e.time <= Date.now());
    assert.ok(e.ms >= 0);
    assert.equal('fault' in e, false);
  }
  assert.deepEqual((await control.log(1)).map((e) => e.method), ['OPTIONS']);
  assert.deepEqual(await control.log(0), []);
  assert.equal((await ctl(sim, 'GET', '/log?limit=-1')).status, 400);
  assert.equal((await ctl(sim, 'GET', '/log?limit=two')).status, 400);
  assert.deepEqual(sim.log(2).map((e) => e.path), log.slice(-2).map((e) => e.path));
  await control.clearLog();
  assert.deepEqual(await control.log(), []);
});

test('/__sim/log: injected faults are named, X-Forwarded-For is the ip, reset clears it', async () => {
  await control.addFault({ fault: '500', path: '/status/heartbeat' });
  await api(sim, 'GET', '/v2/status/heartbeat', { validate: false, headers: { 'X-Forwarded-For': '203.0.113.9, 10.0.0.1' } });
  await control.addFault({ fault: 'slow', path: '/status/heartbeat', delayMs: 10 });
  await api(sim, 'GET', '/v2/status/heartbeat');
  const log = await control.log();
  assert.deepEqual(log.map((e) => [e.status, e.ip, e.fault]), [[500, '203.0.113.9', '500'], [200, '127.0.0.1', 'slow']]);
  assert.ok(log[1].ms >= 10);
  await control.reset();
  assert.deepEqual(await control.log(), []);
});

test(`/__sim/log keeps the latest ${LOG_SIZE} requests`, async () => {
  const n = LOG_SIZE + 25;
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => api(sim, 'GET', `/v2/status/heartbeat?i=${i + k}`)));
  }
  await waitFor(async () => sim.stats().requests >= n, { what: 'all answered' });
  const log = await control.log();
  assert.equal(log.length, LOG_SIZE);
  const seen = new Set(log.map((e) => Number(new URL(e.path, sim.url).searchParams.get('i'))));
  assert.equal(seen.size, LOG_SIZE);
  assert.equal([...seen].filter((i) => i < 50).length, 25, 'the 25 oldest are gone');
  for (let i = 50; i < n; i++) assert.ok(seen.has(i), `request ${i} is kept`);
});
