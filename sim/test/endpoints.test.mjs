// Auxiliary endpoints, CORS and preflights, unknown paths and methods, headers.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, submit, ctl, request, ANON, TESTER, POOR } from './helpers.mjs';

let sim;
before(async () => { sim = await start({ speed: 20, rateLimits: false }); });
after(async () => { await sim.close(); });

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, GET, OPTIONS, PUT, DELETE, PATCH',
  'access-control-allow-headers': 'Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, apikey, Client-Agent, X-Fields, X-Forwarded-For, Proxied-For, Proxy-Authorization',
};
function assertCors(r) {
  for (const [k, v] of Object.entries(CORS)) assert.equal(r.headers[k], v, k);
  assert.equal(r.headers['access-control-expose-headers'], undefined);
  assert.equal(r.headers['access-control-max-age'], undefined);
  assert.equal(r.headers['access-control-allow-credentials'], undefined);
}

test('heartbeat: OK, version 5.1.5, node header, JSON content type', async () => {
  const r = await api(sim, 'GET', '/v2/status/heartbeat');
  assert.equal(r.status, 200);
  assert.equal(r.json.message, 'OK');
  assert.equal(r.json.version, '5.1.5');
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  assert.match(r.headers['horde-node'], /^horde-sim:\d+:5\.1\.5$/);
  assertCors(r);
});

test('CORS headers on every /api response, errors included; preflights answered 200 and empty', async () => {
  const responses = [
    await submit(sim, { prompt: 'x' }),
    await submit(sim, { prompt: '' }),
    await submit(sim, { prompt: 'x' }, { apikey: 'bad-key' }),
    await api(sim, 'GET', '/v2/generate/check/nope'),
    await api(sim, 'GET', '/v2/find_user'),
    await api(sim, 'GET', '/v2/no/such/thing'),
    await api(sim, 'DELETE', '/v2/status/models'),
  ];
  for (const r of responses) assertCors(r);
  const before = (await ctl(sim, 'GET', '/stats')).json.preflights;
  for (const path of ['/v2/generate/async', '/v2/generate/check/abc', '/v2/generate/status/abc', '/v2/find_user']) {
    const p = await request(sim.baseUrl + path, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'apikey, client-agent, content-type' },
    });
    assert.equal(p.status, 200);
    assert.equal(p.buf.length, 0);
    assertCors(p);
    assert.match(p.headers.allow, /OPTIONS/);
  }
  const stats = (await ctl(sim, 'GET', '/stats')).json;
  assert.equal(stats.preflights, before + 4);
  assert.equal(stats.byRoute['OPTIONS /v2/generate/async'], undefined, 'OPTIONS only counted as preflights');
});

