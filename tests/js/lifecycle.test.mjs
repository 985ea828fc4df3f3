// generateImages against the simulator: success, early images, cancel in each phase, timeout,
// faulted, expired, impossible, censored, 429s of both kinds, 5xx, and 20 jobs at once.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { horde, startSim, client, until, rejection, nothingRunning, count429 } from './helpers.mjs';

const {
  HordeAbortError, HordeTimeoutError, HordeJobFaultedError, HordeJobExpiredError,
  HordeJobImpossibleError, HordeInvalidArgumentError, HordeJobError, HordeRateLimitError,
} = horde;

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.close(); });
beforeEach(() => {
  sim.clearFaults();
  sim.setConfig({ speed: 50, failureRate: 0, workers: 4 });
});

const TRUSTED_KEY = 'simtestkey000000000004';

function recorder() {
  const r = { progress: [], images: [], submitted: [] };
  r.opts = {
    onProgress: (p) => r.progress.push(p),
    onImage: (g) => r.images.push({ g, at: Date.now() }),
    onSubmitted: (s) => r.submitted.push(s),
  };
  return r;
}

test('success: images, progress, and the final status', async () => {
  const c = client(sim);
  const r = recorder();
  const st = await c.generateImages({ prompt: 'a quiet harbour', params: { n: 2, width: 384, height: 256 } }, r.opts);
  assert.equal(st.done, true);
  assert.equal(st.generations.length, 2);
  assert.equal(r.submitted.length, 1);
  const id = r.submitted[0].id;
  assert.ok(r.progress.length >= 1);
  assert.ok(r.progress.every((p) => p.jobId === id && p.requested === 2));
  assert.equal(r.progress.at(-1).phase, 'done');
  assert.ok(r.progress.every((p, i) => i === 0 || p.elapsedMs >= r.progress[i - 1].elapsedMs));
  assert.deepEqual(new Set(r.images.map((x) => x.g.id)), new Set(st.generations.map((g) => g.id)), 'each image once');
  assert.equal(r.images.length, 2);
  const job = sim.job(id);
  assert.equal(job.done, true);
  assert.equal(job.client_agent, 'horde-wasm-tests:0:tests');
});

test('early images arrive before the job is done, within the status limit', async () => {
  // One worker and no batching (a trusted key may disable it): the images finish one by one.
  sim.setConfig({ speed: 4, workers: 1 });
  const c = client(sim, { apiKey: TRUSTED_KEY });
  const r = recorder();
  const st = await c.generateImages({ prompt: 'one by one', params: { n: 4, steps: 20 }, disable_batching: true }, r.opts);
  const id = r.submitted[0].id;
  const doneAt = sim.stats().doneAt[id];
  assert.ok(doneAt, 'the simulator recorded when the job became done');
  const early = r.images.filter((x) => x.at < doneAt);
  assert.ok(early.length >= 1, `at least one image before done (${r.images.map((x) => x.at - doneAt)})`);
  assert.equal(r.images.length, 4);
  assert.equal(st.generations.length, 4);
  assert.ok(sim.stats().byRoute['GET /v2/generate/status'] <= 10, 'status calls stay under 10 per minute');
});

test('abort before submit: nothing is sent', async () => {
  const c = client(sim);
  const before = sim.jobs().length;
  const e = await rejection(c.generateImages({ prompt: 'never' }, { signal: AbortSignal.abort() }));
  assert.ok(e instanceof HordeAbortError);
  assert.equal(e.jobId, undefined);
  assert.equal(sim.jobs().length, before);
});

test('abort while the submit is in flight: the job is created, then cancelled', async () => {
  const c = client(sim);
  sim.addFault({ fault: 'slow', method: 'POST', path: '/v2/generate/async', delayMs: 400 });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const e = await rejection(c.generateImages({ prompt: 'in flight', params: { n: 3, steps: 200 } }, { signal: ac.signal }));
  assert.ok(e instanceof HordeAbortError, e.message);
  assert.ok(e.jobId, 'the job id is known');
  assert.equal(sim.job(e.jobId).cancelled, true);
  await nothingRunning(sim);
});

