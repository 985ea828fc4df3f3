// Errors, rc and rate limits against the target server (the simulator, or the real AI Horde
// server in the conformance stage): each server answer maps to its typed error, and the client's
// pacing keeps concurrent jobs clear of 429s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openTarget, horde, rejection, LOW_CONCURRENCY, POOR } from './target.mjs';

const {
  HordeBadRequestError, HordeAuthError, HordeForbiddenError, HordeNotFoundError, HordeRateLimitError,
} = horde;

let target;
before(async () => { target = await openTarget(); });
after(async () => { await target?.close(); });

const small = { width: 256, height: 256, steps: 10 };

test('a value the server does not know: HordeBadRequestError naming the field, without rc', async () => {
  const c = target.client();
  const e = await rejection(c.submitImage({ prompt: 'x', params: { ...small, sampler_name: 'k_no_such_sampler' } }));
  assert.ok(e instanceof HordeBadRequestError, `${e.name}: ${e.message}`);
  assert.equal(e.status, 400);
  assert.equal(e.rc, undefined);
  assert.match(e.errors['params.sampler_name'], /'k_no_such_sampler' is not one of/);
});

test('an unknown API key: HordeAuthError with rc InvalidAPIKey, and the key is nowhere in it', async () => {
  const key = 'notarealkey0123456789';
  const c = target.client({ apiKey: key });
  const e = await rejection(c.submitImage({ prompt: 'x', params: small }));
  assert.ok(e instanceof HordeAuthError, `${e.name}: ${e.message}`);
  assert.equal(e.rc, 'InvalidAPIKey');
  assert.ok(!JSON.stringify(e).includes(key) && !String(e).includes(key) && !e.message.includes(key));
  const f = await rejection(c.findUser());
  assert.ok(f instanceof HordeNotFoundError, `${f.name}: ${f.message}`);
  assert.equal(f.rc, 'UserNotFound');
  assert.ok(!f.message.includes(key), f.message);
});

test('a banned client agent: HordeForbiddenError with rc BannedClientAgent', async () => {
  const c = target.client({ clientAgent: 'My-Project:v0.0.1:My-Contact' });
  const e = await rejection(c.submitImage({ prompt: 'x', params: small }));
  assert.ok(e instanceof HordeForbiddenError, `${e.name}: ${e.message}`);
  assert.equal(e.rc, 'BannedClientAgent');
});

test('a request that needs upfront kudos from a key without them: HordeForbiddenError KudosUpfront', async () => {
  const c = target.client({ apiKey: POOR });
  const e = await rejection(c.submitImage({ prompt: 'x', params: { width: 1536, height: 1536, steps: 50 } }));
  assert.ok(e instanceof HordeForbiddenError, `${e.name}: ${e.message}`);
  assert.equal(e.rc, 'KudosUpfront');
});

test('more images than the key may queue: HordeRateLimitError with rc TooManyPrompts', async () => {
  const c = target.client({ apiKey: LOW_CONCURRENCY });
  const e = await rejection(c.submitImage({ prompt: 'x', params: { ...small, n: 3 } }));
  assert.ok(e instanceof HordeRateLimitError, `${e.name}: ${e.message}`);
  assert.equal(e.rc, 'TooManyPrompts');
  assert.equal(e.status, 429);
});

test('an unknown job: HordeNotFoundError with rc RequestNotFound on check, status and cancel', async () => {
  const c = target.client();
  const id = randomUUID();
  for (const call of [() => c.checkImage(id), () => c.getImageStatus(id), () => c.deleteImageStatus(id)]) {
    const e = await rejection(call());
    assert.ok(e instanceof HordeNotFoundError, `${e.name}: ${e.message}`);
    assert.equal(e.rc, 'RequestNotFound');
    assert.ok(e.message.includes(id));
  }
});

test('the key\'s user, the heartbeat and the models', async () => {
  const c = target.client();
  const user = await c.findUser();
  assert.match(user.username, /^Tester#\d+$/);
  assert.equal(typeof user.kudos, 'number');
  const beat = await c.heartbeat();
  assert.equal(beat.message, 'OK');
  const models = await c.listModels();
  assert.ok(models.some((m) => m.name === 'stable_diffusion' && m.count >= 1), JSON.stringify(models.map((m) => m.name)));
});

test('six jobs at once from one client: every one completes and pacing draws no 429', async () => {
  // Submits are also limited per key (2 a second), and the tests above submitted with this key:
  // a client paces its own calls only, so this one starts in a fresh second.
  await new Promise((r) => setTimeout(r, 1100));
  const c = target.client();
  const all = await Promise.all(Array.from({ length: 6 }, (_, i) =>
    c.generateImages({ prompt: `concurrent ${i}`, params: { ...small, width: 128, height: 128 } })));
  assert.equal(all.length, 6);
  for (const st of all) assert.equal(st.generations.length, 1);
  assert.equal(new Set(all.map((st) => st.generations[0].id)).size, 6);
  assert.ok(!c.statuses.includes(429), `answers: ${c.statuses.join(' ')}`);
  const submits = c.statuses.filter((s) => s === 202).length;
  assert.equal(submits, 6);
});
