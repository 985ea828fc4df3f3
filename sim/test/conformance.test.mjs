// Answers checked against the real AI Horde server (5.1.5) on loopback:
// rate-limit headers, the worker-failure path, the activation tax, flask-restx's
// 404 help, find_user's shapes, anonymous upfront kudos, the queue-positions
// snapshot, and the prompt words that steer the workers.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  start, api, submit, ctl, waitJob, sleep, ANON, TESTER, LOWCONC, TRUSTED,
} from './helpers.mjs';

let sim;
before(async () => { sim = await start({ speed: 20, rateLimits: true, seed: 11 }); });
after(async () => { await sim.close(); });
beforeEach(async () => {
  await ctl(sim, 'POST', '/reset');
  await ctl(sim, 'POST', '/config', { speed: 20, workers: 4, failureRate: 0, rateLimits: false });
});

let ipSeq = 0;
const freshIp = () => `10.77.${Math.floor(++ipSeq / 250)}.${ipSeq % 250 + 1}`;
const xff = (ip) => ({ 'X-Forwarded-For': ip });
const inject = (id, event) => ctl(sim, 'POST', `/jobs/${id}/inject`, { event });
const check = async (id) => (await api(sim, 'GET', `/v2/generate/check/${id}`)).json;
const status = async (id) => (await api(sim, 'GET', `/v2/generate/status/${id}`)).json;
const limitHeaders = (r) => [r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining'], r.headers['retry-after']];

test('submit answers (202, 400, 401, 403) carry the per-second limit: Limit 2, Remaining 1 then 0, Retry-After 1', async () => {
  await ctl(sim, 'POST', '/config', { rateLimits: true });
  const ip = freshIp();
  const first = await submit(sim, { prompt: 'a' }, { headers: xff(ip) });
  assert.equal(first.status, 202);
  assert.deepEqual(limitHeaders(first), ['2', '1', '1']);
  const second = await submit(sim, { prompt: 'b', params: { width: 500 } }, { headers: xff(ip) });
  assert.equal(second.status, 400);
  assert.deepEqual(limitHeaders(second), ['2', '0', '1']);
  const reset = Number(second.headers['x-ratelimit-reset']);
  assert.ok(reset - Date.now() / 1000 > 1 && reset - Date.now() / 1000 <= 2, `reset ${reset}`);
  const unauthorized = await submit(sim, { prompt: 'c' }, { apikey: 'no-such-key-000000', headers: xff(freshIp()) });
  assert.equal(unauthorized.status, 401);
  assert.deepEqual(limitHeaders(unauthorized), ['2', '1', '1']);
  const banned = await submit(sim, { prompt: 'd' }, { headers: { ...xff(freshIp()), 'Client-Agent': 'My-Project:v0.0.1:My-Contact' } });
  assert.equal(banned.status, 403);
  assert.deepEqual(limitHeaders(banned), ['2', '1', '1']);
  // a trusted key whitelists its IP: the per-second limit becomes 10
  const tip = freshIp();
  const t1 = await submit(sim, { prompt: 'trusted', dry_run: true }, { apikey: TRUSTED, headers: xff(tip) });
  assert.deepEqual(limitHeaders(t1), ['2', '1', '1'], 'the whitelisting request itself still counts under 2/s');
  const t2 = await submit(sim, { prompt: 'trusted again', dry_run: true, params: { steps: 31 } }, { apikey: TRUSTED, headers: xff(tip) });
  assert.deepEqual(limitHeaders(t2), ['10', '9', '1']);
});

test('429 TooManyPrompts carries the per-second limit: Retry-After 1', async () => {
  await ctl(sim, 'POST', '/config', { rateLimits: true });
  const r = await submit(sim, { prompt: 'three at once', params: { n: 3 } }, { apikey: LOWCONC, headers: xff(freshIp()) });
  assert.equal(r.status, 429);
  assert.equal(r.json.rc, 'TooManyPrompts');
  assert.deepEqual(limitHeaders(r), ['2', '1', '1']);
});

test('a per-second 429: Retry-After 1 in the first half of the window, 0 in the second (Redis TTL rounding)', async () => {
  await ctl(sim, 'POST', '/config', { rateLimits: true });
  const ip = freshIp();
  const t0 = Date.now();
  for (const p of ['a', 'b']) assert.equal((await submit(sim, { prompt: p, dry_run: true }, { headers: xff(ip) })).status, 200);
  const early = await submit(sim, { prompt: 'c', dry_run: true }, { headers: xff(ip) });
  assert.equal(early.status, 429);
  assert.deepEqual(early.json, { message: '2 per 1 second' });
  assert.ok(Date.now() - t0 < 450, 'still in the first half');
  assert.deepEqual(limitHeaders(early), ['2', '0', '1']);
  await sleep(Math.max(0, t0 + 700 - Date.now()));
  const late = await submit(sim, { prompt: 'd', dry_run: true }, { headers: xff(ip) });
  assert.equal(late.status, 429);
  assert.ok(Date.now() - t0 < 980, 'still in the same window');
  assert.deepEqual(limitHeaders(late), ['2', '0', '0']);
  assert.ok(Number(late.headers['x-ratelimit-reset']) - Date.now() / 1000 <= 1);
});

test('a worker that faults twice on an n=1 job: done, not faulted, finished 0, restarted 2, no generations', async () => {
  const r = await submit(sim, { prompt: 'faultme test', params: { n: 1 } }, { apikey: TESTER });
  assert.equal(r.status, 202);
  const j = await waitJob(sim, r.json.id, (x) => x.done, 'done');
  assert.deepEqual([j.done, j.faulted, j.finished, j.restarted, j.waiting, j.processing], [true, false, 0, 2, 0, 0]);
  assert.deepEqual(j.images.map((i) => i.state), ['faulted', 'faulted'], 'the second fault is not queued again');
  await sleep(1050); // past the check cache
  const c = await check(r.json.id);
  assert.deepEqual([c.done, c.faulted, c.finished, c.restarted, c.waiting, c.processing], [true, false, 0, 2, 0, 0]);
  const st = await status(r.json.id);
  assert.deepEqual(st.generations, []);
  assert.equal(st.kudos, 3, 'faulted images cost nothing');
});

test('n=2 faulting: four failures, done; the 60 s cleaner then sets faulted', async () => {
  const r = await submit(sim, { prompt: 'faultme test two', params: { n: 2 } }, { apikey: TESTER });
  // (with images on several workers it can be done while one still runs: wait for that too)
  const d = await waitJob(sim, r.json.id, (x) => x.done && x.processing === 0, 'done');
  assert.equal(d.restarted, 4);
  assert.equal(d.finished, 0);
  const f = await waitJob(sim, r.json.id, (x) => x.faulted, 'faulted by the cleaner');
  assert.deepEqual([f.done, f.restarted, f.finished, f.images.length], [true, 4, 0, 4]);
  await sleep(1050); // past the check cache
  const c = await check(r.json.id);
  assert.deepEqual([c.done, c.faulted, c.restarted, c.finished, c.waiting], [true, true, 4, 0, 0]);
});

test('worker-failure event: the image is redone only while fewer than n images have ended', async () => {
  await ctl(sim, 'POST', '/config', { workers: 0 });
  const r = await submit(sim, { prompt: 'two images', params: { n: 2 } }, { apikey: TESTER });
  await inject(r.json.id, 'stall');
  for (let i = 0; i < 3; i++) await inject(r.json.id, 'worker-failure');
  await ctl(sim, 'POST', '/config', { workers: 4 });
  await inject(r.json.id, 'unstall');
  const j = await waitJob(sim, r.json.id, (x) => x.done && x.processing === 0, 'done');
  // failures 1 and 2 are requeued (0 and 1 ended before them), the third is
  // not (2 ended) - one image is delivered
  assert.equal(j.restarted, 3);
  assert.equal(j.finished, 1);
  assert.equal(j.faulted, false);
  assert.equal((await status(j.id)).generations.length, 1);
  // the cleaner faults it later: 3 faulted images
  const f = await waitJob(sim, r.json.id, (x) => x.faulted, 'faulted by the cleaner');
  assert.equal(f.finished, 1);
});

test('check.kudos of a new request is 3: the horde tax and the style charge', async () => {
  await ctl(sim, 'POST', '/config', { workers: 0 });
  for (const body of [{ prompt: 'x' }, { prompt: 'y', params: { n: 4 } }]) {
    const r = await submit(sim, body, { apikey: TESTER });
    assert.equal((await check(r.json.id)).kudos, 3);
  }
  const before = (await api(sim, 'GET', '/v2/find_user', { apikey: TESTER })).json.kudos;
  await submit(sim, { prompt: 'z' }, { apikey: TESTER });
  assert.equal((await api(sim, 'GET', '/v2/find_user', { apikey: TESTER })).json.kudos, before - 3);
});

test('404s raised by API routes carry flask-restx\'s "did you mean" help when the path resembles a route', async () => {
  const help = (path, alts) => ` You have requested this URI [${path}] but did you mean ${alts.join(' or ')} ?`;
  const c = await api(sim, 'GET', '/v2/generate/check/not-a-real-id');
  assert.equal(c.status, 404);
  assert.deepEqual(c.json, {
    message: "Image Waiting Prompt (Check) with ID 'not-a-real-id' not found."
      + help('/api/v2/generate/check/not-a-real-id', ['/api/v2/generate/check/<string:id>', '/api/v2/generate/rate/<string:id>', '/api/v2/generate/pop']),
    rc: 'RequestNotFound',
  });
  const statusAlts = ['/api/v2/generate/status/<string:id>', '/api/v2/generate/text/status/<string:id>', '/api/v2/interrogate/status/<string:id>'];
  const s = await api(sim, 'GET', '/v2/generate/status/not-a-real-id');
  assert.equal(s.json.message, "Image Waiting Prompt (Status) with ID 'not-a-real-id' not found." + help('/api/v2/generate/status/not-a-real-id', statusAlts));
  const d = await api(sim, 'DELETE', '/v2/generate/status/not-a-real-id');
  assert.equal(d.json.message, "Image Waiting Prompt (Delete) with ID 'not-a-real-id' not found." + help('/api/v2/generate/status/not-a-real-id', statusAlts));
  const sp = await api(sim, 'GET', '/v2/generate/check/abc%20def');
  assert.equal(sp.json.message, "Image Waiting Prompt (Check) with ID 'abc def' not found."
    + help('/api/v2/generate/check/abc def', ['/api/v2/generate/check/<string:id>', '/api/v2/generate/text/async', '/api/v2/generate/rate/<string:id>']));
  // a UUID is too far from every route: no help
  const uuid = '00000000-0000-0000-0000-000000000000';
  assert.equal((await api(sim, 'GET', `/v2/generate/check/${uuid}`)).json.message, `Image Waiting Prompt (Check) with ID '${uuid}' not found.`);
  const userAlts = ['/api/v2/find_user', '/api/v2/users', '/api/v2/users/<string:user_id>'];
  const u = await api(sim, 'GET', '/v2/find_user', { apikey: 'nosuchkey' });
  assert.deepEqual(u.json, { message: "User with api_key 'nosuchkey' not found." + help('/api/v2/find_user', userAlts), rc: 'UserNotFound' });
  const asyncAlts = ['/api/v2/generate/async', '/api/v2/generate/text/async', '/api/v2/interrogate/async'];
  const w = await submit(sim, { prompt: 'x', workers: ['00000000-0000-0000-0000-000000000000'] }, { apikey: TESTER });
  assert.equal(w.json.message, "Worker with ID '00000000-0000-0000-0000-000000000000' not found." + help('/api/v2/generate/async', asyncAlts));
  const st = await submit(sim, { prompt: 'x', style: 'nosuchstyle' }, { apikey: TESTER });
  assert.equal(st.json.message, "Style with ID 'nosuchstyle' not found." + help('/api/v2/generate/async', asyncAlts));
  // 401 has none
  assert.equal((await api(sim, 'GET', '/v2/find_user')).json.message, 'No user matching sent API Key. Have you remembered to register at https://stablehorde.net/register ?');
});

test('find_user: active_generations absent without requests, else every unexpired one; obsolete usage/contributions all null', async () => {
  await ctl(sim, 'POST', '/config', { workers: 0 });
  const none = await api(sim, 'GET', '/v2/find_user', { apikey: TESTER });
  assert.equal('active_generations' in none.json, false);
  assert.match(none.text, /"usage": \{"megapixelsteps": null, "requests": null\}, "contributions": \{"megapixelsteps": null, "fulfillments": null\}/);
  assert.deepEqual(Object.keys(none.json).slice(0, 4), ['username', 'id', 'kudos', 'concurrency']);
  const a = (await submit(sim, { prompt: 'waiting' }, { apikey: TESTER })).json.id;
  const b = (await submit(sim, { prompt: 'finished' }, { apikey: TESTER })).json.id;
  const c = (await submit(sim, { prompt: 'cancelled' }, { apikey: TESTER })).json.id;
  await inject(b, 'finish');
  await api(sim, 'DELETE', `/v2/generate/status/${c}`);
  const some = await api(sim, 'GET', '/v2/find_user', { apikey: TESTER });
  assert.deepEqual(some.json.active_generations, { image: [a, b, c] });
  const keys = Object.keys(some.json);
  assert.equal(keys.indexOf('active_generations'), keys.indexOf('sharedkey_ids') + 1);
  await inject(a, 'expire');
  assert.deepEqual((await api(sim, 'GET', '/v2/find_user', { apikey: TESTER })).json.active_generations, { image: [b, c] });
  // the anonymous user: no field without requests, an empty list with them
  assert.equal('active_generations' in (await api(sim, 'GET', '/v2/find_user', { apikey: ANON })).json, false);
  await submit(sim, { prompt: 'anon' });
  assert.deepEqual((await api(sim, 'GET', '/v2/find_user', { apikey: ANON })).json.active_generations, { image: [] });
});

test('anonymous upfront kudos: admitted while the anonymous balance is above its -50 floor, then 403 KudosUpfront', async () => {
  const fast = { prompt: 'fast lane', slow_workers: false }; // needs upfront kudos
  const codes = [];
  for (let i = 0; i < 30; i++) {
    const r = await submit(sim, fast);
    codes.push(r.status);
    if (r.status !== 202) {
      assert.equal(r.status, 403);
      assert.equal(r.json.rc, 'KudosUpfront');
      break;
    }
    await inject(r.json.id, 'finish');
  }
  assert.equal(codes[0], 202, 'a fresh anonymous balance pays');
  assert.equal(codes.at(-1), 403, 'a spent one does not');
  assert.ok(codes.length > 2);
  const before = (await api(sim, 'GET', '/v2/find_user', { apikey: ANON })).json.kudos;
  assert.ok(before >= -50 && before < 0, `anonymous balance ${before}`);
  // requests that need nothing upfront still pass; charges stop at the floor
  const small = await submit(sim, { prompt: 'no upfront needed' });
  assert.equal(small.status, 202);
  await inject(small.json.id, 'finish');
  assert.equal((await api(sim, 'GET', '/v2/find_user', { apikey: ANON })).json.kudos, -50);
  // dry runs are checked the same way
  assert.equal((await submit(sim, { ...fast, dry_run: true, params: { steps: 29 } })).status, 403);
  // a registered balance below its floor (25) is raised to it by a charge
  const poor = 'simtestkey000000000003';
  await submit(sim, { prompt: 'small' }, { apikey: poor });
  assert.equal((await api(sim, 'GET', '/v2/find_user', { apikey: poor })).json.kudos, 25);
});

test('a just-submitted request has queue_position 0 and wait_time 0 until the 1 s queue snapshot includes it', async () => {
  await ctl(sim, 'POST', '/config', { workers: 0 });
  const a = (await submit(sim, { prompt: 'first' }, { apikey: TESTER })).json.id;
  const b = (await submit(sim, { prompt: 'second' }, { apikey: TESTER })).json.id;
  for (const id of [a, b]) {
    const s = await status(id);
    assert.deepEqual([s.waiting, s.queue_position, s.wait_time], [1, 0, 0]);
  }
  await sleep(1100);
  const sa = await status(a);
  const sb = await status(b);
  assert.deepEqual([sa.queue_position, sb.queue_position], [1, 2]);
  assert.ok(sb.wait_time >= sa.wait_time);
  // nothing left to start: no place, at once
  await inject(a, 'finish');
  assert.equal((await status(a)).queue_position, 0);
});

test('prompt steering: "faultme" faults every image, "slowme" adds 20 simulated seconds per image; the ###negative part does not count', async () => {
  await ctl(sim, 'POST', '/config', { workers: 1 });
  const neg = (await submit(sim, { prompt: 'a cat###faultme slowme' }, { apikey: TESTER })).json.id;
  const n = await waitJob(sim, neg, (x) => x.done, 'negative prompt done');
  assert.deepEqual([n.finished, n.restarted], [1, 0]);
  assert.ok((n.done_at - n.created_at) * 20 / 1000 < 20, 'not slowed');
  const slow = (await submit(sim, { prompt: 'slowme please' }, { apikey: TESTER })).json.id;
  const s = await waitJob(sim, slow, (x) => x.done, 'slow done');
  assert.equal(s.finished, 1);
  assert.ok((s.done_at - s.created_at) * 20 / 1000 >= 20, `took ${(s.done_at - s.created_at) * 20 / 1000} simulated s`);
  const both = (await submit(sim, { prompt: 'faultme slowme', params: { n: 1 } }, { apikey: TESTER })).json.id;
  const b = await waitJob(sim, both, (x) => x.done, 'faulted and slow');
  assert.deepEqual([b.finished, b.restarted, b.faulted], [0, 2, false]);
  assert.ok((b.done_at - b.created_at) * 20 / 1000 >= 40, 'two slow attempts');
});

test('preflights of models, one model and find_user count in their GET\'s 90-per-minute window, with its headers', async () => {
  await ctl(sim, 'POST', '/config', { rateLimits: true });
  const ip = freshIp();
  const preflight = (path) => api(sim, 'OPTIONS', path, { headers: { ...xff(ip), 'Access-Control-Request-Method': 'GET' } });
  const first = await preflight('/v2/status/models');
  assert.equal(first.status, 200);
  assert.deepEqual(limitHeaders(first), ['90', '89', '60']);
  const get = await api(sim, 'GET', '/v2/status/models', { headers: xff(ip) });
  assert.equal(get.headers['x-ratelimit-remaining'], '88', 'the GET counts after the preflight');
  assert.equal((await preflight('/v2/status/models/stable_diffusion')).headers['x-ratelimit-remaining'], '89', 'a window of its own');
  assert.equal((await preflight('/v2/find_user')).headers['x-ratelimit-remaining'], '89');
  // Other routes' preflights carry no limit.
  for (const path of ['/v2/generate/async', '/v2/status/heartbeat', `/v2/generate/check/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`]) {
    const r = await preflight(path);
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-ratelimit-limit'], undefined, path);
  }
});

test('find_user of the built-in keys: the anonymous user has concurrency 500 and is not pseudonymous; Trusted owns no worker', async () => {
  const anon = (await api(sim, 'GET', '/v2/find_user', { apikey: ANON })).json;
  assert.equal(anon.concurrency, 500);
  assert.equal(anon.pseudonymous, false);
  const trusted = (await api(sim, 'GET', '/v2/find_user', { apikey: TRUSTED })).json;
  assert.equal(trusted.worker_count, 0);
  assert.equal(trusted.trusted, true);
});