test('abort while queued: cancelled on the server, partial attached', async () => {
  sim.setConfig({ workers: 0 }); // nobody picks the job up
  const c = client(sim);
  const ac = new AbortController();
  let id;
  const p = c.generateImages({ prompt: 'queued' }, {
    signal: ac.signal,
    onSubmitted: (s) => { id = s.id; },
    onProgress: (pr) => { assert.equal(pr.phase, 'queued'); ac.abort(); },
  });
  const e = await rejection(p);
  assert.ok(e instanceof HordeAbortError);
  assert.equal(e.jobId, id);
  assert.equal(e.partial.generations.length, 0);
  assert.equal(e.partial.done, false, 'the state just before the cancel');
  const job = sim.job(id);
  assert.equal(job.cancelled, true);
  assert.equal(job.active, false);
});

test('abort while processing keeps the images that finished', async () => {
  sim.setConfig({ speed: 4, workers: 1 });
  const c = client(sim, { apiKey: TRUSTED_KEY });
  const ac = new AbortController();
  const p = c.generateImages({ prompt: 'keep what finished', params: { n: 4, steps: 30 }, disable_batching: true }, {
    signal: ac.signal,
    onImage: () => ac.abort(),
  });
  const e = await rejection(p);
  assert.ok(e instanceof HordeAbortError);
  assert.ok(e.partial.generations.length >= 1, 'finished images come back');
  assert.ok(e.partial.generations.length < 4);
  assert.equal(sim.job(e.jobId).cancelled, true);
  await nothingRunning(sim);
});

test('abort while fetching the final status', async () => {
  const c = client(sim);
  const ac = new AbortController();
  sim.addFault({ fault: 'slow', method: 'GET', path: '/v2/generate/status/', delayMs: 2000 });
  const p = c.generateImages({ prompt: 'at the very end' }, {
    signal: ac.signal,
    onProgress: (pr) => { if (pr.phase === 'done') setTimeout(() => ac.abort(), 100); },
  });
  const e = await rejection(p);
  assert.ok(e instanceof HordeAbortError);
  assert.equal(sim.job(e.jobId).done, true);
});

test('timeout cancels the job and rejects with HordeTimeoutError', async () => {
  sim.setConfig({ workers: 0 }); // nobody picks the job up
  const c = client(sim);
  const e = await rejection(c.generateImages({ prompt: 'too slow' }, { timeoutMs: 1500 }));
  assert.ok(e instanceof HordeTimeoutError, e.message);
  assert.equal(e.timeoutMs, 1500);
  assert.equal(sim.job(e.jobId).cancelled, true);
  await nothingRunning(sim);
});

test('a faulted job rejects with HordeJobFaultedError and what finished', async () => {
  const c = client(sim);
  const e = await rejection(c.generateImages({ prompt: 'doomed', params: { n: 2 } }, {
    onSubmitted: (s) => sim.inject(s.id, 'fault'),
  }));
  assert.ok(e instanceof HordeJobFaultedError, e.message);
  assert.ok(e instanceof HordeJobError);
  assert.equal(e.partial.faulted, true);
  assert.equal(typeof e.jobId, 'string');
});

