// Request lifecycle: waiting -> processing -> finished, queue estimates,
// kudos, generations, seeds, r2 URLs and base64 images, censorship,
// failures/restarts/faulting, cancel semantics, expiry and the check cache.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  start, api, submit, ctl, job, waitJob, waitFor, request, sleep, TESTER, TRUSTED, UUID_RE,
} from './helpers.mjs';
import { decodeWebP, parseWebPHeader } from '../webp.mjs';

let sim;
before(async () => { sim = await start({ speed: 20, rateLimits: false, seed: 7 }); });
after(async () => { await sim.close(); });
beforeEach(async () => {
  await ctl(sim, 'POST', '/reset');
  await ctl(sim, 'POST', '/config', { speed: 20, workers: 4, lifetimeSeconds: 1200, r2ExpirySeconds: 1800, failureRate: 0, imageKind: 'pattern' });
});

const inject = (id, event) => ctl(sim, 'POST', `/jobs/${id}/inject`, { event });
const check = async (id) => (await api(sim, 'GET', `/v2/generate/check/${id}`)).json;
const status = async (id) => (await api(sim, 'GET', `/v2/generate/status/${id}`)).json;

test('images move waiting -> processing -> finished; kudos start at the tax and grow; done at the end', async () => {
  const r = await submit(sim, { prompt: 'a lighthouse', params: { n: 4 } });
  const c0 = await check(r.json.id);
  assert.equal(c0.waiting + c0.processing, 4);
  assert.equal(c0.finished, 0);
  assert.equal(c0.kudos, 3, 'the horde tax (1) and the style charge (2)');
  assert.equal(c0.done, false);
  assert.equal(c0.is_possible, true);
  const busy = await waitJob(sim, r.json.id, (j) => j.processing > 0, 'processing');
  assert.equal(busy.active, true);
  const done = await waitJob(sim, r.json.id, (j) => j.done, 'done');
  assert.equal(done.finished, 4);
  assert.equal(done.active, false);
  const st = await status(r.json.id);
  assert.equal(st.finished, 4);
  assert.equal(st.waiting, 0);
  assert.equal(st.processing, 0);
  assert.equal(st.done, true);
  assert.equal(st.queue_position, 0);
  assert.equal(st.wait_time, 0);
  assert.equal(st.shared, false);
  assert.ok(st.kudos > 3);
  assert.equal(st.generations.length, 4);
  const ids = new Set(st.generations.map((g) => g.id));
  assert.equal(ids.size, 4);
  assert.ok(!ids.has(r.json.id));
  for (const g of st.generations) {
    assert.match(g.id, UUID_RE);
    assert.match(g.worker_id, UUID_RE);
    assert.equal(typeof g.worker_name, 'string');
    assert.equal(g.model, 'stable_diffusion');
    assert.equal(g.state, 'ok');
    assert.equal(g.censored, false);
    assert.deepEqual(g.gen_metadata, []);
    assert.match(g.seed, /^\d+$/);
    assert.ok(Number(g.seed) < 2 ** 32);
  }
  const stats = (await ctl(sim, 'GET', '/stats')).json;
  assert.ok(stats.doneAt[r.json.id] > 0);
});

test('a default 512x512x30 image takes several simulated seconds; queues form with many jobs', async () => {
  await ctl(sim, 'POST', '/config', { workers: 1 });
  const t0 = Date.now();
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push((await submit(sim, { prompt: `q${i}`, params: { width: 1024, height: 1024 } }, { apikey: TESTER })).json.id);
  await sleep(1050); // past the 1 s queue-positions snapshot
  const last0 = await check(ids[3]);
  assert.ok(last0.queue_position >= 2, `queue_position ${last0.queue_position}`);
  assert.ok(last0.wait_time > 0);
  await waitJob(sim, ids[0], (j) => j.done, 'first done');
  const elapsedSim = (Date.now() - t0) * 20 / 1000;
  assert.ok(elapsedSim >= 4, `first image took ${elapsedSim} simulated s`);
  await sleep(1050); // past the 1 s check cache
  const last1 = await check(ids[3]);
  assert.ok(last1.queue_position < last0.queue_position || last1.queue_position === 0);
  assert.ok(last1.wait_time < last0.wait_time, `${last1.wait_time} < ${last0.wait_time}`);
});

