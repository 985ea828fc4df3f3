// generateImages and downloadImage against the target server (the simulator, or the real AI
// Horde server in the conformance stage): images with progress, both image forms, a job whose
// worker faults, cancels while queued and while processing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTarget, horde, rejection, until, TRUSTED } from './target.mjs';
import { webpSize } from '../lib/webp.mjs';

const { HordeJobFaultedError, HordeJobError, HordeAbortError } = horde;

let target;
before(async () => { target = await openTarget(); });
after(async () => { await target?.close(); });

const small = { width: 256, height: 256, steps: 10 };

test('images arrive with progress, each once, and download as WebP of the requested size', async () => {
  const c = target.client();
  const progress = [];
  const images = [];
  let submitted;
  const st = await c.generateImages({ prompt: 'a quiet harbour', params: { ...small, n: 2, width: 320, height: 192 } }, {
    onSubmitted: (s) => { submitted = s; },
    onProgress: (p) => progress.push(p),
    onImage: (g) => images.push(g),
  });
  assert.equal(st.done, true);
  assert.equal(st.faulted, false);
  assert.equal(st.generations.length, 2);
  assert.equal(st.finished, 2);
  assert.ok(progress.length >= 1);
  assert.ok(progress.every((p) => p.jobId === submitted.id && p.requested === 2));
  assert.equal(progress.at(-1).phase, 'done');
  assert.deepEqual(new Set(images.map((g) => g.id)), new Set(st.generations.map((g) => g.id)), 'each image once');
  assert.equal(images.length, 2);
  for (const g of st.generations) {
    assert.match(g.img, /^http:\/\/127\.0\.0\.1:\d+\//, 'an image URL');
    assert.match(g.seed, /^\d+$/);
    const image = await c.downloadImage(g);
    assert.deepEqual([image.source, image.mimeType, image.censored], ['url', 'image/webp', false]);
    assert.deepEqual(webpSize(image.bytes), { width: 320, height: 192 });
  }
  assert.ok(!c.statuses.includes(429), `no 429: ${c.statuses}`);
});

test('r2: false gives base64 images that downloadImage decodes without a request', async () => {
  const c = target.client();
  const st = await c.generateImages({ prompt: 'base64 form', r2: false, params: { ...small, width: 128, height: 256 } });
  assert.equal(st.generations.length, 1);
  assert.match(st.generations[0].img, /^UklGR/);
  const sent = c.statuses.length;
  const image = await c.downloadImage(st.generations[0]);
  assert.equal(c.statuses.length, sent, 'no request for a base64 image');
  assert.deepEqual([image.source, image.mimeType], ['base64', 'image/webp']);
  assert.deepEqual(webpSize(image.bytes), { width: 128, height: 256 });
});

test('a job whose worker faults on every attempt rejects with HordeJobFaultedError holding its status', async () => {
  // Both servers end it done, not faulted, with no image: a faulted image is retried once,
  // each failure counts toward done, and the faulted flag waits for 3 failures.
  const c = target.client();
  let jobId;
  const e = await rejection(c.generateImages({ prompt: 'faultme please', params: small }, {
    onSubmitted: (s) => { jobId = s.id; },
  }));
  assert.ok(e instanceof HordeJobFaultedError, `${e.name}: ${e.message}`);
  assert.ok(e instanceof HordeJobError);
  assert.equal(e.jobId, jobId);
  assert.equal(e.partial.done, true);
  assert.equal(e.partial.faulted, false);
  assert.equal(e.partial.restarted, 2);
  assert.equal(e.partial.finished, 0);
  assert.deepEqual(e.partial.generations, []);
  assert.match(e.message, /0 of 1 images: 1 lost to worker faults/);
  assert.equal(e.cancelError, undefined);
});

test('a faulted job of several images keeps none and says how many were lost', async () => {
  const c = target.client();
  const e = await rejection(c.generateImages({ prompt: 'faultme twice over', params: { ...small, n: 2 } }));
  assert.ok(e instanceof HordeJobFaultedError, `${e.name}: ${e.message}`);
  assert.equal(e.partial.done, true);
  assert.deepEqual(e.partial.generations, []);
  assert.match(e.message, /0 of 2 images: 2 lost/);
});

test('abort while queued: the job is cancelled on the server, and partial is its status before', async () => {
  const c = target.client();
  target.pauseWorkers();
  const ac = new AbortController();
  let jobId;
  try {
    const e = await rejection(c.generateImages({ prompt: 'queued then cancelled', params: small }, {
      signal: ac.signal,
      onSubmitted: (s) => { jobId = s.id; },
      onProgress: (p) => { if (p.checks >= 1) ac.abort(); },
    }));
    assert.ok(e instanceof HordeAbortError, `${e.name}: ${e.message}`);
    assert.equal(e.jobId, jobId);
    assert.equal(e.cancelError, undefined, 'the cancel went through');
    assert.equal(e.partial.done, false, 'the state just before the cancel');
    assert.deepEqual(e.partial.generations, []);
  } finally {
    target.resumeWorkers();
  }
  // Cancelled: nothing is left to do, and no worker picks it up afterwards.
  const after = await until(async () => {
    const st = await c.getImageStatus(jobId);
    return st.done && st;
  }, { timeout: 30000, ms: 250, what: 'the cancelled job to be done' });
  assert.equal(after.waiting, 0);
  assert.deepEqual(after.generations, []);
});

test('abort while processing: cancelled on the server, partial attached', async () => {
  const c = target.client();
  const ac = new AbortController();
  let jobId;
  const e = await rejection(c.generateImages({ prompt: 'slowme while processing', params: small }, {
    signal: ac.signal,
    onSubmitted: (s) => { jobId = s.id; },
    onProgress: (p) => { if (p.phase === 'processing') ac.abort(); },
  }));
  assert.ok(e instanceof HordeAbortError, `${e.name}: ${e.message}`);
  assert.equal(e.jobId, jobId);
  assert.equal(e.during, 'waiting');
  assert.equal(e.cancelError, undefined);
  assert.equal(e.partial.processing, 1, 'the status just before the cancel');
  assert.deepEqual(e.partial.generations, []);
});

test('abort after the first image: the cancel keeps the images that finished', async () => {
  // Images one by one (a trusted key may disable batching), each slower than the check cadence
  // (about 4 s on the real worker), so that the first one is seen while the others are not done.
  const c = target.client({ apiKey: TRUSTED });
  const ac = new AbortController();
  const seen = [];
  const e = await rejection(c.generateImages({ prompt: 'keep what finished', disable_batching: true, params: { width: 1024, height: 1024, steps: 30, n: 3 } }, {
    signal: ac.signal,
    onImage: (g) => { seen.push(g.id); ac.abort(); },
  }));
  assert.ok(e instanceof HordeAbortError, `${e.name}: ${e.message}`);
  assert.equal(e.cancelError, undefined);
  assert.ok(seen.length >= 1);
  const kept = new Set(e.partial.generations.map((g) => g.id));
  assert.ok(seen.every((id) => kept.has(id)), 'every image delivered is in partial');
  for (const g of e.partial.generations) {
    const image = await c.downloadImage(g);
    assert.equal(image.mimeType, 'image/webp');
  }
});

test('a censored image: censored, with its censorship metadata, and downloadImage says so', async () => {
  const c = target.client();
  const st = await c.generateImages({ prompt: 'a nude statue in a museum', params: small });
  assert.equal(st.generations.length, 1);
  const g = st.generations[0];
  assert.equal(g.censored, true);
  assert.deepEqual(g.gen_metadata.filter((m) => m.type === 'censorship').map((m) => m.value), ['nsfw']);
  const image = await c.downloadImage(g);
  assert.equal(image.censored, true);
  assert.equal(image.mimeType, 'image/webp');
});