test('unknown paths: 404 JSON; wrong method: 405 with Allow', async () => {
  const r = await api(sim, 'GET', '/v2/no/such/thing');
  assert.equal(r.status, 404);
  assert.deepEqual(r.json, { message: 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.' });
  const m = await api(sim, 'POST', '/v2/generate/check/abc', { body: {} });
  assert.equal(m.status, 405);
  assert.equal(m.headers.allow, 'GET, HEAD, OPTIONS');
  assert.deepEqual(m.json, { message: 'The method is not allowed for the requested URL.' });
  const s = await api(sim, 'PUT', '/v2/generate/status/abc', { body: {} });
  assert.equal(s.headers.allow, 'DELETE, GET, HEAD, OPTIONS');
});

test('HEAD on GET routes: headers without body', async () => {
  const r = await request(`${sim.baseUrl}/v2/status/heartbeat`, { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(r.buf.length, 0);
  assert.ok(Number(r.headers['content-length']) > 0);
});

test('models: served models with counts; filters; model_state validation', async () => {
  const r = await api(sim, 'GET', '/v2/status/models');
  assert.equal(r.status, 200);
  const names = r.json.map((m) => m.name);
  assert.ok(names.includes('stable_diffusion'));
  assert.ok(!names.includes('SDXL 1.0'), 'no worker serves it and nothing is queued');
  for (const m of r.json) {
    assert.equal(m.type, 'image');
    assert.ok(m.count >= 1);
    assert.deepEqual(Object.keys(m), ['performance', 'queued', 'jobs', 'eta', 'type', 'name', 'count']);
  }
  assert.equal(r.json.find((m) => m.name === 'stable_diffusion').count, 4);
  assert.match(r.text, /"jobs": \d+\.0/);
  assert.deepEqual((await api(sim, 'GET', '/v2/status/models?type=text')).json, []);
  const min = (await api(sim, 'GET', '/v2/status/models?min_count=3')).json.map((m) => m.name).sort();
  assert.deepEqual(min, ['Deliberate', 'stable_diffusion']);
  const max = (await api(sim, 'GET', '/v2/status/models?max_count=1')).json.map((m) => m.name);
  assert.deepEqual(max, ['Flux.1-Schnell fp8 (Compact)']);
  assert.equal((await api(sim, 'GET', '/v2/status/models?model_state=known')).json.length, r.json.length);
  assert.deepEqual((await api(sim, 'GET', '/v2/status/models?model_state=custom')).json, []);
  const bad = await api(sim, 'GET', '/v2/status/models?model_state=weird');
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, { message: "'model_state' needs to be one of ['known', 'custom', 'all']", rc: 'BadRequest' });
  const badInt = await api(sim, 'GET', '/v2/status/models?min_count=abc');
  assert.equal(badInt.status, 400);
  assert.equal(badInt.json.message, 'Input payload validation failed');
  assert.match(badInt.json.errors.min_count, /invalid literal for int\(\) with base 10: 'abc'/);
  // a known model nobody serves shows up with count 0 while requests wait for it
  await submit(sim, { prompt: 'x', models: ['SDXL 1.0'] });
  const orphan = (await api(sim, 'GET', '/v2/status/models')).json.find((m) => m.name === 'SDXL 1.0');
  assert.equal(orphan.count, 0);
  assert.equal(orphan.jobs, 1);
  assert.equal(orphan.eta, 10000);
});

test('single model: array with one entry for a known served model; [] for unknown ones', async () => {
  const r = await api(sim, 'GET', `/v2/status/models/${encodeURIComponent('AlbedoBase XL (SDXL)')}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.length, 1);
  assert.equal(r.json[0].name, 'AlbedoBase XL (SDXL)');
  assert.equal(r.json[0].count, 2);
  assert.deepEqual((await api(sim, 'GET', '/v2/status/models/not-a-model')).json, []);
  assert.deepEqual((await api(sim, 'GET', '/v2/status/models/Stable%20Cascade%201.0')).json, []);
});

test('find_user: details for a key; missing key 401 InvalidAPIKey; unknown key 404 UserNotFound', async () => {
  const t = await api(sim, 'GET', '/v2/find_user', { apikey: TESTER });
  assert.equal(t.status, 200);
  assert.equal(t.json.username, 'Tester#1');
  assert.equal(t.json.id, 1);
  assert.equal(t.json.concurrency, 30);
  assert.equal(typeof t.json.trusted, 'boolean');
  assert.equal(typeof t.json.worker_count, 'number');
  assert.ok(t.json.kudos > 100000);
  const a = await api(sim, 'GET', '/v2/find_user', { apikey: ANON });
  assert.equal(a.json.username, 'Anonymous#0');
  assert.equal(a.json.id, 0);
  assert.equal((await api(sim, 'GET', '/v2/find_user', { apikey: POOR })).json.kudos, 0);
  const missing = await api(sim, 'GET', '/v2/find_user');
  assert.equal(missing.status, 401);
  assert.equal(missing.json.rc, 'InvalidAPIKey');
  const unknown = await api(sim, 'GET', '/v2/find_user', { apikey: 'zzzzzzzzzzzzzzzzzzzzzz' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.rc, 'UserNotFound');
});

test('X-Fields masks marshalled answers', async () => {
  const id = (await submit(sim, { prompt: 'x' })).json.id;
  const r = await api(sim, 'GET', `/v2/generate/status/${id}`, { headers: { 'X-Fields': 'done,finished' }, validate: false });
  assert.deepEqual(Object.keys(r.json).sort(), ['done', 'finished']);
});

test('non-API paths: plain 404', async () => {
  const r = await request(`${sim.url}/nothing-here`);
  assert.equal(r.status, 404);
});