test('seeds: numeric seed plus seed_variation per image; text seeds hashed; big seeds reduced below 2^32', async () => {
  const a = await submit(sim, { prompt: 's', params: { n: 3, seed: '12345', seed_variation: 2 } });
  const b = await submit(sim, { prompt: 's', params: { n: 2, seed: 'abc' } });
  const c = await submit(sim, { prompt: 's', params: { seed: '99999999999' } });
  for (const r of [a, b, c]) await inject(r.json.id, 'finish');
  assert.deepEqual((await status(a.json.id)).generations.map((g) => g.seed).sort(), ['12345', '12347', '12349']);
  assert.deepEqual((await status(b.json.id)).generations.map((g) => g.seed), ['6513249', '6513249']);
  assert.deepEqual((await status(c.json.id)).generations.map((g) => g.seed), ['23']);
});

test('r2 (default): presigned-looking URL on the simulator origin serving WebP of the requested size, fresh per call', async () => {
  const r = await submit(sim, { prompt: 'wide', params: { width: 640, height: 384 } });
  await inject(r.json.id, 'finish');
  const s1 = await status(r.json.id);
  const url = s1.generations[0].img;
  assert.ok(url.startsWith(`${sim.url}/r2/${s1.generations[0].id}.webp?`));
  for (const p of ['X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Expires=1800', 'X-Amz-Date=', 'X-Amz-Signature=']) assert.ok(url.includes(p), p);
  assert.match(new URL(url).searchParams.get('X-Amz-Signature'), /^[0-9a-f]{64}$/);
  const img = await request(url);
  assert.equal(img.status, 200);
  assert.equal(img.headers['content-type'], 'image/webp');
  assert.equal(img.headers['access-control-allow-origin'], '*');
  const h = parseWebPHeader(img.buf);
  assert.deepEqual([h.width, h.height], [640, 384]);
  const d = decodeWebP(img.buf);
  assert.equal(d.pixels.length, 640 * 384);
  const s2 = await status(r.json.id);
  assert.notEqual(s2.generations[0].img, url, 'each status call signs a new URL');
  const del = await api(sim, 'DELETE', `/v2/generate/status/${r.json.id}`);
  assert.notEqual(del.json.generations[0].img, url);
  assert.equal((await request(del.json.generations[0].img)).status, 200);
});

