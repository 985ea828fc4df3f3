// The status module from JavaScript, on the built Node package: request classes, the seed's
// behaviour functions, error classes with instanceof, and the client's status calls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { horde, startSim, client, until, rejection } from './helpers.mjs';

const {
  HordeClient, ImageGenerateStatusRequest, DeleteImageGenerateRequest, ImageGenerateCheckRequest,
  isJobComplete, isJobDone, isJobPossible, sameGeneration, sameGenerations, generationsSubsetOf,
  mergeGenerations, HordeError, HordeApiError, HordeNotFoundError, HordeInvalidArgumentError,
} = horde;

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.close(); });

const ID = '5a5ba3f5-8a2d-4a77-8c9f-3f7d3bc0d8a1';
const gen = (id, img = 'https://r2.example/x.webp') => ({
  id, img, seed: '1', censored: false, model: 'm', state: 'ok', worker_id: 'w', worker_name: 'n', gen_metadata: [],
});
const status = (ids, extra = {}) => ({
  finished: ids.length, processing: 0, restarted: 0, waiting: 0, done: true, faulted: false, wait_time: 0,
  queue_position: 0, kudos: 1, is_possible: true, shared: false, generations: ids.map((i) => gen(i)), ...extra,
});

test('request classes know their method, endpoint, model name and response type', () => {
  const get = new ImageGenerateStatusRequest(ID);
  const del = new DeleteImageGenerateRequest(ID.toUpperCase());
  const chk = new ImageGenerateCheckRequest(ID);
  assert.equal(get.httpMethod, 'GET');
  assert.equal(del.httpMethod, 'DELETE');
  assert.equal(get.endpoint, '/v2/generate/status/{id}');
  assert.equal(del.path, `/v2/generate/status/${ID}`, 'ids are normalised to lower case');
  assert.equal(chk.path, `/v2/generate/check/${ID}`);
  assert.equal(get.apiModelName, undefined);
  assert.equal(get.responseType, 'ImageGenerateStatusResponse');
  assert.equal(chk.responseType, 'ImageGenerateCheckResponse');
  assert.ok(get.equals(new ImageGenerateStatusRequest(ID)));
  assert.ok(!get.equals(del), 'a GET and a DELETE of the same id differ');
  assert.equal(new Set([get.key, new ImageGenerateStatusRequest(ID).key]).size, 1);
  for (const bad of ['', 'x', '../v2/find_user', `${ID}\n`, 42]) {
    assert.throws(() => new DeleteImageGenerateRequest(bad), (e) => e instanceof HordeInvalidArgumentError && e.argument === 'id');
  }
});

test('completion follows the seed, and its documented limit', () => {
  const two = status(['a', 'b']);
  assert.equal(isJobComplete(two, 2), true);
  assert.equal(isJobComplete(two, 3), false);
  // A cancelled job: done with fewer images; the seed's rule never fires, isJobDone does.
  const cancelled = status(['a'], { done: true, finished: 1 });
  assert.equal(isJobComplete(cancelled, 4), false);
  assert.equal(isJobDone(cancelled), true);
  assert.equal(isJobPossible(status([], { is_possible: false })), false);
  assert.equal(isJobDone({ ...status([]), done: false }), false);
  assert.throws(() => isJobDone({}), HordeInvalidArgumentError);
  assert.throws(() => isJobComplete('nope', 1), HordeInvalidArgumentError);
});

test('generations compare by id, and merge without duplicates keeping the newest copy', () => {
  assert.equal(sameGeneration(gen('a', 'u1'), gen('a', 'u2')), true);
  assert.equal(sameGeneration(gen('a'), gen('b')), false);
  // The empty-id rule, as in mergeGenerations: each empty id is a fresh random one, equal to none.
  assert.equal(sameGeneration(gen(''), gen('')), false);
  assert.equal(generationsSubsetOf(status(['']), status([''])), false);
  assert.equal(sameGenerations(status(['', 'a']), status(['', 'a'])), false);
  assert.equal(mergeGenerations([gen('')], [gen('')]).length, 2);
  assert.equal(generationsSubsetOf(status([]), status(['a'])), true, "the seed's one-sided relation");
  assert.equal(generationsSubsetOf(status(['a', 'b']), status(['a'])), false);
  assert.equal(sameGenerations(status(['a', 'b']), status(['b', 'a'])), true);
  assert.equal(sameGenerations(status(['a']), status(['a', 'b'])), false);
  const merged = mergeGenerations([gen('a', 'old'), gen('b')], [gen('c'), gen('a', 'new')]);
  assert.deepEqual(merged.map((g) => g.id), ['a', 'b', 'c']);
  assert.equal(merged[0].img, 'new');
  assert.throws(() => mergeGenerations([{ id: 'a' }], []), (e) => e instanceof HordeInvalidArgumentError && /existing\[0\]/.test(e.argument));
});

test('status and delete against the simulator', async () => {
  const c = client(sim);
  const { id } = await c.submitImage({ prompt: 'a red kite', params: { n: 2 } });
  await until(async () => (await c.checkImage(id)).done, { what: 'job done' });
  const st = await c.getImageStatus(id);
  assert.equal(st.generations.length, 2);
  assert.equal(isJobComplete(st, 2), true);
  const viaSend = await c.send(new ImageGenerateStatusRequest(id));
  assert.ok(sameGenerations(st, viaSend));
  const del = await c.deleteImageStatus(id);
  assert.equal(del.done, true, 'cancelling a finished job is harmless');
  assert.equal(sim.job(id).cancelled, true);
});

test('errors are instanceof their classes, with literal names, and never hold the key', async () => {
  const c = client(sim, { apiKey: 'secretkey0000000000000' });
  const e = await rejection(c.getImageStatus('00000000-0000-4000-8000-000000000000'));
  assert.ok(e instanceof HordeNotFoundError);
  assert.ok(e instanceof HordeApiError);
  assert.ok(e instanceof HordeError);
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'HordeNotFoundError');
  assert.equal(e.status, 404);
  assert.equal(e.rc, 'RequestNotFound');
  assert.match(String(e.stack), /^HordeNotFoundError: /);
  const shown = [e.message, String(e), JSON.stringify(e), e.stack, JSON.stringify(c), String(c)].join('\n');
  assert.ok(!shown.includes('secretkey'), shown);
  assert.equal(JSON.parse(JSON.stringify(e)).status, 404);
  const bad = await rejection(c.send({ kind: 'Nope', id: '00000000-0000-4000-8000-000000000000' }));
  assert.ok(bad instanceof HordeInvalidArgumentError);
});

test('methods never throw synchronously', () => {
  const c = client(sim);
  const p = c.getImageStatus(undefined, 'not options');
  assert.ok(p instanceof Promise);
  return assert.rejects(p, HordeInvalidArgumentError);
});

test('the client can be freed while a call is in flight', async () => {
  const c = client(sim);
  const { id } = await c.submitImage({ prompt: 'free me' });
  const p = c.checkImage(id);
  c.free();
  const r = await p;
  assert.equal(typeof r.done, 'boolean');
});

test('a plain HordeClient() defaults to the public Horde, anonymously', () => {
  const c = new HordeClient();
  assert.equal(c.baseUrl, 'https://aihorde.net/api');
  assert.equal(c.isAnonymous, true);
  assert.match(c.clientAgent, /^horde-wasm:\d+\.\d+\.\d+:/);
});