test('a job cancelled by another client ends done short: HordeJobFaultedError, the rest never arrived', async () => {
  sim.setConfig({ speed: 4, workers: 1 });
  const c = client(sim, { apiKey: TRUSTED_KEY });
  const other = client(sim);
  let id;
  let cancelled;
  const e = await rejection(c.generateImages({ prompt: 'cancelled elsewhere', params: { n: 4, steps: 30 }, disable_batching: true }, {
    onSubmitted: (s) => { id = s.id; },
    onImage: () => { cancelled ??= other.deleteImageStatus(id); },
  }));
  await cancelled;
  assert.ok(e instanceof HordeJobFaultedError, `${e.name}: ${e.message}`);
  assert.equal(e.partial.done, true);
  assert.equal(e.partial.faulted, false);
  assert.equal(e.partial.restarted, 0);
  assert.ok(e.partial.generations.length >= 1 && e.partial.generations.length < 4, String(e.partial.generations.length));
  assert.match(e.message, new RegExp(`${e.partial.generations.length} of 4 images: ${4 - e.partial.generations.length} never arrived`));
});

test('worker failures restart images and the job still completes', async () => {
  const c = client(sim);
  const st = await c.generateImages({ prompt: 'flaky workers', params: { n: 2 } }, {
    onProgress: (p) => { if (p.checks === 1) sim.inject(p.jobId, 'worker-failure'); },
  });
  assert.equal(st.generations.length, 2);
  assert.ok(st.restarted >= 1, `restarted ${st.restarted}`);
});

test('a job that expires mid-wait rejects with HordeJobExpiredError', async () => {
  const c = client(sim);
  const e = await rejection(c.generateImages({ prompt: 'gone' }, {
    onSubmitted: (s) => { sim.inject(s.id, 'stall'); sim.inject(s.id, 'expire'); },
  }));
  assert.ok(e instanceof HordeJobExpiredError, e.message);
});

test('an impossible job is cancelled after impossibleTimeoutMs', async () => {
  const c = client(sim);
  const e = await rejection(c.generateImages({ prompt: 'no worker', models: ['SDXL 1.0'] }, { impossibleTimeoutMs: 500 }));
  assert.ok(e instanceof HordeJobImpossibleError, e.message);
  assert.equal(sim.job(e.jobId).cancelled, true);
});

test('censored images resolve, marked and explained', async () => {
  const c = client(sim);
  const st = await c.generateImages({ prompt: 'nsfw test', params: { n: 1 } });
  const g = st.generations[0];
  assert.equal(g.censored, true);
  assert.deepEqual(g.gen_metadata.find((m) => m.type === 'censorship'), { type: 'censorship', value: 'nsfw' });
  const img = await c.downloadImage(g);
  assert.equal(img.censored, true);
  assert.equal(img.mimeType, 'image/webp');
});

test('429 without rc and 5xx during the wait are absorbed', async () => {
  const c = client(sim);
  let n = 0;
  const st = await c.generateImages({ prompt: 'weather the storm' }, {
    onProgress: (p) => {
      if (n++ === 0) {
        sim.addFault({ fault: '429', path: `/v2/generate/check/${p.jobId}`, retryAfter: 1 });
        sim.addFault({ fault: '503', path: `/v2/generate/check/${p.jobId}`, times: 2 });
      }
    },
  });
  assert.equal(st.done, true);
  assert.ok(c.stats.retries >= 2);
});

test('TooManyPrompts waits for the queue, then submits', async () => {
  const c = client(sim);
  sim.addFault({ fault: '429-rc', method: 'POST', path: '/v2/generate/async', times: 1 });
  const r = recorder();
  const st = await c.generateImages({ prompt: 'patience' }, r.opts);
  assert.equal(st.done, true);
  assert.equal(r.progress[0].phase, 'submitting');
  // submitImage alone reports it.
  sim.addFault({ fault: '429-rc', method: 'POST', path: '/v2/generate/async', times: 1 });
  const e = await rejection(c.submitImage({ prompt: 'now' }));
  assert.ok(e instanceof HordeRateLimitError);
  assert.equal(e.rc, 'TooManyPrompts');
});