test('r2 URLs: 403 AccessDenied XML after expiry, with a bad signature, and after expire-images', async () => {
  await ctl(sim, 'POST', '/config', { r2ExpirySeconds: 20 });
  const r = await submit(sim, { prompt: 'short lived' });
  await inject(r.json.id, 'finish');
  const url = (await status(r.json.id)).generations[0].img;
  assert.ok(url.includes('X-Amz-Expires=20'));
  assert.equal((await request(url)).status, 200);
  const bad = await request(url.replace(/X-Amz-Signature=([0-9a-f])/, (m, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`));
  assert.equal(bad.status, 403);
  assert.match(bad.text, /<Code>AccessDenied<\/Code>/);
  await sleep(1150); // 20 simulated seconds at speed 20 = 1 s
  const late = await request(url);
  assert.equal(late.status, 403);
  assert.match(late.text, /<Error><Code>AccessDenied<\/Code><Message>Request has expired<\/Message><\/Error>/);
  assert.equal(late.headers['content-type'], 'application/xml');
  await ctl(sim, 'POST', '/config', { r2ExpirySeconds: 1800 });
  const fresh = (await status(r.json.id)).generations[0].img;
  assert.equal((await request(fresh)).status, 200);
  await inject(r.json.id, 'expire-images');
  assert.equal((await request(fresh)).status, 403);
  const fresher = (await status(r.json.id)).generations[0].img;
  assert.equal((await request(fresher)).status, 200);
});

test('r2: false -> img is base64 WebP (no data: prefix) of the requested size', async () => {
  const r = await submit(sim, { prompt: 'inline', r2: false, params: { width: 320, height: 448 } });
  await inject(r.json.id, 'finish');
  const g = (await status(r.json.id)).generations[0];
  assert.ok(!g.img.startsWith('data:'));
  const buf = Buffer.from(g.img, 'base64');
  assert.equal(buf.toString('latin1', 0, 4), 'RIFF');
  const d = decodeWebP(buf);
  assert.deepEqual([d.width, d.height], [320, 448]);
});

test('image kind noise: a 512x512 image is >= 500 KB; a 4-image r2:false status body >= 2 MB', async () => {
  await ctl(sim, 'POST', '/config', { imageKind: 'noise' });
  const r = await submit(sim, { prompt: 'static', r2: false, params: { n: 4 } });
  await inject(r.json.id, 'finish');
  const res = await api(sim, 'GET', `/v2/generate/status/${r.json.id}`);
  assert.ok(res.buf.length >= 2 * 1024 * 1024, `body ${res.buf.length}`);
  for (const g of res.json.generations) assert.ok(Buffer.from(g.img, 'base64').length >= 500 * 1024);
});

test('censorship: nsfw=false + censor_nsfw (default) + a censor word -> placeholder, censored, censorship metadata', async () => {
  const r = await submit(sim, { prompt: 'a NUDE statue###blurry', nsfw: false, params: { n: 2 } });
  const ok = await submit(sim, { prompt: 'a nude statue', params: { n: 1 } }); // nsfw defaults to true
  const neg = await submit(sim, { prompt: 'a statue###nude', nsfw: false });
  for (const x of [r, ok, neg]) await inject(x.json.id, 'finish');
  const s = await status(r.json.id);
  for (const g of s.generations) {
    assert.equal(g.censored, true);
    assert.deepEqual(g.gen_metadata, [{ type: 'censorship', value: 'nsfw' }]);
    const d = decodeWebP(await (await request(g.img)).buf);
    assert.ok([...d.pixels.slice(0, 5000)].every((p) => ((p >>> 16) & 255) === ((p >>> 8) & 255) && ((p >>> 8) & 255) === (p & 255)), 'grey placeholder');
  }
  assert.equal(s.kudos, 3, 'censored images cost nothing beyond the tax');
  assert.equal((await status(ok.json.id)).generations[0].censored, false);
  assert.equal((await status(neg.json.id)).generations[0].censored, false, 'negative prompt does not trigger');
  const inj = await submit(sim, { prompt: 'harmless' });
  await inject(inj.json.id, 'censor');
  await inject(inj.json.id, 'finish');
  assert.equal((await status(inj.json.id)).generations[0].censored, true);
});

test('lora-download-failed: images from then on carry lora/download_failed metadata', async () => {
  const r = await submit(sim, { prompt: 'with lora', params: { loras: [{ name: 'MyLora' }] } });
  await inject(r.json.id, 'lora-download-failed');
  await inject(r.json.id, 'finish');
  assert.deepEqual((await status(r.json.id)).generations[0].gen_metadata, [{ type: 'lora', value: 'download_failed', ref: 'MyLora' }]);
});

test('worker failure: restarted+1, the image goes back to waiting and is redone once', async () => {
  const r = await submit(sim, { prompt: 'flaky', params: { width: 1024, height: 1024 } }, { apikey: TESTER });
  await waitJob(sim, r.json.id, (j) => j.processing === 1, 'processing');
  const row = (await inject(r.json.id, 'worker-failure')).json;
  assert.equal(row.restarted, 1);
  assert.equal(row.processing + row.waiting, 1);
  const done = await waitJob(sim, r.json.id, (j) => j.done, 'done');
  assert.equal(done.finished, 1);
  assert.equal(done.faulted, false);
  const st = await status(r.json.id);
  assert.equal(st.restarted, 1);
  assert.equal(st.generations.length, 1);
});

test('failed jobs: an image is redone only while fewer than n images ended; the cleaner faults after 3 failures', async () => {
  // n=1: the second failure is not queued again; the request is done, not faulted
  const r = await submit(sim, { prompt: 'doomed' });
  await inject(r.json.id, 'stall');
  for (let i = 0; i < 3; i++) await inject(r.json.id, 'worker-failure');
  await inject(r.json.id, 'unstall');
  const j = await waitJob(sim, r.json.id, (x) => x.done, 'done');
  assert.equal(j.restarted, 2);
  assert.equal(j.finished, 0);
  assert.equal(j.faulted, false);
  assert.equal(j.images.length, 2, 'no third job');
  await sleep(1050); // past the check cache
  const c = await check(r.json.id);
  assert.deepEqual([c.done, c.faulted, c.finished, c.restarted, c.waiting, c.processing], [true, false, 0, 2, 0, 0]);
  assert.deepEqual((await status(r.json.id)).generations, []);
  // n=2 at a failure rate of 1: four failures, done; the cleaner (every 60
  // simulated seconds, 3 s at speed 20) then sets faulted
  await ctl(sim, 'POST', '/config', { failureRate: 1 });
  const f = await submit(sim, { prompt: 'always fails', params: { n: 2 } });
  const fd = await waitJob(sim, f.json.id, (x) => x.done && x.processing === 0, 'done by failures');
  assert.equal(fd.restarted, 4);
  assert.equal(fd.finished, 0);
  const fj = await waitJob(sim, f.json.id, (x) => x.faulted, 'faulted by the cleaner');
  assert.equal(fj.restarted, 4);
  assert.equal(fj.done, true);
  // and "fault" marks it faulted at once
  await ctl(sim, 'POST', '/config', { failureRate: 0 });
  const g = await submit(sim, { prompt: 'x', models: ['SDXL 1.0'] });
  const gj = (await inject(g.json.id, 'fault')).json;
  assert.equal(gj.faulted, true);
  assert.equal(gj.done, true);
  assert.equal(gj.active, false);
});

test('cancel: DELETE answers the state just before cancelling; in-flight images finish and are charged; done afterwards; readable until expiry', async () => {
  await ctl(sim, 'POST', '/config', { workers: 1 });
  const r = await submit(sim, { prompt: 'stop me', params: { n: 5, width: 1024, height: 1024 }, disable_batching: true }, { apikey: TRUSTED });
  await waitJob(sim, r.json.id, (j) => j.processing === 1, 'first image processing');
  const del = await api(sim, 'DELETE', `/v2/generate/status/${r.json.id}`);
  assert.equal(del.status, 200);
  // the pre-cancel state: images still waiting, one processing, not done
  assert.equal(del.json.processing, 1);
  assert.ok(del.json.waiting >= 3, `waiting ${del.json.waiting}`);
  assert.equal(del.json.waiting + del.json.processing + del.json.finished, 5);
  assert.equal(del.json.done, false);
  assert.equal(del.json.generations.length, del.json.finished);
  const after1 = (await ctl(sim, 'GET', `/jobs/${r.json.id}`)).json;
  assert.equal(after1.cancelled, true);
  assert.equal(after1.waiting, 0);
  const fin = await waitJob(sim, r.json.id, (j) => j.done, 'drained');
  const delivered = del.json.finished + del.json.processing;
  assert.equal(fin.finished, delivered, 'the in-flight image was delivered');
  assert.equal(fin.images.length, delivered, 'no new image was started after the cancel');
  assert.equal(fin.active, false);
  const st = await status(r.json.id);
  assert.equal(st.done, true);
  assert.equal(st.waiting, 0);
  assert.equal(st.finished, delivered);
  assert.equal(st.generations.length, delivered);
  assert.ok(st.kudos > del.json.kudos, 'in-flight image charged');
  // cancelling again is harmless
  assert.equal((await api(sim, 'DELETE', `/v2/generate/status/${r.json.id}`)).status, 200);
  assert.ok(!(await ctl(sim, 'GET', '/jobs')).json.jobs.some((j) => j.active));
});

test('expiry is pushed by a pick-up, not by the delivery (results live a lifetime past the last pick-up)', async () => {
  await ctl(sim, 'POST', '/config', { lifetimeSeconds: 600 });
  const r = await submit(sim, { prompt: 'one pick-up', params: { n: 1 } });
  const created = await job(sim, r.json.id);
  const picked = await waitJob(sim, r.json.id, (j) => j.processing > 0, 'picked up');
  assert.ok(picked.expires_at >= created.expires_at, 'a pick-up never shortens it');
  const done = await waitJob(sim, r.json.id, (j) => j.done, 'done');
  assert.equal(done.finished, 1);
  assert.equal(done.expires_at, picked.expires_at, 'the delivery did not push it');
});

test('expiry: 404 after the lifetime (check/status/delete wording), job kept in the table as expired', async () => {
  await ctl(sim, 'POST', '/config', { lifetimeSeconds: 10 });
  const never = await submit(sim, { prompt: 'unservable', models: ['SDXL 1.0'] });
  const served = await submit(sim, { prompt: 'served' });
  await waitJob(sim, served.json.id, (j) => j.done, 'served done');
  const doneRow = await job(sim, served.json.id);
  assert.ok(doneRow.expires_at > Date.now() - 1000);
  await waitJob(sim, never.json.id, (j) => j.expired, 'expired');
  for (const [method, path, word] of [['GET', 'check', 'Check'], ['GET', 'status', 'Status'], ['DELETE', 'status', 'Delete']]) {
    const r = await api(sim, method, `/v2/generate/${path}/${never.json.id}`);
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { message: `Image Waiting Prompt (${word}) with ID '${never.json.id}' not found.`, rc: 'RequestNotFound' });
  }
  const row = await job(sim, never.json.id);
  assert.equal(row.expired, true);
  assert.equal(row.active, false);
  await waitJob(sim, served.json.id, (j) => j.expired, 'finished request expires too');
  assert.equal((await api(sim, 'GET', `/v2/generate/status/${served.json.id}`)).status, 404);
  // the expire event does it at once
  const x = await submit(sim, { prompt: 'soon gone' });
  await inject(x.json.id, 'expire');
  assert.equal((await api(sim, 'GET', `/v2/generate/check/${x.json.id}`)).status, 404);
});

test('non-UUID and unknown ids: 404 RequestNotFound (flask-restx help when the path resembles a route)', async () => {
  const r = await api(sim, 'GET', '/v2/generate/check/nope');
  assert.equal(r.status, 404);
  assert.equal(r.json.message, "Image Waiting Prompt (Check) with ID 'nope' not found. You have requested this URI "
    + '[/api/v2/generate/check/nope] but did you mean /api/v2/generate/check/<string:id> or /api/v2/generate/pop or /api/v2/generate/text/pop ?');
  const id = '00000000-0000-4000-8000-000000000000';
  const u = await api(sim, 'GET', `/v2/generate/check/${id}`);
  assert.equal(u.status, 404);
  assert.equal(u.json.message, `Image Waiting Prompt (Check) with ID '${id}' not found.`);
});

test('check answers are cached for 1 s server-side', async () => {
  const r = await submit(sim, { prompt: 'cached' });
  await inject(r.json.id, 'stall');
  const a = await api(sim, 'GET', `/v2/generate/check/${r.json.id}`);
  await inject(r.json.id, 'finish');
  const b = await api(sim, 'GET', `/v2/generate/check/${r.json.id}`);
  assert.equal(b.text, a.text);
  assert.equal(b.json.done, false);
  await sleep(1050);
  const c = await api(sim, 'GET', `/v2/generate/check/${r.json.id}`);
  assert.equal(c.json.done, true);
});

test('stall keeps a job waiting until unstall; finish completes everything at once', async () => {
  await ctl(sim, 'POST', '/config', { workers: 0 });
  const r = await submit(sim, { prompt: 'wait', params: { n: 3 } });
  await inject(r.json.id, 'stall');
  await ctl(sim, 'POST', '/config', { workers: 4 });
  await sleep(300);
  const j = await job(sim, r.json.id);
  assert.equal(j.waiting, 3);
  assert.equal(j.processing, 0);
  assert.equal(j.stalled, true);
  assert.equal(j.active, true);
  const un = (await inject(r.json.id, 'unstall')).json;
  assert.equal(un.stalled, false);
  await waitJob(sim, r.json.id, (x) => x.done, 'done after unstall');
  const s = await submit(sim, { prompt: 'all at once', params: { n: 5 }, models: ['SDXL 1.0'] });
  const row = (await inject(s.json.id, 'finish')).json;
  assert.equal(row.finished, 5);
  assert.equal(row.done, true);
});

test('deterministic with a seed: same requests give the same ids, workers and seeds', async () => {
  // Worker pick-up depends on timing; park the fleet while submitting so the
  // run does not depend on when a worker happens to poll.
  const run = async () => {
    const s = await start({ speed: 20, rateLimits: false, seed: 42 });
    try {
      const out = [];
      for (const body of [{ prompt: 'a', params: { n: 2 } }, { prompt: 'b', params: { n: 3, seed: '7', seed_variation: 1 } }]) {
        await ctl(s, 'POST', '/config', { workers: 0 });
        const r = await submit(s, body);
        await ctl(s, 'POST', `/jobs/${r.json.id}/inject`, { event: 'stall' });
        await ctl(s, 'POST', '/config', { workers: 4 });
        await ctl(s, 'POST', `/jobs/${r.json.id}/inject`, { event: 'finish' });
        const st = await api(s, 'GET', `/v2/generate/status/${r.json.id}`);
        out.push([r.json.id, st.json.generations.map((g) => [g.id, g.seed, g.worker_id, g.model])]);
      }
      const natural = await submit(s, { prompt: 'c', params: { n: 3 } });
      const done = await waitJob(s, natural.json.id, (j) => j.done, 'natural run');
      out.push([natural.json.id, done.images.map((i) => [i.id, i.seed]).sort()]);
      return out;
    } finally { await s.close(); }
  };
  assert.deepEqual(await run(), await run());
});
