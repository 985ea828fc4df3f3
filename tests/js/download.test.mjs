// downloadImage: URL and base64 forms, the expired-URL refresh, "N/A", bodies that are not
// images, and what is (not) sent to the image host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { horde, startSim, client, rejection, webpSize } from './helpers.mjs';

const { HordeImageUnavailableError, HordeInvalidArgumentError } = horde;

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.close(); });

test('URL and base64 images give the same kind of bytes, of the requested size', async () => {
  const c = client(sim);
  const viaUrl = await c.generateImages({ prompt: 'url form', params: { width: 320, height: 192 } });
  const viaB64 = await c.generateImages({ prompt: 'base64 form', r2: false, params: { width: 128, height: 256 } });
  assert.match(viaUrl.generations[0].img, /^http:\/\/127\.0\.0\.1:\d+\/r2\//);
  assert.match(viaB64.generations[0].img, /^UklGR/);
  const a = await c.downloadImage(viaUrl.generations[0]);
  const b = await c.downloadImage(viaB64.generations[0]);
  assert.deepEqual([a.source, a.mimeType, a.censored], ['url', 'image/webp', false]);
  assert.deepEqual([b.source, b.mimeType], ['base64', 'image/webp']);
  assert.deepEqual(webpSize(a.bytes), { width: 320, height: 192 });
  assert.deepEqual(webpSize(b.bytes), { width: 128, height: 256 });
  assert.ok(a.blob instanceof Blob);
  assert.equal(a.blob.size, a.bytes.length);
  assert.equal(a.generationId, viaUrl.generations[0].id);
});

test('an expired URL is refreshed once through a status call', async () => {
  const c = client(sim);
  let jobId;
  const st = await c.generateImages({ prompt: 'expire me' }, { onSubmitted: (s) => { jobId = s.id; } });
  sim.inject(jobId, 'expire-images');
  const before = sim.stats().byRoute['GET /v2/generate/status'] ?? 0;
  // The client saw this generation, so it knows its job.
  const img = await c.downloadImage(st.generations[0]);
  assert.equal(img.mimeType, 'image/webp');
  assert.equal(sim.stats().byRoute['GET /v2/generate/status'], before + 1, 'exactly one status call');
  // Another client does not know the job: an explicit jobId does the same; without it, a clear error.
  sim.inject(jobId, 'expire-images');
  const other = client(sim);
  const e = await rejection(other.downloadImage(st.generations[0]));
  assert.ok(e instanceof HordeImageUnavailableError);
  assert.equal(e.status, 403);
  assert.match(e.message, /jobId/);
  const again = await other.downloadImage(st.generations[0], { jobId });
  assert.equal(again.mimeType, 'image/webp');
  // A client that fetched the status itself knows the job too.
  const third = client(sim);
  const fresh = await third.getImageStatus(jobId);
  sim.inject(jobId, 'expire-images');
  const viaStatus = await third.downloadImage(fresh.generations[0]);
  assert.equal(viaStatus.mimeType, 'image/webp');
});

test('an expired URL of an expired job: HordeImageUnavailableError that says so, not a 404 of the refresh', async () => {
  // On the real Horde this is the usual order: a URL lives 30 minutes, a job's results about
  // 20 minutes after its last pick-up, so the refresh's status call answers 404.
  const c = client(sim);
  let jobId;
  const st = await c.generateImages({ prompt: 'too late' }, { onSubmitted: (s) => { jobId = s.id; } });
  sim.inject(jobId, 'expire-images');
  sim.inject(jobId, 'expire');
  const statusCalls = sim.stats().byRoute['GET /v2/generate/status'];
  const e = await rejection(c.downloadImage(st.generations[0]));
  assert.ok(e instanceof HordeImageUnavailableError, `${e.name}: ${e.message}`);
  assert.equal(e.status, 403);
  assert.equal(e.generationId, st.generations[0].id);
  assert.match(e.message, /no longer on the Horde/);
  assert.equal(sim.stats().byRoute['GET /v2/generate/status'], statusCalls + 1, 'the one refresh was tried');
});

test('"N/A", broken base64, non-image bytes and bad arguments are typed errors', async () => {
  const c = client(sim);
  const gen = (img) => ({ id: 'g', img, seed: '1', censored: false, model: 'm', state: 'ok', worker_id: 'w', worker_name: 'n' });
  let e = await rejection(c.downloadImage(gen('N/A')));
  assert.ok(e instanceof HordeImageUnavailableError);
  assert.match(e.message, /N\/A/);
  e = await rejection(c.downloadImage(gen('!!not base64!!')));
  assert.ok(e instanceof HordeImageUnavailableError);
  e = await rejection(c.downloadImage(gen(Buffer.from('hello, not an image').toString('base64'))));
  assert.ok(e instanceof HordeImageUnavailableError);
  assert.match(e.message, /not an image/);
  e = await rejection(c.downloadImage({ id: 'g' }));
  assert.ok(e instanceof HordeInvalidArgumentError);
  assert.equal(e.argument, 'generation.img');
  e = await rejection(c.downloadImage(gen('http://127.0.0.1:9/x.webp'), { jobId: 'nope' }));
  assert.equal(e.argument, 'options.jobId');
});

test('the image host gets no API key and no custom header', async () => {
  const seen = [];
  const c = client(sim, {
    apiKey: 'simtestkey000000000001',
    fetch: (url, init) => {
      seen.push({ url: String(url), headers: { ...init.headers }, redirect: init.redirect });
      return fetch(url, init);
    },
  });
  const st = await c.generateImages({ prompt: 'who sees my key' });
  await c.downloadImage(st.generations[0]);
  const image = seen.find((s) => s.url.includes('/r2/'));
  assert.deepEqual(image.headers, {});
  const keyed = seen.filter((s) => 'apikey' in s.headers);
  assert.deepEqual(keyed.map((s) => new URL(s.url).pathname), ['/api/v2/generate/async']);
  assert.ok(keyed.every((s) => s.redirect === 'error'), 'requests with the key refuse redirects');
  assert.ok(seen.every((s) => !s.url.includes('simtestkey')), 'never in a URL');
});

test('an image over maxBodyBytes is refused, not read whole; options.timeoutMs is checked first', async () => {
  const c = client(sim);
  const st = await c.generateImages({ prompt: 'a large image', params: { width: 512, height: 512 } });
  const g = st.generations[0];
  const size = (await c.downloadImage(g)).bytes.length;
  // Only the image is fetched through this client, so a limit of half its size refuses it.
  const limit = Math.floor(size / 2);
  const small = client(sim, { maxBodyBytes: limit });
  const e = await rejection(small.downloadImage(g));
  assert.equal(e.name, 'HordeDecodeError', e.message);
  assert.equal(e.fieldPath, '(size)');
  assert.match(e.message, new RegExp(`more than maxBodyBytes \\(${limit}\\)`));
  // A base64 image is not fetched, so no limit applies.
  const b64 = await c.generateImages({ prompt: 'inline', r2: false });
  assert.equal((await small.downloadImage(b64.generations[0])).source, 'base64');

  const before = sim.stats().requests;
  for (const timeoutMs of [-1, 0, NaN]) {
    const bad = await rejection(c.downloadImage(g, { timeoutMs }));
    assert.ok(bad instanceof HordeInvalidArgumentError, `${timeoutMs}: ${bad}`);
    assert.equal(bad.argument, 'options.timeoutMs');
  }
  assert.equal(sim.stats().requests, before, 'nothing was sent');
});