test('20 jobs at once from one client: all delivered, zero 429s', async () => {
  sim.resetStats();
  const c = client(sim);
  const jobs = Array.from({ length: 20 }, (_, i) => c.generateImages({ prompt: `job ${i}`, params: { n: 1, width: 256, height: 256 } }));
  const results = await Promise.all(jobs);
  assert.equal(results.length, 20);
  assert.ok(results.every((s) => s.generations.length === 1));
  assert.equal(count429(sim), 0, JSON.stringify(sim.stats().byStatus));
  assert.equal(c.stats.rateLimited, 0);
  await nothingRunning(sim);
});

test('invalid requests are rejected before anything is sent', async () => {
  const c = client(sim);
  sim.resetStats();
  const cases = [
    [{ prompt: '' }, 'prompt'],
    [{ prompt: 'x', params: { width: 500 } }, 'params.width'],
    [{ prompt: 'x', params: { steps: 'many' } }, 'params.steps'],
    [{ prompt: 'x', source_processing: 'txt2img' }, 'source_processing'],
    [{ prompt: 'x', params: { sampler: 'k_euler' } }, 'params.sampler'],
    [{ prompt: 'x', modles: [] }, 'modles'],
    [{ prompt: 'x', dry_run: true }, 'dry_run'],
    [{ params: {} }, 'prompt'],
    ['a string', 'request'],
  ];
  for (const [req, argument] of cases) {
    const e = await rejection(c.generateImages(req));
    assert.ok(e instanceof HordeInvalidArgumentError, `${JSON.stringify(req)}: ${e}`);
    assert.equal(e.argument, argument, JSON.stringify(req));
    const e2 = await rejection(c.submitImage(req));
    assert.equal(e2.argument, argument);
  }
  assert.equal(sim.stats().requests, 0);
});

test('submit sends the SDK defaults, and the dry run estimates', async () => {
  const seen = [];
  const c = client(sim, {
    fetch: async (url, init) => {
      if (init.body) seen.push(JSON.parse(init.body));
      return fetch(url, init);
    },
  });
  const { kudos } = await c.estimateKudos({ prompt: 'how much', params: { n: 2 } });
  assert.ok(kudos > 0);
  const r = await c.submitImage({ prompt: 'defaults' });
  assert.match(r.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(r.warnings, []);
  const body = seen.at(-1);
  assert.deepEqual(body.models, []);
  assert.equal(body.nsfw, false);
  assert.equal(body.censor_nsfw, true);
  assert.equal(body.validated_backends, true);
  assert.equal(body.params.cfg_scale, 7.5);
  assert.equal(body.params.karras, true);
  assert.equal(body.dry_run, undefined);
  assert.equal(seen[0].dry_run, true);
});

test('auxiliary calls: heartbeat, models, findUser', async () => {
  const c = client(sim);
  const hb = await c.heartbeat();
  assert.equal(hb.message, 'OK');
  const models = await c.listModels({ type: 'image' });
  assert.ok(models.length >= 1);
  assert.ok(models.every((m) => typeof m.name === 'string' && typeof m.count === 'number'));
  const me = await c.findUser();
  assert.equal(me.username, 'Tester#1');
  const anon = await client(sim, { apiKey: '0000000000' }).findUser();
  assert.equal(anon.id, 0);
  const e = await rejection(client(sim, { apiKey: 'unknownkey000000000000' }).findUser());
  assert.equal(e.name, 'HordeNotFoundError');
  assert.equal(e.rc, 'UserNotFound');
  // The limiter's Retry-After comes with every answer; on a 404 it is no advice to retry.
  assert.equal(e.retryAfterMs, undefined);
});

test('cancels outlive the page: keepalive on the lifecycle cancel and on request, never otherwise', async () => {
  const seen = [];
  const c = client(sim, {
    fetch: async (url, init) => {
      seen.push({ method: init.method, path: new URL(url).pathname, keepalive: init.keepalive, has: 'keepalive' in init });
      return fetch(url, init);
    },
  });
  const controller = new AbortController();
  const done = rejection(c.generateImages({ prompt: 'a page being closed', params: { n: 1 } }, {
    signal: controller.signal,
    onSubmitted: () => setTimeout(() => controller.abort(), 50),
  }));
  const e = await done;
  assert.equal(e.name, 'HordeAbortError');
  assert.equal(e.cancelError, undefined);
  const cancels = seen.filter((r) => r.method === 'DELETE');
  assert.equal(cancels.length, 1);
  assert.equal(cancels[0].keepalive, true, 'the cancel of an aborted job may outlive the page');
  // Nothing else asks for keepalive, and an injected fetch does not even see the key.
  assert.ok(seen.filter((r) => r.method !== 'DELETE').every((r) => !r.has), JSON.stringify(seen));

  // On request, for a cancel a page sends itself from pagehide.
  seen.length = 0;
  const { id } = await c.submitImage({ prompt: 'cancelled by hand' });
  await c.deleteImageStatus(id, { keepalive: true });
  await c.checkImage(id, { keepalive: false });
  assert.deepEqual(seen.map((r) => [r.method, r.keepalive]), [['POST', undefined], ['DELETE', true], ['GET', undefined]]);
  const bad = await rejection(c.checkImage(id, { keepalive: 'yes' }));
  assert.equal(bad.name, 'HordeInvalidArgumentError');
  assert.equal(bad.argument, 'options.keepalive');
});

test('errors carry their cause: the platform error of a failed connection, the reason of an abort', async () => {
  const boom = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
  const down = client(sim, { fetch: () => Promise.reject(boom), maxRetries: 0 });
  const e1 = await rejection(down.heartbeat());
  assert.equal(e1.name, 'HordeConnectionError');
  assert.equal(e1.cause, boom);
  assert.match(e1.message, /fetch failed/);

  const c = client(sim);
  const { id } = await c.submitImage({ prompt: 'abort reasons' });
  const why = new Error('the user left');
  const gone = AbortSignal.abort(why);
  const e2 = await rejection(c.checkImage(id, { signal: gone }));
  assert.equal(e2.name, 'HordeAbortError');
  assert.equal(e2.cause, why);
  const st = await c.getImageStatus(id);
  await c.deleteImageStatus(id);
  const e3 = await rejection(c.downloadImage({ ...st.generations[0] ?? { id: '00000000-0000-4000-8000-000000000000', img: `${sim.baseUrl}/x` } }, { signal: gone }));
  assert.equal(e3.name, 'HordeAbortError', e3.message);
  assert.equal(e3.cause, why);

  const controller = new AbortController();
  const e4 = await rejection(c.generateImages({ prompt: 'stopped with a reason' }, {
    signal: controller.signal,
    onSubmitted: () => setTimeout(() => controller.abort('changed my mind'), 20),
  }));
  assert.equal(e4.name, 'HordeAbortError');
  assert.equal(e4.cause, 'changed my mind');
  assert.ok(e4.jobId);
  // JSON.stringify leaves it out, as it does partial.
  assert.equal(JSON.parse(JSON.stringify(e4)).cause, undefined);
});

test('an impossible job is cancelled soon after impossibleTimeoutMs, not at the next 10 s check', async () => {
  const c = client(sim);
  const progress = [];
  const e = await rejection(c.generateImages({ prompt: 'no worker, quickly', models: ['SDXL 1.0'] }, {
    impossibleTimeoutMs: 1500,
    onProgress: (p) => progress.push(p),
  }));
  assert.ok(e instanceof HordeJobImpossibleError, e.message);
  assert.ok(progress.length >= 2, 'checked again once the limit had passed');
  assert.ok(progress.every((p) => !p.isPossible));
  // The second check comes once the limit has passed: at about 1.5 s, not at the 10 s cadence.
  assert.ok(progress.at(-1).elapsedMs >= 1500, JSON.stringify(progress.map((p) => p.elapsedMs)));
  assert.ok(progress.at(-1).elapsedMs < 6000, JSON.stringify(progress.map((p) => p.elapsedMs)));
});
